import { type DisabledEndpointData, OPERATIONAL_EVENT_TYPES } from '../../core/operational-events.js'
import type { EndpointSecret, HooklineEvent } from '../../core/types.js'
import { type ClaimRow, EndpointSecretsOpener } from '../claimed-delivery.js'
import type { NewEventRow } from '../rows.js'
import type { SecretCipher } from '../secret-cipher.js'
import type { AttemptReport, ClaimedDelivery, PublishRequest, PublishResult, QueueStats } from '../store.js'
import { isBackendShutdown, type PgDatabase } from './pg-database.js'
import { CHANNELS } from './pg-notifier.js'
import { INDEX_PLANS } from './pg-plans.js'
import {
  type BatchTx,
  NeedsTransaction,
  type OwnCommitTx,
  PgWriteBatcher,
  type WriteGroup,
} from './pg-write-batcher.js'
import { recordAttempts } from './postgres-attempts.js'
import {
  eventColumns,
  insertedEvents,
  MAX_FAN_OUT_PLANS,
  type PreparedEvent,
  PUBLISH_SQL,
  planDeliveries,
  prepareEvents,
} from './postgres-event-insert.js'
import { FanOutCache, type FanOutTarget } from './postgres-fan-out.js'
import { publishEvents } from './postgres-publish.js'

const FAN_OUT = 'fan-out-targets'

/**
 * The dispatcher's own records (attempt outcomes, released leases) need not wait for the WAL
 * flush when nothing else shares their commit: one lost in a crash means the delivery is sent
 * again, as at-least-once allows, and nothing acknowledged to a client depends on it.
 */
const DISPATCHER_BOOKKEEPING = { fsync: false }

/**
 * Claims lease due deliveries in one statement. `FOR UPDATE SKIP LOCKED` lets any number of
 * dispatchers (in any number of processes) claim at once, each getting different rows without
 * waiting for the others; the lease is the same trick as in SQLite (next_attempt_at moves to
 * the lease's expiry), and its transaction (the statement and its planner settings, pg-plans.ts)
 * commits at once, so none stays open while the HTTP attempt runs. Deliveries of a disabled
 * endpoint are failed instead of leased.
 */
export const CLAIM_SQL = `
WITH due AS (
  SELECT id, next_attempt_at FROM deliveries
  WHERE status = 'pending' AND next_attempt_at <= $1
  ORDER BY next_attempt_at
  LIMIT $2
  FOR UPDATE SKIP LOCKED
), claimed AS (
  UPDATE deliveries d SET
    status = CASE WHEN ep.disabled THEN 'failed' ELSE 'pending' END,
    lease_owner = CASE WHEN ep.disabled THEN NULL ELSE $3 END,
    next_attempt_at = CASE WHEN ep.disabled THEN NULL ELSE $4::bigint END,
    last_error = CASE WHEN ep.disabled THEN 'endpoint disabled' ELSE d.last_error END,
    updated_at = $1
  FROM due, endpoints ep
  WHERE d.id = due.id AND ep.id = d.endpoint_id
  RETURNING d.id, d.event_seq, d.event_id, d.endpoint_id, d.attempt_count, d.final_attempt, d.status,
            due.next_attempt_at AS due_at, ep.url, ep.url_sealed, ep.headers, ep.secrets, ep.failing_since
)
SELECT c.id, c.event_id, c.endpoint_id, c.attempt_count, c.final_attempt, e.type, e.body,
       c.url, c.url_sealed, c.headers, c.secrets, c.failing_since
FROM claimed c JOIN events e ON e.seq = c.event_seq
WHERE c.status = 'pending'
ORDER BY c.due_at`

/**
 * The delivery queue half of the PostgreSQL store: turning events into deliveries, leasing
 * due deliveries to dispatchers and applying attempt outcomes. PostgresStore adds the
 * management operations on top.
 */
export abstract class PostgresQueue {
  /** The enabled endpoints as this process last read them, for publishes without a transaction. */
  private readonly fanOut = new FanOutCache()

  protected readonly batcher: PgWriteBatcher
  private readonly claims: EndpointSecretsOpener

  constructor(
    protected readonly db: PgDatabase,
    protected readonly cipher: SecretCipher,
    instanceId: string,
  ) {
    this.claims = new EndpointSecretsOpener(cipher)
    this.batcher = new PgWriteBatcher(db, {
      instanceId,
      afterCommit: (batchSize, durationMs) => this.committed(batchSize, durationMs),
    })
  }

  /** Called after every group commit. */
  protected abstract committed(batchSize: number, durationMs: number): void

  /**
   * Enabled endpoints and their filters, read once per transaction: every publish in a batch
   * needs them, and reading them inside the transaction means another process's new endpoint
   * is seen by every publish that starts after it was created.
   */
  protected fanOutTargets(tx: BatchTx): Promise<FanOutTarget[]> {
    return tx.memo(FAN_OUT, async () => (await this.fanOut.load(tx)).targets)
  }

  protected endpointsChanged(tx: BatchTx): void {
    tx.forget(FAN_OUT)
    this.fanOut.forget()
  }

  /**
   * Inserts events and one pending delivery per subscribed endpoint, in two statements however
   * many events there are. Returns null for an event whose id or idempotency key exists already
   * (another transaction got there first). Runs inside a write, so events and their deliveries
   * commit together: there is never an event nobody will deliver.
   */
  protected async insertEvents(tx: BatchTx, inputs: NewEventRow[]): Promise<(HooklineEvent | null)[]> {
    const prepared = prepareEvents(inputs, () => tx.eventCount++)
    const inserted = await tx.query<{ seq: number; id: string }>(
      `INSERT INTO events (id, type, timestamp, body, idempotency_key, source, headers, tx_rank)
       SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[],
                            $8::integer[])
       ON CONFLICT DO NOTHING
       RETURNING seq, id`,
      eventColumns(prepared),
      'insert_events',
    )
    const seqById = new Map(inserted.map((row) => [row.id, row.seq]))
    const deliveries = planDeliveries(
      prepared.filter(({ event }) => seqById.has(event.id)),
      await this.fanOutTargets(tx),
    )
    if (deliveries.ids.length > 0) {
      await tx.query(
        `INSERT INTO deliveries (id, event_seq, event_id, endpoint_id, status, next_attempt_at, created_at, updated_at)
         SELECT id, event_seq, event_id, endpoint_id, 'pending', at, at, at
         FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::bigint[])
           AS t (id, event_seq, event_id, endpoint_id, at)`,
        [
          deliveries.ids,
          deliveries.eventIds.map((id) => seqById.get(id)),
          deliveries.eventIds,
          deliveries.endpoints,
          deliveries.at,
        ],
        'insert_deliveries',
      )
      tx.notify(CHANNELS.deliveries)
    }
    return insertedEvents(prepared, seqById)
  }

  /**
   * The same as insertEvents in a single statement that commits by itself (PUBLISH_SQL), for a
   * batch of nothing but publishes. Fan-out is planned with the targets this process read last;
   * the statement inserts nothing if they changed since, and the plan is made again.
   */
  private async insertEventsCommitting(
    tx: OwnCommitTx,
    inputs: NewEventRow[],
  ): Promise<(HooklineEvent | null)[]> {
    let rank = 0
    const prepared = prepareEvents(inputs, () => rank++)
    const events = eventColumns(prepared)
    for (let round = 0; round < MAX_FAN_OUT_PLANS; round++) {
      const { fingerprint, targets } = this.fanOut.cached ?? (await this.fanOut.load(tx))
      const deliveries = planDeliveries(prepared, targets)
      const rows = await tx
        .commit<{ fingerprint: string; seq: number | null; id: string | null }>(
          PUBLISH_SQL,
          [
            ...events,
            fingerprint,
            deliveries.ids,
            deliveries.eventIds,
            deliveries.endpoints,
            deliveries.at,
            CHANNELS.deliveries,
            tx.notifyPayload,
          ],
          'publish_events',
        )
        .catch(async (error: unknown) => {
          // A pooled connection whose backend was terminated meanwhile answers the statement
          // with that termination, and whether it committed is unknown: the batch would fail
          // with a 503. The backend is gone, so if none of these events exists, nothing stayed
          // (events and their deliveries commit together) and the batch may run again.
          if (isBackendShutdown(error) && (await this.noneStored(prepared))) tx.nothingStayed()
          throw error
        })
      if (rows[0]?.fingerprint !== fingerprint) {
        // Endpoints changed since the plan: nothing was inserted.
        this.fanOut.forget()
        continue
      }
      const seqById = new Map<string, number>()
      for (const row of rows) if (row.id !== null && row.seq !== null) seqById.set(row.id, row.seq)
      return insertedEvents(prepared, seqById)
    }
    throw new NeedsTransaction('the endpoints kept changing while publishing')
  }

  /** Publishes of one batch, together (postgres-publish.ts). */
  protected readonly publishMany: WriteGroup<PublishRequest, PublishResult> = {
    inTransaction: (tx, requests) =>
      publishEvents({ insertEvents: (t, rows) => this.insertEvents(t, rows) }, tx, requests),
    ownCommit: (tx, requests) =>
      publishEvents({ insertEvents: (t, rows) => this.insertEventsCommitting(t, rows) }, tx, requests),
  }

  /** True when none of `prepared` is stored; false when some are, or when it cannot tell. */
  private async noneStored(prepared: PreparedEvent[]): Promise<boolean> {
    try {
      const found = await this.db.query('SELECT 1 FROM events WHERE id = ANY($1::text[]) LIMIT 1', [
        prepared.map((p) => p.event.id),
      ])
      return found.length === 0
    } catch {
      return false
    }
  }

  protected liveSecrets(sealed: string, nowMs: number): EndpointSecret[] {
    return this.claims.liveSecrets(sealed, nowMs)
  }

  /**
   * Disables an endpoint, fails its pending deliveries that no worker holds (those in flight
   * are settled by their own attempt) and emits `endpoint.disabled`.
   */
  protected async disableEndpoint(
    tx: BatchTx,
    id: string,
    reason: DisabledEndpointData['reason'],
    nowMs: number,
  ): Promise<void> {
    const [row] = await tx.query<{ url: string }>(
      `UPDATE endpoints SET disabled = true, disabled_reason = $2, updated_at = $3
       WHERE id = $1 AND NOT disabled RETURNING url`,
      [id, reason, nowMs],
    )
    if (!row) return
    await tx.query(
      `UPDATE deliveries SET status = 'failed', next_attempt_at = NULL, last_error = 'endpoint disabled',
           updated_at = $1
         WHERE endpoint_id = $2 AND status = 'pending' AND (lease_owner IS NULL OR next_attempt_at <= $1)`,
      [nowMs, id],
    )
    this.endpointsChanged(tx)
    const data: DisabledEndpointData = { endpointId: id, url: row.url, reason }
    await this.insertEvents(tx, [{ type: OPERATIONAL_EVENT_TYPES.endpointDisabled, data, nowMs }])
  }

  // --- dispatcher queue --------------------------------------------------------------------

  async claimDue(
    workerId: string,
    limit: number,
    nowMs: number,
    leaseMs: number,
  ): Promise<ClaimedDelivery[]> {
    const rows = await this.db.queryPlanned<ClaimRow>(
      INDEX_PLANS,
      CLAIM_SQL,
      [nowMs, limit, workerId, nowMs + leaseMs],
      'claim_due',
    )
    return rows.map((row) => this.claims.toClaimedDelivery(row, nowMs))
  }

  /** Reports of one batch go into one statement (postgres-attempts.ts). */
  private readonly recordMany: WriteGroup<AttemptReport, boolean> = {
    inTransaction: (tx, reports) =>
      recordAttempts(
        {
          insertEvents: (t, rows) => this.insertEvents(t, rows),
          disableEndpoint: (t, id, reason, nowMs) => this.disableEndpoint(t, id, reason, nowMs),
        },
        tx,
        reports,
      ),
  }

  recordAttempt(report: AttemptReport): Promise<boolean> {
    return this.batcher.writeGrouped(this.recordMany, report, DISPATCHER_BOOKKEEPING)
  }

  /** One statement on its own connection, like a claim: a heartbeat must not wait for a batch. */
  async renewLeases(
    workerId: string,
    deliveryIds: string[],
    nowMs: number,
    leaseMs: number,
  ): Promise<string[]> {
    if (deliveryIds.length === 0) return []
    const rows = await this.db.query<{ id: string }>(
      `UPDATE deliveries SET next_attempt_at = $1
       WHERE id = ANY($2::text[]) AND lease_owner = $3 AND status = 'pending'
       RETURNING id`,
      [nowMs + leaseMs, deliveryIds, workerId],
      'renew_leases',
    )
    return rows.map((row) => row.id)
  }

  releaseLeases(workerId: string, deliveryIds: string[]): Promise<void> {
    return this.batcher.write(async (tx) => {
      await tx.query(
        `UPDATE deliveries SET lease_owner = NULL, next_attempt_at = $1
         WHERE id = ANY($2::text[]) AND lease_owner = $3 AND status = 'pending'`,
        [Date.now(), deliveryIds, workerId],
      )
      tx.notify(CHANNELS.deliveries)
    }, DISPATCHER_BOOKKEEPING)
  }

  async nextDueAtMs(): Promise<number | null> {
    const [row] = await this.db.query<{ due: number | null }>(
      "SELECT min(next_attempt_at) AS due FROM deliveries WHERE status = 'pending'",
      [],
      'next_due',
    )
    return row?.due ?? null
  }

  async queueStats(nowMs: number): Promise<QueueStats> {
    const [row] = await this.db.query<{ pending: number; due: number; oldest: number | null }>(
      `SELECT count(*) AS pending,
              count(*) FILTER (WHERE next_attempt_at <= $1) AS due,
              min(next_attempt_at) FILTER (WHERE next_attempt_at <= $1) AS oldest
       FROM deliveries WHERE status = 'pending'`,
      [nowMs],
    )
    return {
      pending: row?.pending ?? 0,
      due: row?.due ?? 0,
      oldestDueAgeMs: row?.oldest == null ? 0 : nowMs - row.oldest,
    }
  }
}
