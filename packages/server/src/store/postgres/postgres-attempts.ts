import { newId } from '../../core/ids.js'
import {
  type DisabledEndpointData,
  type ExhaustedDeliveryData,
  OPERATIONAL_EVENT_TYPES,
} from '../../core/operational-events.js'
import type { NewEventRow } from '../rows.js'
import type { AttemptReport } from '../store.js'
import { DEFAULT_PLANS, INDEX_PLANS } from './pg-plans.js'
import type { BatchTx } from './pg-write-batcher.js'

export interface AttemptsContext {
  insertEvents(tx: BatchTx, rows: NewEventRow[]): Promise<unknown>
  disableEndpoint(
    tx: BatchTx,
    id: string,
    reason: DisabledEndpointData['reason'],
    nowMs: number,
  ): Promise<void>
}

/**
 * The outcomes of many attempts in one statement: fenced by the lease (a report from a worker
 * that no longer holds it changes nothing), each attempt logged, each delivery moved on. A
 * pending outcome on an endpoint disabled meanwhile fails the delivery, as in SQLite. Rows are
 * locked in id order (the reports sorted, one locking lookup each), so that batches of several
 * processes cannot deadlock on each other. The lookup is a subquery of its own (one that locks
 * is never merged into the join) so that it always goes by id: as a plain join, PostgreSQL
 * without statistics for `deliveries` guessed a handful of pending rows and read every one of
 * them for each batch of reports, whatever the planner settings (pg-plans.ts) it runs under.
 */
export const RECORD_SQL = `
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::integer[], $6::text[], $7::bigint[],
                       $8::text[], $9::text[], $10::integer[], $11::text[], $12::integer[])
    AS r (delivery_id, worker_id, status, next_at, status_code, error, at,
          attempt_id, attempt_status, duration_ms, response_body, ord)
), target AS (
  SELECT d.id, r.*, coalesce(ep.disabled, false) AS disabled
  FROM (SELECT * FROM input ORDER BY delivery_id) r
  CROSS JOIN LATERAL (
    SELECT d.id, d.endpoint_id FROM deliveries d
    WHERE d.id = r.delivery_id AND d.status = 'pending' AND d.lease_owner = r.worker_id
    FOR UPDATE
  ) d
  LEFT JOIN endpoints ep ON ep.id = d.endpoint_id
), updated AS (
  UPDATE deliveries d SET
    status = CASE WHEN t.status = 'pending' AND t.disabled THEN 'failed' ELSE t.status END,
    attempt_count = d.attempt_count + 1,
    next_attempt_at = CASE WHEN t.status = 'pending' AND t.disabled THEN NULL ELSE t.next_at END,
    lease_owner = NULL,
    last_status_code = t.status_code,
    last_error = CASE WHEN t.status = 'pending' AND t.disabled THEN coalesce(t.error, 'endpoint disabled')
                      ELSE t.error END,
    final_attempt = CASE WHEN t.status = 'pending' AND NOT t.disabled THEN d.final_attempt ELSE false END,
    updated_at = t.at
  FROM target t
  WHERE d.id = t.id
  RETURNING d.status, d.endpoint_id, d.event_id, d.event_seq, d.attempt_count, d.last_error,
            t.ord, t.attempt_id, t.delivery_id, t.at, t.attempt_status, t.status_code, t.duration_ms,
            t.error, t.response_body
), logged AS (
  INSERT INTO attempts (id, delivery_id, at, status, status_code, duration_ms, error, response_body)
  SELECT attempt_id, delivery_id, at, attempt_status, status_code, duration_ms, error, response_body
  FROM updated ORDER BY ord
)
SELECT u.ord, u.status, u.endpoint_id, u.event_id, u.attempt_count, u.last_error, e.type
FROM updated u JOIN events e ON e.seq = u.event_seq
ORDER BY u.ord`

/**
 * An endpoint's run of failures, after the batch's attempts in order: a success ends it
 * ('clear'), the first failure after a success starts it ('set'), failures alone start it only
 * if it is not running yet ('start'). Unchanged rows are not touched, so a healthy busy
 * endpoint's row is never written.
 */
const FAILING_SQL = `
UPDATE endpoints ep SET failing_since = CASE c.mode WHEN 'clear' THEN NULL WHEN 'set' THEN c.at
                                                   ELSE coalesce(ep.failing_since, c.at) END
FROM unnest($1::text[], $2::text[], $3::bigint[]) AS c (id, mode, at)
WHERE ep.id = c.id AND CASE c.mode WHEN 'clear' THEN ep.failing_since IS NOT NULL
                                   WHEN 'set' THEN ep.failing_since IS DISTINCT FROM c.at
                                   ELSE ep.failing_since IS NULL END`

interface RecordedRow {
  ord: number
  status: string
  endpoint_id: string
  event_id: string
  attempt_count: number
  last_error: string | null
  type: string
}

/** Applies attempt reports of one batch; returns, per report, whether its worker still held the lease. */
export async function recordAttempts(
  ctx: AttemptsContext,
  tx: BatchTx,
  reports: AttemptReport[],
): Promise<boolean[]> {
  const recorded = new Array<RecordedRow | null>(reports.length).fill(null)
  // Lookups by primary key whatever the statistics say (pg-plans.ts), for these statements only.
  await tx.query(INDEX_PLANS)
  // One UPDATE changes a row once: a delivery reported twice in one batch (a repeated report)
  // goes into a second round, where the first report's effect is visible and fences it.
  for (const round of rounds(reports)) {
    const rows = await tx.query<RecordedRow>(
      RECORD_SQL,
      [
        round.map((i) => reports[i]?.deliveryId),
        round.map((i) => reports[i]?.workerId),
        round.map((i) => reports[i]?.outcome.status),
        round.map((i) => {
          const outcome = reports[i]?.outcome
          return outcome?.status === 'pending' ? outcome.nextAttemptAtMs : null
        }),
        round.map((i) => reports[i]?.statusCode ?? null),
        round.map((i) => reports[i]?.error ?? null),
        round.map((i) => reports[i]?.atMs),
        round.map((i) => newId('att', reports[i]?.atMs)),
        round.map((i) => (reports[i]?.outcome.status === 'succeeded' ? 'succeeded' : 'failed')),
        round.map((i) => reports[i]?.durationMs),
        round.map((i) => reports[i]?.responseBody ?? null),
        round,
      ],
      'record_attempts',
    )
    for (const row of rows) recorded[row.ord] = row
  }
  await tx.query(DEFAULT_PLANS)

  const runs = new Map<string, { mode: 'clear' | 'set' | 'start'; at: number }>()
  recorded.forEach((row, i) => {
    const report = reports[i]
    if (!row || !report) return
    const run = runs.get(row.endpoint_id)
    if (report.outcome.status === 'succeeded') runs.set(row.endpoint_id, { mode: 'clear', at: report.atMs })
    else if (run === undefined) runs.set(row.endpoint_id, { mode: 'start', at: report.atMs })
    else if (run.mode === 'clear') runs.set(row.endpoint_id, { mode: 'set', at: report.atMs })
  })
  if (runs.size > 0) {
    const ids = [...runs.keys()].sort()
    await tx.query(
      FAILING_SQL,
      [ids, ids.map((id) => runs.get(id)?.mode), ids.map((id) => runs.get(id)?.at)],
      'endpoint_failing_since',
    )
  }

  // Rare consequences, in report order as SQLite applies them.
  for (const [i, row] of recorded.entries()) {
    const report = reports[i]
    if (!row || !report) continue
    const { outcome } = report
    if (outcome.status !== 'succeeded' && outcome.status !== 'pending' && outcome.disableEndpoint) {
      await ctx.disableEndpoint(tx, row.endpoint_id, outcome.disableEndpoint, report.atMs)
    }
    // An exhausted `delivery.exhausted` event emits nothing further: an endpoint that
    // subscribes to it and is down must not feed itself an endless chain of events.
    if (row.status === 'exhausted' && row.type !== OPERATIONAL_EVENT_TYPES.deliveryExhausted) {
      const data: ExhaustedDeliveryData = {
        deliveryId: report.deliveryId,
        eventId: row.event_id,
        eventType: row.type,
        endpointId: row.endpoint_id,
        attemptCount: row.attempt_count,
        lastStatusCode: report.statusCode,
        lastError: row.last_error,
      }
      await ctx.insertEvents(tx, [
        { type: OPERATIONAL_EVENT_TYPES.deliveryExhausted, data, nowMs: report.atMs },
      ])
    }
  }
  return recorded.map((row) => row !== null)
}

/** Report indexes split so that no round names a delivery twice. */
function rounds(reports: AttemptReport[]): number[][] {
  const result: number[][] = []
  const roundOf = new Map<string, number>()
  reports.forEach((report, i) => {
    const round = (roundOf.get(report.deliveryId) ?? -1) + 1
    roundOf.set(report.deliveryId, round)
    const members = result[round] ?? []
    members.push(i)
    result[round] = members
  })
  return result
}
