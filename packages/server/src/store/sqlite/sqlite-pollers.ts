import { newId } from '../../core/ids.js'
import type { Page, Poller } from '../../core/types.js'
import { decodeCursor, toPage } from '../cursor.js'
import { deliveryUrl, urlColumns } from '../endpoint-url.js'
import { POLLER_PATCH_COLUMNS, pollerPatchValues } from '../poller-patch.js'
import { type PollerRow, toPoller } from '../rows.js'
import type { ClaimedPoller, NewPoller, PageRequest, PollerPatch, PollerRunReport } from '../store.js'
import type { SourcesContext } from './sqlite-sources.js'

/** Pollers in SQLite: definitions (headers sealed), their lease and what the last poll saw. */
export class SqlitePollers {
  constructor(private readonly ctx: SourcesContext) {}

  create(input: NewPoller): Promise<Poller> {
    return this.ctx.write(() => {
      const now = Date.now()
      const stored = urlColumns(input.url, this.ctx.cipher)
      const row = this.ctx
        .sql(
          `INSERT INTO pollers (id, url, url_sealed, interval_ms, headers, header_names, event_type, id_from,
             change_from, items_from, next_run_at, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
        )
        .get(
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
          now,
          now,
        ) as PollerRow
      return toPoller(row)
    })
  }

  async get(id: string): Promise<Poller | null> {
    const row = this.ctx.sql('SELECT * FROM pollers WHERE id = ?').get(id) as PollerRow | undefined
    return row ? toPoller(row) : null
  }

  async list(page: PageRequest): Promise<Page<Poller>> {
    const rows = this.ctx
      .sql('SELECT * FROM pollers WHERE seq < ? ORDER BY seq DESC LIMIT ?')
      .all(decodeCursor(page.cursor) ?? Number.MAX_SAFE_INTEGER, page.limit + 1) as PollerRow[]
    return toPage(rows, page.limit, toPoller)
  }

  update(id: string, patch: PollerPatch): Promise<Poller | null> {
    return this.ctx.write(() => {
      const current = this.ctx.sql('SELECT * FROM pollers WHERE id = ?').get(id) as PollerRow | undefined
      if (!current) return null
      const assignments = POLLER_PATCH_COLUMNS.map((column) => `${column} = ?`).join(', ')
      const row = this.ctx
        .sql(`UPDATE pollers SET ${assignments} WHERE id = ? RETURNING *`)
        .get(...pollerPatchValues(current, patch, this.ctx.cipher, Date.now()), id) as PollerRow
      return toPoller(row)
    })
  }

  delete(id: string): Promise<boolean> {
    return this.ctx.write(() => this.ctx.sql('DELETE FROM pollers WHERE id = ?').run(id).changes > 0)
  }

  claimDue(workerId: string, limit: number, nowMs: number, leaseMs: number): Promise<ClaimedPoller[]> {
    return this.ctx.write(() => {
      const rows = this.ctx
        .sql('SELECT * FROM pollers WHERE next_run_at <= ? ORDER BY next_run_at LIMIT ?')
        .all(nowMs, limit) as PollerRow[]
      const lease = this.ctx.sql('UPDATE pollers SET lease_owner = ?, next_run_at = ? WHERE id = ?')
      return rows.map((row) => {
        lease.run(workerId, nowMs + leaseMs, row.id)
        return {
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
        }
      })
    })
  }

  recordRun(report: PollerRunReport): Promise<boolean> {
    return this.ctx.write(() => {
      const row = this.ctx.sql('SELECT lease_owner FROM pollers WHERE id = ?').get(report.pollerId) as
        | { lease_owner: string | null }
        | undefined
      if (row?.lease_owner !== report.workerId) return false
      for (const event of report.events) {
        // The key makes a re-run after a lost lease publish nothing twice.
        if (this.ctx.sql('SELECT 1 FROM events WHERE idempotency_key = ?').get(event.idempotencyKey)) continue
        this.ctx.insertEvent({
          type: event.type,
          data: event.data,
          nowMs: report.atMs,
          idempotencyKey: event.idempotencyKey,
        })
      }
      this.ctx
        .sql(
          `UPDATE pollers SET lease_owner = NULL, next_run_at = ?, last_run_at = ?, last_outcome = ?, last_error = ?,
             failures = CASE WHEN ? = 'error' THEN failures + 1 ELSE 0 END,
             etag = CASE WHEN ? THEN ? ELSE etag END,
             state = CASE WHEN ? THEN ? ELSE state END,
             last_change_at = CASE WHEN ? = 'changed' THEN ? ELSE last_change_at END
           WHERE id = ?`,
        )
        .run(
          report.nextRunAtMs,
          report.atMs,
          report.outcome,
          report.error,
          report.outcome,
          report.etag === undefined ? 0 : 1,
          report.etag ?? null,
          report.state === undefined ? 0 : 1,
          report.state === undefined ? null : JSON.stringify(report.state),
          report.outcome,
          report.atMs,
          report.pollerId,
        )
      return true
    })
  }
}
