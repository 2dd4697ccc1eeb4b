import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { HooklineApiError, HooklineNetworkError } from '../errors.js'
import { HooklineClient } from './hookline-client.js'

interface Recorded {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: unknown
}

type Script = (request: Recorded, response: ServerResponse) => void

/** A fake Hookline API on the loopback address: records requests and answers from a script. */
class FakeApi {
  readonly requests: Recorded[] = []
  #scripts: Script[] = []
  #server: Server = createServer((request, response) => void this.#handle(request, response))
  url = ''

  async start() {
    this.#server.listen(0, '127.0.0.1')
    await once(this.#server, 'listening')
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`
  }

  stop() {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()))
    this.#server.closeAllConnections()
    return closed
  }

  reset() {
    this.requests.length = 0
    this.#scripts = []
  }

  /** Queues responses, used in order; the last one repeats. */
  answer(...scripts: Script[]) {
    this.#scripts.push(...scripts)
  }

  async #handle(request: IncomingMessage, response: ServerResponse) {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const text = Buffer.concat(chunks).toString()
    const recorded = {
      method: request.method ?? '',
      url: request.url ?? '',
      headers: request.headers,
      body: text ? JSON.parse(text) : undefined,
    }
    this.requests.push(recorded)
    const script = this.#scripts.length > 1 ? this.#scripts.shift() : this.#scripts[0]
    if (script) script(recorded, response)
    else json(200, {})(recorded, response)
  }
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Script {
  return (_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers })
    response.end(JSON.stringify(body))
  }
}

function problem(
  status: number,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Script {
  return (_request, response) => {
    response.writeHead(status, { 'content-type': 'application/problem+json', ...headers })
    response.end(JSON.stringify({ status, ...body }))
  }
}

const api = new FakeApi()
const apiKey = 'hk_test_secret_api_key_123'
let client: HooklineClient

beforeAll(async () => {
  await api.start()
})
afterAll(async () => {
  await api.stop()
})
beforeEach(() => {
  api.reset()
  client = new HooklineClient({ baseUrl: `${api.url}/`, apiKey, retryBaseDelayMs: 1, maxRetryDelayMs: 50 })
})

describe('HooklineClient', () => {
  it('sends the bearer key and JSON, and returns the parsed body', async () => {
    api.answer(json(201, { id: 'ep_1', url: 'https://a.example/hook', disabled: false, secret: 'whsec_x' }))
    const endpoint = await client.endpoints.create({ url: 'https://a.example/hook', eventTypes: ['order.*'] })
    expect(endpoint.id).toBe('ep_1')
    const [request] = api.requests
    expect(request?.method).toBe('POST')
    expect(request?.url).toBe('/v1/endpoints')
    expect(request?.headers.authorization).toBe(`Bearer ${apiKey}`)
    expect(request?.headers['content-type']).toBe('application/json')
    expect(request?.body).toEqual({ url: 'https://a.example/hook', eventTypes: ['order.*'] })
  })

  it('maps every method to its route', async () => {
    api.answer(json(200, { data: [], nextCursor: null }))
    const since = new Date('2026-01-01T00:00:00Z')
    await client.eventTypes.create({ name: 'order.shipped' })
    await client.eventTypes.list({ limit: 5 })
    await client.eventTypes.get('order.shipped')
    await client.endpoints.list()
    await client.endpoints.get('ep/1')
    await client.endpoints.getSecret('ep_1')
    await client.endpoints.update('ep_1', { disabled: true })
    await client.endpoints.delete('ep_1')
    await client.endpoints.rotateSecret('ep_1')
    await client.endpoints.recover('ep_1', { since })
    await client.events.list({ type: 'order.*', since, cursor: 'c1' })
    await client.events.get('evt_1')
    await client.events.deliveries('evt_1')
    await client.deliveries.list({ status: 'failed', endpointId: 'ep_1' })
    await client.deliveries.get('dlv_1')
    await client.deliveries.retry('dlv_1')
    await client.sources.create({ name: 'stripe', verifier: { scheme: 'stripe', secret: 'whsec_s' } })
    await client.sources.list()
    await client.sources.get('src_1')
    await client.sources.update('src_1', { eventType: { header: 'x-event-type' } })
    await client.sources.delete('src_1')
    expect(api.requests.map((request) => `${request.method} ${request.url}`)).toEqual([
      'POST /v1/event-types',
      'GET /v1/event-types?limit=5',
      'GET /v1/event-types/order.shipped',
      'GET /v1/endpoints',
      'GET /v1/endpoints/ep%2F1',
      'GET /v1/endpoints/ep_1/secret',
      'PATCH /v1/endpoints/ep_1',
      'DELETE /v1/endpoints/ep_1',
      'POST /v1/endpoints/ep_1/rotate-secret',
      'POST /v1/endpoints/ep_1/recover',
      'GET /v1/events?type=order.*&since=2026-01-01T00%3A00%3A00.000Z&cursor=c1',
      'GET /v1/events/evt_1',
      'GET /v1/events/evt_1/deliveries',
      'GET /v1/deliveries?status=failed&endpointId=ep_1',
      'GET /v1/deliveries/dlv_1',
      'POST /v1/deliveries/dlv_1/retry',
      'POST /v1/sources',
      'GET /v1/sources',
      'GET /v1/sources/src_1',
      'PATCH /v1/sources/src_1',
      'DELETE /v1/sources/src_1',
    ])
    expect(api.requests[9]?.body).toEqual({ since: '2026-01-01T00:00:00.000Z' })
    expect(api.requests[8]?.body).toEqual({})
  })

  it('publishes with an automatic Idempotency-Key that is reused across retries', async () => {
    api.answer(
      problem(503, { title: 'Unavailable' }),
      json(202, { id: 'evt_1', type: 'order.shipped', timestamp: '2026-01-01T00:00:00Z', data: { n: 1 } }),
    )
    const event = await client.publish({ type: 'order.shipped', data: { n: 1 } })
    expect(event.id).toBe('evt_1')
    expect(api.requests).toHaveLength(2)
    const [first, second] = api.requests
    expect(first?.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/)
    expect(second?.headers['idempotency-key']).toBe(first?.headers['idempotency-key'])

    api.reset()
    api.answer(json(202, {}))
    await client.events.publish({ type: 'a', data: null }, { idempotencyKey: 'my-key' })
    await client.events.publish({ type: 'a', data: null })
    expect(api.requests[0]?.headers['idempotency-key']).toBe('my-key')
    expect(api.requests[1]?.headers['idempotency-key']).not.toBe(api.requests[0]?.headers['idempotency-key'])
  })

  it('retries 429 honouring Retry-After, and 5xx for safe requests', async () => {
    api.answer(
      problem(429, { title: 'Too Many Requests' }, { 'retry-after': '0' }),
      problem(502, {}),
      json(200, {}),
    )
    await client.endpoints.get('ep_1')
    expect(api.requests).toHaveLength(3)
  })

  it('does not repeat a non-idempotent POST after a 500, but does after 429/503', async () => {
    api.answer(problem(500, { title: 'Internal Server Error' }))
    await expect(client.endpoints.rotateSecret('ep_1')).rejects.toMatchObject({
      status: 500,
      code: 'http_500',
    })
    expect(api.requests).toHaveLength(1)
    api.reset()
    api.answer(problem(503, {}), json(200, { secret: 'whsec_new' }))
    await expect(client.endpoints.rotateSecret('ep_1')).resolves.toEqual({ secret: 'whsec_new' })
    expect(api.requests).toHaveLength(2)
  })

  it('gives up after maxRetries and surfaces the problem+json fields', async () => {
    api.answer(
      problem(503, { type: 'https://hookline.dev/problems/unavailable', title: 'Unavailable', detail: 'db' }),
    )
    const error = await client.events.list().catch((caught: unknown) => caught)
    expect(api.requests).toHaveLength(4)
    expect(error).toBeInstanceOf(HooklineApiError)
    expect(error).toMatchObject({
      status: 503,
      type: 'https://hookline.dev/problems/unavailable',
      detail: 'db',
    })
  })

  it('carries validation errors and never puts the API key in messages', async () => {
    api.answer(
      problem(422, {
        type: 'about:blank',
        title: 'Validation failed',
        detail: 'data does not match the schema of order.shipped',
        code: 'validation_failed',
        errors: [{ path: '/data/orderId', message: 'is required' }],
      }),
    )
    const error = (await client
      .publish({ type: 'order.shipped', data: {} })
      .catch((caught: unknown) => caught)) as HooklineApiError | undefined
    expect(error).toBeInstanceOf(HooklineApiError)
    expect(error?.code).toBe('validation_failed')
    expect(error?.title).toBe('Validation failed')
    expect(error?.errors).toEqual([{ path: '/data/orderId', message: 'is required' }])
    expect(error?.message).not.toContain(apiKey)
    expect(api.requests).toHaveLength(1)
  })

  it('builds a problem from a non-JSON error response', async () => {
    api.answer((_request, response) => {
      response.writeHead(404, { 'content-type': 'text/plain' })
      response.end('nope')
    })
    await expect(client.events.get('evt_missing')).rejects.toMatchObject({ status: 404, code: 'http_404' })
  })

  it('retries network errors, then throws HooklineNetworkError without the key', async () => {
    const closed = createServer()
    closed.listen(0, '127.0.0.1')
    await once(closed, 'listening')
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    let calls = 0
    const offline = new HooklineClient({
      baseUrl: `http://127.0.0.1:${port}`,
      apiKey,
      retryBaseDelayMs: 1,
      fetch: (input, init) => {
        calls++
        return fetch(input, init)
      },
    })
    const error = await offline.endpoints.list().catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(HooklineNetworkError)
    expect((error as HooklineNetworkError).code).toBe('network_error')
    expect((error as Error).message).not.toContain(apiKey)
    expect(calls).toBe(4)
  })

  it('times out slow answers per attempt', async () => {
    api.answer((_request, response) => {
      setTimeout(() => json(200, {})(_request, response), 300)
    })
    const slow = new HooklineClient({ baseUrl: api.url, apiKey, timeoutMs: 50, maxRetries: 0 })
    await expect(
      slow.sources.create({ name: 'x', verifier: { scheme: 'github', secret: 's' } }),
    ).rejects.toMatchObject({
      code: 'timeout',
    })
  })

  it('paginates through nextCursor', async () => {
    api.answer(
      json(200, { data: [{ id: 'evt_1' }, { id: 'evt_2' }], nextCursor: 'c2' }),
      json(200, { data: [{ id: 'evt_3' }], nextCursor: null }),
    )
    const ids: string[] = []
    for await (const event of client.paginate((page) => client.events.list({ limit: 2, ...page })))
      ids.push(event.id)
    expect(ids).toEqual(['evt_1', 'evt_2', 'evt_3'])
    expect(api.requests.map((request) => request.url)).toEqual([
      '/v1/events?limit=2',
      '/v1/events?limit=2&cursor=c2',
    ])
  })

  it('validates its options', () => {
    expect(() => new HooklineClient({ baseUrl: 'ftp://x', apiKey })).toThrow(TypeError)
    expect(() => new HooklineClient({ baseUrl: 'http://127.0.0.1:1', apiKey: '' })).toThrow(TypeError)
  })
})
