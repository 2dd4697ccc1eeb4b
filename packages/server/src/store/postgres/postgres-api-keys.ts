import { newId } from '../../core/ids.js'
import type { ApiKey, ApiKeyScope, Page } from '../../core/types.js'
import { decodeCursor, toPage } from '../cursor.js'
import { type ApiKeyRow, toApiKey } from '../rows.js'
import type { NewApiKey, PageRequest } from '../store.js'
import type { PgDatabase } from './pg-database.js'
import type { BatchTx, PgWriteBatcher } from './pg-write-batcher.js'

export { type ApiKeyRow, toApiKey }

/** API keys in PostgreSQL: stored as hashes, listed without them. */
export class PostgresApiKeys {
  constructor(
    private readonly db: PgDatabase,
    private readonly batcher: PgWriteBatcher,
  ) {}

  async count(): Promise<number> {
    const [row] = await this.db.query<{ n: number }>('SELECT count(*) AS n FROM api_keys')
    return row?.n ?? 0
  }

  create(input: NewApiKey): Promise<ApiKey> {
    return this.batcher.write((tx) => insertApiKey(tx, input))
  }

  /**
   * The check and the insert run under a transaction-scoped advisory lock, so processes that
   * start together on an empty database wait for each other and see the first one's key.
   */
  createFirst(input: NewApiKey): Promise<ApiKey | null> {
    return this.batcher.write(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [FIRST_API_KEY_LOCK])
      const [existing] = await tx.query<{ id: string }>('SELECT id FROM api_keys LIMIT 1')
      return existing ? null : insertApiKey(tx, input)
    })
  }

  async find(hash: string): Promise<{ id: string; scope: ApiKeyScope; endpointId: string | null } | null> {
    const [row] = await this.db.query<{ id: string; scope: ApiKeyScope; endpoint_id: string | null }>(
      'SELECT id, scope, endpoint_id FROM api_keys WHERE hash = $1 AND revoked_at IS NULL',
      [hash],
      'api_key_by_hash_v2',
    )
    return row ? { id: row.id, scope: row.scope, endpointId: row.endpoint_id } : null
  }

  async list(page: PageRequest): Promise<Page<ApiKey>> {
    const rows = await this.db.query<ApiKeyRow>(
      `SELECT seq, id, name, scope, prefix, endpoint_id, created_at, revoked_at FROM api_keys
       WHERE seq < $1 ORDER BY seq DESC LIMIT $2`,
      [decodeCursor(page.cursor) ?? Number.MAX_SAFE_INTEGER, page.limit + 1],
    )
    return toPage(rows, page.limit, toApiKey)
  }

  revoke(id: string): Promise<ApiKey | null> {
    return this.batcher.write(async (tx) => {
      const [row] = await tx.query<ApiKeyRow>(
        `UPDATE api_keys SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2
         RETURNING seq, id, name, scope, prefix, endpoint_id, created_at, revoked_at`,
        [Date.now(), id],
      )
      return row ? toApiKey(row) : null
    })
  }
}

/** An arbitrary, fixed key for pg_advisory_xact_lock: "first API key". */
const FIRST_API_KEY_LOCK = 0x686c_6b31

async function insertApiKey(tx: BatchTx, input: NewApiKey): Promise<ApiKey> {
  const now = Date.now()
  const [row] = await tx.query<ApiKeyRow>(
    `INSERT INTO api_keys (id, hash, name, scope, prefix, endpoint_id, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     RETURNING seq, id, name, scope, prefix, endpoint_id, created_at, revoked_at`,
    [newId('key', now), input.hash, input.name, input.scope, input.prefix, input.endpointId ?? null, now],
  )
  return toApiKey(row as ApiKeyRow)
}
