import { createHash } from 'node:crypto'
import type { Logger } from 'pino'
import { NO_TRACING, type Tracing } from '../core/tracing.js'

/** How long finished spans wait before an export batch: small, so traces show up promptly. */
const EXPORT_DELAY_MS = 1_000

/**
 * OpenTelemetry tracing when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (OTLP over HTTP, JSON). The
 * SDK is imported only then: without the variable, tracing costs nothing, not even the import.
 */
export async function startTracing(env: NodeJS.ProcessEnv, logger: Logger): Promise<Tracing> {
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT
  if (endpoint === undefined || endpoint === '') return NO_TRACING
  const [api, sdk, exporterModule, resources] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ])
  const exporter = new exporterModule.OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces` })
  const provider = new sdk.BasicTracerProvider({
    resource: resources.resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME || 'hookline' }),
    spanProcessors: [new sdk.BatchSpanProcessor(exporter, { scheduledDelayMillis: EXPORT_DELAY_MS })],
  })
  const tracer = provider.getTracer('hookline')
  logger.info('OpenTelemetry tracing on')

  /** Every span of an event hangs below a parent derived from its id: one trace per event. */
  const eventContext = (eventId: string) => {
    const digest = createHash('sha256').update(eventId).digest('hex')
    return api.trace.setSpanContext(api.ROOT_CONTEXT, {
      traceId: digest.slice(0, 32),
      spanId: digest.slice(32, 48),
      traceFlags: api.TraceFlags.SAMPLED,
      isRemote: true,
    })
  }

  return {
    eventAccepted(event, source, times) {
      const span = tracer.startSpan(
        source === null ? 'hookline.publish' : 'hookline.ingest',
        {
          startTime: times.startMs,
          kind: api.SpanKind.SERVER,
          attributes: {
            'hookline.event.id': event.id,
            'hookline.event.type': event.type,
            ...(source === null ? {} : { 'hookline.source': source }),
          },
        },
        eventContext(event.id),
      )
      span.end(times.endMs)
    },
    attemptFinished(attempt, times) {
      const span = tracer.startSpan(
        'hookline.delivery.attempt',
        {
          startTime: times.startMs,
          kind: api.SpanKind.CLIENT,
          attributes: {
            'hookline.event.id': attempt.eventId,
            'hookline.event.type': attempt.eventType,
            'hookline.delivery.id': attempt.deliveryId,
            'hookline.endpoint.id': attempt.endpointId,
            'hookline.attempt': attempt.attempt,
            'hookline.outcome': attempt.outcome,
            ...(attempt.statusCode === null ? {} : { 'http.response.status_code': attempt.statusCode }),
          },
        },
        eventContext(attempt.eventId),
      )
      if (attempt.error !== null) span.setStatus({ code: api.SpanStatusCode.ERROR, message: attempt.error })
      span.end(times.endMs)
    },
    async shutdown() {
      await provider.shutdown()
    },
  }
}
