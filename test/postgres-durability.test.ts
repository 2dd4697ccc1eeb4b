import { randomBytes } from 'node:crypto'
import { expect, it } from 'vitest'
import { eventually, GatewayProcess } from './support/gateway-process.js'
import { describePostgres } from './support/postgres.js'
import { Sink } from './support/sink.js'

/** Publishes in flight at once: enough that batches commit while the process is killed. */
const PUBLISHERS = 32

/**
 * A 202 from a process on PostgreSQL means committed: SIGKILL the process while publishes pour
 * in, and every acknowledged event is in the database with its delivery. Under load a batch of
 * publishes commits as one statement without a transaction around it (pg-write-batcher.ts), so
 * this is that path's proof as much as the transaction's.
 */
await describePostgres('publishing on PostgreSQL across a SIGKILL', 'durability', (database) => {
  it('keeps every acknowledged event and its delivery when the process is killed mid-stream', async () => {
    const env = {
      HOOKLINE_DATABASE_URL: database().url,
      HOOKLINE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      // No dispatcher: the deliveries stay pending where the test can count them.
      HOOKLINE_ROLE: 'api',
      HOOKLINE_LOG_LEVEL: 'warn',
    }
    // Never called (no dispatcher runs); the endpoint makes every publish write a delivery.
    const sink = await Sink.start()
    const gateway = await GatewayProcess.start({ env })
    try {
      const endpoint = await gateway.api('POST', '/v1/endpoints', { url: `${sink.url}/hook` })
      expect(endpoint.status).toBe(201)

      const acknowledged: string[] = []
      let failures = 0
      let next = 0
      const publishing = Promise.all(
        Array.from({ length: PUBLISHERS }, async () => {
          while (failures === 0) {
            const i = next++
            // Every third publish carries an idempotency key: that path reads before it writes.
            const headers: Record<string, string> = i % 3 === 0 ? { 'idempotency-key': `key-${i}` } : {}
            let published: { status: number; body: { id: string } }
            try {
              published = await gateway.api('POST', '/v1/events', { type: 'crash.pg', data: { i } }, headers)
            } catch {
              failures += 1 // the process is gone
              return
            }
            expect(published.status).toBe(202)
            acknowledged.push(published.body.id)
          }
        }),
      )
      await eventually(async () => acknowledged.length >= 2_000, 30_000)
      await gateway.kill()
      await publishing

      const ids = [...acknowledged]
      const stored = await database().query<{ id: string; deliveries: number }>(
        `SELECT e.id, count(d.id)::int AS deliveries
         FROM events e LEFT JOIN deliveries d ON d.event_id = e.id
         WHERE e.id = ANY($1::text[]) GROUP BY e.id`,
        [ids],
      )
      expect(stored).toHaveLength(ids.length)
      expect(stored.every((row) => row.deliveries === 1)).toBe(true)
      // Nothing was stored twice either: one event per publish that got through.
      const [count] = await database().query<{ events: number; deliveries: number }>(
        `SELECT (SELECT count(*)::int FROM events) AS events, (SELECT count(*)::int FROM deliveries) AS deliveries`,
      )
      expect(count?.events).toBeGreaterThanOrEqual(ids.length)
      expect(count?.events).toBeLessThanOrEqual(ids.length + PUBLISHERS)
      expect(count?.deliveries).toBe(count?.events)
      console.info(`[pg durability] ${ids.length} acknowledged before the kill, ${count?.events} stored`)
      expect(sink.received).toHaveLength(0)
    } finally {
      await gateway.cleanup()
      await sink.close()
    }
  })
})
