import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { type HttpDestination, parseDestination } from '../core/destination-url.js'
import { HttpSender, RESPONSE_BODY_LIMIT_BYTES } from './http-sender.js'
import { AddressGuard } from './network-guard.js'

const guard = new AddressGuard({ allowPrivateNetworks: true, allowedNetworks: [], requireHttps: false })
const body = JSON.stringify({ hello: 'world' })
const headers = { 'content-type': 'application/json' }

let server: Server | null = null
let sender: HttpSender | null = null
afterEach(async () => {
  await sender?.close()
  server?.closeAllConnections()
  await new Promise((resolve) => server?.close(resolve) ?? resolve(null))
  server = null
  sender = null
})

async function serve(handler: Parameters<typeof createServer>[1]): Promise<HttpDestination> {
  server = createServer(handler)
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return parseDestination(`http://127.0.0.1:${port}/hook?tenant=a`) as HttpDestination
}

describe('HttpSender', () => {
  it('posts the body to the path and query, and keeps a capped response body', async () => {
    const seen: { url: string | undefined; body: string }[] = []
    const target = await serve((request, response) => {
      let text = ''
      request.on('data', (chunk) => (text += chunk))
      request.on('end', () => {
        seen.push({ url: request.url, body: text })
        response.writeHead(200).end('x'.repeat(RESPONSE_BODY_LIMIT_BYTES * 3))
      })
    })
    sender = new HttpSender({ timeoutMs: 2_000, guard })
    const result = await sender.send(target, headers, body)
    expect(result).toMatchObject({
      statusCode: 200,
      error: null,
      result: { kind: 'response', statusCode: 200 },
    })
    expect(result.responseBody).toHaveLength(RESPONSE_BODY_LIMIT_BYTES)
    expect(seen).toEqual([{ url: '/hook?tenant=a', body }])
    expect(sender.pendingDeadlines).toBe(0)
  })

  it('ends an attempt whose receiver trickles its answer at the timeout, not at the last byte', async () => {
    // Each byte comes well inside undici's body timeout, so only the overall deadline stops it.
    const target = await serve(trickle)
    sender = new HttpSender({ timeoutMs: 400, guard })
    const started = performance.now()
    const result = await sender.send(target, headers, body)
    const tookMs = performance.now() - started
    expect(result).toMatchObject({
      statusCode: null,
      error: 'timeout',
      result: { kind: 'error', error: 'timeout' },
    })
    expect(tookMs).toBeGreaterThanOrEqual(390)
    expect(tookMs).toBeLessThan(5_000)
    expect(sender.pendingDeadlines).toBe(0)
  })

  it('times out a receiver that never answers, and keeps serving the ones that do', async () => {
    let calls = 0
    const target = await serve((request, response) => {
      calls += 1
      // The first request hangs; the others answer at once.
      if (request.headers['x-hang'] === '1') return
      response.writeHead(204).end()
    })
    sender = new HttpSender({ timeoutMs: 300, guard })
    const results = await Promise.all([
      sender.send(target, { ...headers, 'x-hang': '1' }, body),
      ...Array.from({ length: 20 }, () => sender?.send(target, headers, body)),
    ])
    expect(results[0]?.error).toBe('timeout')
    expect(results.slice(1).map((r) => r?.statusCode)).toEqual(Array(20).fill(204))
    expect(calls).toBe(21)
    expect(sender.pendingDeadlines).toBe(0)
  })

  it('times out an attempt that is still waiting for a free connection', async () => {
    const target = await serve(() => {
      // Never answers: the only connection stays busy.
    })
    sender = new HttpSender({ timeoutMs: 300, guard, connectionsPerOrigin: 1 })
    const first = sender.send(target, headers, body)
    const started = performance.now()
    const queued = await sender.send(target, headers, body)
    expect(queued.error).toBe('timeout')
    expect(performance.now() - started).toBeLessThan(2_000)
    expect((await first).error).toBe('timeout')
    expect(sender.pendingDeadlines).toBe(0)
  })

  it('keeps the status and Retry-After of a refusal, and does not follow a redirect', async () => {
    const target = await serve((request, response) => {
      if (request.headers['x-case'] === 'busy')
        return void response.writeHead(503, { 'retry-after': '7' }).end('later')
      response.writeHead(302, { location: '/elsewhere' }).end()
    })
    sender = new HttpSender({ timeoutMs: 1_000, guard })
    expect(await sender.send(target, { ...headers, 'x-case': 'busy' }, body)).toMatchObject({
      statusCode: 503,
      error: 'HTTP 503',
      responseBody: 'later',
      result: { kind: 'response', statusCode: 503, retryAfter: '7' },
    })
    expect(await sender.send(target, headers, body)).toMatchObject({
      statusCode: 302,
      error: 'HTTP 302 (redirects are not followed)',
      responseBody: null,
    })
  })

  it('closes within the timeout while an attempt is still being answered', async () => {
    const target = await serve(trickle)
    sender = new HttpSender({ timeoutMs: 300, guard })
    const attempt = sender.send(target, headers, body)
    await new Promise((resolve) => setTimeout(resolve, 50))
    const started = performance.now()
    await sender.close()
    expect(performance.now() - started).toBeLessThan(2_000)
    expect((await attempt).error).toBe('timeout')
    sender = null
  })

  it('refuses a plain-http endpoint when https is required, and a loopback one under the strict policy', async () => {
    const target = await serve((_request, response) => response.writeHead(204).end())
    sender = new HttpSender({ timeoutMs: 1_000, guard: new AddressGuard({ ...STRICT, requireHttps: true }) })
    expect((await sender.send(target, headers, body)).error).toMatch(/^https_required/)
    await sender.close()
    sender = new HttpSender({ timeoutMs: 1_000, guard: new AddressGuard(STRICT) })
    expect((await sender.send(target, headers, body)).error).toMatch(/^ssrf_blocked/)
    expect(sender.pendingDeadlines).toBe(0)
  })
})

const STRICT = { allowPrivateNetworks: false, allowedNetworks: [], requireHttps: false }

/** A receiver that sends its answer one byte every 50 ms: 1,000 bytes take 50 s. */
function trickle(_request: IncomingMessage, response: ServerResponse): void {
  response.writeHead(200, { 'content-length': '1000' })
  const timer = setInterval(() => response.write('x'), 50)
  response.on('close', () => clearInterval(timer))
}
