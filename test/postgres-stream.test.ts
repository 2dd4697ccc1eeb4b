import { randomBytes } from 'node:crypto'
import { HooklineClient } from '@hookline/sdk'
import { expect, it } from 'vitest'
import { eventually, GatewayProcess, TEST_API_KEY } from './support/gateway-process.js'
import { describePostgres } from './support/postgres.js'

/** Streams and pollers with several processes on one PostgreSQL database. */
await describePostgres('event streams on PostgreSQL', 'streams', (database) => {
  it('shows every stream every event, whichever process accepted it', async () => {
    const env = {
      HOOKLINE_DATABASE_URL: database().url,
      HOOKLINE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      HOOKLINE_LOG_LEVEL: 'warn',
    }
    const [a, b] = await Promise.all([GatewayProcess.start({ env }), GatewayProcess.start({ env })])
    const controller = new AbortController()
    const seenOnA: string[] = []
    const seenOnB: string[] = []
    const follow = (gateway: GatewayProcess, seen: string[]) =>
      (async () => {
        const client = new HooklineClient({ baseUrl: gateway.url, apiKey: TEST_API_KEY })
        for await (const event of client.stream({ types: ['pg.*'], signal: controller.signal }))
          seen.push(event.id)
      })()
    const following = [follow(a, seenOnA), follow(b, seenOnB)]
    try {
      await new Promise((r) => setTimeout(r, 500))
      const published: string[] = []
      // Interleaved and concurrent publishes on both processes.
      await Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          const via = i % 2 === 0 ? a : b
          const result = await via.api('POST', '/v1/events', { type: 'pg.item', data: { i } })
          published.push(result.body.id)
        }),
      )
      await eventually(async () => seenOnA.length >= 40 && seenOnB.length >= 40, 15_000)
      await new Promise((r) => setTimeout(r, 300))
      for (const seen of [seenOnA, seenOnB]) {
        expect(seen).toHaveLength(40)
        expect(new Set(seen)).toEqual(new Set(published))
      }
      // Both streams see the same order: the order of the shared event log.
      expect(seenOnA).toEqual(seenOnB)
    } finally {
      controller.abort()
      await Promise.allSettled(following)
      await Promise.all([a.cleanup(), b.cleanup()])
    }
  })
})
