import { randomBytes } from 'node:crypto'
import { expect, it } from 'vitest'
import { eventually, GatewayProcess } from './support/gateway-process.js'
import { describePostgres } from './support/postgres.js'
import { Sink } from './support/sink.js'

const EVENTS = 5_000
/** Attempts in flight per process: what a SIGKILL can leave unrecorded, so the bound on duplicates. */
const CONCURRENCY = 64

/**
 * Several `hookline serve` processes on one PostgreSQL database share the work, and a process
 * killed in the middle of it loses nothing: its leases run out and the survivor takes over.
 */
await describePostgres('two processes on one PostgreSQL database', 'cluster', (database) => {
  it('delivers every event at least once when one of two processes is SIGKILLed mid-run', async () => {
    const received = new Map<string, number>()
    // Slow enough that both processes have many attempts in flight when one is killed.
    const sink = await Sink.start(async (request, _index, response) => {
      const id = String(request.headers['webhook-id'])
      received.set(id, (received.get(id) ?? 0) + 1)
      await new Promise((resolve) => setTimeout(resolve, 50))
      response.writeHead(204).end()
    })
    const env = {
      HOOKLINE_DATABASE_URL: database().url,
      // Every process must open the secrets the others sealed.
      HOOKLINE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      // The lease is the timeout plus 5 s: a dead process's claims are due again within 9 s.
      HOOKLINE_DELIVERY_TIMEOUT: '4s',
      HOOKLINE_DELIVERY_CONCURRENCY: String(CONCURRENCY),
      // An attempt that times out on a busy machine is retried within a second, not minutes.
      HOOKLINE_RETRY_SCHEDULE: '0,500ms,1s,1s,1s,1s,1s,1s',
      HOOKLINE_LOG_LEVEL: 'warn',
    }
    const [doomed, survivor] = await Promise.all([
      GatewayProcess.start({ env }),
      GatewayProcess.start({ env }),
    ])
    try {
      expect((await survivor.api('POST', '/v1/endpoints', { url: `${sink.url}/hook` })).status).toBe(201)

      // Publish through the survivor only, so that the kill cannot fail a publish; both deliver.
      const acknowledged: string[] = []
      let next = 0
      const publishing = Promise.all(
        Array.from({ length: 32 }, async () => {
          while (next < EVENTS) {
            const i = next++
            const published = await survivor.api('POST', '/v1/events', { type: 'cluster.test', data: { i } })
            expect(published.status).toBe(202)
            acknowledged.push(published.body.id)
          }
        }),
      )
      await eventually(async () => received.size >= EVENTS * 0.3, 30_000)
      const killedAt = Date.now()
      await doomed.kill()
      const receivedAtKill = received.size
      await publishing
      expect(acknowledged).toHaveLength(EVENTS)
      expect(receivedAtKill).toBeLessThan(EVENTS)

      await eventually(async () => acknowledged.every((id) => received.has(id)), 40_000)
      const tookOverMs = Date.now() - killedAt
      // Besides ordinary retries (an attempt that timed out on a busy machine is logged as
      // failed and sent again), only attempts the dead process had in flight arrive twice.
      const duplicates = [...received.values()].reduce((sum, count) => sum + count - 1, 0)
      const [failed] = await database().query<{ n: number }>(
        "SELECT count(*)::int AS n FROM attempts WHERE status = 'failed'",
      )
      const retried = failed?.n ?? 0
      expect(duplicates - retried).toBeLessThanOrEqual(CONCURRENCY)
      console.info(
        `[cluster] ${EVENTS} events, killed one process after ${receivedAtKill} were received; ` +
          `${duplicates} duplicates (${retried} of them retries of failed attempts); ` +
          `all delivered ${tookOverMs} ms after the kill`,
      )

      // No lease outlives its expiry: the dead process's claims were all taken over.
      const [stale] = await database().query<{ n: number }>(
        'SELECT count(*)::int AS n FROM deliveries WHERE lease_owner IS NOT NULL AND next_attempt_at < $1',
        [Date.now() - 5_000],
      )
      expect(stale?.n).toBe(0)
      // And in the end every delivery settled, with no lease left.
      await eventually(async () => {
        const rows = await database().query<{ status: string; leased: number; n: number }>(
          `SELECT status, count(*) FILTER (WHERE lease_owner IS NOT NULL)::int AS leased, count(*)::int AS n
           FROM deliveries GROUP BY status`,
        )
        return (
          rows.length === 1 && rows[0]?.status === 'succeeded' && rows[0].n === EVENTS && rows[0].leased === 0
        )
      }, 30_000)
    } finally {
      await Promise.all([doomed.cleanup(), survivor.cleanup()])
      await sink.close()
    }
  }, 90_000)
})
