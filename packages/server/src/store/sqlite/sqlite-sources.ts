import { ConflictError } from '../../core/errors.js'
import { newId } from '../../core/ids.js'
import type { HooklineEvent, Page, Rejection, Source, VerifierConfig } from '../../core/types.js'
import { decodeCursor, toPage } from '../cursor.js'
import { type EventRow, type NewEventRow, ruleJson, type SourceRow, toEvent, toSource } from '../rows.js'
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
import type { Statement } from './open-database.js'

/** How many rejections each source keeps: enough to see a pattern, small enough to never grow. */
export const REJECTION_LOG_SIZE = 100

export interface SourcesContext {
  sql(text: string): Statement
  write<T>(run: () => T): Promise<T>
  cipher: SecretCipher
  insertEvent(input: NewEventRow): HooklineEvent
}

/** Inbound sources in SQLite: definitions with sealed verifiers, dedupe keys and the rejection log. */
export class SqliteSources {
  /** Ingest opens the verifier on every request, and decryption is not free. */
  private readonly verifiers: SealedJsonCache<VerifierConfig>

  constructor(private readonly ctx: SourcesContext) {
    this.verifiers = new SealedJsonCache(ctx.cipher)
  }

  create(input: NewSource): Promise<Source> {
    return this.ctx.write(() => {
      if (this.ctx.sql('SELECT 1 FROM sources WHERE name = ?').get(input.name)) {
        throw new ConflictError(`a source named ${JSON.stringify(input.name)} already exists`)
      }
      const now = Date.now()
      const row = this.ctx
        .sql(
          `INSERT INTO sources (id, name, verifier, scheme, event_type, idempotency_key, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
        )
        .get(
          newId('src', now),
          input.name,
          this.ctx.cipher.seal(JSON.stringify(input.verifier)),
          input.verifier.scheme,
          ruleJson(input.eventType),
          ruleJson(input.idempotencyKey),
          now,
          now,
        ) as SourceRow
      return this.toSource(row)
    })
  }

  async get(idOrName: string): Promise<Source | null> {
    const row = this.row(idOrName)
    return row ? this.toSource(row) : null
  }

  async list(page: PageRequest): Promise<Page<Source>> {
    const rows = this.ctx
      .sql('SELECT * FROM sources WHERE seq < ? ORDER BY seq DESC LIMIT ?')
      .all(decodeCursor(page.cursor) ?? Number.MAX_SAFE_INTEGER, page.limit + 1) as SourceRow[]
    return toPage(rows, page.limit, (row) => this.toSource(row))
  }

  update(idOrName: string, patch: SourcePatch): Promise<Source | null> {
    return this.ctx.write(() => {
      const current = this.row(idOrName)
      if (!current) return null
      const verifier = patch.verifier ?? this.open(current.verifier)
      const eventType = patch.eventType === undefined ? current.event_type : ruleJson(patch.eventType)
      const key =
        patch.idempotencyKey === undefined ? current.idempotency_key : ruleJson(patch.idempotencyKey)
      const row = this.ctx
        .sql(
          `UPDATE sources SET verifier = ?, scheme = ?, event_type = ?, idempotency_key = ?, updated_at = ?
           WHERE id = ? RETURNING *`,
        )
        .get(
          patch.verifier === undefined ? current.verifier : this.ctx.cipher.seal(JSON.stringify(verifier)),
          verifier.scheme,
          eventType,
          key,
          Date.now(),
          current.id,
        ) as SourceRow
      return this.toSource(row)
    })
  }

  delete(idOrName: string): Promise<boolean> {
    return this.ctx.write(() => {
      const current = this.row(idOrName)
      if (!current) return false
      this.ctx.sql('DELETE FROM inbound_dedupe WHERE source_id = ?').run(current.id)
      this.ctx.sql('DELETE FROM inbound_rejections WHERE source_id = ?').run(current.id)
      this.ctx.sql('DELETE FROM sources WHERE id = ?').run(current.id)
      return true
    })
  }

  async getForIngest(name: string): Promise<{ source: Source; verifier: VerifierConfig } | null> {
    const row = this.ctx.sql('SELECT * FROM sources WHERE name = ?').get(name) as SourceRow | undefined
    return row ? { source: this.toSource(row), verifier: this.open(row.verifier) } : null
  }

  ingest(request: IngestRequest): Promise<IngestResult> {
    return this.ctx.write(() => {
      const now = Date.now()
      if (request.dedupeKey !== null) {
        const seen = this.ctx
          .sql(
            `SELECT e.* FROM inbound_dedupe d JOIN events e ON e.id = d.event_id
             WHERE d.source_id = ? AND d.key = ? AND d.expires_at > ?`,
          )
          .get(request.sourceId, request.dedupeKey, now) as EventRow | undefined
        if (seen) {
          this.ctx
            .sql('UPDATE sources SET duplicate_count = duplicate_count + 1 WHERE id = ?')
            .run(request.sourceId)
          return { event: toEvent(seen), duplicate: true }
        }
      }
      const event = this.ctx.insertEvent({
        type: request.type,
        data: request.data,
        nowMs: now,
        source: request.sourceName,
        headers: request.headers,
      })
      if (request.dedupeKey !== null) {
        this.ctx
          .sql(
            `INSERT INTO inbound_dedupe (source_id, key, event_id, expires_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (source_id, key) DO UPDATE SET event_id = excluded.event_id, expires_at = excluded.expires_at`,
          )
          .run(request.sourceId, request.dedupeKey, event.id, request.dedupeUntilMs)
      }
      this.ctx
        .sql('UPDATE sources SET accepted_count = accepted_count + 1, last_accepted_at = ? WHERE id = ?')
        .run(now, request.sourceId)
      return { event, duplicate: false }
    })
  }

  recordRejection(sourceId: string, rejection: RejectionRecord): Promise<void> {
    return this.ctx.write(() => {
      this.ctx
        .sql('INSERT INTO inbound_rejections (source_id, at, reason, size_bytes) VALUES (?, ?, ?, ?)')
        .run(sourceId, rejection.atMs, rejection.reason, rejection.sizeBytes)
      this.ctx
        .sql(
          `DELETE FROM inbound_rejections WHERE source_id = ? AND seq <= (
             SELECT seq FROM inbound_rejections WHERE source_id = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)`,
        )
        .run(sourceId, sourceId, REJECTION_LOG_SIZE)
      this.ctx
        .sql('UPDATE sources SET rejected_count = rejected_count + 1, last_rejected_at = ? WHERE id = ?')
        .run(rejection.atMs, sourceId)
    })
  }

  async listRejections(sourceId: string, limit: number): Promise<Rejection[]> {
    const rows = this.ctx
      .sql(
        'SELECT at, reason, size_bytes FROM inbound_rejections WHERE source_id = ? ORDER BY seq DESC LIMIT ?',
      )
      .all(sourceId, limit) as { at: number; reason: string; size_bytes: number }[]
    return rows.map((row) => ({
      at: new Date(row.at).toISOString(),
      reason: row.reason,
      sizeBytes: row.size_bytes,
    }))
  }

  pruneDedupeKeys(nowMs: number, limit: number): Promise<number> {
    return this.ctx.write(
      () =>
        this.ctx
          .sql(
            // inbound_dedupe is WITHOUT ROWID: rows are named by their primary key.
            `DELETE FROM inbound_dedupe WHERE (source_id, key) IN (
               SELECT source_id, key FROM inbound_dedupe WHERE expires_at <= ? LIMIT ?)`,
          )
          .run(nowMs, limit).changes,
    )
  }

  private row(idOrName: string): SourceRow | undefined {
    return this.ctx.sql('SELECT * FROM sources WHERE id = ? OR name = ?').get(idOrName, idOrName) as
      | SourceRow
      | undefined
  }

  private open(sealed: string): VerifierConfig {
    return this.verifiers.open(sealed)
  }

  private toSource(row: SourceRow): Source {
    return toSource(row, this.open(row.verifier))
  }
}
