import { newId } from '../../core/ids.js'
import type { HooklineEvent, Page, Poller } from '../../core/types.js'
import { decodeCursor, toPage } from '../cursor.js'
import { deliveryUrl, urlColumns } from '../endpoint-url.js'
import { POLLER_PATCH_COLUMNS, pollerPatchValues } from '../poller-patch.js'
import type { NewEventRow } from '../rows.js'
import { type PollerRow, toPoller } from '../rows.js'
import type { SecretCipher } from '../secret-cipher.js'
import type { ClaimedPoller, NewPoller, PageRequest, PollerPatch, PollerRunReport } from '../store.js'
import type { PgDatabase } from './pg-database.js'
import type { BatchTx, PgWriteBatcher } from './pg-write-batcher.js'

export interface PollersContext {
  db: PgDatabase
  batcher: PgWriteBatcher
  cipher: SecretCipher
  insertEvents(tx: BatchTx, rows: NewEventRow[]): Promise<(HooklineEvent | null)[]>
}

/** Leases due pollers as claims lease deliveries: SKIP LOCKED, one statement, no open transaction. */
const CLAIM_SQL = `
WITH due AS (
  SELECT id, next_run_at FROM pollers WHERE next_run_at <= $1 ORDER BY next_run_at LIMIT $2
  FOR UPDATE SKIP LOCKED
)
UPDATE pollers p SET lease_owner = $3, next_run_at = $4
FROM due WHERE p.id = due.id
RETURNING p.*, due.next_run_at AS due_at`

/** Pollers in PostgreSQL: the same rules as SQLite (sqlite-pollers.ts), shared by many processes. */
export class PostgresPollers {
  constructor(private readonly ctx: PollersContext) {}

  create(input: NewPoller): Promise<Poller> {
    return this.ctx.batcher.write(async (tx) => {
      const now = Date.now()
      const stored = urlColumns(input.url, this.ctx.cipher)
      const [row] = await tx.query<PollerRow>(
        `INSERT INTO pollers (id, url, url_sealed, interval_ms, headers, header_names, event_type, id_from,
           change_from, items_from, next_run_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $11) RETURNING *`,
        [
          newId('pol', now),
          stored.url,
          stored.urlSealed,
          input.intervalSeconds * 1000,
          this.ctx.cipher.seal(JSON.stringify(input.headers)),
          JSON.stringify(Object.keys(input.headers)),
          input.eventType,
          input.idFrom,
          input.changeFrom,
          input.itemsFrom,
          now,
        ],
      )
      return toPoller(row as PollerRow)
    })
  }

  async get(id: string): Promise<Poller | null> {
    const [row] = await this.ctx.db.query<PollerRow>('SELECT * FROM pollers WHERE id = $1', [id])
    return row ? toPoller(row) : null
  }

  async list(page: PageRequest): Promise<Page<Poller>> {
    const rows = await this.ctx.db.query<PollerRow>(
      'SELECT * FROM pollers WHERE seq < $1 ORDER BY seq DESC LIMIT $2',
      [decodeCursor(page.cursor) ?? Number.MAX_SAFE_INTEGER, page.limit + 1],
    )
    return toPage(rows, page.limit, toPoller)
  }

  update(id: string, patch: PollerPatch): Promise<Poller | null> {
    return this.ctx.batcher.write(async (tx) => {
      const [current] = await tx.query<PollerRow>('SELECT * FROM pollers WHERE id = $1 FOR UPDATE', [id])
      if (!current) return null
      const assignments = POLLER_PATCH_COLUMNS.map((column, i) => `${column} = $${i + 1}`).join(', ')
      const [row] = await tx.query<PollerRow>(
        `UPDATE pollers SET ${assignments} WHERE id = $${POLLER_PATCH_COLUMNS.length + 1} RETURNING *`,
        [...pollerPatchValues(current, patch, this.ctx.cipher, Date.now()), id],
      )
      return toPoller(row as PollerRow)
    })
  }

  delete(id: string): Promise<boolean> {
    return this.ctx.batcher.write(
      async (tx) => (await tx.query('DELETE FROM pollers WHERE id = $1 RETURNING 1', [id])).length > 0,
    )
  }

  async claimDue(workerId: string, limit: number, nowMs: number, leaseMs: number): Promise<ClaimedPoller[]> {
    const rows = await this.ctx.db.query<PollerRow & { due_at: number }>(CLAIM_SQL, [
      nowMs,
      limit,
      workerId,
      nowMs + leaseMs,
    ])
    return rows
      .sort((a, b) => a.due_at - b.due_at)
      .map((row) => ({
        id: row.id,
        url: deliveryUrl(row.url, row.url_sealed, this.ctx.cipher),
        intervalMs: row.interval_ms,
        headers: JSON.parse(this.ctx.cipher.open(row.headers)) as Record<string, string>,
        eventType: row.event_type,
        idFrom: row.id_from,
        changeFrom: row.change_from,
        itemsFrom: row.items_from,
        etag: row.etag,
        state: row.state === null ? null : (JSON.parse(row.state) as Record<string, string>),
        failures: row.failures,
      }))
  }

  /** Fenced by the lease; the events' idempotency keys make a re-run publish nothing twice. */
  recordRun(report: PollerRunReport): Promise<boolean> {
    return this.ctx.batcher.write(async (tx) => {
      const updated = await tx.query(
        `UPDATE pollers SET lease_owner = NULL, next_run_at = $1, last_run_at = $2, last_outcome = $3,
           last_error = $4,
           failures = CASE WHEN $3 = 'error' THEN failures + 1 ELSE 0 END,
           etag = CASE WHEN $5 THEN $6 ELSE etag END,
           state = CASE WHEN $7 THEN $8 ELSE state END,
           last_change_at = CASE WHEN $3 = 'changed' THEN $2 ELSE last_change_at END
         WHERE id = $9 AND lease_owner = $10
         RETURNING 1`,
        [
          report.nextRunAtMs,
          report.atMs,
          report.outcome,
          report.error,
          report.etag !== undefined,
          report.etag ?? null,
          report.state !== undefined,
          report.state === undefined ? null : JSON.stringify(report.state),
          report.pollerId,
          report.workerId,
        ],
      )
      if (updated.length === 0) return false
      if (report.events.length > 0) {
        await this.ctx.insertEvents(
          tx,
          report.events.map((event) => ({
            type: event.type,
            data: event.data,
            nowMs: report.atMs,
            idempotencyKey: event.idempotencyKey,
          })),
        )
      }
      return true
    })
  }
}
