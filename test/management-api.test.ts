import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, GatewayProcess, TEST_API_KEY } from './support/gateway-process.js'
import { Sink } from './support/sink.js'

describe('management API', () => {
  let gateway: GatewayProcess
  let sink: Sink

  beforeAll(async () => {
    gateway = await GatewayProcess.start({ env: { HOOKLINE_MAX_PAYLOAD: '64kb' } })
    sink = await Sink.start()
  })
  afterAll(async () => {
    await gateway.cleanup()
    await sink.close()
  })

  const raw = (path: string, init: RequestInit = {}) => fetch(`${gateway.url}${path}`, init)

  it('answers 401 problem+json without a valid key on every /v1 route, with no stack trace', async () => {
    for (const [method, path] of [
      ['GET', '/v1/endpoints'],
      ['POST', '/v1/events'],
      ['GET', '/v1/deliveries/dlv_x'],
      ['POST', '/v1/endpoints/ep_x/rotate-secret'],
    ] as const) {
      for (const authorization of [
        undefined,
        'Bearer wrong-key-0123456789',
        'Basic abc',
        `Bearer ${TEST_API_KEY}x`,
      ]) {
        const response = await raw(path, { method, headers: authorization ? { authorization } : {} })
        expect(response.status).toBe(401)
        expect(response.headers.get('content-type')).toContain('application/problem+json')
        const body = await response.json()
        expect(body).toMatchObject({ status: 401, code: 'unauthorized', title: 'Unauthorized' })
        expect(JSON.stringify(body)).not.toMatch(/at .*\.js|stack/)
      }
    }
  })

  it('serves /healthz, /readyz and /openapi.json without a key', async () => {
    expect(await (await raw('/healthz')).json()).toEqual({ status: 'ok' })
    expect(await (await raw('/readyz')).json()).toEqual({ status: 'ready' })
    await gateway.api('POST', '/v1/event-types', {
      name: 'catalog.item',
      description: 'documented',
      schema: { type: 'object', properties: { sku: { type: 'string' } } },
    })
    // biome-ignore lint/suspicious/noExplicitAny: a large JSON document, read field by field
    const document: any = await (await raw('/openapi.json')).json()
    expect(document.openapi).toBe('3.1.0')
    for (const path of ['/v1/events', '/v1/endpoints/{id}/rotate-secret', '/v1/deliveries/{id}/retry']) {
      expect(document.paths).toHaveProperty([path])
    }
    const webhook = document.webhooks['catalog.item'].post
    expect(webhook.requestBody.content['application/json'].schema.properties.data).toEqual({
      type: 'object',
      properties: { sku: { type: 'string' } },
    })
  })

  it('rejects invalid bodies with 4xx problem+json naming the fields, and changes nothing', async () => {
    const before = (await gateway.api('GET', '/v1/endpoints')).body.data.length

    const unknown = await gateway.api('POST', '/v1/endpoints', { url: `${sink.url}/x`, filter: { a: 1 } })
    expect(unknown.status).toBe(422)
    expect(unknown.body.errors).toContainEqual({ path: '/filter', message: 'unknown field' })

    const badUrl = await gateway.api('POST', '/v1/endpoints', { url: 'ftp://127.0.0.1/x' })
    expect(badUrl.status).toBe(422)
    expect(badUrl.body.errors[0].path).toBe('/url')

    const reserved = await gateway.api('POST', '/v1/endpoints', {
      url: sink.url,
      headers: { 'Webhook-Id': 'x' },
    })
    expect(reserved.status).toBe(422)
    expect(reserved.body.errors[0].path).toBe('/headers/Webhook-Id')

    const wrongType = await gateway.api('POST', '/v1/endpoints', { url: 5, eventTypes: ['bad type'] })
    expect(wrongType.status).toBe(422)
    expect(wrongType.body.errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(['/url', '/eventTypes/0']),
    )

    const badJson = await raw('/v1/events', {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body: '{"type": "x",',
    })
    expect(badJson.status).toBe(400)
    expect(await badJson.json()).toMatchObject({ code: 'invalid_json' })

    const tooLarge = await gateway.api('POST', '/v1/events', { type: 'big.one', data: 'x'.repeat(70 * 1024) })
    expect(tooLarge.status).toBe(413)

    const missingData = await gateway.api('POST', '/v1/events', { type: 'no.data' })
    expect(missingData.status).toBe(422)
    expect(missingData.body.errors).toContainEqual({
      path: '/data',
      message: "must have required property 'data'",
    })

    const badQuery = await gateway.api('GET', '/v1/deliveries?status=lost')
    expect(badQuery.status).toBe(400)
    const badCursor = await gateway.api('GET', '/v1/events?cursor=nonsense')
    expect(badCursor.status).toBe(400)

    expect((await gateway.api('GET', '/v1/endpoints')).body.data.length).toBe(before)
    expect((await gateway.api('GET', '/healthz')).status).toBe(200)
  })

  it('validates published data against the event type schema (422 with /data paths)', async () => {
    const created = await gateway.api('POST', '/v1/event-types', {
      name: 'order.placed',
      schema: {
        type: 'object',
        required: ['order_id', 'total'],
        properties: { order_id: { type: 'string' }, total: { type: 'number', minimum: 0 } },
      },
    })
    expect(created.status).toBe(201)
    const duplicate = await gateway.api('POST', '/v1/event-types', { name: 'order.placed' })
    expect(duplicate.status).toBe(409)
    const badSchema = await gateway.api('POST', '/v1/event-types', {
      name: 'bad.schema',
      schema: { type: 'nope' },
    })
    expect(badSchema.status).toBe(422)

    const invalid = await gateway.api('POST', '/v1/events', {
      type: 'order.placed',
      data: { order_id: 7, total: -1 },
    })
    expect(invalid.status).toBe(422)
    expect(invalid.body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      '/data/order_id',
      '/data/total',
    ])
    const events = await gateway.api('GET', '/v1/events?type=order.placed')
    expect(events.body.data).toHaveLength(0)

    const valid = await gateway.api('POST', '/v1/events', {
      type: 'order.placed',
      data: { order_id: 'A', total: 3 },
    })
    expect(valid.status).toBe(202)
  })

  it('never creates a second event for 20 concurrent requests with one Idempotency-Key or one id', async () => {
    const endpoint = await gateway.api('POST', '/v1/endpoints', {
      url: `${sink.url}/idem`,
      eventTypes: ['idem.*'],
    })
    const same = (headers: Record<string, string>, body: Record<string, unknown>) =>
      Promise.all(
        Array.from({ length: 20 }, () =>
          gateway.api('POST', '/v1/events', { type: 'idem.test', data: body }, headers),
        ),
      )
    const byKey = await same({ 'idempotency-key': 'key-1' }, { n: 1 })
    const byId = await Promise.all(
      Array.from({ length: 20 }, () =>
        gateway.api('POST', '/v1/events', { type: 'idem.test', data: { n: 2 }, id: 'my-id-1' }),
      ),
    )
    for (const results of [byKey, byId]) {
      expect(new Set(results.map((r) => r.status))).toEqual(new Set([202]))
      expect(new Set(results.map((r) => r.body.id)).size).toBe(1)
      expect(results.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(19)
    }
    expect(byId[0]?.body.id).toBe('my-id-1')

    const events = await gateway.api('GET', '/v1/events?type=idem.test')
    expect(events.body.data).toHaveLength(2)
    await eventually(async () => sink.received.filter((r) => r.path === '/idem').length === 2)
    await new Promise((r) => setTimeout(r, 300))
    expect(sink.received.filter((r) => r.path === '/idem')).toHaveLength(2)
    await gateway.api('DELETE', `/v1/endpoints/${endpoint.body.id}`)
  })

  it('pages lists with cursors, newest first, and filters events by type and time', async () => {
    const ids: string[] = []
    for (let i = 0; i < 5; i++)
      ids.push((await gateway.api('POST', '/v1/events', { type: 'page.item', data: { i } })).body.id)
    const first = await gateway.api('GET', '/v1/events?type=page.item&limit=2')
    expect(first.body.data.map((e: { id: string }) => e.id)).toEqual([ids[4], ids[3]])
    const second = await gateway.api(
      'GET',
      `/v1/events?type=page.item&limit=2&cursor=${first.body.nextCursor}`,
    )
    expect(second.body.data.map((e: { id: string }) => e.id)).toEqual([ids[2], ids[1]])
    const third = await gateway.api(
      'GET',
      `/v1/events?type=page.item&limit=2&cursor=${second.body.nextCursor}`,
    )
    expect(third.body).toMatchObject({ nextCursor: null })
    expect(third.body.data).toHaveLength(1)

    const future = new Date(Date.now() + 60_000).toISOString()
    expect((await gateway.api('GET', `/v1/events?type=page.item&since=${future}`)).body.data).toHaveLength(0)
    expect((await gateway.api('GET', `/v1/events?type=page.item&until=${future}`)).body.data).toHaveLength(5)
  })

  it('manages endpoints: get, patch, secret, recover on a disabled endpoint, delete, 404s', async () => {
    const created = await gateway.api('POST', '/v1/endpoints', {
      url: `${sink.url}/crud`,
      description: 'crud',
    })
    const { id, secret } = created.body
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/)
    expect((await gateway.api('GET', `/v1/endpoints/${id}`)).body).not.toHaveProperty('secret')
    expect((await gateway.api('GET', `/v1/endpoints/${id}/secret`)).body).toEqual({ secret })

    const patched = await gateway.api('PATCH', `/v1/endpoints/${id}`, { eventTypes: ['a.*'], disabled: true })
    expect(patched.body).toMatchObject({ eventTypes: ['a.*'], disabled: true, disabledReason: 'manual' })
    const recoverDisabled = await gateway.api('POST', `/v1/endpoints/${id}/recover`, {
      since: new Date(0).toISOString(),
    })
    expect(recoverDisabled.status).toBe(409)
    const enabled = await gateway.api('PATCH', `/v1/endpoints/${id}`, { disabled: false })
    expect(enabled.body).toMatchObject({ disabled: false, disabledReason: null })

    expect((await gateway.api('DELETE', `/v1/endpoints/${id}`)).status).toBe(204)
    expect((await gateway.api('GET', `/v1/endpoints/${id}`)).status).toBe(404)
    expect((await gateway.api('DELETE', `/v1/endpoints/${id}`)).status).toBe(404)
    expect((await gateway.api('GET', '/v1/events/evt_missing')).status).toBe(404)
    expect((await gateway.api('POST', '/v1/deliveries/dlv_missing/retry')).status).toBe(404)
  })
})
