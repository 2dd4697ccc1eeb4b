import { newId } from '../../core/ids.js'
import type { DisabledEndpointData } from '../../core/operational-events.js'
import type { Endpoint, EndpointSecret, Page } from '../../core/types.js'
import { decodeCursor, toPage } from '../cursor.js'
import { isUrlChange, urlColumns } from '../endpoint-url.js'
import type { SecretCipher } from '../secret-cipher.js'
import type { EndpointPatch, NewEndpoint, PageRequest } from '../store.js'
import type { PgDatabase, Queryable } from './pg-database.js'
import { CHANNELS } from './pg-notifier.js'
import type { BatchTx, PgWriteBatcher } from './pg-write-batcher.js'
import { type EndpointRow, toEndpoint } from './postgres-rows.js'

export interface EndpointsContext {
  db: PgDatabase
  batcher: PgWriteBatcher
  cipher: SecretCipher
  liveSecrets(sealed: string, nowMs: number): EndpointSecret[]
  disableEndpoint(
    tx: BatchTx,
    id: string,
    reason: DisabledEndpointData['reason'],
    nowMs: number,
  ): Promise<void>
  endpointsChanged(tx: BatchTx): void
}

/** Endpoints in PostgreSQL: their definitions, sealed secrets, and re-queueing their failures. */
export class PostgresEndpoints {
  constructor(private readonly ctx: EndpointsContext) {}

  create(input: NewEndpoint): Promise<Endpoint> {
    return this.ctx.batcher.write(async (tx) => {
      const now = Date.now()
      const secrets: EndpointSecret[] = [{ secret: input.secret }]
      const stored = urlColumns(input.url, this.ctx.cipher)
      const [row] = await tx.query<EndpointRow>(
        `INSERT INTO endpoints (id, url, url_sealed, description, event_types, headers, secrets, disabled,
                                created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING *`,
        [
          newId('ep', now),
          stored.url,
          stored.urlSealed,
          input.description ?? null,
          input.eventTypes === undefined ? null : JSON.stringify(input.eventTypes),
          JSON.stringify(input.headers ?? {}),
          this.ctx.cipher.seal(JSON.stringify(secrets)),
          input.disabled === true,
          now,
        ],
      )
      this.ctx.endpointsChanged(tx)
      return toEndpoint(row as EndpointRow)
    })
  }

  async get(id: string): Promise<Endpoint | null> {
    const row = await this.endpointRow(this.ctx.db, id)
    return row ? toEndpoint(row) : null
  }

  async list(page: PageRequest): Promise<Page<Endpoint>> {
    const rows = await this.ctx.db.query<EndpointRow>(
      'SELECT * FROM endpoints WHERE seq < $1 ORDER BY seq DESC LIMIT $2',
      [decodeCursor(page.cursor) ?? Number.MAX_SAFE_INTEGER, page.limit + 1],
    )
    return toPage(rows, page.limit, toEndpoint)
  }

  update(id: string, patch: EndpointPatch): Promise<Endpoint | null> {
    return this.ctx.batcher.write(async (tx) => {
      const current = await this.endpointRow(tx, id, true)
      if (!current) return null
      const now = Date.now()
      const sets: string[] = []
      const values: unknown[] = []
      const set = (column: string, value: unknown) => {
        values.push(value)
        sets.push(`${column} = $${values.length}`)
      }
      if (isUrlChange(patch.url, current.url)) {
        const stored = urlColumns(patch.url, this.ctx.cipher)
        set('url', stored.url)
        set('url_sealed', stored.urlSealed)
      }
      if (patch.description !== undefined) set('description', patch.description)
      if (patch.eventTypes !== undefined) {
        set('event_types', patch.eventTypes === null ? null : JSON.stringify(patch.eventTypes))
      }
      if (patch.headers !== undefined) set('headers', JSON.stringify(patch.headers))
      if (patch.disabled === false && current.disabled) {
        set('disabled', false)
        set('disabled_reason', null)
        set('failing_since', null)
      }
      set('updated_at', now)
      values.push(id)
      await tx.query(`UPDATE endpoints SET ${sets.join(', ')} WHERE id = $${values.length}`, values)
      if (patch.disabled === true && !current.disabled) await this.ctx.disableEndpoint(tx, id, 'manual', now)
      this.ctx.endpointsChanged(tx)
      return toEndpoint((await this.endpointRow(tx, id)) as EndpointRow)
    })
  }

  delete(id: string): Promise<boolean> {
    return this.ctx.batcher.write(async (tx) => {
      await tx.query(
        'DELETE FROM attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE endpoint_id = $1)',
        [id],
      )
      await tx.query('DELETE FROM deliveries WHERE endpoint_id = $1', [id])
      const deleted = await tx.query('DELETE FROM endpoints WHERE id = $1 RETURNING 1', [id])
      this.ctx.endpointsChanged(tx)
      return deleted.length > 0
    })
  }

  async secrets(id: string): Promise<EndpointSecret[] | null> {
    const row = await this.endpointRow(this.ctx.db, id)
    return row ? this.ctx.liveSecrets(row.secrets, Date.now()) : null
  }

  rotateSecret(id: string, secret: string, previousExpiresAtMs: number): Promise<boolean> {
    return this.ctx.batcher.write(async (tx) => {
      const row = await this.endpointRow(tx, id, true)
      if (!row) return false
      const now = Date.now()
      const previous = this.ctx
        .liveSecrets(row.secrets, now)
        .map((entry) =>
          entry.expiresAtMs === undefined ? { ...entry, expiresAtMs: previousExpiresAtMs } : entry,
        )
      const secrets: EndpointSecret[] = [{ secret }, ...previous]
      await tx.query('UPDATE endpoints SET secrets = $1, updated_at = $2 WHERE id = $3', [
        this.ctx.cipher.seal(JSON.stringify(secrets)),
        now,
        id,
      ])
      return true
    })
  }

  recover(id: string, sinceMs: number): Promise<number> {
    return this.ctx.batcher.write(async (tx) => {
      const now = Date.now()
      const rows = await tx.query(
        `UPDATE deliveries SET status = 'pending', final_attempt = true, next_attempt_at = $1,
             lease_owner = NULL, updated_at = $1
           WHERE endpoint_id = $2 AND status IN ('failed', 'exhausted') AND created_at >= $3
           RETURNING 1`,
        [now, id, sinceMs],
      )
      if (rows.length > 0) tx.notify(CHANNELS.deliveries)
      return rows.length
    })
  }

  private async endpointRow(target: Queryable | BatchTx, id: string, forUpdate = false) {
    const [row] = await target.query<EndpointRow>(
      `SELECT * FROM endpoints WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`,
      [id],
    )
    return row
  }
}
