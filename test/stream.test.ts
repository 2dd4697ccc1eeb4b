import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, GatewayProcess, TEST_API_KEY } from './support/gateway-process.js'

interface Frame {
  id?: string
  event?: string
  data?: string
}

/** A minimal SSE reader over fetch, collecting frames until aborted. */
function openStream(url: string, headers: Record<string, string> = {}) {
  const frames: Frame[] = []
  const controller = new AbortController()
  const ready = (async () => {
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${TEST_API_KEY}`, ...headers },
      signal: controller.signal,
    })
    return response
  })()
  const done = ready.then(async (response) => {
    if (!response.body) return
    const decoder = new TextDecoder()
    let buffer = ''
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true })
        let end = buffer.indexOf('\n\n')
        while (end >= 0) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const frame: Frame = {}
          for (const line of block.split('\n')) {
            const colon = line.indexOf(':')
            if (colon <= 0) continue
            const field = line.slice(0, colon) as keyof Frame
            if (field === 'id' || field === 'event' || field === 'data') frame[field] = line.slice(colon + 2)
          }
          if (frame.data !== undefined) frames.push(frame)
          end = buffer.indexOf('\n\n')
        }
      }
    } catch {
      // aborted
    }
  })
  return { frames, ready, done, close: () => controller.abort() }
}

describe('event streams (SSE)', () => {
  let gateway: GatewayProcess

  beforeAll(async () => {
    gateway = await GatewayProcess.start()
  })
  afterAll(async () => {
    await gateway.cleanup()
  })

  const publish = async (type: string, data: unknown = {}) =>
    (await gateway.api('POST', '/v1/events', { type, data })).body as { id: string; type: string }

  it('streams live events matching the filter, as webhook bodies', async () => {
    const stream = openStream(`${gateway.url}/v1/stream?types=order.*,payment.captured`)
    const response = await stream.ready
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toContain('text/event-stream')
    const shipped = await publish('order.shipped', { order_id: 'ORD-1' })
    await publish('invoice.paid')
    const captured = await publish('payment.captured', { amount: 5 })
    await eventually(async () => stream.frames.length >= 2)
    await new Promise((r) => setTimeout(r, 200))
    stream.close()
    expect(stream.frames.map((f) => f.event)).toEqual(['order.shipped', 'payment.captured'])
    expect(stream.frames[0]).toMatchObject({ id: shipped.id, event: 'order.shipped' })
    expect(JSON.parse(stream.frames[0]?.data ?? '{}')).toMatchObject({
      id: shipped.id,
      data: { order_id: 'ORD-1' },
    })
    expect(stream.frames[1]?.id).toBe(captured.id)
  })

  it('resumes after a disconnect with Last-Event-ID: nothing missed, nothing twice', async () => {
    const first = openStream(`${gateway.url}/v1/stream?types=resume.*`)
    await first.ready
    const sent: string[] = []
    for (let i = 0; i < 5; i++) sent.push((await publish('resume.item', { i })).id)
    await eventually(async () => first.frames.length === 5)
    first.close()
    const lastSeen = first.frames[4]?.id as string
    // Published while nobody listened.
    for (let i = 5; i < 12; i++) sent.push((await publish('resume.item', { i })).id)

    const second = openStream(`${gateway.url}/v1/stream?types=resume.*`, { 'last-event-id': lastSeen })
    await second.ready
    for (let i = 12; i < 15; i++) sent.push((await publish('resume.item', { i })).id)
    await eventually(async () => second.frames.length >= 10)
    await new Promise((r) => setTimeout(r, 200))
    second.close()
    const ids = [...first.frames, ...second.frames].map((f) => f.id)
    expect(ids).toEqual(sent)
  })

  it('rejects bad filters and keys without the read scope', async () => {
    const bad = await fetch(`${gateway.url}/v1/stream?types=not%20a%20type`, {
      headers: { authorization: `Bearer ${TEST_API_KEY}` },
    })
    expect(bad.status).toBe(400)
    const publisher = await gateway.api('POST', '/v1/api-keys', { name: 'pub', scope: 'publish' })
    const denied = await fetch(`${gateway.url}/v1/stream`, {
      headers: { authorization: `Bearer ${publisher.body.key}` },
    })
    expect(denied.status).toBe(403)
    const reader = await gateway.api('POST', '/v1/api-keys', { name: 'reader', scope: 'read' })
    const allowed = openStream(`${gateway.url}/v1/stream`, { authorization: `Bearer ${reader.body.key}` })
    expect((await allowed.ready).status).toBe(200)
    allowed.close()
  })

  it("gives an endpoint-scoped stream token exactly its endpoint's events, and nothing else", async () => {
    const endpoint = await gateway.api('POST', '/v1/endpoints', {
      url: 'http://127.0.0.1:9/unused',
      eventTypes: ['scoped.order.*'],
      disabled: true,
    })
    await gateway.api('PATCH', `/v1/endpoints/${endpoint.body.id}`, { disabled: false })
    const issued = await gateway.api('POST', `/v1/endpoints/${endpoint.body.id}/stream-token`)
    expect(issued.status).toBe(201)
    expect(issued.body.token).toMatch(/^hl_/)
    const token = issued.body.token as string

    // It asks for more than its endpoint receives; it gets only the endpoint's share.
    const stream = openStream(`${gateway.url}/v1/stream?types=scoped.*`, { authorization: `Bearer ${token}` })
    expect((await stream.ready).status).toBe(200)
    const order = await publish('scoped.order.created')
    await publish('scoped.invoice.paid')
    await eventually(async () => stream.frames.length >= 1)
    await new Promise((r) => setTimeout(r, 300))
    stream.close()
    expect(stream.frames.map((f) => f.id)).toEqual([order.id])

    const elsewhere = await fetch(`${gateway.url}/v1/events`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(elsewhere.status).toBe(403)
    const listed = await gateway.api('GET', '/v1/api-keys')
    expect(listed.body.data).toContainEqual(
      expect.objectContaining({ id: issued.body.keyId, scope: 'stream', endpointId: endpoint.body.id }),
    )
    await gateway.api('DELETE', `/v1/api-keys/${issued.body.keyId}`)
    const revoked = await fetch(`${gateway.url}/v1/stream`, { headers: { authorization: `Bearer ${token}` } })
    expect(revoked.status).toBe(401)
  })

  it('disconnects a consumer that stops reading instead of buffering without bound', async () => {
    const { connect } = await import('node:net')
    const { port } = new URL(gateway.url)
    const socket = connect(Number(port), '127.0.0.1')
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
    socket.write(
      `GET /v1/stream?types=flood.* HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TEST_API_KEY}\r\n\r\n`,
    )
    socket.pause() // never read again
    const closed = new Promise<void>((resolve) => {
      socket.once('end', () => resolve())
      socket.once('close', () => resolve())
      socket.on('error', () => resolve())
    })
    await new Promise((r) => setTimeout(r, 200))
    // Loopback socket buffers swallow several megabytes before the server sees any backpressure.
    const big = 'x'.repeat(100_000)
    const slowLogged = () => gateway.output.includes('event stream consumer too slow')
    for (let i = 0; i < 400 && !slowLogged(); i += 10) {
      await Promise.all(Array.from({ length: 10 }, (_, j) => publish('flood.item', { big, i: i + j })))
    }
    await eventually(async () => slowLogged())
    // A paused socket learns of the close only when it reads again.
    socket.on('data', () => {})
    socket.resume()
    await Promise.race([
      closed,
      new Promise((_, reject) => setTimeout(() => reject(new Error('not disconnected')), 10_000)),
    ])
    // The server keeps serving.
    expect((await gateway.api('GET', '/healthz')).status).toBe(200)
  })

  it('ends open streams on SIGTERM so that shutdown does not hang', async () => {
    const own = await GatewayProcess.start()
    try {
      const stream = openStream(`${own.url}/v1/stream`)
      await stream.ready
      expect(await own.stop()).toBe(0)
      await stream.done
    } finally {
      await own.cleanup()
    }
  })
})

describe('client.stream() from @hookline/sdk', () => {
  it('yields live events, survives a server restart and resumes without gaps or repeats', async () => {
    const { HooklineClient } = await import('@hookline/sdk')
    const first = await GatewayProcess.start()
    const port = new URL(first.url).port
    const client = new HooklineClient({ baseUrl: first.url, apiKey: TEST_API_KEY })
    const controller = new AbortController()
    const seen: string[] = []
    const consuming = (async () => {
      for await (const event of client.stream({
        types: ['agent.*'],
        signal: controller.signal,
        reconnectDelayMs: 100,
      })) {
        seen.push(event.id)
      }
    })()
    const sent: string[] = []
    let second: GatewayProcess | undefined
    try {
      await new Promise((r) => setTimeout(r, 300))
      for (let i = 0; i < 3; i++)
        sent.push((await first.api('POST', '/v1/events', { type: 'agent.task', data: { i } })).body.id)
      await eventually(async () => seen.length === 3)
      await first.stop()
      // Same port and data: the client reconnects by itself and resumes from its last event.
      second = await GatewayProcess.start({ dataDir: first.dataDir, env: { HOOKLINE_PORT: port } })
      for (let i = 3; i < 6; i++)
        sent.push((await second.api('POST', '/v1/events', { type: 'agent.task', data: { i } })).body.id)
      await second.api('POST', '/v1/events', { type: 'other.thing', data: {} })
      await eventually(async () => seen.length === 6, 15_000)
      await new Promise((r) => setTimeout(r, 200))
      expect(seen).toEqual(sent)
    } finally {
      controller.abort()
      await consuming
      await second?.cleanup()
      await first.cleanup()
    }
  })
})
