import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, GatewayProcess, TEST_API_KEY } from './support/gateway-process.js'
import { answer, Sink } from './support/sink.js'

const STRIPE_SECRET = 'whsec_metrics_test_secret'

/** Reads one sample of the Prometheus text format, or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`)
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue
    const labelText = line.includes('{') ? line.slice(line.indexOf('{') + 1, line.lastIndexOf('}')) : ''
    if (wanted.every((pair) => labelText.split(',').includes(pair))) return Number(line.split(' ').pop())
  }
  return undefined
}

describe('metrics and logs', () => {
  let gateway: GatewayProcess
  let sink: Sink
  let failing: Sink

  beforeAll(async () => {
    gateway = await GatewayProcess.start({ env: { HOOKLINE_RETRY_SCHEDULE: '0,100ms' } })
    sink = await Sink.start()
    failing = await Sink.start(answer(500))
  })
  afterAll(async () => {
    await gateway.cleanup()
    await Promise.all([sink.close(), failing.close()])
  })

  it('counts events, attempts by outcome, inbound rejections and commits after a known sequence', async () => {
    const good = (
      await gateway.api('POST', '/v1/endpoints', { url: `${sink.url}/ok`, eventTypes: ['metrics.*'] })
    ).body
    const bad = (
      await gateway.api('POST', '/v1/endpoints', { url: `${failing.url}/no`, eventTypes: ['metrics.fail'] })
    ).body
    for (let i = 0; i < 3; i++) await gateway.api('POST', '/v1/events', { type: 'metrics.ok', data: { i } })
    await gateway.api('POST', '/v1/events', { type: 'metrics.ok', data: {}, id: 'same' })
    await gateway.api('POST', '/v1/events', { type: 'metrics.ok', data: {}, id: 'same' }) // a replay: not counted
    await gateway.api('POST', '/v1/events', { type: 'metrics.fail', data: {} })
    await gateway.api('POST', '/v1/sources', {
      name: 'stripe',
      verifier: { scheme: 'stripe', secret: STRIPE_SECRET },
    })
    for (const signature of ['t=1,v1=00', 'garbage']) {
      await fetch(`${gateway.url}/in/stripe`, {
        method: 'POST',
        body: '{}',
        headers: { 'stripe-signature': signature },
      })
    }
    await eventually(async () => failing.received.length === 2 && sink.received.length === 5)

    const text = await eventually(async () => {
      const body = await (await fetch(`${gateway.url}/metrics`)).text()
      return sample(body, 'hookline_delivery_attempts_total', { endpoint: bad.id, outcome: 'exhausted' }) ===
        1
        ? body
        : undefined
    })
    expect(sample(text, 'hookline_events_accepted_total', { type: 'metrics.ok', source: '' })).toBe(4)
    expect(sample(text, 'hookline_events_accepted_total', { type: 'metrics.fail', source: '' })).toBe(1)
    expect(
      sample(text, 'hookline_delivery_attempts_total', { endpoint: good.id, outcome: 'succeeded' }),
    ).toBe(5)
    expect(sample(text, 'hookline_delivery_attempts_total', { endpoint: bad.id, outcome: 'retrying' })).toBe(
      1,
    )
    expect(sample(text, 'hookline_delivery_attempt_duration_seconds_count', { endpoint: good.id })).toBe(5)
    expect(
      sample(text, 'hookline_inbound_rejections_total', {
        source: 'stripe',
        reason: 'timestamp_out_of_range',
      }),
    ).toBe(1)
    expect(
      sample(text, 'hookline_inbound_rejections_total', { source: 'stripe', reason: 'malformed_header' }),
    ).toBe(1)
    expect(sample(text, 'hookline_queue_pending_deliveries')).toBe(0)
    expect(sample(text, 'hookline_queue_oldest_due_age_seconds')).toBe(0)
    expect(sample(text, 'hookline_store_commit_batch_size_count')).toBeGreaterThan(5)
    expect(sample(text, 'hookline_process_cpu_seconds_total')).toBeGreaterThan(0)
    // Endpoint ids label the series, never URLs (which may carry credentials).
    expect(text).not.toContain(sink.url)
  })

  it('logs one line per attempt and per rejection, with ids, and never a secret', async () => {
    const lines = gateway.output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
    const attempts = lines.filter((line) => line.msg === 'delivery attempt')
    expect(attempts.length).toBeGreaterThanOrEqual(7)
    expect(attempts[0]).toMatchObject({
      deliveryId: expect.stringMatching(/^dlv_/),
      eventId: expect.any(String),
    })
    expect(attempts.some((line) => line.outcome === 'exhausted' && line.statusCode === 500)).toBe(true)
    const rejections = lines.filter((line) => line.msg === 'inbound webhook rejected')
    expect(rejections.map((line) => line.reason).sort()).toEqual([
      'malformed_header',
      'timestamp_out_of_range',
    ])
    for (const secret of [STRIPE_SECRET, TEST_API_KEY, 'v1=00']) expect(gateway.output).not.toContain(secret)
  })

  it('echoes a caller request id', async () => {
    const response = await fetch(`${gateway.url}/healthz`, { headers: { 'x-request-id': 'req-abc-123' } })
    expect(response.headers.get('x-request-id')).toBe('req-abc-123')
  })
})
