import { sign } from '@hookline/sdk'
import { sign as octokitSign } from '@octokit/webhooks-methods'
import { Webhook } from 'standardwebhooks'
import Stripe from 'stripe'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, GatewayProcess } from './support/gateway-process.js'
import { Sink } from './support/sink.js'

const STRIPE_SECRET = 'whsec_test_stripe_secret_value'
const GITHUB_SECRET = 'github-webhook-secret'
const SW_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'

/** Posts raw bytes to an ingest URL, as a provider would. */
async function post(url: string, body: string, headers: Record<string, string>) {
  const response = await fetch(url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  })
  const text = await response.text()
  return { status: response.status, body: text === '' ? null : JSON.parse(text) }
}

describe('inbound gateway', () => {
  let gateway: GatewayProcess
  let internal: Sink
  let internalSecret: string

  beforeAll(async () => {
    gateway = await GatewayProcess.start({ env: { HOOKLINE_MAX_PAYLOAD: '16kb' } })
    internal = await Sink.start()
    const endpoint = await gateway.api('POST', '/v1/endpoints', {
      url: `${internal.url}/agent`,
      eventTypes: ['stripe.*'],
    })
    internalSecret = endpoint.body.secret
    for (const source of [
      { name: 'stripe', verifier: { scheme: 'stripe', secret: STRIPE_SECRET } },
      { name: 'github', verifier: { scheme: 'github', secret: GITHUB_SECRET } },
      { name: 'partner', verifier: { scheme: 'standard-webhooks', secrets: [SW_SECRET] } },
      { name: 'slack', verifier: { scheme: 'slack', secret: 'slack-signing-secret' } },
      { name: 'events', verifier: { scheme: 'none' } },
    ]) {
      const created = await gateway.api('POST', '/v1/sources', source)
      expect(created.status).toBe(201)
      expect(created.body.ingestPath).toBe(`/in/${source.name}`)
      expect(JSON.stringify(created.body)).not.toContain('secret-value')
    }
  })
  afterAll(async () => {
    await gateway.cleanup()
    await internal.close()
  })

  const stripeEvent = (id: string) =>
    JSON.stringify({
      id,
      object: 'event',
      type: 'charge.succeeded',
      data: { object: { id: 'ch_1', amount: 100 } },
    })
  const stripeHeader = (payload: string, timestamp?: number) =>
    Stripe.webhooks.generateTestHeaderString({
      payload,
      secret: STRIPE_SECRET,
      ...(timestamp === undefined ? {} : { timestamp }),
    })

  it('accepts a Stripe webhook signed by the stripe library and forwards it re-signed', async () => {
    const payload = stripeEvent('evt_stripe_1')
    const accepted = await post(`${gateway.url}/in/stripe`, payload, {
      'stripe-signature': stripeHeader(payload),
    })
    expect(accepted).toMatchObject({ status: 200, body: { duplicate: false } })

    const event = await gateway.api('GET', `/v1/events/${accepted.body.id}`)
    expect(event.body).toMatchObject({
      type: 'stripe.charge.succeeded',
      data: JSON.parse(payload),
      source: 'stripe',
    })

    await eventually(async () => internal.received.length === 1)
    const forwarded = internal.received[0]
    if (!forwarded) throw new Error('not forwarded')
    const verified = new Webhook(internalSecret).verify(
      forwarded.body,
      forwarded.headers as Record<string, string>,
    )
    expect(verified).toMatchObject({
      id: accepted.body.id,
      type: 'stripe.charge.succeeded',
      data: JSON.parse(payload),
    })
  })

  it('stores a duplicate once, also for 20 concurrent copies of one webhook', async () => {
    const payload = stripeEvent('evt_stripe_dup')
    const header = stripeHeader(payload)
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        post(`${gateway.url}/in/stripe`, payload, { 'stripe-signature': header }),
      ),
    )
    expect(new Set(results.map((r) => r.status))).toEqual(new Set([200]))
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1)
    expect(results.filter((r) => r.body.duplicate === false)).toHaveLength(1)
    const stored = await gateway.api('GET', '/v1/events?type=stripe.charge.succeeded&limit=250')
    expect(
      stored.body.data.filter((e: { data: { id: string } }) => e.data.id === 'evt_stripe_dup'),
    ).toHaveLength(1)
    const source = await gateway.api('GET', '/v1/sources/stripe')
    expect(source.body.stats).toMatchObject({ duplicates: 19 })
  })

  it('rejects tampered bodies, wrong secrets, stale and future timestamps and missing headers with 401', async () => {
    const before = (await gateway.api('GET', '/v1/events?limit=250')).body.data.length
    const payload = stripeEvent('evt_stripe_bad')
    // Well outside the 300 s window: on a loaded machine the server's clock reads the request a
    // few seconds after this line, which must not pull a "future" timestamp back inside.
    const now = Math.floor(Date.now() / 1000)
    const cases: [string, Record<string, string>, string][] = [
      ['tampered', { 'stripe-signature': stripeHeader(payload) }, 'bad_signature'],
      [
        'wrong secret',
        { 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_other' }) },
        'bad_signature',
      ],
      ['stale', { 'stripe-signature': stripeHeader(payload, now - 330) }, 'timestamp_out_of_range'],
      ['future', { 'stripe-signature': stripeHeader(payload, now + 330) }, 'timestamp_out_of_range'],
      ['missing', {}, 'missing_header'],
    ]
    for (const [name, headers, code] of cases) {
      const body = name === 'tampered' ? payload.replace('100', '999') : payload
      const rejected = await post(`${gateway.url}/in/stripe`, body, headers)
      expect(rejected.status, name).toBe(401)
      expect(rejected.body.code, name).toBe(code)
      expect(JSON.stringify(rejected.body)).not.toContain(
        headers['stripe-signature']?.split('v1=')[1] ?? '@@',
      )
    }
    expect((await gateway.api('GET', '/v1/events?limit=250')).body.data.length).toBe(before)
    const rejections = await gateway.api('GET', '/v1/sources/stripe/rejections')
    expect(rejections.body.data.map((r: { reason: string }) => r.reason)).toEqual(
      expect.arrayContaining(['bad_signature', 'timestamp_out_of_range', 'missing_header']),
    )
    expect(JSON.stringify(rejections.body)).not.toContain('v1=')
    expect((await gateway.api('GET', '/v1/sources/stripe')).body.stats.rejected).toBeGreaterThanOrEqual(5)
  })

  it('accepts GitHub webhooks signed by @octokit/webhooks-methods, typed by event and action', async () => {
    const payload = JSON.stringify({ action: 'opened', number: 7, pull_request: { id: 1 } })
    const headers = {
      'x-hub-signature-256': await octokitSign(GITHUB_SECRET, payload),
      'x-github-event': 'pull_request',
      'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    }
    const accepted = await post(`${gateway.url}/in/github`, payload, headers)
    expect(accepted.status).toBe(200)
    const event = await gateway.api('GET', `/v1/events/${accepted.body.id}`)
    expect(event.body.type).toBe('github.pull_request.opened')
    expect(event.body.headers).toMatchObject({ 'x-github-delivery': headers['x-github-delivery'] })
    expect(event.body.headers).not.toHaveProperty('x-hub-signature-256')
    const again = await post(`${gateway.url}/in/github`, payload, headers)
    expect(again.body).toEqual({ id: accepted.body.id, duplicate: true })
  })

  it('accepts Standard Webhooks senders and dedupes on webhook-id', async () => {
    const payload = JSON.stringify({ type: 'invoice.paid', data: { invoice: 'in_1' } })
    const signed = {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
    }
    const signature = new Webhook(SW_SECRET).sign(
      'msg_1',
      new Date(Number(signed['webhook-timestamp']) * 1000),
      payload,
    )
    const accepted = await post(`${gateway.url}/in/partner`, payload, {
      ...signed,
      'webhook-signature': signature,
    })
    expect(accepted.status).toBe(200)
    expect((await gateway.api('GET', `/v1/events/${accepted.body.id}`)).body.type).toBe(
      'partner.invoice.paid',
    )
    const again = await post(`${gateway.url}/in/partner`, payload, {
      ...signed,
      'webhook-signature': signature,
    })
    expect(again.body).toEqual({ id: accepted.body.id, duplicate: true })
  })

  it('answers the Slack url_verification handshake without storing an event', async () => {
    const payload = JSON.stringify({ type: 'url_verification', challenge: 'chal-123', token: 'x' })
    const headers = await sign({ scheme: 'slack', secret: 'slack-signing-secret', payload })
    const answered = await post(`${gateway.url}/in/slack`, payload, headers)
    expect(answered).toEqual({ status: 200, body: { challenge: 'chal-123' } })
    const events = await gateway.api('GET', '/v1/events?limit=250')
    expect(events.body.data.some((e: { type: string }) => e.type.startsWith('slack.'))).toBe(false)
  })

  it('accepts Slack slash commands as form fields', async () => {
    const payload = 'command=%2Fweather&text=berlin&team_id=T1&trigger_id=trig-1'
    const headers = await sign({ scheme: 'slack', secret: 'slack-signing-secret', payload })
    const accepted = await post(`${gateway.url}/in/slack`, payload, {
      ...headers,
      'content-type': 'application/x-www-form-urlencoded',
    })
    expect(accepted.status).toBe(200)
    const event = await gateway.api('GET', `/v1/events/${accepted.body.id}`)
    expect(event.body).toMatchObject({ type: 'slack.weather', data: { command: '/weather', text: 'berlin' } })
  })

  it('answers the CloudEvents OPTIONS handshake and accepts binary and structured CloudEvents', async () => {
    const options = await fetch(`${gateway.url}/in/events`, {
      method: 'OPTIONS',
      headers: { 'webhook-request-origin': 'eventemitter.example.com' },
    })
    expect(options.status).toBe(200)
    expect(options.headers.get('webhook-allowed-origin')).toBe('eventemitter.example.com')
    expect(options.headers.get('webhook-allowed-rate')).toBe('*')

    const binary = await post(`${gateway.url}/in/events`, JSON.stringify({ order: 1 }), {
      'ce-specversion': '1.0',
      'ce-id': 'ce-1',
      'ce-type': 'com.example.order.created',
      'ce-source': '/orders',
    })
    expect(binary.status).toBe(200)
    const binaryEvent = await gateway.api('GET', `/v1/events/${binary.body.id}`)
    expect(binaryEvent.body).toMatchObject({ type: 'events.com.example.order.created', data: { order: 1 } })

    const structured = JSON.stringify({
      specversion: '1.0',
      id: 'ce-2',
      type: 'order.paid',
      source: '/orders',
      data: { n: 2 },
    })
    const accepted = await post(`${gateway.url}/in/events`, structured, {
      'content-type': 'application/cloudevents+json',
    })
    expect(accepted.status).toBe(200)
    expect((await gateway.api('GET', `/v1/events/${accepted.body.id}`)).body).toMatchObject({
      type: 'events.order.paid',
      data: { n: 2 },
    })
    const again = await post(`${gateway.url}/in/events`, structured, {
      'content-type': 'application/cloudevents+json',
    })
    expect(again.body.duplicate).toBe(true)
  })

  it('answers 400 for unparseable bodies, 413 for oversized ones and 404 for unknown sources, storing nothing', async () => {
    const before = (await gateway.api('GET', '/v1/events?limit=250')).body.data.length
    expect((await post(`${gateway.url}/in/events`, '{not json', {})).status).toBe(400)
    const big = JSON.stringify({ type: 'x', pad: 'x'.repeat(20 * 1024) })
    const tooLarge = await post(`${gateway.url}/in/stripe`, big, { 'stripe-signature': stripeHeader(big) })
    expect(tooLarge.status).toBe(413)
    expect((await post(`${gateway.url}/in/nobody`, '{}', {})).status).toBe(404)
    expect((await gateway.api('GET', '/v1/events?limit=250')).body.data.length).toBe(before)
    const rejections = await gateway.api('GET', '/v1/sources/stripe/rejections')
    expect(rejections.body.data.map((r: { reason: string }) => r.reason)).toContain('payload_too_large')
  })

  it('rejects invalid source definitions and never returns secrets', async () => {
    const noSecret = await gateway.api('POST', '/v1/sources', {
      name: 'nosecret',
      verifier: { scheme: 'github' },
    })
    expect(noSecret.status).toBe(422)
    expect(noSecret.body.errors[0].path).toBe('/verifier/secret')
    const badName = await gateway.api('POST', '/v1/sources', {
      name: 'Bad Name',
      verifier: { scheme: 'none' },
    })
    expect(badName.status).toBe(422)
    const duplicate = await gateway.api('POST', '/v1/sources', {
      name: 'stripe',
      verifier: { scheme: 'none' },
    })
    expect(duplicate.status).toBe(409)
    const list = await gateway.api('GET', '/v1/sources')
    expect(list.body.data.length).toBeGreaterThanOrEqual(5)
    expect(JSON.stringify(list.body)).not.toContain(STRIPE_SECRET)
    expect(JSON.stringify(list.body)).not.toContain(GITHUB_SECRET)
    expect(gateway.output).not.toContain(STRIPE_SECRET)
  })
})

describe('inbound durability', () => {
  it('keeps an event acknowledged with 200 across a SIGKILL right after the answer', async () => {
    const first = await GatewayProcess.start()
    try {
      await first.api('POST', '/v1/sources', {
        name: 'stripe',
        verifier: { scheme: 'stripe', secret: STRIPE_SECRET },
      })
      const payload = JSON.stringify({ id: 'evt_kill', type: 'charge.refunded', data: {} })
      const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET })
      const accepted = await post(`${first.url}/in/stripe`, payload, { 'stripe-signature': header })
      expect(accepted.status).toBe(200)
      await first.kill()
      const second = await GatewayProcess.start({ dataDir: first.dataDir })
      try {
        const event = await second.api('GET', `/v1/events/${accepted.body.id}`)
        expect(event.body).toMatchObject({ type: 'stripe.charge.refunded' })
        const again = await post(`${second.url}/in/stripe`, payload, { 'stripe-signature': header })
        expect(again.body).toEqual({ id: accepted.body.id, duplicate: true })
      } finally {
        await second.cleanup()
      }
    } finally {
      await first.cleanup()
    }
  })
})
