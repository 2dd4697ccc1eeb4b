import { ConflictError } from '../../core/errors.js'
import { newId } from '../../core/ids.js'
import { type Metrics, NO_METRICS } from '../../core/metrics.js'
import type {
  ApiKey,
  ApiKeyScope,
  Delivery,
  Endpoint,
  EndpointSecret,
  EventType,
  HooklineEvent,
  Page,
  Poller,
  Rejection,
  Source,
  VerifierConfig,
} from '../../core/types.js'
import { decodeCursor, toPage } from '../cursor.js'
import { isUrlChange, urlColumns } from '../endpoint-url.js'
import {
  type ApiKeyRow,
  type AttemptRow,
  type DeliveryRow,
  type EndpointRow,
  type EventRow,
  type EventTypeRow,
  type NewEventRow,
  toApiKey,
  toAttempt,
  toDelivery,
  toEndpoint,
  toEvent,
  toEventType,
} from '../rows.js'
import { resealRow, SEALED_COLUMNS } from '../sealed-columns.js'
import type { SecretCipher } from '../secret-cipher.js'
import type {
  ClaimedPoller,
  DeliveryQuery,
  DeliveryWithAttempts,
  EndpointPatch,
  EventQuery,
  IngestRequest,
  IngestResult,
  LoggedEvent,
  NewApiKey,
  NewEndpoint,
  NewEventType,
  NewPoller,
  NewSource,
  PageRequest,
  PollerPatch,
  PollerRunReport,
  PrunedHistory,
  PublishRequest,
  PublishResult,
  RejectionRecord,
  SourcePatch,
  Store,
} from '../store.js'
import {
  Checkpointer,
  SERVING_AUTOCHECKPOINT_PAGES,
  SQLITE_DEFAULT_AUTOCHECKPOINT_PAGES,
} from './checkpointer.js'
import { migrate, openDatabase, type SqliteDatabase } from './open-database.js'
import { SqlitePollers } from './sqlite-pollers.js'
import { SqliteQueue } from './sqlite-queue.js'
import { pruneHistory } from './sqlite-retention.js'
import { SqliteSources } from './sqlite-sources.js'
import { WriteBatcher } from './write-batcher.js'

export interface SqliteStoreOptions {
  path: string
  cipher: SecretCipher
  metrics?: Metrics
  /**
   * Checkpoint the WAL from a worker thread (checkpointer.ts) instead of in line with commits.
   * The server turns it on; short-lived uses (most tests) leave it off and keep SQLite's default.
   */
  backgroundCheckpoints?: boolean
}

/** Opens (creating if needed) and migrates the database at `path`. */
export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const db = openDatabase(options.path)
  migrate(db)
  sealCredentialedUrls(db, options.cipher)
  let checkpointer: Checkpointer | null = null
  if (options.backgroundCheckpoints && options.path !== ':memory:') {
    db.pragma(`wal_autocheckpoint = ${SERVING_AUTOCHECKPOINT_PAGES}`)
    checkpointer = new Checkpointer(options.path, () => {
      // Without the worker the serving connection must copy the WAL back itself, as often as
      // SQLite would: a log that grows 10,000 pages between checkpoints makes each one long.
      if (db.open) db.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT_PAGES}`)
    })
  }
  return new SqliteStore(db, options.cipher, options.metrics, checkpointer)
}

/** Endpoints and pollers from before migrations 0007/0008 may hold credentials in clear: seal them now. */
function sealCredentialedUrls(db: SqliteDatabase, cipher: SecretCipher): void {
  for (const table of ['endpoints', 'pollers']) {
    const rows = db
      .prepare(`SELECT id, url FROM ${table} WHERE url_sealed IS NULL AND url LIKE '%@%'`)
      .all() as { id: string; url: string }[]
    const update = db.prepare(`UPDATE ${table} SET url = ?, url_sealed = ? WHERE id = ?`)
    for (const row of rows) {
      const stored = urlColumns(row.url, cipher)
      if (stored.urlSealed !== null) update.run(stored.url, stored.urlSealed, row.id)
    }
  }
}

interface FanOutTarget {
  id: string
  eventTypes: string[] | null
}

/**
 * The embedded backend: one better-sqlite3 connection, all writes through the group-commit
 * batcher. Meant for one Hookline process per database file; PostgreSQL is for many.
 */
export class SqliteStore extends SqliteQueue implements Store {
  readonly backend = 'sqlite' as const
  private readonly batcher: WriteBatcher
  private readonly sources: SqliteSources
  private readonly pollers: SqlitePollers
  private readonly listeners = new Set<() => void>()

  constructor(
    db: SqliteDatabase,
    cipher: SecretCipher,
    metrics: Metrics = NO_METRICS,
    private readonly checkpointer: Checkpointer | null = null,
  ) {
    super(db, cipher)
    this.batcher = new WriteBatcher(db, (batchSize, durationMs) => {
      metrics.storeCommit(batchSize, durationMs)
      this.notifyQueued()
    })
    const context = {
      sql: (text: string) => this.sql(text),
      write: <T>(run: () => T) => this.write(run),
      cipher,
      insertEvent: (input: NewEventRow) => this.insertEvent(input),
    }
    this.sources = new SqliteSources(context)
    this.pollers = new SqlitePollers(context)
  }

  protected override write<T>(run: () => T, options?: { fsync: boolean }): Promise<T> {
    return this.batcher.write(run, options).catch((error: unknown) => {
      // A write that rolled back (alone, or with its whole batch) may have refilled the fan-out
      // cache from endpoint rows that never committed; reload it before the next publish.
      this.fanOutTargets = null
      throw error
    })
  }

  // --- event types -------------------------------------------------------------------------

  createEventType(input: NewEventType): Promise<EventType> {
    return this.write(() => {
      if (this.sql('SELECT 1 FROM event_types WHERE name = ?').get(input.name)) {
        throw new ConflictError(`event type ${JSON.stringify(input.name)} already exists`)
      }
      const now = Date.now()
      const row = this.sql(
        `INSERT INTO event_types (id, name, description, schema, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?) RETURNING *`,
      ).get(
        newId('et', now),
        input.name,
        input.description ?? null,
        input.schema === undefined ? null : JSON.stringify(input.schema),
        now,
        now,
      ) as EventTypeRow
      return toEventType(row)
    })
  }

  async getEventType(name: string): Promise<EventType | null> {
    // By name first (every publish asks, for the schema); by id only for what looks like one.
    const row = (this.sql('SELECT * FROM event_types WHERE name = ?').get(name) ??
      (name.startsWith('et_') ? this.sql('SELECT * FROM event_types WHERE id = ?').get(name) : undefined)) as
      | EventTypeRow
      | undefined
    return row ? toEventType(row) : null
  }

  async listEventTypes(page: PageRequest): Promise<Page<EventType>> {
    const before = decodeCursor(page.cursor)
    const rows = this.sql('SELECT * FROM event_types WHERE seq < ? ORDER BY seq DESC LIMIT ?').all(
      before ?? Number.MAX_SAFE_INTEGER,
      page.limit + 1,
    ) as EventTypeRow[]
    return toPage(rows, page.limit, toEventType)
  }

  // --- endpoints ---------------------------------------------------------------------------

  createEndpoint(input: NewEndpoint): Promise<Endpoint> {
    return this.write(() => {
      const now = Date.now()
      const secrets: EndpointSecret[] = [{ secret: input.secret }]
      const stored = urlColumns(input.url, this.cipher)
      const row = this.sql(
        `INSERT INTO endpoints (id, url, url_sealed, description, event_types, headers, secrets, disabled,
                                created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
      ).get(
        newId('ep', now),
        stored.url,
        stored.urlSealed,
        input.description ?? null,
        input.eventTypes === undefined ? null : JSON.stringify(input.eventTypes),
        JSON.stringify(input.headers ?? {}),
        this.cipher.seal(JSON.stringify(secrets)),
        input.disabled ? 1 : 0,
        now,
        now,
      ) as EndpointRow
      this.fanOutTargets = null
      return toEndpoint(row)
    })
  }

  async getEndpoint(id: string): Promise<Endpoint | null> {
    const row = this.endpointRow(id)
    return row ? toEndpoint(row) : null
  }

  async listEndpoints(page: PageRequest): Promise<Page<Endpoint>> {
    const before = decodeCursor(page.cursor)
    const rows = this.sql('SELECT * FROM endpoints WHERE seq < ? ORDER BY seq DESC LIMIT ?').all(
      before ?? Number.MAX_SAFE_INTEGER,
      page.limit + 1,
    ) as EndpointRow[]
    return toPage(rows, page.limit, toEndpoint)
  }

  updateEndpoint(id: string, patch: EndpointPatch): Promise<Endpoint | null> {
    return this.write(() => {
      const current = this.endpointRow(id)
      if (!current) return null
      const now = Date.now()
      const sets: string[] = []
      const values: unknown[] = []
      const set = (column: string, value: unknown) => {
        sets.push(`${column} = ?`)
        values.push(value)
      }
      if (isUrlChange(patch.url, current.url)) {
        const stored = urlColumns(patch.url, this.cipher)
        set('url', stored.url)
        set('url_sealed', stored.urlSealed)
      }
      if (patch.description !== undefined) set('description', patch.description)
      if (patch.eventTypes !== undefined) {
        set('event_types', patch.eventTypes === null ? null : JSON.stringify(patch.eventTypes))
      }
      if (patch.headers !== undefined) set('headers', JSON.stringify(patch.headers))
      if (patch.disabled === false && current.disabled === 1) {
        set('disabled', 0)
        set('disabled_reason', null)
        set('failing_since', null)
      }
      set('updated_at', now)
      this.sql(`UPDATE endpoints SET ${sets.join(', ')} WHERE id = ?`).run(...values, id)
      if (patch.disabled === true && current.disabled === 0) this.disableEndpoint(id, 'manual', now)
      this.fanOutTargets = null
      return toEndpoint(this.endpointRow(id) as EndpointRow)
    })
  }

  deleteEndpoint(id: string): Promise<boolean> {
    return this.write(() => {
      this.sql(
        'DELETE FROM attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE endpoint_id = ?)',
      ).run(id)
      this.sql('DELETE FROM deliveries WHERE endpoint_id = ?').run(id)
      const deleted = this.sql('DELETE FROM endpoints WHERE id = ?').run(id).changes > 0
      this.fanOutTargets = null
      return deleted
    })
  }

  async getEndpointSecrets(id: string): Promise<EndpointSecret[] | null> {
    const row = this.endpointRow(id)
    return row ? this.liveSecrets(row.secrets, Date.now()) : null
  }

  rotateEndpointSecret(id: string, secret: string, previousExpiresAtMs: number): Promise<boolean> {
    return this.write(() => {
      const row = this.endpointRow(id)
      if (!row) return false
      const now = Date.now()
      const previous = this.liveSecrets(row.secrets, now).map((entry) =>
        entry.expiresAtMs === undefined ? { ...entry, expiresAtMs: previousExpiresAtMs } : entry,
      )
      const secrets: EndpointSecret[] = [{ secret }, ...previous]
      this.sql('UPDATE endpoints SET secrets = ?, updated_at = ? WHERE id = ?').run(
        this.cipher.seal(JSON.stringify(secrets)),
        now,
        id,
      )
      return true
    })
  }

  recoverEndpoint(id: string, sinceMs: number): Promise<number> {
    return this.write(() => {
      const now = Date.now()
      return this.sql(
        `UPDATE deliveries SET status = 'pending', final_attempt = 1, next_attempt_at = ?, lease_owner = NULL,
             updated_at = ?
           WHERE endpoint_id = ? AND status IN ('failed', 'exhausted') AND created_at >= ?`,
      ).run(now, now, id, sinceMs).changes
    })
  }

  // --- events ------------------------------------------------------------------------------

  publish(request: PublishRequest): Promise<PublishResult> {
    return this.write(() => {
      // Inside the batch, writes run one after another, so of several concurrent requests with
      // the same key exactly one inserts and the rest find its row here.
      const existing = this.findIdempotent(request)
      if (existing) return { event: existing, created: false }
      const event = this.insertEvent({
        type: request.type,
        data: request.data,
        nowMs: Date.now(),
        id: request.id,
        idempotencyKey: request.idempotencyKey,
      })
      return { event, created: true }
    })
  }

  async getEvent(id: string): Promise<HooklineEvent | null> {
    const row = this.sql('SELECT * FROM events WHERE id = ?').get(id) as EventRow | undefined
    return row ? toEvent(row) : null
  }

  async listEvents(query: EventQuery): Promise<Page<HooklineEvent>> {
    const where = ['seq < ?']
    const values: unknown[] = [decodeCursor(query.cursor) ?? Number.MAX_SAFE_INTEGER]
    if (query.type !== undefined) {
      where.push('type = ?')
      values.push(query.type)
    }
    if (query.sinceMs !== undefined) {
      where.push('timestamp >= ?')
      values.push(query.sinceMs)
    }
    if (query.untilMs !== undefined) {
      where.push('timestamp < ?')
      values.push(query.untilMs)
    }
    const rows = this.sql(`SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT ?`).all(
      ...values,
      query.limit + 1,
    ) as EventRow[]
    return toPage(rows, query.limit, toEvent)
  }

  async latestEventPosition(): Promise<number> {
    return (this.sql('SELECT coalesce(max(seq), 0) AS seq FROM events').get() as { seq: number }).seq
  }

  async eventPosition(id: string): Promise<number | null> {
    const row = this.sql('SELECT seq FROM events WHERE id = ?').get(id) as { seq: number } | undefined
    return row?.seq ?? null
  }

  async eventsAfter(position: number, limit: number): Promise<LoggedEvent[]> {
    // One writer and AUTOINCREMENT: sequence numbers become visible in order, so a cursor on
    // seq never skips an event.
    const rows = this.sql('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?').all(
      position,
      limit,
    ) as EventRow[]
    return rows.map((row) => ({ position: row.seq, event: toEvent(row), body: row.body }))
  }

  // --- deliveries --------------------------------------------------------------------------

  async getDelivery(id: string): Promise<DeliveryWithAttempts | null> {
    const row = this.sql('SELECT * FROM deliveries WHERE id = ?').get(id) as DeliveryRow | undefined
    if (!row) return null
    const attempts = this.sql('SELECT * FROM attempts WHERE delivery_id = ? ORDER BY seq').all(
      id,
    ) as AttemptRow[]
    return { ...toDelivery(row), attempts: attempts.map(toAttempt) }
  }

  async listDeliveries(query: DeliveryQuery): Promise<Page<Delivery>> {
    const where = ['seq < ?']
    const values: unknown[] = [decodeCursor(query.cursor) ?? Number.MAX_SAFE_INTEGER]
    if (query.status !== undefined) {
      where.push('status = ?')
      values.push(query.status)
    }
    if (query.endpointId !== undefined) {
      where.push('endpoint_id = ?')
      values.push(query.endpointId)
    }
    if (query.eventId !== undefined) {
      where.push('event_seq = (SELECT seq FROM events WHERE id = ?)')
      values.push(query.eventId)
    }
    const rows = this.sql(
      `SELECT * FROM deliveries WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT ?`,
    ).all(...values, query.limit + 1) as DeliveryRow[]
    return toPage(rows, query.limit, toDelivery)
  }

  retryDelivery(id: string): Promise<Delivery | null> {
    return this.write(() => {
      const now = Date.now()
      // A pending delivery keeps its schedule and is just brought forward; a final one gets
      // exactly one more attempt (final_attempt), after which it is final again. One under a
      // live lease is being attempted right now and is left alone: taking its lease would fence
      // off that attempt's report (losing it from the log) and start a second request beside it.
      const row = this.sql(
        `UPDATE deliveries SET
             final_attempt = CASE WHEN status = 'pending' THEN final_attempt ELSE 1 END,
             status = 'pending', next_attempt_at = ?, lease_owner = NULL, updated_at = ?
           WHERE id = ? AND NOT (status = 'pending' AND lease_owner IS NOT NULL AND next_attempt_at > ?)
           RETURNING *`,
      ).get(now, now, id, now) as DeliveryRow | undefined
      if (row) return toDelivery(row)
      const inFlight = this.sql('SELECT * FROM deliveries WHERE id = ?').get(id) as DeliveryRow | undefined
      return inFlight ? toDelivery(inFlight) : null
    })
  }

  // --- sources (inbound) -------------------------------------------------------------------

  createSource(input: NewSource): Promise<Source> {
    return this.sources.create(input)
  }

  getSource(idOrName: string): Promise<Source | null> {
    return this.sources.get(idOrName)
  }

  listSources(page: PageRequest): Promise<Page<Source>> {
    return this.sources.list(page)
  }

  updateSource(idOrName: string, patch: SourcePatch): Promise<Source | null> {
    return this.sources.update(idOrName, patch)
  }

  deleteSource(idOrName: string): Promise<boolean> {
    return this.sources.delete(idOrName)
  }

  getSourceForIngest(name: string): Promise<{ source: Source; verifier: VerifierConfig } | null> {
    return this.sources.getForIngest(name)
  }

  ingest(request: IngestRequest): Promise<IngestResult> {
    return this.sources.ingest(request)
  }

  recordRejection(sourceId: string, rejection: RejectionRecord): Promise<void> {
    return this.sources.recordRejection(sourceId, rejection)
  }

  listRejections(sourceId: string, limit: number): Promise<Rejection[]> {
    return this.sources.listRejections(sourceId, limit)
  }

  pruneDedupeKeys(nowMs: number, limit: number): Promise<number> {
    return this.sources.pruneDedupeKeys(nowMs, limit)
  }

  // --- retention ---------------------------------------------------------------------------

  pruneHistory(beforeMs: number, limit: number): Promise<PrunedHistory> {
    return this.write(() => pruneHistory((text) => this.sql(text), beforeMs, limit, Date.now()))
  }

  // --- pollers (poll-to-push bridge) -------------------------------------------------------

  createPoller(input: NewPoller): Promise<Poller> {
    return this.pollers.create(input)
  }

  getPoller(id: string): Promise<Poller | null> {
    return this.pollers.get(id)
  }

  listPollers(page: PageRequest): Promise<Page<Poller>> {
    return this.pollers.list(page)
  }

  updatePoller(id: string, patch: PollerPatch): Promise<Poller | null> {
    return this.pollers.update(id, patch)
  }

  deletePoller(id: string): Promise<boolean> {
    return this.pollers.delete(id)
  }

  claimDuePollers(workerId: string, limit: number, nowMs: number, leaseMs: number): Promise<ClaimedPoller[]> {
    return this.pollers.claimDue(workerId, limit, nowMs, leaseMs)
  }

  recordPollerRun(report: PollerRunReport): Promise<boolean> {
    return this.pollers.recordRun(report)
  }

  // --- API keys ----------------------------------------------------------------------------

  async countApiKeys(): Promise<number> {
    return (this.sql('SELECT count(*) AS n FROM api_keys').get() as { n: number }).n
  }

  createApiKey(input: NewApiKey): Promise<ApiKey> {
    return this.write(() => this.insertApiKey(input))
  }

  createFirstApiKey(input: NewApiKey): Promise<ApiKey | null> {
    // One writer per database file: the check and the insert share one transaction.
    return this.write(() =>
      this.sql('SELECT 1 FROM api_keys LIMIT 1').get() ? null : this.insertApiKey(input),
    )
  }

  private insertApiKey(input: NewApiKey): ApiKey {
    const now = Date.now()
    const row = this.sql(
      `INSERT INTO api_keys (id, hash, name, scope, prefix, endpoint_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       RETURNING rowid AS seq, *`,
    ).get(
      newId('key', now),
      input.hash,
      input.name,
      input.scope,
      input.prefix,
      input.endpointId ?? null,
      now,
    ) as ApiKeyRow
    return toApiKey(row)
  }

  async findApiKey(
    hash: string,
  ): Promise<{ id: string; scope: ApiKeyScope; endpointId: string | null } | null> {
    const row = this.sql(
      'SELECT id, scope, endpoint_id FROM api_keys WHERE hash = ? AND revoked_at IS NULL',
    ).get(hash) as { id: string; scope: ApiKeyScope; endpoint_id: string | null } | undefined
    return row ? { id: row.id, scope: row.scope, endpointId: row.endpoint_id } : null
  }

  async listApiKeys(page: PageRequest): Promise<Page<ApiKey>> {
    const rows = this.sql(
      'SELECT rowid AS seq, * FROM api_keys WHERE rowid < ? ORDER BY rowid DESC LIMIT ?',
    ).all(decodeCursor(page.cursor) ?? Number.MAX_SAFE_INTEGER, page.limit + 1) as ApiKeyRow[]
    return toPage(rows, page.limit, toApiKey)
  }

  revokeApiKey(id: string): Promise<ApiKey | null> {
    return this.write(() => {
      const row = this.sql(
        'UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? RETURNING rowid AS seq, *',
      ).get(Date.now(), id) as ApiKeyRow | undefined
      return row ? toApiKey(row) : null
    })
  }

  resealSecrets(reseal: (sealed: string) => string): Promise<number> {
    return this.write(() => {
      let count = 0
      for (const { table, columns } of SEALED_COLUMNS) {
        const update = this.sql(
          `UPDATE ${table} SET ${columns.map((column) => `${column} = ?`).join(', ')} WHERE id = ?`,
        )
        const rows = this.sql(`SELECT id, ${columns.join(', ')} FROM ${table}`).all() as (Record<
          string,
          string | null
        > & { id: string })[]
        for (const row of rows) {
          update.run(...resealRow(row, columns, reseal), row.id)
          count += 1
        }
      }
      return count
    })
  }

  // --- lifecycle ---------------------------------------------------------------------------

  async ping(): Promise<void> {
    this.sql('SELECT 1').get()
  }

  async close(): Promise<void> {
    this.batcher.close()
    // First the worker's connection, so that closing ours can checkpoint and remove the WAL.
    await this.checkpointer?.close()
    this.db.close()
  }

  onDeliveriesQueued(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private notifyQueued(): void {
    for (const listener of this.listeners) listener()
  }

  // --- shared internals --------------------------------------------------------------------

  private fanOutTargets: FanOutTarget[] | null = null

  private endpointRow(id: string): EndpointRow | undefined {
    return this.sql('SELECT * FROM endpoints WHERE id = ?').get(id) as EndpointRow | undefined
  }

  private findIdempotent(request: PublishRequest): HooklineEvent | null {
    if (request.idempotencyKey !== undefined) {
      const row = this.sql('SELECT * FROM events WHERE idempotency_key = ?').get(request.idempotencyKey) as
        | EventRow
        | undefined
      if (row) return toEvent(row)
    }
    if (request.id !== undefined) {
      const row = this.sql('SELECT * FROM events WHERE id = ?').get(request.id) as EventRow | undefined
      if (row) return toEvent(row)
    }
    return null
  }

  /** Enabled endpoints and their filters, cached because every publish needs them. */
  protected override enabledEndpoints(): FanOutTarget[] {
    if (this.fanOutTargets === null) {
      const rows = this.sql('SELECT id, event_types FROM endpoints WHERE disabled = 0').all() as {
        id: string
        event_types: string | null
      }[]
      this.fanOutTargets = rows.map((row) => ({
        id: row.id,
        eventTypes: row.event_types === null ? null : (JSON.parse(row.event_types) as string[]),
      }))
    }
    return this.fanOutTargets
  }

  protected override endpointsChanged(): void {
    this.fanOutTargets = null
  }
}
