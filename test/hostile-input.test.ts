import { connect } from 'node:net'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GatewayProcess, TEST_API_KEY } from './support/gateway-process.js'

/**
 * Hostile input against the management API and the ingest routes: every answer is a 4xx
 * problem+json (never a 5xx, never a hang), the process stays up, its memory comes back down,
 * and the store is unchanged.
 */

const ROUTES: [string, string][] = [
  ['POST', '/v1/events'],
  ['POST', '/v1/endpoints'],
  ['PATCH', '/v1/endpoints/ep_missing'],
  ['POST', '/v1/event-types'],
  ['POST', '/v1/sources'],
  ['POST', '/v1/endpoints/ep_missing/recover'],
  ['POST', '/v1/api-keys'],
  ['POST', '/in/guarded'],
]

const contentTypes = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  '',
)

/** Bodies that must never be accepted by any of the routes above. */
const hostileBodies = fc.oneof(
  fc.string({ maxLength: 200 }).map((text) => `{${text}`),
  fc.constant('[]'),
  fc.constant('null'),
  fc.constant('"just a string"'),
  fc.constant('{"type": "x", "data": {}, "extra": 1}'),
  fc.integer({ min: 200, max: 5000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
  fc
    .integer({ min: 200, max: 5000 })
    .map((depth) => `{"type":"deep.x","data":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}, "x": 1}`),
  fc.uint8Array({ minLength: 1, maxLength: 300 }).map((bytes) => Buffer.from([0xff, 0xfe, ...bytes])),
  fc.constant(`{"url": "http://example.com", "eventTypes": [${'"a",'.repeat(2000)}"a"]}`),
  fc.constant(`{"name": "${'x'.repeat(100_000)}"}`),
  fc.json().filter((json) => !json.startsWith('{')),
)

const queries = fc.oneof(
  fc.constant('?limit=-1'),
  fc.constant('?limit=99999999999999999999'),
  fc.constant('?cursor=%ff%fe'),
  fc.constant(`?cursor=${'A'.repeat(5000)}`),
  fc.constant('?status=everything'),
  fc.constant('?since=yesterday'),
  fc.constant('?type=..'),
  fc.string({ maxLength: 50 }).map((text) => `?limit=${encodeURIComponent(text)}x`),
)

describe('hostile input', () => {
  let gateway: GatewayProcess

  beforeAll(async () => {
    gateway = await GatewayProcess.start({ env: { HOOKLINE_MAX_PAYLOAD: '64kb', HOOKLINE_RATE_LIMIT: '0' } })
    await gateway.api('POST', '/v1/sources', {
      name: 'guarded',
      verifier: { scheme: 'github', secret: 'not-telling' },
    })
  })
  afterAll(async () => {
    await gateway.cleanup()
  })

  const counts = async () => {
    const [events, endpoints, types, sources] = await Promise.all(
      [
        '/v1/events?limit=250',
        '/v1/endpoints?limit=250',
        '/v1/event-types?limit=250',
        '/v1/sources?limit=250',
      ].map((path) => gateway.api('GET', path)),
    )
    return [events, endpoints, types, sources].map((page) => page?.body.data.length)
  }

  const rss = async () => {
    const text = await (await fetch(`${gateway.url}/metrics`)).text()
    return Number(/^hookline_process_resident_memory_bytes (\d+)/m.exec(text)?.[1])
  }

  it('answers malformed bodies, wrong content types and odd queries with 4xx problem+json only', async () => {
    const before = await counts()
    const rssBefore = await rss()
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
        contentTypes,
        hostileBodies,
        async ([method, path], type, body) => {
          const response = await fetch(`${gateway.url}${path}`, {
            method,
            headers: {
              authorization: `Bearer ${TEST_API_KEY}`,
              ...(type === '' ? {} : { 'content-type': type }),
            },
            body,
            signal: AbortSignal.timeout(10_000),
          })
          const text = await response.text()
          expect(response.status, `${method} ${path} ${type} → ${text.slice(0, 200)}`).toBeGreaterThanOrEqual(
            400,
          )
          expect(response.status).toBeLessThan(500)
          expect(response.headers.get('content-type')).toContain('application/problem+json')
          expect(JSON.parse(text)).toMatchObject({ status: response.status, code: expect.any(String) })
        },
      ),
      { numRuns: 150 },
    )
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/v1/events', '/v1/deliveries', '/v1/endpoints', '/v1/event-types'),
        queries,
        async (path, query) => {
          const response = await fetch(`${gateway.url}${path}${query}`, {
            headers: { authorization: `Bearer ${TEST_API_KEY}` },
          })
          expect(response.status, `${path}${query}`).toBeGreaterThanOrEqual(400)
          expect(response.status).toBeLessThan(500)
          expect(response.headers.get('content-type')).toContain('application/problem+json')
        },
      ),
      { numRuns: 60 },
    )
    expect(await counts()).toEqual(before)
    // Memory comes back: a hostile request must not leave anything behind (generous bound).
    expect(await rss()).toBeLessThan(rssBefore + 150 * 1024 * 1024)
  })

  it('answers unknown routes and methods with 404/405-style problems', async () => {
    for (const [method, path] of [
      ['GET', '/v2/events'],
      ['PUT', '/v1/events'],
      ['DELETE', '/v1/events'],
      ['GET', '/in/guarded'],
      ['TRACE', '/'],
      ['GET', '/%2e%2e/%2e%2e/etc/passwd'],
      ['GET', `/${'a'.repeat(10_000)}`],
    ] as const) {
      const response = await fetch(`${gateway.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${TEST_API_KEY}` },
      }).catch(() => null)
      if (response === null) continue // fetch itself refuses some methods (TRACE)
      expect(response.status, `${method} ${path}`).toBeGreaterThanOrEqual(400)
      expect(response.status).toBeLessThan(500)
    }
  })

  it('survives header injection and garbage on the socket, and keeps serving', async () => {
    const { port } = new URL(gateway.url)
    const raw = (text: string) =>
      new Promise<string>((resolve) => {
        const socket = connect(Number(port), '127.0.0.1', () => socket.end(text))
        let answer = ''
        socket.on('data', (chunk) => {
          answer += chunk.toString('latin1')
        })
        socket.on('close', () => resolve(answer))
        socket.on('error', () => resolve(answer))
        socket.setTimeout(5000, () => socket.destroy())
      })
    const injected = await raw(
      `POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TEST_API_KEY}\r\nContent-Type: application/json\r\nIdempotency-Key: a\rInjected: yes\r\nContent-Length: 2\r\n\r\n{}`,
    )
    expect(injected).toMatch(/^HTTP\/1\.1 4\d\d/)
    const garbage = await raw('\u0000\u0001GARBAGE / HTTP/9.9\r\n\r\n')
    expect(garbage === '' || /^HTTP\/1\.1 4\d\d/.test(garbage)).toBe(true)
    const huge = await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`)
    expect(huge).toMatch(/^HTTP\/1\.1 431/)
    expect((await gateway.api('GET', '/healthz')).status).toBe(200)
  })
})
