import { randomBytes } from 'node:crypto'
import { expect, it } from 'vitest'
import { eventually, GatewayProcess, TEST_API_KEY } from './support/gateway-process.js'
import { describePostgres } from './support/postgres.js'
import { Sink } from './support/sink.js'

/**
 * The database goes away under traffic (its connections cut, new ones refused, as during a
 * restart) and comes back: publishes in between get a clean 503, nothing acknowledged is lost,
 * and the gateway recovers by itself. The outage is confined to this file's own database, so
 * tests running beside it on the same server are not disturbed.
 */
await describePostgres('PostgreSQL outage under traffic', 'outage', (database) => {
  it('answers 503 while the database is away and delivers everything acknowledged afterwards', async () => {
    const sink = await Sink.start()
    const gateway = await GatewayProcess.start({
      env: {
        HOOKLINE_DATABASE_URL: database().url,
        HOOKLINE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        HOOKLINE_LOG_LEVEL: 'fatal',
        // A claim cut off by the outage leaves its lease behind; it runs out after 2 s + 5 s.
        HOOKLINE_DELIVERY_TIMEOUT: '2s',
      },
    })
    try {
      expect((await gateway.api('POST', '/v1/endpoints', { url: `${sink.url}/hook` })).status).toBe(201)

      const acknowledged: string[] = []
      const unavailable: unknown[] = []
      const unexpected: unknown[] = []
      let phase: 'before' | 'outage' | 'after' = 'before'
      const publishedIn = { before: 0, outage: 0, after: 0 }
      let stop = false
      let i = 0
      const traffic = Promise.all(
        Array.from({ length: 8 }, async () => {
          while (!stop) {
            const published = await gateway.api('POST', '/v1/events', {
              type: 'outage.test',
              data: { i: i++ },
            })
            if (published.status === 202) {
              acknowledged.push(published.body.id)
              publishedIn[phase] += 1
            } else if (published.status === 503) {
              expect(published.headers.get('content-type')).toContain('application/problem+json')
              expect(published.body).toMatchObject({ status: 503, type: expect.any(String) })
              unavailable.push(published.body)
            } else {
              unexpected.push({ status: published.status, body: published.body })
            }
            await new Promise((resolve) => setTimeout(resolve, 5))
          }
        }),
      )

      await eventually(async () => acknowledged.length >= 100, 15_000)
      await database().beginOutage()
      phase = 'outage'
      try {
        await eventually(async () => unavailable.length >= 20, 15_000)
        const ready = await fetch(`${gateway.url}/readyz`)
        expect(ready.status).toBe(503)
      } finally {
        await database().endOutage()
      }
      phase = 'after'
      await eventually(async () => publishedIn.after >= 100, 20_000)
      stop = true
      await traffic

      expect(unexpected).toEqual([])
      expect((await fetch(`${gateway.url}/readyz`)).status).toBe(200)
      // Everything acknowledged, before, during (if it slipped in) and after the outage, arrives.
      await eventually(async () => {
        const delivered = new Set(sink.received.map((request) => request.headers['webhook-id']))
        return acknowledged.every((id) => delivered.has(id))
      }, 20_000)
      // Nothing is stuck: a delivery whose claim was cut off is retried once its lease runs out.
      await eventually(async () => {
        const listed = await fetch(`${gateway.url}/v1/deliveries?status=pending`, {
          headers: { authorization: `Bearer ${TEST_API_KEY}` },
        })
        return ((await listed.json()) as { data: unknown[] }).data.length === 0
      }, 15_000)
      console.info(
        `[outage] acknowledged ${publishedIn.before} before, ${publishedIn.outage} during, ` +
          `${publishedIn.after} after; ${unavailable.length} answered 503`,
      )
    } finally {
      await gateway.cleanup()
      await sink.close()
    }
  }, 60_000)
})
