import Database from 'better-sqlite3'
import { eventBody } from '../lib/bodies.js'
import { type BenchContext, copySqlite, freshSqliteUrl, MB, withProcessSampling } from '../lib/context.js'
import type { BenchGateway } from '../lib/gateway.js'
import { RowBuilder, skippedRow } from '../lib/report.js'
import { sleep } from '../lib/stats.js'
import { createEndpoints } from './fan-out.js'
import { publishLoop, subscribeSink } from './publish.js'

/** Endpoints that the backlog is owed to: each seeded event fans out to all of them. */
const BACKLOG_ENDPOINTS = 100
const DAY_MS = 24 * 60 * 60 * 1000

function seededId(prefix: string, n: number): string {
  return `${prefix}_BACKLOG${String(n).padStart(19, '0')}`
}

/**
 * Adds pending deliveries `from` … `to - 1` straight into the SQLite file while no server has
 * it open. Each looks like what an endpoint that answered 503 leaves behind: one failed attempt,
 * the next one due in a day. Writing the rows directly takes seconds where pushing a million
 * deliveries through the API and a failing sink would take many minutes; the server then
 * starts on exactly the database it would have built.
 */
export function seedBacklog(path: string, endpointIds: string[], from: number, to: number): void {
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  // Seeding is preparation, not a measured write: no fsync per transaction.
  db.pragma('synchronous = OFF')
  const insertEvent = db.prepare(
    'INSERT INTO events (id, type, timestamp, body) VALUES (?, ?, ?, ?) RETURNING seq',
  )
  const insertDelivery = db.prepare(
    `INSERT INTO deliveries (id, event_seq, event_id, endpoint_id, status, attempt_count, next_attempt_at,
       last_status_code, last_error, created_at, updated_at)
     VALUES (?, ?, ?, ?, 'pending', 1, ?, 503, 'HTTP 503', ?, ?)`,
  )
  const insertAttempt = db.prepare(
    `INSERT INTO attempts (id, delivery_id, at, status, status_code, duration_ms, error)
     VALUES (?, ?, ?, 'failed', 503, 3, 'HTTP 503')`,
  )
  const now = Date.now()
  const perEvent = endpointIds.length
  const insertEvents = db.transaction((firstEvent: number, lastEvent: number) => {
    for (let e = firstEvent; e < lastEvent; e++) {
      const { id, body } = eventBody('backlog.order', e, now - 60_000)
      const { seq } = insertEvent.get(id, 'backlog.order', now - 60_000, body) as { seq: number }
      endpointIds.forEach((endpointId, k) => {
        const deliveryId = seededId('dlv', e * perEvent + k)
        insertDelivery.run(deliveryId, seq, id, endpointId, now + DAY_MS, now - 60_000, now - 59_000)
        insertAttempt.run(seededId('att', e * perEvent + k), deliveryId, now - 59_000)
      })
    }
  })
  const firstEvent = Math.floor(from / perEvent)
  const lastEvent = Math.floor(to / perEvent)
  for (let e = firstEvent; e < lastEvent; e += 1_000) insertEvents(e, Math.min(lastEvent, e + 1_000))
  db.pragma('wal_checkpoint(TRUNCATE)')
  db.close()
}

function countPending(path: string): number {
  const db = new Database(path, { readonly: true })
  try {
    return (
      db.prepare("SELECT count(*) AS n FROM deliveries WHERE status = 'pending'").get() as { n: number }
    ).n
  } finally {
    db.close()
  }
}

/**
 * Growth: publish rate and server RSS with 0, 100,000 and 1,000,000 pending deliveries in the
 * store. One database file and one server per backlog size (copies of one set-up file, then
 * seeded), and the runs alternate between them, so a slow moment of the machine does not land
 * on one size only.
 * The server runs as by default (dispatcher on): published events go to one live endpoint on
 * the sink, while the backlog waits for its retry a day later.
 */
export async function growthScenario(context: BenchContext): Promise<void> {
  const setupUrl = freshSqliteUrl(context, 'growth')
  const setup = await context.startGateway({ databaseUrl: setupUrl })
  await subscribeSink(setup, context.sinkUrl, '/growth', ['bench.*'])
  await createEndpoints(setup, BACKLOG_ENDPOINTS, (i) => `${context.sinkUrl}/backlog/${i}`, ['backlog.*'])
  const endpointIds: string[] = []
  for (let cursor: string | null = null; ; ) {
    const page: { data: { id: string; eventTypes?: string[] | null }[]; nextCursor: string | null } =
      await setup.api('GET', `/v1/endpoints?limit=100${cursor ? `&cursor=${cursor}` : ''}`)
    for (const endpoint of page.data)
      if (endpoint.eventTypes?.[0] === 'backlog.*') endpointIds.push(endpoint.id)
    cursor = page.nextCursor
    if (cursor === null) break
  }
  await setup.stop()

  const measured: { backlog: number; databaseUrl: string; pending: number; row: RowBuilder }[] = []
  for (const backlog of [0, 100_000, 1_000_000]) {
    const base = {
      id: `growth.${backlog}`,
      figure: 'publish with a backlog of pending deliveries',
      system: `Hookline, ${backlog.toLocaleString('en-US')} pending`,
      primary: 'rate',
      unit: 'req/s',
    }
    if (!context.sizes.backlogs.includes(backlog)) {
      context.rows.push(skippedRow(base, `not run in --${context.mode} mode (the full run measures it)`))
      continue
    }
    const databaseUrl = freshSqliteUrl(context, `growth-${backlog}`)
    const path = databaseUrl.slice('sqlite:'.length)
    copySqlite(setupUrl, databaseUrl)
    if (backlog > 0) {
      context.log(`growth: seeding ${backlog.toLocaleString('en-US')} pending deliveries`)
      const started = Date.now()
      seedBacklog(path, endpointIds, 0, backlog)
      context.log(`  seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    }
    const row = new RowBuilder({
      ...base,
      units: { p99: 'ms', rssMaxMB: 'MB', rssIdleMB: 'MB', pending: 'deliveries' },
      note: 'rows written directly into the SQLite file before the server starts; runs alternate between sizes',
    })
    measured.push({ backlog, databaseUrl, pending: countPending(path), row })
  }

  // One server per database file, all started together and left running; the publish loop
  // alternates between them (an idle server only polls its queue once a second).
  const gateways = await Promise.all(measured.map(({ databaseUrl }) => context.startGateway({ databaseUrl })))
  try {
    await sleep(500)
    const rssIdle = gateways.map((gateway) => gateway.rssBytes())
    let sequence = 0
    for (let run = 0; run < context.sizes.runs; run++) {
      for (const [i, { backlog, pending, row }] of measured.entries()) {
        context.log(`growth ${backlog.toLocaleString('en-US')}: run ${run + 1}/${context.sizes.runs}`)
        const gateway = gateways[i] as BenchGateway
        const { result, maxRssBytes } = await withProcessSampling([gateway], () =>
          publishLoop(context, gateway.url, '/v1/events', sequence),
        )
        sequence = result.lastSequence + 1
        row.add({
          rate: result.ratePerSecond,
          p99: result.latencyMs.p99,
          rssMaxMB: maxRssBytes / MB,
          rssIdleMB: (rssIdle[i] as number) / MB,
          pending,
        })
      }
    }
  } finally {
    await Promise.all(gateways.map((gateway) => gateway.stop()))
  }
  // Rows in size order, wherever the skipped ones were pushed.
  for (const { row } of measured) context.rows.push(row.build())
  const order = ['growth.0', 'growth.100000', 'growth.1000000']
  const growthRows = context.rows.filter((r) => order.includes(r.id))
  const others = context.rows.filter((r) => !order.includes(r.id))
  growthRows.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id))
  context.rows.splice(0, context.rows.length, ...others, ...growthRows)
}
