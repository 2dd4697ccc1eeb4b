import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, GatewayProcess } from './support/gateway-process.js'
import { Sink } from './support/sink.js'

/**
 * The seed's legacy system: a REST status endpoint and nothing else. One Hookline poller turns
 * its state changes into webhooks.
 */
function legacyApi() {
  const state = { status: 'queued', polls: 0, notModified: 0, authorized: true }
  const server = createServer((request, response) => {
    state.polls += 1
    if (request.headers.authorization !== 'Bearer legacy-token') state.authorized = false
    const etag = `"${state.status}"`
    if (request.headers['if-none-match'] === etag) {
      state.notModified += 1
      return void response.writeHead(304, { etag }).end()
    }
    response.writeHead(200, { 'content-type': 'application/json', etag })
    response.end(JSON.stringify({ jobs: [{ id: 'job-1', status: state.status, checkedAt: Date.now() }] }))
  })
  return { state, server }
}

describe('poll-to-push bridge', () => {
  let gateway: GatewayProcess
  let sink: Sink
  const legacy = legacyApi()
  let legacyUrl = ''

  beforeAll(async () => {
    gateway = await GatewayProcess.start()
    sink = await Sink.start()
    await new Promise<void>((resolve) => legacy.server.listen(0, '127.0.0.1', resolve))
    legacyUrl = `http://127.0.0.1:${(legacy.server.address() as AddressInfo).port}/transformations`
  })
  afterAll(async () => {
    await gateway.cleanup()
    await sink.close()
    legacy.server.closeAllConnections()
    await new Promise<void>((resolve) => legacy.server.close(() => resolve()))
  })

  it('turns three state changes of a legacy API into exactly three events, with ETags honoured', async () => {
    await gateway.api('POST', '/v1/endpoints', { url: `${sink.url}/agent`, eventTypes: ['legacy.*'] })
    const created = await gateway.api('POST', '/v1/pollers', {
      url: legacyUrl,
      intervalSeconds: 1,
      headers: { authorization: 'Bearer legacy-token' },
      eventType: 'legacy.job.updated',
      itemsFrom: '/jobs',
      idFrom: '/id',
      changeFrom: '/status',
    })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ headerNames: ['authorization'], lastRunAt: null })
    expect(JSON.stringify(created.body)).not.toContain('legacy-token')

    // The first poll is the baseline: "queued" is not news.
    await eventually(
      async () => (await gateway.api('GET', `/v1/pollers/${created.body.id}`)).body.lastRunAt !== null,
    )
    for (const [i, status] of ['running', 'transforming', 'done'].entries()) {
      legacy.state.status = status
      await eventually(async () => sink.received.length === i + 1, 10_000)
    }
    // More polls go by (answered 304 now) without any further event.
    await eventually(async () => legacy.state.notModified >= 2, 10_000)
    const events = await gateway.api('GET', '/v1/events?type=legacy.job.updated')
    expect(events.body.data).toHaveLength(3)
    const bodies = sink.received.map((request) => JSON.parse(request.body))
    expect(bodies.map((body) => body.data.item.status)).toEqual(['running', 'transforming', 'done'])
    expect(bodies[0].data).toMatchObject({ pollerId: created.body.id, itemId: 'job-1', change: 'changed' })
    expect(legacy.state.authorized).toBe(true)

    const poller = await gateway.api('GET', `/v1/pollers/${created.body.id}`)
    expect(poller.body.lastOutcome).toMatch(/not_modified|unchanged/)
    expect(poller.body.lastChangeAt).toEqual(expect.any(String))
    expect(gateway.output).not.toContain('legacy-token')
  })

  it('records errors and backs off, and refuses invalid definitions', async () => {
    const broken = await gateway.api('POST', '/v1/pollers', {
      url: `${legacyUrl.replace(/:\d+\//, ':9/')}`,
      intervalSeconds: 1,
      eventType: 'legacy.broken',
      idFrom: '/id',
    })
    expect(broken.status).toBe(201)
    const seen = await eventually(async () => {
      const poller = (await gateway.api('GET', `/v1/pollers/${broken.body.id}`)).body
      return poller.lastOutcome === 'error' ? poller : undefined
    })
    expect(seen.lastError).toMatch(/request failed/)
    // Backoff: the next run is further away than the one-second interval.
    expect(Date.parse(seen.nextRunAt) - Date.parse(seen.lastRunAt)).toBeGreaterThanOrEqual(2000)

    const invalid = await gateway.api('POST', '/v1/pollers', {
      url: 'ftp://127.0.0.1/x',
      intervalSeconds: 0,
      eventType: 'bad type',
      idFrom: 'id',
    })
    expect(invalid.status).toBe(422)
    expect(invalid.body.errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(['/intervalSeconds', '/eventType']),
    )
    expect((await gateway.api('DELETE', `/v1/pollers/${broken.body.id}`)).status).toBe(204)
  })
})
