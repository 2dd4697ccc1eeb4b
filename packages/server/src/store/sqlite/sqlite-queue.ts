import { matchesEventTypes } from '../../core/event-filter.js'
import { newId } from '../../core/ids.js'
import {
  type DisabledEndpointData,
  type ExhaustedDeliveryData,
  OPERATIONAL_EVENT_TYPES,
} from '../../core/operational-events.js'
import type { EndpointSecret, HooklineEvent } from '../../core/types.js'
import { type ClaimRow, EndpointSecretsOpener } from '../claimed-delivery.js'
import type { NewEventRow } from '../rows.js'
import type { SecretCipher } from '../secret-cipher.js'
import type { AttemptReport, ClaimedDelivery, QueueStats } from '../store.js'
import { type SqliteDatabase, type Statement, withoutFsync } from './open-database.js'

/**
 * The dispatcher's own records (attempt outcomes, lease renewals and releases) skip the fsync
 * when nothing else shares their commit: one lost in an OS crash means the delivery is sent
 * again, as at-least-once allows, and nothing acknowledged to a client depends on it.
 */
const DISPATCHER_BOOKKEEPING = { fsync: false }

interface SqliteClaimRow extends ClaimRow {
  disabled: number
}

/**
 * The delivery queue half of the SQLite store: turning events into deliveries, leasing due
 * deliveries to dispatchers and applying attempt outcomes. SqliteStore adds the management
 * operations on top; this class holds what both publish and the dispatcher share.
 */
export abstract class SqliteQueue {
  /** Prepared statements by SQL text: preparing costs more than running a small query. */
  private readonly statements = new Map<string, Statement>()
  /** Decrypted secrets by sealed value, so a busy endpoint is not decrypted on every claim. */

  private readonly claims: EndpointSecretsOpener

  constructor(
    protected readonly db: SqliteDatabase,
    protected readonly cipher: SecretCipher,
  ) {
    this.claims = new EndpointSecretsOpener(cipher)
  }

  protected sql(text: string): Statement {
    let statement = this.statements.get(text)
    if (statement === undefined) {
      statement = this.db.prepare(text)
      this.statements.set(text, statement)
    }
    return statement
  }

  /** Queues a write into the next group commit (write-batcher.ts says when `fsync` may be false). */
  protected abstract write<T>(run: () => T, options?: { fsync: boolean }): Promise<T>
  protected abstract enabledEndpoints(): { id: string; eventTypes: string[] | null }[]
  protected abstract endpointsChanged(): void

  /**
   * Inserts an event and one pending delivery per subscribed endpoint. Runs inside a write, so
   * the event and its deliveries commit together: there is never an event nobody will deliver.
   */
  protected insertEvent(input: NewEventRow): HooklineEvent {
    const { type, data, nowMs, id = newId('evt', nowMs) } = input
    const event: HooklineEvent = { id, type, timestamp: new Date(nowMs).toISOString(), data }
    const body = JSON.stringify(event)
    // run() and lastInsertRowid, not RETURNING: SQLite gathers RETURNING rows in a temporary
    // table, which made this insert about a third slower.
    const seq = this.sql(
      `INSERT INTO events (id, type, timestamp, body, idempotency_key, source, headers)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      id,
      type,
      nowMs,
      body,
      input.idempotencyKey ?? null,
      input.source ?? null,
      input.headers === undefined ? null : JSON.stringify(input.headers),
    ).lastInsertRowid
    const insertDelivery = this.sql(
      `INSERT INTO deliveries (id, event_seq, event_id, endpoint_id, status, next_attempt_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, 'pending', ?, ?, ?)`,
    )
    for (const endpoint of this.enabledEndpoints()) {
      if (matchesEventTypes(endpoint.eventTypes, type)) {
        insertDelivery.run(newId('dlv', nowMs), seq, id, endpoint.id, nowMs, nowMs, nowMs)
      }
    }
    return input.source === undefined
      ? event
      : { ...event, source: input.source, headers: input.headers ?? {} }
  }

  protected liveSecrets(sealed: string, nowMs: number): EndpointSecret[] {
    return this.claims.liveSecrets(sealed, nowMs)
  }

  /**
   * Disables an endpoint, fails its pending deliveries that no worker holds (those in flight
   * are settled by their own attempt) and emits `endpoint.disabled`.
   */
  protected disableEndpoint(id: string, reason: DisabledEndpointData['reason'], nowMs: number): void {
    const row = this.sql('SELECT url, disabled FROM endpoints WHERE id = ?').get(id) as
      | { url: string; disabled: number }
      | undefined
    if (!row || row.disabled === 1) return
    this.sql('UPDATE endpoints SET disabled = 1, disabled_reason = ?, updated_at = ? WHERE id = ?').run(
      reason,
      nowMs,
      id,
    )
    this.sql(
      `UPDATE deliveries SET status = 'failed', next_attempt_at = NULL, last_error = 'endpoint disabled',
           updated_at = ?
         WHERE endpoint_id = ? AND status = 'pending' AND (lease_owner IS NULL OR next_attempt_at <= ?)`,
    ).run(nowMs, id, nowMs)
    this.endpointsChanged()
    const data: DisabledEndpointData = { endpointId: id, url: row.url, reason }
    this.insertEvent({ type: OPERATIONAL_EVENT_TYPES.endpointDisabled, data, nowMs })
  }

  // --- dispatcher queue --------------------------------------------------------------------

  async claimDue(
    workerId: string,
    limit: number,
    nowMs: number,
    leaseMs: number,
  ): Promise<ClaimedDelivery[]> {
    const select = this.sql(
      `SELECT d.id, d.event_id, d.endpoint_id, d.attempt_count, d.final_attempt, e.type, e.body,
              ep.url, ep.url_sealed, ep.headers, ep.secrets, ep.disabled, ep.failing_since
       FROM deliveries d INDEXED BY deliveries_due
       JOIN events e ON e.seq = d.event_seq
       JOIN endpoints ep ON ep.id = d.endpoint_id
       WHERE d.status = 'pending' AND d.next_attempt_at <= ?
       ORDER BY d.next_attempt_at
       LIMIT ?`,
    )
    const lease = this.sql(
      'UPDATE deliveries SET lease_owner = ?, next_attempt_at = ?, updated_at = ? WHERE id = ?',
    )
    const fail = this.sql(
      `UPDATE deliveries SET status = 'failed', next_attempt_at = NULL, lease_owner = NULL,
         last_error = 'endpoint disabled', updated_at = ? WHERE id = ?`,
    )
    // Every commit wakes the dispatcher, and most wake-ups under inbound or publish load find
    // nothing due (no subscriber, or all leased): answer those with one indexed read instead of
    // a write transaction.
    const anyDue = this.sql(
      `SELECT 1 FROM deliveries INDEXED BY deliveries_due
       WHERE status = 'pending' AND next_attempt_at <= ? LIMIT 1`,
    )
    if (anyDue.get(nowMs) === undefined) return []
    // A transaction of its own, at once, not a write in the next group commit: there it waited
    // for the batch's turn and, with publishes in it, for their fsync, which made every
    // delivery reach its endpoint about 3 ms later at 1,000 events/s (docs/benchmarks.md).
    const claim = this.db.transaction(() => {
      const claimed: ClaimedDelivery[] = []
      for (const row of select.all(nowMs, limit) as SqliteClaimRow[]) {
        if (row.disabled === 1) {
          fail.run(nowMs, row.id)
          continue
        }
        lease.run(workerId, nowMs + leaseMs, nowMs, row.id)
        claimed.push(this.claims.toClaimedDelivery(row, nowMs))
      }
      return claimed
    })
    // A lease needs no fsync: if it is lost in a crash the delivery is simply due again, which
    // at-least-once delivery allows.
    return withoutFsync(this.db, () => claim.immediate())
  }

  recordAttempt(report: AttemptReport): Promise<boolean> {
    return this.write(() => {
      // Only the delivery itself on the common path; its endpoint and event type are read
      // below when the outcome needs them (a retry, an exhausted delivery).
      const row = this.sql(
        `SELECT status, lease_owner, event_id, event_seq, endpoint_id, attempt_count
           FROM deliveries WHERE id = ?`,
      ).get(report.deliveryId) as
        | {
            status: string
            lease_owner: string | null
            event_id: string
            event_seq: number
            endpoint_id: string
            attempt_count: number
          }
        | undefined
      // Fencing: a worker whose lease expired (and was perhaps taken over) changes nothing.
      if (row?.status !== 'pending' || row.lease_owner !== report.workerId) return false

      const { outcome } = report
      let status: string = outcome.status
      let nextAttemptAt = outcome.status === 'pending' ? outcome.nextAttemptAtMs : null
      let lastError = report.error
      if (status === 'pending' && this.endpointDisabled(row.endpoint_id)) {
        status = 'failed'
        nextAttemptAt = null
        lastError = lastError ?? 'endpoint disabled'
      }
      this.sql(
        `INSERT INTO attempts (id, delivery_id, at, status, status_code, duration_ms, error, response_body)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        newId('att', report.atMs),
        report.deliveryId,
        report.atMs,
        outcome.status === 'succeeded' ? 'succeeded' : 'failed',
        report.statusCode,
        report.durationMs,
        report.error,
        report.responseBody,
      )
      this.sql(
        `UPDATE deliveries SET status = ?, attempt_count = attempt_count + 1, next_attempt_at = ?,
             lease_owner = NULL, last_status_code = ?, last_error = ?,
             final_attempt = CASE WHEN ? = 'pending' THEN final_attempt ELSE 0 END, updated_at = ?
           WHERE id = ?`,
      ).run(status, nextAttemptAt, report.statusCode, lastError, status, report.atMs, report.deliveryId)
      this.sql(
        outcome.status === 'succeeded'
          ? 'UPDATE endpoints SET failing_since = NULL WHERE id = ? AND failing_since IS NOT NULL'
          : 'UPDATE endpoints SET failing_since = ? WHERE id = ? AND failing_since IS NULL',
      ).run(...(outcome.status === 'succeeded' ? [row.endpoint_id] : [report.atMs, row.endpoint_id]))

      if (outcome.status !== 'succeeded' && outcome.status !== 'pending' && outcome.disableEndpoint) {
        this.disableEndpoint(row.endpoint_id, outcome.disableEndpoint, report.atMs)
      }
      // An exhausted `delivery.exhausted` event emits nothing further: an endpoint that
      // subscribes to it and is down must not feed itself an endless chain of events.
      const eventType = status === 'exhausted' ? this.eventTypeOf(row.event_seq) : null
      if (eventType !== null && eventType !== OPERATIONAL_EVENT_TYPES.deliveryExhausted) {
        const data: ExhaustedDeliveryData = {
          deliveryId: report.deliveryId,
          eventId: row.event_id,
          eventType,
          endpointId: row.endpoint_id,
          attemptCount: row.attempt_count + 1,
          lastStatusCode: report.statusCode,
          lastError: lastError,
        }
        this.insertEvent({ type: OPERATIONAL_EVENT_TYPES.deliveryExhausted, data, nowMs: report.atMs })
      }
      return true
    }, DISPATCHER_BOOKKEEPING)
  }

  private eventTypeOf(eventSeq: number): string | null {
    const event = this.sql('SELECT type FROM events WHERE seq = ?').get(eventSeq) as
      | { type: string }
      | undefined
    return event?.type ?? null
  }

  /** True when the endpoint is disabled; a deleted endpoint counts as not disabled. */
  private endpointDisabled(endpointId: string): boolean {
    const endpoint = this.sql('SELECT disabled FROM endpoints WHERE id = ?').get(endpointId) as
      | { disabled: number }
      | undefined
    return endpoint?.disabled === 1
  }

  renewLeases(workerId: string, deliveryIds: string[], nowMs: number, leaseMs: number): Promise<string[]> {
    return this.write(() => {
      const renew = this.sql(
        `UPDATE deliveries SET next_attempt_at = ? WHERE id = ? AND lease_owner = ? AND status = 'pending'`,
      )
      return deliveryIds.filter((id) => renew.run(nowMs + leaseMs, id, workerId).changes > 0)
    }, DISPATCHER_BOOKKEEPING)
  }

  releaseLeases(workerId: string, deliveryIds: string[]): Promise<void> {
    return this.write(() => {
      const release = this.sql(
        `UPDATE deliveries SET lease_owner = NULL, next_attempt_at = ?
         WHERE id = ? AND lease_owner = ? AND status = 'pending'`,
      )
      const now = Date.now()
      for (const id of deliveryIds) release.run(now, id, workerId)
    }, DISPATCHER_BOOKKEEPING)
  }

  async queueStats(nowMs: number): Promise<QueueStats> {
    const row = this.sql(
      `SELECT count(*) AS pending,
              count(*) FILTER (WHERE next_attempt_at <= ?) AS due,
              min(next_attempt_at) FILTER (WHERE next_attempt_at <= ?) AS oldest
       FROM deliveries WHERE status = 'pending'`,
    ).get(nowMs, nowMs) as { pending: number; due: number; oldest: number | null }
    return {
      pending: row.pending,
      due: row.due,
      oldestDueAgeMs: row.oldest === null ? 0 : nowMs - row.oldest,
    }
  }

  async nextDueAtMs(): Promise<number | null> {
    // INDEXED BY, here and in claimDue: without statistics the planner prefers
    // deliveries_by_status and scans every pending row (35 ms per call with 100,000 pending,
    // on every wake-up of the dispatcher); the partial index answers in microseconds.
    const row = this.sql(
      "SELECT min(next_attempt_at) AS due FROM deliveries INDEXED BY deliveries_due WHERE status = 'pending'",
    ).get() as { due: number | null }
    return row.due
  }
}
