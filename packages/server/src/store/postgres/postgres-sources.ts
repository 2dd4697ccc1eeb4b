import { ConflictError } from '../../core/errors.js'
import { newId } from '../../core/ids.js'
import type { HooklineEvent, Page, Rejection, Source, VerifierConfig } from '../../core/types.js'
import { decodeCursor, toPage } from '../cursor.js'
import type { NewEventRow } from '../rows.js'
import { ruleJson, type SourceRow, toSource } from '../rows.js'
import { SealedJsonCache } from '../sealed-json-cache.js'
import type { SecretCipher } from '../secret-cipher.js'
import type {
  IngestRequest,
  IngestResult,
  NewSource,
  PageRequest,
  RejectionRecord,
  SourcePatch,
} from '../store.js'
import type { PgDatabase, Queryable } from './pg-database.js'
import type { BatchTx, PgWriteBatcher } from './pg-write-batcher.js'
import { EVENT_COLUMNS, type EventRow, toEvent } from './postgres-rows.js'

/** How many rejections each source keeps: enough to see a pattern, small enough to never grow. */
export const REJECTION_LOG_SIZE = 100

export interface SourcesContext {
  db: PgDatabase
  batcher: PgWriteBatcher
  cipher: SecretCipher
  insertEvents(tx: BatchTx, rows: NewEventRow[]): Promise<(HooklineEvent | null)[]>
}

/** Counter changes of one source within one transaction. */
interface CounterDelta {
  accepted: number
  duplicates: number
  rejected: number
  lastAcceptedAt: number | null
  lastRejectedAt: number | null
}

const COUNTERS = 'source-counters'

/**
 * Inbound sources in PostgreSQL: definitions with sealed verifiers, dedupe keys and the
 * rejection log. A source's counters are one row that every ingest of it changes; they are
 * summed per transaction and written once just before commit, in id order, so that batches of
 * several processes hold that row only briefly and can never deadlock on two of them.
 */
export class PostgresSources {
  /** Ingest opens the verifier on every request, and decryption is not free. */
  private readonly verifiers: SealedJsonCache<VerifierConfig>

  constructor(private readonly ctx: SourcesContext) {
    this.verifiers = new SealedJsonCache(ctx.cipher)
  }

  create(input: NewSource): Promise<Source> {
    return this.ctx.batcher.write(async (tx) => {
      if ((await tx.query('SELECT 1 FROM sources WHERE name = $1', [input.name])).length > 0) {
        throw new ConflictError(`a source named ${JSON.stringify(input.name)} already exists`)
      }
      const now = Date.now()
      const [row] = await tx.query<SourceRow>(
        `INSERT INTO sources (id, name, verifier, scheme, event_type, idempotency_key, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING *`,
        [
          newId('src', now),
          input.name,
          this.ctx.cipher.seal(JSON.stringify(input.verifier)),
          input.verifier.scheme,
          ruleJson(input.eventType),
          ruleJson(input.idempotencyKey),
          now,
        ],
      )
      return this.toSource(row as SourceRow)
    })
  }

  async get(idOrName: string): Promise<Source | null> {
    const row = await this.row(this.ctx.db, idOrName)
    return row ? this.toSource(row) : null
  }

  async list(page: PageRequest): Promise<Page<Source>> {
    const rows = await this.ctx.db.query<SourceRow>(
      'SELECT * FROM sources WHERE seq < $1 ORDER BY seq DESC LIMIT $2',
      [decodeCursor(page.cursor) ?? Number.MAX_SAFE_INTEGER, page.limit + 1],
    )
    return toPage(rows, page.limit, (row) => this.toSource(row))
  }

  update(idOrName: string, patch: SourcePatch): Promise<Source | null> {
    return this.ctx.batcher.write(async (tx) => {
      const current = await this.row(tx, idOrName, true)
      if (!current) return null
      const verifier = patch.verifier ?? this.open(current.verifier)
      const [row] = await tx.query<SourceRow>(
        `UPDATE sources SET verifier = $1, scheme = $2, event_type = $3, idempotency_key = $4, updated_at = $5
         WHERE id = $6 RETURNING *`,
        [
          patch.verifier === undefined ? current.verifier : this.ctx.cipher.seal(JSON.stringify(verifier)),
          verifier.scheme,
          patch.eventType === undefined ? current.event_type : ruleJson(patch.eventType),
          patch.idempotencyKey === undefined ? current.idempotency_key : ruleJson(patch.idempotencyKey),
          Date.now(),
          current.id,
        ],
      )
      return this.toSource(row as SourceRow)
    })
  }

  delete(idOrName: string): Promise<boolean> {
    return this.ctx.batcher.write(async (tx) => {
      const current = await this.row(tx, idOrName, true)
      if (!current) return false
      await tx.query('DELETE FROM inbound_dedupe WHERE source_id = $1', [current.id])
      await tx.query('DELETE FROM inbound_rejections WHERE source_id = $1', [current.id])
      await tx.query('DELETE FROM sources WHERE id = $1', [current.id])
      return true
    })
  }

  async getForIngest(name: string): Promise<{ source: Source; verifier: VerifierConfig } | null> {
    const [row] = await this.ctx.db.query<SourceRow>(
      'SELECT * FROM sources WHERE name = $1',
      [name],
      'source_by_name',
    )
    return row ? { source: this.toSource(row), verifier: this.open(row.verifier) } : null
  }

  /**
   * Claims the dedupe key before storing the event: the primary key of inbound_dedupe makes a
   * second ingest of the same key, in this process or another, wait for the first one's commit
   * and then find its event, so concurrent provider retries store exactly one event.
   */
  ingest(request: IngestRequest): Promise<IngestResult> {
    return this.ctx.batcher.write(async (tx) => {
      const now = Date.now()
      const eventId = newId('evt', now)
      if (request.dedupeKey !== null) {
        const claimed = await tx.query(
          `INSERT INTO inbound_dedupe (source_id, key, event_id, expires_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (source_id, key) DO UPDATE SET event_id = excluded.event_id, expires_at = excluded.expires_at
             WHERE inbound_dedupe.expires_at <= $5
           RETURNING 1`,
          [request.sourceId, request.dedupeKey, eventId, request.dedupeUntilMs, now],
          'claim_dedupe_key',
        )
        if (claimed.length === 0) {
          const [seen] = await tx.query<EventRow>(
            `SELECT ${EVENT_COLUMNS} FROM events
             WHERE id = (SELECT event_id FROM inbound_dedupe WHERE source_id = $1 AND key = $2)`,
            [request.sourceId, request.dedupeKey],
            'dedupe_event',
          )
          if (seen) {
            this.count(tx, request.sourceId, { duplicates: 1 })
            return { event: toEvent(seen), duplicate: true }
          }
          // The key is live but its event is gone (deleted by hand): take the key over.
          await tx.query(
            'UPDATE inbound_dedupe SET event_id = $3, expires_at = $4 WHERE source_id = $1 AND key = $2',
            [request.sourceId, request.dedupeKey, eventId, request.dedupeUntilMs],
          )
        }
      }
      const [event] = await this.ctx.insertEvents(tx, [
        {
          id: eventId,
          type: request.type,
          data: request.data,
          nowMs: now,
          source: request.sourceName,
          headers: request.headers,
        },
      ])
      if (!event) throw new Error('a fresh event id collided')
      this.count(tx, request.sourceId, { accepted: 1, lastAcceptedAt: now })
      return { event, duplicate: false }
    })
  }

  recordRejection(sourceId: string, rejection: RejectionRecord): Promise<void> {
    return this.ctx.batcher.write(async (tx) => {
      await tx.query(
        'INSERT INTO inbound_rejections (source_id, at, reason, size_bytes) VALUES ($1, $2, $3, $4)',
        [sourceId, rejection.atMs, rejection.reason, rejection.sizeBytes],
      )
      await tx.query(
        `DELETE FROM inbound_rejections WHERE source_id = $1 AND seq <= (
           SELECT seq FROM inbound_rejections WHERE source_id = $1 ORDER BY seq DESC LIMIT 1 OFFSET $2)`,
        [sourceId, REJECTION_LOG_SIZE],
      )
      this.count(tx, sourceId, { rejected: 1, lastRejectedAt: rejection.atMs })
    })
  }

  async listRejections(sourceId: string, limit: number): Promise<Rejection[]> {
    const rows = await this.ctx.db.query<{ at: number; reason: string; size_bytes: number }>(
      'SELECT at, reason, size_bytes FROM inbound_rejections WHERE source_id = $1 ORDER BY seq DESC LIMIT $2',
      [sourceId, limit],
    )
    return rows.map((row) => ({
      at: new Date(row.at).toISOString(),
      reason: row.reason,
      sizeBytes: row.size_bytes,
    }))
  }

  /** Runs on its own connection, outside the group commit: it is housekeeping, not a request. */
  async pruneDedupeKeys(nowMs: number, limit: number): Promise<number> {
    const rows = await this.ctx.db.query(
      `DELETE FROM inbound_dedupe WHERE (source_id, key) IN (
         SELECT source_id, key FROM inbound_dedupe WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING 1`,
      [nowMs, limit],
    )
    return rows.length
  }

  private count(tx: BatchTx, sourceId: string, delta: Partial<CounterDelta>): void {
    const all = tx.state(COUNTERS, () => new Map<string, CounterDelta>())
    const sum = all.get(sourceId) ?? {
      accepted: 0,
      duplicates: 0,
      rejected: 0,
      lastAcceptedAt: null,
      lastRejectedAt: null,
    }
    sum.accepted += delta.accepted ?? 0
    sum.duplicates += delta.duplicates ?? 0
    sum.rejected += delta.rejected ?? 0
    sum.lastAcceptedAt = latest(sum.lastAcceptedAt, delta.lastAcceptedAt)
    sum.lastRejectedAt = latest(sum.lastRejectedAt, delta.lastRejectedAt)
    all.set(sourceId, sum)
    tx.beforeCommit(COUNTERS, async () => {
      for (const [id, change] of [...all].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        await tx.query(
          `UPDATE sources SET accepted_count = accepted_count + $2, duplicate_count = duplicate_count + $3,
             rejected_count = rejected_count + $4,
             last_accepted_at = greatest(last_accepted_at, $5::bigint),
             last_rejected_at = greatest(last_rejected_at, $6::bigint)
           WHERE id = $1`,
          [
            id,
            change.accepted,
            change.duplicates,
            change.rejected,
            change.lastAcceptedAt,
            change.lastRejectedAt,
          ],
          'count_source',
        )
      }
    })
  }

  private async row(target: Queryable, idOrName: string, forUpdate = false): Promise<SourceRow | undefined> {
    const [row] = await target.query<SourceRow>(
      `SELECT * FROM sources WHERE id = $1 OR name = $1${forUpdate ? ' FOR UPDATE' : ''}`,
      [idOrName],
    )
    return row
  }

  private open(sealed: string): VerifierConfig {
    return this.verifiers.open(sealed)
  }

  private toSource(row: SourceRow): Source {
    return toSource(row, this.open(row.verifier))
  }
}

function latest(a: number | null, b: number | null | undefined): number | null {
  if (b === undefined || b === null) return a
  return a === null || b > a ? b : a
}
