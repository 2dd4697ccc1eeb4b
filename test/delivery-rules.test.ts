import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, GatewayProcess } from './support/gateway-process.js'
import { answer, closedPort, Sink } from './support/sink.js'

/**
 * The delivery rules of DESIGN.md against a real `hookline serve` and real sinks. The retry
 * schedule is shortened so that a whole schedule runs in well under a second.
 */
describe('delivery rules', () => {
  let gateway: GatewayProcess

  beforeAll(async () => {
    gateway = await GatewayProcess.start({
      env: { HOOKLINE_RETRY_SCHEDULE: '0,100ms,100ms,100ms', HOOKLINE_DELIVERY_TIMEOUT: '500ms' },
    })
  })
  afterAll(async () => {
    await gateway.cleanup()
  })

  const { endpointFor, publish, settled } = apiHelpers(() => gateway)

  it('signs each delivery so that the standardwebhooks package verifies it, byte for byte', async () => {
    const sink = await Sink.start()
    const endpoint = await endpointFor(sink, { headers: { 'x-tenant': 'acme' }, eventTypes: ['signed.*'] })
    const event = await publish('signed.check', { order_id: 'ORD-1', note: 'héllo ✓' })
    await eventually(async () => sink.received.length === 1)
    const [request] = sink.received
    if (!request) throw new Error('no request')

    const verified = new Webhook(endpoint.secret).verify(
      request.body,
      request.headers as Record<string, string>,
    )
    expect(verified).toEqual(event)
    expect(request.body).toBe(JSON.stringify(event))
    expect(request.headers['webhook-id']).toBe(event.id)
    expect(request.headers['content-type']).toBe('application/json')
    expect(request.headers['x-tenant']).toBe('acme')
    const delivery = await settled(event.id, endpoint.id)
    expect(delivery.status).toBe('succeeded')
    expect(delivery.attempts).toHaveLength(1)
    expect(delivery.attempts[0]).toMatchObject({ status: 'succeeded', statusCode: 204 })
    await sink.close()
  })

  it('never follows a redirect: a 3xx is a failed attempt', async () => {
    const target = await Sink.start()
    const sink = await Sink.start(answer(302, { location: `${target.url}/elsewhere` }))
    const endpoint = await endpointFor(sink, { eventTypes: ['redirect.*'] })
    const event = await publish('redirect.me')
    const delivery = await settled(event.id, endpoint.id)
    expect(delivery.status).toBe('exhausted')
    expect(delivery.attempts).toHaveLength(4)
    expect(delivery.attempts[0]).toMatchObject({ statusCode: 302, status: 'failed' })
    expect(target.received).toHaveLength(0)
    await Promise.all([sink.close(), target.close()])
  })

  it('disables an endpoint that answers 410 and emits endpoint.disabled', async () => {
    const watcher = await Sink.start()
    const watch = await endpointFor(watcher, { eventTypes: ['endpoint.*'] })
    const sink = await Sink.start(answer(410))
    const endpoint = await endpointFor(sink, { eventTypes: ['gone.*'] })
    const event = await publish('gone.test')

    const delivery = await settled(event.id, endpoint.id)
    expect(delivery.status).toBe('failed')
    expect(delivery.attempts).toHaveLength(1)
    const after = await gateway.api('GET', `/v1/endpoints/${endpoint.id}`)
    expect(after.body).toMatchObject({ disabled: true, disabledReason: 'gone' })

    await eventually(async () => watcher.received.length === 1)
    const notice = JSON.parse(watcher.received[0]?.body ?? '{}')
    expect(notice.type).toBe('endpoint.disabled')
    expect(notice.data).toMatchObject({ endpointId: endpoint.id, reason: 'gone' })
    // A disabled endpoint gets no new deliveries.
    const later = await publish('gone.test')
    const deliveries = await gateway.api('GET', `/v1/events/${later.id}/deliveries`)
    expect(deliveries.body.data).toHaveLength(0)
    await gateway.api('DELETE', `/v1/endpoints/${watch.id}`)
    await Promise.all([sink.close(), watcher.close()])
  })

  it('marks a delivery exhausted after the last scheduled attempt and emits delivery.exhausted', async () => {
    const watcher = await Sink.start()
    const watch = await endpointFor(watcher, { eventTypes: ['delivery.exhausted'] })
    const sink = await Sink.start(answer(500))
    const endpoint = await endpointFor(sink, { eventTypes: ['doomed.*'] })
    const event = await publish('doomed.event')
    const delivery = await settled(event.id, endpoint.id)
    expect(delivery.status).toBe('exhausted')
    expect(sink.received).toHaveLength(4)

    await eventually(async () => watcher.received.length === 1)
    const notice = JSON.parse(watcher.received[0]?.body ?? '{}')
    expect(notice).toMatchObject({
      type: 'delivery.exhausted',
      data: {
        deliveryId: delivery.id,
        eventId: event.id,
        endpointId: endpoint.id,
        attemptCount: 4,
        lastStatusCode: 500,
      },
    })

    // Manual retry: exactly one more attempt, which now succeeds.
    sink.responder = answer(200)
    const retried = await gateway.api('POST', `/v1/deliveries/${delivery.id}/retry`)
    expect(retried.status).toBe(202)
    const after = await settled(event.id, endpoint.id)
    expect(after.status).toBe('succeeded')
    expect(after.attempts).toHaveLength(5)
    await gateway.api('DELETE', `/v1/endpoints/${watch.id}`)
    await Promise.all([sink.close(), watcher.close()])
  })

  it('recovers an endpoint: failed deliveries since a time get one more attempt each', async () => {
    const sink = await Sink.start(answer(500))
    const endpoint = await endpointFor(sink, { eventTypes: ['recover.*'] })
    const since = new Date().toISOString()
    const events = [await publish('recover.one'), await publish('recover.two')]
    for (const event of events) expect((await settled(event.id, endpoint.id)).status).toBe('exhausted')

    sink.responder = answer(200)
    const recovered = await gateway.api('POST', `/v1/endpoints/${endpoint.id}/recover`, { since })
    expect(recovered).toMatchObject({ status: 202, body: { recovered: 2 } })
    for (const event of events) expect((await settled(event.id, endpoint.id)).status).toBe('succeeded')
    await sink.close()
  })

  it('routes by event type: exact names, prefix.* wildcards, and everything when no filter is set', async () => {
    const sinks = await Promise.all([Sink.start(), Sink.start(), Sink.start()])
    const [orders, invoices, all] = sinks as [Sink, Sink, Sink]
    const ids = [
      (await endpointFor(orders, { eventTypes: ['route.order.*'] })).id,
      (await endpointFor(invoices, { eventTypes: ['route.invoice.paid'] })).id,
      (await endpointFor(all)).id,
    ]
    await publish('route.order.shipped')
    await publish('route.invoice.paid')
    await publish('route.invoice.voided')
    await eventually(async () => all.received.length >= 3)
    await eventually(async () => orders.received.length >= 1 && invoices.received.length >= 1)
    const types = (sink: Sink) => sink.received.map((r) => JSON.parse(r.body).type as string)
    expect(types(orders)).toEqual(['route.order.shipped'])
    expect(types(invoices)).toEqual(['route.invoice.paid'])
    expect(types(all)).toEqual(
      expect.arrayContaining(['route.order.shipped', 'route.invoice.paid', 'route.invoice.voided']),
    )
    for (const id of ids) await gateway.api('DELETE', `/v1/endpoints/${id}`)
    await Promise.all(sinks.map((s) => s.close()))
  })

  it('dual-signs during a secret rotation, so both the old and the new secret verify', async () => {
    const sink = await Sink.start()
    const endpoint = await endpointFor(sink, { eventTypes: ['rotate.*'] })
    const rotated = await gateway.api('POST', `/v1/endpoints/${endpoint.id}/rotate-secret`, {})
    expect(rotated.status).toBe(200)
    expect(rotated.body.secret).toMatch(/^whsec_/)
    expect(rotated.body.secret).not.toBe(endpoint.secret)
    await publish('rotate.check')
    await eventually(async () => sink.received.length === 1)
    const request = sink.received[0]
    if (!request) throw new Error('no request')
    expect(String(request.headers['webhook-signature']).split(' ')).toHaveLength(2)
    for (const secret of [endpoint.secret, rotated.body.secret as string]) {
      expect(() =>
        new Webhook(secret).verify(request.body, request.headers as Record<string, string>),
      ).not.toThrow()
    }
    await sink.close()
  })

  it('never writes secrets or API keys to its output', async () => {
    const secrets = (await gateway.api('GET', '/v1/endpoints?limit=250')).body.data as { id: string }[]
    expect(secrets.length).toBeGreaterThan(0)
    for (const { id } of secrets) {
      const { body } = await gateway.api('GET', `/v1/endpoints/${id}/secret`)
      expect(gateway.output).not.toContain(body.secret)
      expect(gateway.output).not.toContain(String(body.secret).slice('whsec_'.length))
    }
    expect(gateway.output).not.toContain('test-admin-key')
  })
})

describe('retry timing', () => {
  let gateway: GatewayProcess

  beforeAll(async () => {
    // Short delays for the first retries, and a long last one so that the cap on Retry-After
    // (the longest scheduled delay) is far above the one second the receiver asks for.
    gateway = await GatewayProcess.start({
      env: {
        HOOKLINE_RETRY_SCHEDULE: '0,100ms,100ms,100ms,100ms,100ms,30s',
        HOOKLINE_DELIVERY_TIMEOUT: '500ms',
      },
    })
  })
  afterAll(async () => {
    await gateway.cleanup()
  })

  const { endpointFor, publish, deliveryOf, settled } = apiHelpers(() => gateway)

  it('retries after a 500, a timeout and a refused connection, then succeeds with the same webhook-id', async () => {
    const sink = await Sink.start(async (_request, index, response) => {
      if (index === 0) return void response.writeHead(500).end('boom')
      if (index === 1) return // never answer: the attempt times out
      response.writeHead(200).end('ok')
    })
    const refusedUrl = `http://127.0.0.1:${await closedPort()}/hook`
    const endpoint = await endpointFor(refusedUrl, { eventTypes: ['retry.*'] })
    const event = await publish('retry.me')
    // The first attempt goes to a closed port; then the endpoint moves to the sink.
    await eventually(async () => (await deliveryOf(event.id, endpoint.id)).attemptCount >= 1)
    await gateway.api('PATCH', `/v1/endpoints/${endpoint.id}`, { url: `${sink.url}/hook` })

    const delivery = await settled(event.id, endpoint.id)
    expect(delivery.status).toBe('succeeded')
    const attempts = delivery.attempts as { statusCode: number | null; error?: string; status: string }[]
    const outcomes = attempts.map((a) => a.error ?? a.statusCode)
    // How many attempts hit the closed port depends on when the PATCH lands; the rest is fixed.
    const refused = outcomes.filter((o) => o === 'connection refused').length
    expect(refused).toBeGreaterThanOrEqual(1)
    expect(outcomes.slice(refused)).toEqual(['HTTP 500', 'timeout', 200])
    expect(attempts[refused]).toMatchObject({ statusCode: 500, status: 'failed' })
    expect(new Set(sink.received.map((r) => r.headers['webhook-id']))).toEqual(new Set([event.id]))
    const timestamps = sink.received.map((r) => Number(r.headers['webhook-timestamp']))
    expect([...timestamps].sort()).toEqual(timestamps)
    await sink.close()
  })

  it('honours Retry-After on 429 and 503 instead of the shorter scheduled delay', async () => {
    const sink = await Sink.start(async (_request, index, response) => {
      if (index === 0) return void response.writeHead(429, { 'retry-after': '1' }).end()
      if (index === 1) return void response.writeHead(503, { 'retry-after': '1' }).end()
      response.writeHead(200).end()
    })
    const endpoint = await endpointFor(sink, { eventTypes: ['slow.*'] })
    const event = await publish('slow.down')
    const delivery = await settled(event.id, endpoint.id)
    expect(delivery.status).toBe('succeeded')
    const [first, second, third] = sink.received.map((r) => r.at)
    // The schedule says 100 ms ±20%; the receiver asked for a second each time.
    expect((second as number) - (first as number)).toBeGreaterThanOrEqual(950)
    expect((third as number) - (second as number)).toBeGreaterThanOrEqual(950)
    await sink.close()
  })
})

function apiHelpers(current: () => GatewayProcess) {
  async function endpointFor(sink: Sink | string, extra: Record<string, unknown> = {}) {
    const url = typeof sink === 'string' ? sink : `${sink.url}/hook`
    const created = await current().api('POST', '/v1/endpoints', { url, ...extra })
    expect(created.status).toBe(201)
    return created.body as { id: string; secret: string }
  }

  async function publish(type: string, data: unknown = { n: 1 }) {
    const published = await current().api('POST', '/v1/events', { type, data })
    expect(published.status).toBe(202)
    return published.body as { id: string; type: string; timestamp: string; data: unknown }
  }

  async function deliveryOf(eventId: string, endpointId: string) {
    const list = await current().api('GET', `/v1/deliveries?eventId=${eventId}&endpointId=${endpointId}`)
    const id = list.body.data[0]?.id as string
    return (await current().api('GET', `/v1/deliveries/${id}`)).body
  }

  const settled = (eventId: string, endpointId: string) =>
    eventually(async () => {
      const delivery = await deliveryOf(eventId, endpointId)
      return delivery.status !== 'pending' ? delivery : undefined
    })

  return { endpointFor, publish, deliveryOf, settled }
}

describe('endpoint auto-disable', () => {
  let gateway: GatewayProcess

  beforeAll(async () => {
    // "Failing for 5 days" compressed to one second.
    gateway = await GatewayProcess.start({
      env: {
        HOOKLINE_RETRY_SCHEDULE: '0,300ms,300ms,300ms,300ms,300ms,300ms',
        HOOKLINE_DISABLE_FAILING_AFTER: '1s',
      },
    })
  })
  afterAll(async () => {
    await gateway.cleanup()
  })

  const { endpointFor, publish, settled } = apiHelpers(() => gateway)

  it('disables an endpoint that keeps failing without a success for the configured period', async () => {
    const watcher = await Sink.start()
    await endpointFor(watcher, { eventTypes: ['endpoint.disabled'] })
    const sink = await Sink.start(answer(500))
    const endpoint = await endpointFor(sink, { eventTypes: ['failing.*'] })
    const event = await publish('failing.forever')

    const delivery = await settled(event.id, endpoint.id)
    expect(delivery.status).toBe('failed')
    // How many attempts fit in the second depends on how busy the machine is; never all seven.
    expect(delivery.attempts.length).toBeGreaterThanOrEqual(2)
    expect(delivery.attempts.length).toBeLessThan(7)
    expect((await gateway.api('GET', `/v1/endpoints/${endpoint.id}`)).body).toMatchObject({
      disabled: true,
      disabledReason: 'failing',
    })
    await eventually(async () => watcher.received.length === 1)
    expect(JSON.parse(watcher.received[0]?.body ?? '{}').data).toMatchObject({
      endpointId: endpoint.id,
      reason: 'failing',
    })
    await Promise.all([sink.close(), watcher.close()])
  })
})

describe('private networks and response capture', () => {
  it('refuses loopback endpoints unless allowed, and records ssrf_blocked for names resolving there', async () => {
    const gateway = await GatewayProcess.start({
      env: { HOOKLINE_ALLOW_PRIVATE_NETWORKS: 'false', HOOKLINE_RETRY_SCHEDULE: '0' },
    })
    const sink = await Sink.start()
    try {
      for (const url of [
        `${sink.url}/x`,
        'http://[::1]:9/x',
        'http://2130706433/x',
        'http://169.254.169.254/latest',
      ]) {
        const refused = await gateway.api('POST', '/v1/endpoints', { url })
        expect(refused.status, url).toBe(422)
        expect(refused.body.errors[0]).toMatchObject({ path: '/url' })
      }
      // A host name passes creation; the address it resolves to is checked at connect time.
      const port = new URL(sink.url).port
      const named = await gateway.api('POST', '/v1/endpoints', { url: `http://localhost:${port}/x` })
      expect(named.status).toBe(201)
      const event = await gateway.api('POST', '/v1/events', { type: 'ssrf.probe', data: {} })
      const delivery = await eventually(async () => {
        const list = await gateway.api('GET', `/v1/events/${event.body.id}/deliveries`)
        const found = list.body.data[0]
        return found && found.status !== 'pending' ? found : undefined
      })
      expect(delivery).toMatchObject({ status: 'exhausted', lastStatusCode: null })
      expect(delivery.lastError).toMatch(/^ssrf_blocked/)
      expect(sink.received).toHaveLength(0)
    } finally {
      await gateway.cleanup()
      await sink.close()
    }
  })

  it('keeps at most 4 KB of a response body', async () => {
    const gateway = await GatewayProcess.start({ env: { HOOKLINE_RETRY_SCHEDULE: '0' } })
    const sink = await Sink.start(answer(500, { 'content-type': 'text/plain' }, `${'é'.repeat(3000)}end`))
    try {
      await gateway.api('POST', '/v1/endpoints', { url: `${sink.url}/big` })
      const event = await gateway.api('POST', '/v1/events', { type: 'big.answer', data: {} })
      const id = await eventually(async () => {
        const list = await gateway.api('GET', `/v1/events/${event.body.id}/deliveries`)
        return list.body.data[0]?.status === 'exhausted' ? (list.body.data[0].id as string) : undefined
      })
      const { body } = await gateway.api('GET', `/v1/deliveries/${id}`)
      const captured = body.attempts[0].responseBody as string
      expect(Buffer.byteLength(captured)).toBeLessThanOrEqual(4096)
      expect(Buffer.byteLength(captured)).toBeGreaterThan(4000)
      expect(captured.startsWith('ééé')).toBe(true)
      expect(captured).not.toContain('end')
    } finally {
      await gateway.cleanup()
      await sink.close()
    }
  })
})
