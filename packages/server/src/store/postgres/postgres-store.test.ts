import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { eventually } from '../../../../../test/support/gateway-process.js'
import { describePostgres, type TestDatabase } from '../../../../../test/support/postgres.js'
import { UnavailableError } from '../../core/errors.js'
import { createSecretCipher } from '../secret-cipher.js'
import { runStoreContract } from '../store.contract.js'
import { endpointInput, LEASE_MS, report, SUCCEEDED } from '../store-fixtures.contract.js'
import { PgDatabase } from './pg-database.js'
import { migratePostgres, migrationFiles } from './pg-migrate.js'
import { INDEX_PLANS } from './pg-plans.js'
import {
  type BatchTx,
  NeedsTransaction,
  type OwnCommitTx,
  PgWriteBatcher,
  type WriteGroup,
} from './pg-write-batcher.js'
import { RECORD_SQL } from './postgres-attempts.js'
import { CLAIM_SQL } from './postgres-queue.js'
import { openPostgresStore, type PostgresStore } from './postgres-store.js'

let schemas = 0

/** A fresh schema in the file's database: a store that starts empty, as the contract wants. */
async function freshSchema(database: TestDatabase): Promise<string> {
  const schema = `s${process.pid}_${++schemas}`
  await database.query(`CREATE SCHEMA ${schema}`)
  return schema
}

function openStoreIn(database: TestDatabase, schema: string, key = randomBytes(32)) {
  return openPostgresStore({ connectionString: database.url, schema, cipher: createSecretCipher([key]) })
}

/**
 * Empties every table of `schema` but the migration log: as fresh as a new schema for the
 * contract, without paying for the migrations (a few hundred milliseconds) in every test.
 */
async function emptySchema(database: TestDatabase, schema: string): Promise<void> {
  const tables = await database.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
     WHERE table_schema = $1 AND table_name <> 'schema_migrations'`,
    [schema],
  )
  // deliveries refer to events: empty it first.
  const names = tables
    .map(({ name }) => name)
    .sort((a, b) => Number(b === 'deliveries') - Number(a === 'deliveries'))
  await database.query(names.map((name) => `DELETE FROM ${schema}.${name};`).join('\n'))
}

await describePostgres('postgres store', 'store', (database) => {
  let contractSchema: string | null = null
  runStoreContract('postgres', async () => {
    if (contractSchema === null) contractSchema = await freshSchema(database())
    else await emptySchema(database(), contractSchema)
    const store = await openStoreIn(database(), contractSchema)
    return { store, cleanup: () => store.close() }
  })

  describe('migrations', () => {
    it('applies each migration once when several processes start together', async () => {
      const schema = await freshSchema(database())
      const runners = Array.from(
        { length: 5 },
        () => new PgDatabase({ connectionString: database().url, schema }),
      )
      try {
        const applied = await Promise.all(runners.map((db) => migratePostgres(db)))
        expect(applied.flat().sort()).toEqual(migrationFiles())
        expect(applied.filter((names) => names.length > 0)).toHaveLength(1)
        const rows = await database().query<{ name: string }>(`SELECT name FROM ${schema}.schema_migrations`)
        expect(rows.map((row) => row.name).sort()).toEqual(migrationFiles())
        expect(await migratePostgres(runners[0] as PgDatabase)).toEqual([])
      } finally {
        await Promise.all(runners.map((db) => db.close()))
      }
    })
  })

  describe('several processes on one database', () => {
    let schema: string
    let a: PostgresStore
    let b: PostgresStore
    beforeEach(async () => {
      schema = await freshSchema(database())
      const key = randomBytes(32)
      a = await openStoreIn(database(), schema, key)
      b = await openStoreIn(database(), schema, key)
    })
    afterEach(async () => {
      await Promise.all([a.close(), b.close()])
      await database().query(`DROP SCHEMA ${schema} CASCADE`)
    })

    it('never hands one delivery to two claimers at once', async () => {
      await a.createEndpoint(endpointInput())
      await Promise.all(
        Array.from({ length: 200 }, (_, n) => a.publish({ type: 'order.shipped', data: { n } })),
      )
      const now = Date.now()
      const claims = await Promise.all(
        Array.from({ length: 20 }, (_, n) => (n % 2 === 0 ? a : b).claimDue(`w${n}`, 15, now, LEASE_MS)),
      )
      const ids = claims.flat().map((claimed) => claimed.deliveryId)
      expect(ids).toHaveLength(200)
      expect(new Set(ids).size).toBe(200)
    })

    it('makes one first API key when several processes start together', async () => {
      const input = (c: string) => ({
        hash: c.repeat(64),
        name: 'admin',
        scope: 'admin' as const,
        prefix: `hl_${c}`,
      })
      const created = await Promise.all([
        a.createFirstApiKey(input('a')),
        b.createFirstApiKey(input('b')),
        a.createFirstApiKey(input('c')),
        b.createFirstApiKey(input('d')),
      ])
      expect(created.filter((key) => key !== null)).toHaveLength(1)
      expect(await b.countApiKeys()).toBe(1)
    })

    it('wakes the other process when a commit queues deliveries', async () => {
      await a.createEndpoint(endpointInput())
      const woken = new Promise<void>((resolve) => {
        const unsubscribe = b.onDeliveriesQueued(() => {
          unsubscribe()
          resolve()
        })
      })
      await a.publish({ type: 'order.shipped', data: {} })
      await woken
      expect(await b.claimDue('w1', 10, Date.now(), LEASE_MS)).toHaveLength(1)
    })

    it('fans out to the endpoints as they are, whatever the other process changed', async () => {
      // a's publishes plan fan-out with the endpoints a read last; b changes them in between.
      const subscribed = async (eventId: string) =>
        (await a.listDeliveries({ limit: 10, eventId })).data.map((d) => d.endpointId).sort()
      const first = await a.createEndpoint(endpointInput({ eventTypes: ['order.*'] }))
      expect(await subscribed((await a.publish({ type: 'order.shipped', data: {} })).event.id)).toEqual([
        first.id,
      ])
      const second = await b.createEndpoint(endpointInput())
      expect(await subscribed((await a.publish({ type: 'order.shipped', data: {} })).event.id)).toEqual(
        [first.id, second.id].sort(),
      )
      await b.updateEndpoint(first.id, { eventTypes: ['invoice.*'] })
      expect(await subscribed((await a.publish({ type: 'order.shipped', data: {} })).event.id)).toEqual([
        second.id,
      ])
      await b.updateEndpoint(second.id, { disabled: true })
      expect(await subscribed((await a.publish({ type: 'order.shipped', data: {} })).event.id)).toEqual([])
      await b.deleteEndpoint(second.id)
      await b.updateEndpoint(first.id, { eventTypes: null })
      const batch = await Promise.all(
        Array.from({ length: 5 }, (_, n) => a.publish({ type: 'order.shipped', data: { n } })),
      )
      for (const { event } of batch) expect(await subscribed(event.id)).toEqual([first.id])
    })

    it('stores one event for racing publishes with one idempotency key from both', async () => {
      await a.createEndpoint(endpointInput())
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, n) =>
          (n % 2 === 0 ? a : b).publish({ type: 'order.shipped', data: { n }, idempotencyKey: 'same' }),
        ),
      )
      expect(results.filter((result) => result.created)).toHaveLength(1)
      expect(new Set(results.map((result) => result.event.id)).size).toBe(1)
      expect((await a.listDeliveries({ limit: 10 })).data).toHaveLength(1)
    })

    it('stores one event for racing ingests of one dedupe key from both', async () => {
      const source = await a.createSource({ name: 'stripe', verifier: { scheme: 'none', secrets: [] } })
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, n) =>
          (n % 2 === 0 ? a : b).ingest({
            sourceId: source.id,
            sourceName: 'stripe',
            type: 'stripe.charge.succeeded',
            data: { n },
            dedupeKey: 'evt_stripe_1',
            dedupeUntilMs: Date.now() + 60_000,
            headers: {},
          }),
        ),
      )
      expect(results.filter((result) => !result.duplicate)).toHaveLength(1)
      expect(new Set(results.map((result) => result.event.id)).size).toBe(1)
      expect(await a.getSource(source.id)).toMatchObject({ stats: { accepted: 1, duplicates: 19 } })
    })

    it('never lets the event log pass an event whose transaction commits later', async () => {
      const before = await a.latestEventPosition()
      // A transaction that inserted an event and has not committed yet, as a slow batch of
      // another process would be.
      const raw = new PgDatabase({ connectionString: database().url, schema })
      const { client, release } = await raw.connect()
      try {
        await client.query('BEGIN')
        await client.query(
          `INSERT INTO events (id, type, timestamp, body) VALUES ('evt_slow', 'order.slow', 0, '{"id":"evt_slow"}')`,
        )
        const { event } = await b.publish({ type: 'order.fast', data: {} })
        expect(await a.eventPosition(event.id)).toEqual(expect.any(Number))
        // The committed event waits behind the open transaction...
        expect((await a.eventsAfter(before, 10)).map((entry) => entry.event.id)).toEqual([])
        await client.query('COMMIT')
        // ...and then both come, the earlier transaction first, each exactly once. ("Then":
        // once no older writing transaction runs anywhere on the server, which other test
        // files sharing it may delay for a moment.)
        const after = await eventually(async () => {
          const entries = await a.eventsAfter(before, 10)
          return entries.length > 0 && entries
        })
        expect(after.map((entry) => entry.event.id)).toEqual(['evt_slow', event.id])
        const last = after[after.length - 1]?.position ?? 0
        expect(last).toBe(await a.latestEventPosition())
        expect(await a.eventsAfter(last, 10)).toEqual([])
      } finally {
        release()
        await raw.close()
      }
    })
  })

  describe('connection loss', () => {
    let schema: string
    let store: PostgresStore
    beforeEach(async () => {
      schema = await freshSchema(database())
      store = await openStoreIn(database(), schema)
    })
    afterEach(async () => {
      await database().endOutage()
      await store.close()
      await database().query(`DROP SCHEMA ${schema} CASCADE`)
    })

    it('carries on after its connections are terminated', async () => {
      await store.createEndpoint(endpointInput())
      await store.publish({ type: 'order.shipped', data: {} })
      expect(await database().terminateConnections()).toBeGreaterThan(0)
      // Dead connections still sit in the pool: reads and writes get fresh ones.
      await expect(store.publish({ type: 'order.shipped', data: {} })).resolves.toMatchObject({
        created: true,
      })
      expect((await store.listEvents({ limit: 10 })).data).toHaveLength(2)
      expect(await store.claimDue('w1', 10, Date.now(), LEASE_MS)).toHaveLength(2)
    })

    it('publishes again when the backend running its statement is terminated, since nothing stayed', async () => {
      await store.createEndpoint(endpointInput())
      await store.publish({ type: 'order.shipped', data: { n: 1 } })
      // Hold the events table so that the next publish's statement waits inside PostgreSQL,
      // then terminate the backend running it: its outcome is unknown to the store, which must
      // find out that nothing of it stayed instead of answering 503.
      const locker = new pg.Client({ connectionString: database().url })
      await locker.connect()
      try {
        await locker.query('BEGIN')
        await locker.query(`LOCK TABLE ${schema}.events IN EXCLUSIVE MODE`)
        const publishing = store.publish({ type: 'order.shipped', data: { n: 2 } })
        await eventually(async () => {
          const terminated = await database().query(
            `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO events%'`,
          )
          return terminated.length > 0
        })
        await locker.query('COMMIT')
        await expect(publishing).resolves.toMatchObject({ created: true, event: { data: { n: 2 } } })
      } finally {
        await locker.end()
      }
      const events = (await store.listEvents({ limit: 10 })).data
      expect(events.map((event) => event.data)).toEqual([{ n: 2 }, { n: 1 }])
      expect(await store.claimDue('w1', 10, Date.now(), LEASE_MS)).toHaveLength(2)
    })

    it('fails with UnavailableError while the database is away, and works again after', async () => {
      await store.createEndpoint(endpointInput())
      await database().beginOutage()
      const failures = await Promise.allSettled([
        store.publish({ type: 'order.shipped', data: {} }),
        store.listEvents({ limit: 10 }),
        store.claimDue('w1', 10, Date.now(), LEASE_MS),
        store.ping(),
      ])
      for (const failure of failures) {
        expect(failure.status).toBe('rejected')
        const reason = (failure as PromiseRejectedResult).reason
        expect(reason).toBeInstanceOf(UnavailableError)
        expect(reason).toMatchObject({ code: 'unavailable', status: 503 })
      }
      await database().endOutage()
      await expect(store.ping()).resolves.toBeUndefined()
      await expect(store.publish({ type: 'order.shipped', data: {} })).resolves.toMatchObject({
        created: true,
      })
      expect(await store.claimDue('w1', 10, Date.now(), LEASE_MS)).toHaveLength(1)
    })
  })

  describe('claims', () => {
    it('read the due index in order, and records look deliveries up by id, without statistics', async () => {
      const schema = await freshSchema(database())
      const store = await openStoreIn(database(), schema)
      const db = new PgDatabase({ connectionString: database().url, schema })
      try {
        // As in a new, restored or copied database: rows, but no ANALYZE yet.
        await db.query('ALTER TABLE deliveries SET (autovacuum_enabled = false)')
        const endpoint = await store.createEndpoint(endpointInput())
        await db.query(
          `INSERT INTO events (id, type, timestamp, body)
           SELECT 'evt_' || g, 'order.shipped', g, '{}' FROM generate_series(1, 5000) g`,
        )
        await db.query(
          `INSERT INTO deliveries (id, event_seq, event_id, endpoint_id, status, next_attempt_at, created_at, updated_at)
           SELECT 'dlv_' || seq, seq, id, $1, 'pending', seq, 0, 0 FROM events`,
          [endpoint.id],
        )
        const nowMs = Date.now()
        const plan = async (
          settings: string,
          text = CLAIM_SQL,
          values: unknown[] = [nowMs, 64, 'w1', nowMs + LEASE_MS],
        ) => {
          const { client, release } = await db.connect()
          try {
            await client.query(`BEGIN; ${settings}`)
            const { rows } = await client.query<{ 'QUERY PLAN': string }>({ text: `EXPLAIN ${text}`, values })
            await client.query('ROLLBACK')
            return rows.map((row) => row['QUERY PLAN']).join('\n')
          } finally {
            release()
          }
        }
        // Left to itself, PostgreSQL fetches and sorts every due row for want of statistics...
        expect(await plan('')).toMatch(/Sort Key: deliveries\.next_attempt_at/)
        // ...under the claim's settings it reads the due index in order and stops at the limit.
        const planned = await plan(INDEX_PLANS)
        expect(planned).toMatch(/Index Scan using deliveries_due/)
        expect(planned).not.toMatch(/Sort Key: deliveries\.next_attempt_at/)
        const claimed = await store.claimDue('w1', 64, nowMs, LEASE_MS)
        expect(claimed.map((delivery) => delivery.deliveryId)).toEqual(
          Array.from({ length: 64 }, (_, i) => `dlv_${i + 1}`),
        )

        // Their attempt records find each delivery by id, not by reading every pending one.
        const ids = claimed.map((delivery) => delivery.deliveryId)
        const reports = [
          ids,
          ids.map(() => 'w1'),
          ids.map(() => 'succeeded'),
          ids.map(() => null),
          ids.map(() => 200),
          ids.map(() => null),
          ids.map(() => nowMs),
          ids.map((id) => `att_${id}`),
          ids.map(() => 'succeeded'),
          ids.map(() => 1),
          ids.map(() => null),
          ids.map((_, i) => i),
        ]
        // Left to itself it scans `deliveries` whole for each batch of records...
        expect(await plan('', RECORD_SQL, reports)).toMatch(/Seq Scan on deliveries/)
        // ...under the records' settings every row is looked up by its key.
        const recordPlan = await plan(INDEX_PLANS, RECORD_SQL, reports)
        expect(recordPlan).toMatch(/Index Scan using deliveries_id_key on deliveries/)
        expect(recordPlan).not.toMatch(/Seq Scan|Bitmap Heap Scan|deliveries_by_status/)
        const recorded = await Promise.all(
          claimed.map((delivery) => store.recordAttempt(report(delivery, 'w1', SUCCEEDED))),
        )
        expect(recorded.every((held) => held)).toBe(true)
      } finally {
        await store.close()
        await db.close()
        await database().query(`DROP SCHEMA ${schema} CASCADE`)
      }
    })
  })

  describe('group commit', () => {
    let schema: string
    let db: PgDatabase
    let batcher: PgWriteBatcher
    beforeEach(async () => {
      schema = await freshSchema(database())
      db = new PgDatabase({ connectionString: database().url, schema })
      await db.query('CREATE TABLE items (name TEXT PRIMARY KEY)')
      batcher = new PgWriteBatcher(db, { instanceId: 'test', afterCommit: () => {} })
    })
    afterEach(async () => {
      await batcher.close()
      await db.close()
      await database().query(`DROP SCHEMA ${schema} CASCADE`)
    })

    const names = async () =>
      (await db.query<{ name: string }>('SELECT name FROM items ORDER BY name')).map((r) => r.name)
    /** A group that inserts names, counting how each batch of it ran. */
    function itemsGroup(ownCommit: (tx: OwnCommitTx, inputs: string[]) => Promise<string[]>) {
      const runs = { inTransaction: [] as string[][], ownCommit: [] as string[][] }
      const group: WriteGroup<string, string> = {
        async inTransaction(tx, inputs) {
          runs.inTransaction.push(inputs)
          for (const name of inputs) await tx.query('INSERT INTO items (name) VALUES ($1)', [name])
          return inputs.map((name) => `stored ${name}`)
        },
        async ownCommit(tx, inputs) {
          runs.ownCommit.push(inputs)
          return ownCommit(tx, inputs)
        },
      }
      return { group, runs }
    }
    const insertAll = async (tx: OwnCommitTx, inputs: string[]) => {
      await tx.commit('INSERT INTO items (name) SELECT unnest($1::text[])', [inputs])
      return inputs.map((name) => `committed ${name}`)
    }

    it('writes a batch of one group in its own commit, and a mixed batch in a transaction', async () => {
      const { group, runs } = itemsGroup(insertAll)
      expect(await Promise.all(['a', 'b', 'c'].map((name) => batcher.writeGrouped(group, name)))).toEqual([
        'committed a',
        'committed b',
        'committed c',
      ])
      expect(runs).toEqual({ inTransaction: [], ownCommit: [['a', 'b', 'c']] })
      const other = batcher.write(async (tx) => {
        await tx.query(`INSERT INTO items (name) VALUES ('other')`)
      })
      expect(await Promise.all([batcher.writeGrouped(group, 'd'), other])).toEqual(['stored d', undefined])
      expect(runs.inTransaction).toEqual([['d']])
      expect(await names()).toEqual(['a', 'b', 'c', 'd', 'other'])
    })

    it('runs the batch in a transaction when the group asks for one before writing', async () => {
      const { group, runs } = itemsGroup(async () => {
        throw new NeedsTransaction('not this time')
      })
      expect(await Promise.all(['a', 'b'].map((name) => batcher.writeGrouped(group, name)))).toEqual([
        'stored a',
        'stored b',
      ])
      expect(runs).toEqual({ inTransaction: [['a', 'b']], ownCommit: [['a', 'b']] })
      expect(await names()).toEqual(['a', 'b'])
    })

    it('runs the writes in a transaction after a failure before the own commit wrote', async () => {
      const { group, runs } = itemsGroup(async () => {
        throw new Error('a read before the write failed')
      })
      expect(await Promise.all(['a', 'b'].map((name) => batcher.writeGrouped(group, name)))).toEqual([
        'stored a',
        'stored b',
      ])
      // Each on its own, as after any failure whose culprit the batch cannot name.
      expect(runs).toEqual({ inTransaction: [['a'], ['b']], ownCommit: [['a', 'b']] })
    })

    it('fails only the write at fault when PostgreSQL rejects the own commit', async () => {
      await db.query(`INSERT INTO items (name) VALUES ('taken')`)
      const { group, runs } = itemsGroup(insertAll)
      const results = await Promise.allSettled(
        ['a', 'taken', 'b'].map((name) => batcher.writeGrouped(group, name)),
      )
      expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
      expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: '23505' })
      expect(runs.ownCommit).toEqual([['a', 'taken', 'b']])
      expect(await names()).toEqual(['a', 'b', 'taken'])
    })

    it('never runs writes again once their own commit went through', async () => {
      const { group, runs } = itemsGroup(async (tx, inputs) => {
        await insertAll(tx, inputs)
        throw Object.assign(new Error('after the commit'), { code: '40001' })
      })
      const results = await Promise.allSettled(['a', 'b'].map((name) => batcher.writeGrouped(group, name)))
      expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected'])
      // A serialization failure is retried in a transaction, but not once something committed.
      expect(runs).toEqual({ inTransaction: [], ownCommit: [['a', 'b']] })
      expect(await names()).toEqual(['a', 'b'])
    })

    it('skips the WAL flush only for a batch of bookkeeping writes', async () => {
      const setting = async (tx: BatchTx) =>
        (await tx.query<{ synchronous_commit: string }>('SHOW synchronous_commit'))[0]?.synchronous_commit
      expect(await batcher.write(setting, { fsync: false })).toBe('off')
      // One write that a client waits for makes the whole batch wait for the flush.
      expect(await Promise.all([batcher.write(setting, { fsync: false }), batcher.write(setting)])).toEqual([
        'on',
        'on',
      ])
      // SET LOCAL ended with its transaction: the connection is back to the server's default.
      expect(await batcher.write(setting)).toBe('on')
      expect((await db.query<{ synchronous_commit: string }>('SHOW synchronous_commit'))[0]).toEqual({
        synchronous_commit: 'on',
      })
    })
  })
})
