import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createSecretCipher } from '../store/secret-cipher.js'
import { openSqliteStore, type SqliteStore } from '../store/sqlite/sqlite-store.js'
import { Maintenance } from './maintenance.js'

const DAY_MS = 86_400_000
const logger = pino({ level: 'silent' })

describe('maintenance', () => {
  let dir: string
  let store: SqliteStore
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hookline-maintenance-'))
    store = openSqliteStore({ path: join(dir, 'hookline.db'), cipher: createSecretCipher([randomBytes(32)]) })
  })
  afterEach(async () => {
    await store.close()
    await rm(dir, { recursive: true, force: true })
  })

  /** `count` events, each delivered to one endpoint that answered 200. */
  async function deliveredEvents(count: number): Promise<void> {
    await store.createEndpoint({ url: 'https://hooks.example.com/in', secret: 'whsec_x' })
    for (let n = 0; n < count; n++) await store.publish({ type: 'order.shipped', data: { n } })
    const now = Date.now()
    for (const claimed of await store.claimDue('w1', count, now, 60_000)) {
      await store.recordAttempt({
        deliveryId: claimed.deliveryId,
        workerId: 'w1',
        atMs: now,
        durationMs: 5,
        statusCode: 200,
        error: null,
        responseBody: null,
        outcome: { status: 'succeeded' },
      })
    }
  }

  it('deletes history older than the retention period, batch after batch', async () => {
    await deliveredEvents(7)
    const maintenance = new Maintenance({ store, logger, retentionMs: 30 * DAY_MS, batchSize: 3 })
    // Nothing is 30 days old yet.
    expect(await maintenance.runOnce()).toEqual({
      events: 0,
      deliveries: 0,
      attempts: 0,
      dedupeKeys: 0,
      complete: true,
    })
    // A month later, all of it is.
    expect(await maintenance.runOnce(Date.now() + 31 * DAY_MS)).toEqual({
      events: 7,
      deliveries: 7,
      attempts: 7,
      dedupeKeys: 0,
      complete: true,
    })
    expect((await store.listEvents({ limit: 10 })).data).toEqual([])
  })

  it('keeps history with retention off, but still forgets expired dedupe keys', async () => {
    await deliveredEvents(2)
    const source = await store.createSource({ name: 'stripe', verifier: { scheme: 'none', secrets: [] } })
    for (const key of ['a', 'b', 'c']) {
      await store.ingest({
        sourceId: source.id,
        sourceName: 'stripe',
        type: 'stripe.x',
        data: {},
        dedupeKey: key,
        dedupeUntilMs: Date.now() + DAY_MS,
        headers: {},
      })
    }
    const maintenance = new Maintenance({ store, logger, retentionMs: null, batchSize: 2 })
    expect(await maintenance.runOnce(Date.now() + 365 * DAY_MS)).toEqual({
      events: 0,
      deliveries: 0,
      attempts: 0,
      dedupeKeys: 3,
      complete: true,
    })
    expect((await store.listEvents({ limit: 10 })).data).toHaveLength(5)
  })

  it('runs on its own once started, and stops cleanly', async () => {
    await deliveredEvents(1)
    const maintenance = new Maintenance({ store, logger, retentionMs: 1, intervalMs: 50 })
    await new Promise((resolve) => setTimeout(resolve, 20))
    maintenance.start()
    await new Promise((resolve) => setTimeout(resolve, 200))
    await maintenance.stop()
    expect((await store.listEvents({ limit: 10 })).data).toEqual([])
  })
})
