import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, GatewayProcess } from './support/gateway-process.js'
import { answer, Sink } from './support/sink.js'

interface Span {
  traceId: string
  name: string
  attributes: { key: string; value: { stringValue?: string; intValue?: string | number } }[]
}

/** Spans a fake OTLP/HTTP collector on 127.0.0.1 received. */
function spansOf(collector: Sink): Span[] {
  return collector.received.flatMap((request) => {
    const body = JSON.parse(request.body) as {
      resourceSpans: { scopeSpans: { spans: Span[] }[] }[]
    }
    return body.resourceSpans.flatMap((resource) => resource.scopeSpans.flatMap((scope) => scope.spans))
  })
}

const attribute = (span: Span, key: string) => {
  const value = span.attributes.find((entry) => entry.key === key)?.value
  return value?.stringValue ?? value?.intValue
}

describe('OpenTelemetry tracing', () => {
  let collector: Sink
  let gateway: GatewayProcess

  beforeAll(async () => {
    collector = await Sink.start(answer(200, { 'content-type': 'application/json' }, '{}'))
    gateway = await GatewayProcess.start({
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, HOOKLINE_RETRY_SCHEDULE: '0,100ms' },
    })
  })
  afterAll(async () => {
    await gateway.cleanup()
    await collector.close()
  })

  it('exports the publish and every attempt of an event as one trace keyed by the event id', async () => {
    const sink = await Sink.start(async (_request, index, response) => {
      response.writeHead(index === 0 ? 500 : 200).end()
    })
    try {
      await gateway.api('POST', '/v1/endpoints', { url: `${sink.url}/traced` })
      const event = (await gateway.api('POST', '/v1/events', { type: 'traced.event', data: {} })).body
      await eventually(async () => sink.received.length === 2)
      const spans = await eventually(async () => {
        const found = spansOf(collector).filter((span) => attribute(span, 'hookline.event.id') === event.id)
        return found.length >= 3 ? found : undefined
      })
      expect(collector.received[0]?.path).toBe('/v1/traces')
      expect(spans.map((span) => span.name).sort()).toEqual([
        'hookline.delivery.attempt',
        'hookline.delivery.attempt',
        'hookline.publish',
      ])
      expect(new Set(spans.map((span) => span.traceId)).size).toBe(1)
      const attempts = spans.filter((span) => span.name === 'hookline.delivery.attempt')
      expect(
        attempts
          .map((span) => attribute(span, 'http.response.status_code'))
          .map(Number)
          .sort(),
      ).toEqual([200, 500])
    } finally {
      await sink.close()
    }
  })
})

describe('without OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  it('exports nothing and does not load the SDK', async () => {
    const gateway = await GatewayProcess.start()
    try {
      expect(gateway.output).not.toContain('OpenTelemetry tracing on')
    } finally {
      await gateway.cleanup()
    }
  })
})
