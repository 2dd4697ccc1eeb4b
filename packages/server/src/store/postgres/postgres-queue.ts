import { matchesEventTypes } from '../../core/event-filter.js'
import { newId } from '../../core/ids.js'
import { type DisabledEndpointData, OPERATIONAL_EVENT_TYPES } from '../../core/operational-events.js'
import type { EndpointSecret, HooklineEvent } from '../../core/types.js'
import { type ClaimRow, EndpointSecretsOpener } from '../claimed-delivery.js'
import type { SecretCipher } from '../secret-cipher.js'
import type { AttemptReport, ClaimedDelivery, PublishRequest, PublishResult, QueueStats } from '../store.js'
import type { PgDatabase } from './pg-database.js'
import { CHANNELS } from './pg-notifier.js'
import { type BatchTx, PgWriteBatcher } from './pg-write-batcher.js'
import { recordAttempts } from './postgres-attempts.js'
import { publishEvents } from './postgres-publish.js'

/** An event to insert; `source` and `headers` only for events that came in through a source. */
export interface NewEventRow {
  type: string
  data: unknown
  nowMs: number
  id?: string | undefined
  idempotencyKey?: string | undefined
  source?: string | undefined
  headers?: Record<string, string> | undefined
}

interface FanOutTarget {
  id: string
  eventTypes: string[] | null
}

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
 * the lease's expiry), and the statement commits at once, so no transaction stays open while
 * the HTTP attempt runs. Deliveries of a disabled endpoint are failed instead of leased.
 */
const CLAIM_SQL = `
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
  /** Decrypted secrets by sealed value, so a busy endpoint is not decrypted on every claim. */
  /** Parsed event type filters by their JSON text: the targets are read once per transaction. */
  private readonly filterCache = new Map<string, string[]>()

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
    return tx.memo(FAN_OUT, async () => {
      const rows = await tx.query<{ id: string; event_types: string | null }>(
        'SELECT id, event_types FROM endpoints WHERE NOT disabled',
        [],
        'fan_out_targets',
      )
      return rows.map((row) => ({ id: row.id, eventTypes: this.parseFilter(row.event_types) }))
    })
  }

  protected endpointsChanged(tx: BatchTx): void {
    tx.forget(FAN_OUT)
  }

  private parseFilter(text: string | null): string[] | null {
    if (text === null) return null
    let parsed = this.filterCache.get(text)
    if (parsed === undefined) {
      parsed = JSON.parse(text) as string[]
      if (this.filterCache.size > 10_000) this.filterCache.clear()
      this.filterCache.set(text, parsed)
    }
    return parsed
  }

  /**
   * Inserts events and one pending delivery per subscribed endpoint, in two statements however
   * many events there are. Returns null for an event whose id or idempotency key exists already
   * (another transaction got there first). Runs inside a write, so events and their deliveries
   * commit together: there is never an event nobody will deliver.
   */
  protected async insertEvents(tx: BatchTx, inputs: NewEventRow[]): Promise<(HooklineEvent | null)[]> {
    const prepared = inputs.map((input) => {
      const id = input.id ?? newId('evt', input.nowMs)
      const event: HooklineEvent = {
        id,
        type: input.type,
        timestamp: new Date(input.nowMs).toISOString(),
        data: input.data,
      }
      return { input, event, body: JSON.stringify(event), rank: tx.eventCount++ }
    })
    const inserted = await tx.query<{ seq: number; id: string }>(
      `INSERT INTO events (id, type, timestamp, body, idempotency_key, source, headers, tx_rank)
       SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[],
                            $8::integer[])
       ON CONFLICT DO NOTHING
       RETURNING seq, id`,
      [
        prepared.map((p) => p.event.id),
        prepared.map((p) => p.input.type),
        prepared.map((p) => p.input.nowMs),
        prepared.map((p) => p.body),
        prepared.map((p) => p.input.idempotencyKey ?? null),
        prepared.map((p) => p.input.source ?? null),
        prepared.map((p) => (p.input.headers === undefined ? null : JSON.stringify(p.input.headers))),
        prepared.map((p) => p.rank),
      ],
      'insert_events',
    )
    const seqById = new Map(inserted.map((row) => [row.id, row.seq]))
    const targets = await this.fanOutTargets(tx)
    const deliveries = {
      ids: [] as string[],
      seqs: [] as number[],
      eventIds: [] as string[],
      endpoints: [] as string[],
      at: [] as number[],
    }
    for (const { input, event } of prepared) {
      const seq = seqById.get(event.id)
      if (seq === undefined) continue
      for (const target of targets) {
        if (!matchesEventTypes(target.eventTypes, input.type)) continue
        deliveries.ids.push(newId('dlv', input.nowMs))
        deliveries.seqs.push(seq)
        deliveries.eventIds.push(event.id)
        deliveries.endpoints.push(target.id)
        deliveries.at.push(input.nowMs)
      }
    }
    if (deliveries.ids.length > 0) {
      await tx.query(
        `INSERT INTO deliveries (id, event_seq, event_id, endpoint_id, status, next_attempt_at, created_at, updated_at)
         SELECT id, event_seq, event_id, endpoint_id, 'pending', at, at, at
         FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::bigint[])
           AS t (id, event_seq, event_id, endpoint_id, at)`,
        [deliveries.ids, deliveries.seqs, deliveries.eventIds, deliveries.endpoints, deliveries.at],
        'insert_deliveries',
      )
      tx.notify(CHANNELS.deliveries)
    }
    return prepared.map(({ input, event }) => {
      if (!seqById.has(event.id)) return null
      return input.source === undefined
        ? event
        : { ...event, source: input.source, headers: input.headers ?? {} }
    })
  }

  /** Publishes of one batch, together (postgres-publish.ts). */
  protected readonly publishMany = (tx: BatchTx, requests: PublishRequest[]): Promise<PublishResult[]> =>
    publishEvents({ insertEvents: (t, rows) => this.insertEvents(t, rows) }, tx, requests)

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
    const rows = await this.db.query<ClaimRow>(
      CLAIM_SQL,
      [nowMs, limit, workerId, nowMs + leaseMs],
      'claim_due',
    )
    return rows.map((row) => this.claims.toClaimedDelivery(row, nowMs))
  }

  /** Reports of one batch go into one statement (postgres-attempts.ts). */
  private readonly recordMany = (tx: BatchTx, reports: AttemptReport[]): Promise<boolean[]> =>
    recordAttempts(
      {
        insertEvents: (t, rows) => this.insertEvents(t, rows),
        disableEndpoint: (t, id, reason, nowMs) => this.disableEndpoint(t, id, reason, nowMs),
      },
      tx,
      reports,
    )

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
