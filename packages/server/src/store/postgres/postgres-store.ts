import { randomUUID } from 'node:crypto'
import { UnavailableError } from '../../core/errors.js'
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
import { urlColumns } from '../endpoint-url.js'
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
import { type PgConnectionOptions, PgDatabase, redactUrl } from './pg-database.js'
import { migratePostgres } from './pg-migrate.js'
import { CHANNELS, PgNotifier } from './pg-notifier.js'
import { PostgresApiKeys } from './postgres-api-keys.js'
import { PostgresEndpoints } from './postgres-endpoints.js'
import { eventPosition, eventsAfter, latestEventPosition } from './postgres-event-log.js'
import { PostgresEventTypes } from './postgres-event-types.js'
import { PostgresPollers } from './postgres-pollers.js'
import { PostgresQueue } from './postgres-queue.js'
import { pruneHistory } from './postgres-retention.js'
import {
  type AttemptRow,
  DELIVERY_COLUMNS,
  type DeliveryRow,
  EVENT_COLUMNS,
  type EventRow,
  toAttempt,
  toDelivery,
  toEvent,
} from './postgres-rows.js'
import { PostgresSources } from './postgres-sources.js'

export interface PostgresStoreOptions extends PgConnectionOptions {
  cipher: SecretCipher
  metrics?: Metrics | undefined
}

/**
 * Connects, applies pending migrations (under an advisory lock, so several processes can start
 * together) and starts listening for other processes' commits.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const db = new PgDatabase(options)
  try {
    await migratePostgres(db)
  } catch (error) {
    await db.close()
    // At start there is no request to answer with 503: say what failed (never the password).
    const cause = error instanceof UnavailableError ? (error.cause as Error | undefined) : (error as Error)
    throw new Error(
      `cannot open PostgreSQL at ${redactUrl(options.connectionString)}: ${cause?.message ?? String(error)}`,
      { cause: error },
    )
  }
  await sealCredentialedUrls(db, options.cipher)
  const store = new PostgresStore(db, options)
  await store.listen()
  return store
}

/** Endpoints and pollers from before migrations 0007/0008 may hold credentials in clear: seal them now. */
async function sealCredentialedUrls(db: PgDatabase, cipher: SecretCipher): Promise<void> {
  for (const table of ['endpoints', 'pollers']) {
    const rows = await db.query<{ id: string; url: string }>(
      `SELECT id, url FROM ${table} WHERE url_sealed IS NULL AND url LIKE '%@%'`,
    )
    for (const row of rows) {
      const stored = urlColumns(row.url, cipher)
      if (stored.urlSealed === null) continue
      await db.query(`UPDATE ${table} SET url = $1, url_sealed = $2 WHERE id = $3 AND url_sealed IS NULL`, [
        stored.url,
        stored.urlSealed,
        row.id,
      ])
    }
  }
}

/**
 * The backend for many Hookline processes sharing one database. Writes go through the group
 * commit (pg-write-batcher.ts); claims are single statements with SKIP LOCKED; reads and
 * housekeeping use the pool directly. Behaves as SqliteStore does: store.contract.ts says how.
 */
export class PostgresStore extends PostgresQueue implements Store {
  readonly backend = 'postgres' as const
  private readonly sources: PostgresSources
  private readonly listeners = new Set<() => void>()
  private readonly notifier: PgNotifier

  private readonly metrics: Metrics
  private readonly eventTypes: PostgresEventTypes
  private readonly apiKeys: PostgresApiKeys
  private readonly endpoints: PostgresEndpoints
  private readonly pollers: PostgresPollers

  constructor(db: PgDatabase, options: PostgresStoreOptions) {
    const instanceId = randomUUID()
    super(db, options.cipher, instanceId)
    this.metrics = options.metrics ?? NO_METRICS
    this.notifier = new PgNotifier({
      connection: options,
      channels: [CHANNELS.deliveries, CHANNELS.catalog],
      instanceId,
      onNotify: (channel, fromSelf) => {
        if (channel === CHANNELS.catalog) this.eventTypes.forget()
        // This process's own commits have told its listeners already.
        else if (!fromSelf) this.notifyQueued()
      },
    })
    this.eventTypes = new PostgresEventTypes(db, this.batcher)
    this.apiKeys = new PostgresApiKeys(db, this.batcher)
    this.endpoints = new PostgresEndpoints({
      db,
      batcher: this.batcher,
      cipher: options.cipher,
      liveSecrets: (sealed, nowMs) => this.liveSecrets(sealed, nowMs),
      disableEndpoint: (tx, id, reason, nowMs) => this.disableEndpoint(tx, id, reason, nowMs),
      endpointsChanged: (tx) => this.endpointsChanged(tx),
    })
    this.pollers = new PostgresPollers({
      db,
      batcher: this.batcher,
      cipher: options.cipher,
      insertEvents: (tx, rows) => this.insertEvents(tx, rows),
    })
    this.sources = new PostgresSources({
      db,
      batcher: this.batcher,
      cipher: options.cipher,
      insertEvents: (tx, rows) => this.insertEvents(tx, rows),
    })
  }

  protected override committed(batchSize: number, durationMs: number): void {
    this.metrics.storeCommit(batchSize, durationMs)
    this.notifyQueued()
  }

  /** @internal started by openPostgresStore */
  listen(): Promise<void> {
    return this.notifier.start()
  }

  // --- event types -------------------------------------------------------------------------

  createEventType(input: NewEventType): Promise<EventType> {
    return this.eventTypes.create(input)
  }

  getEventType(name: string): Promise<EventType | null> {
    return this.eventTypes.get(name)
  }

  listEventTypes(page: PageRequest): Promise<Page<EventType>> {
    return this.eventTypes.list(page)
  }

  // --- endpoints ---------------------------------------------------------------------------

  createEndpoint(input: NewEndpoint): Promise<Endpoint> {
    return this.endpoints.create(input)
  }

  getEndpoint(id: string): Promise<Endpoint | null> {
    return this.endpoints.get(id)
  }

  listEndpoints(page: PageRequest): Promise<Page<Endpoint>> {
    return this.endpoints.list(page)
  }

  updateEndpoint(id: string, patch: EndpointPatch): Promise<Endpoint | null> {
    return this.endpoints.update(id, patch)
  }

  deleteEndpoint(id: string): Promise<boolean> {
    return this.endpoints.delete(id)
  }

  getEndpointSecrets(id: string): Promise<EndpointSecret[] | null> {
    return this.endpoints.secrets(id)
  }

  rotateEndpointSecret(id: string, secret: string, previousExpiresAtMs: number): Promise<boolean> {
    return this.endpoints.rotateSecret(id, secret, previousExpiresAtMs)
  }

  recoverEndpoint(id: string, sinceMs: number): Promise<number> {
    return this.endpoints.recover(id, sinceMs)
  }

  // --- events ------------------------------------------------------------------------------

  publish(request: PublishRequest): Promise<PublishResult> {
    return this.batcher.writeGrouped(this.publishMany, request)
  }

  async getEvent(id: string): Promise<HooklineEvent | null> {
    const [row] = await this.db.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE id = $1`,
      [id],
      'event_by_id',
    )
    return row ? toEvent(row) : null
  }

  async listEvents(query: EventQuery): Promise<Page<HooklineEvent>> {
    const values: unknown[] = [decodeCursor(query.cursor) ?? Number.MAX_SAFE_INTEGER]
    const where = ['seq < $1']
    const add = (condition: string, value: unknown) => {
      values.push(value)
      where.push(condition.replace('?', `$${values.length}`))
    }
    if (query.type !== undefined) add('type = ?', query.type)
    if (query.sinceMs !== undefined) add('timestamp >= ?', query.sinceMs)
    if (query.untilMs !== undefined) add('timestamp < ?', query.untilMs)
    values.push(query.limit + 1)
    const rows = await this.db.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT $${values.length}`,
      values,
    )
    return toPage(rows, query.limit, toEvent)
  }

  latestEventPosition(): Promise<number> {
    return latestEventPosition(this.db)
  }

  eventPosition(id: string): Promise<number | null> {
    return eventPosition(this.db, id)
  }

  eventsAfter(position: number, limit: number): Promise<LoggedEvent[]> {
    return eventsAfter(this.db, position, limit)
  }

  // --- deliveries --------------------------------------------------------------------------

  async getDelivery(id: string): Promise<DeliveryWithAttempts | null> {
    const [row] = await this.db.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE id = $1`,
      [id],
    )
    if (!row) return null
    const attempts = await this.db.query<AttemptRow>(
      `SELECT id, at, status, status_code, duration_ms, error, response_body
       FROM attempts WHERE delivery_id = $1 ORDER BY seq`,
      [id],
    )
    return { ...toDelivery(row), attempts: attempts.map(toAttempt) }
  }

  async listDeliveries(query: DeliveryQuery): Promise<Page<Delivery>> {
    const values: unknown[] = [decodeCursor(query.cursor) ?? Number.MAX_SAFE_INTEGER]
    const where = ['seq < $1']
    const add = (condition: string, value: unknown) => {
      values.push(value)
      where.push(condition.replace('?', `$${values.length}`))
    }
    if (query.status !== undefined) add('status = ?', query.status)
    if (query.endpointId !== undefined) add('endpoint_id = ?', query.endpointId)
    if (query.eventId !== undefined) add('event_seq = (SELECT seq FROM events WHERE id = ?)', query.eventId)
    values.push(query.limit + 1)
    const rows = await this.db.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE ${where.join(' AND ')}
       ORDER BY seq DESC LIMIT $${values.length}`,
      values,
    )
    return toPage(rows, query.limit, toDelivery)
  }

  retryDelivery(id: string): Promise<Delivery | null> {
    return this.batcher.write(async (tx) => {
      const now = Date.now()
      // As in SQLite: a pending delivery is brought forward, a final one gets exactly one more
      // attempt, and one under a live lease (an attempt running now) is left alone.
      const [row] = await tx.query<DeliveryRow>(
        `UPDATE deliveries SET
             final_attempt = CASE WHEN status = 'pending' THEN final_attempt ELSE true END,
             status = 'pending', next_attempt_at = $1, lease_owner = NULL, updated_at = $1
           WHERE id = $2 AND NOT (status = 'pending' AND lease_owner IS NOT NULL AND next_attempt_at > $1)
           RETURNING ${DELIVERY_COLUMNS}`,
        [now, id],
      )
      if (row) {
        tx.notify(CHANNELS.deliveries)
        return toDelivery(row)
      }
      const [inFlight] = await tx.query<DeliveryRow>(
        `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE id = $1`,
        [id],
      )
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

  // --- retention ---------------------------------------------------------------------------

  pruneHistory(beforeMs: number, limit: number): Promise<PrunedHistory> {
    return pruneHistory(this.db, beforeMs, limit)
  }

  // --- API keys ----------------------------------------------------------------------------

  countApiKeys(): Promise<number> {
    return this.apiKeys.count()
  }

  createApiKey(input: NewApiKey): Promise<ApiKey> {
    return this.apiKeys.create(input)
  }

  createFirstApiKey(input: NewApiKey): Promise<ApiKey | null> {
    return this.apiKeys.createFirst(input)
  }

  findApiKey(hash: string): Promise<{ id: string; scope: ApiKeyScope; endpointId: string | null } | null> {
    return this.apiKeys.find(hash)
  }

  listApiKeys(page: PageRequest): Promise<Page<ApiKey>> {
    return this.apiKeys.list(page)
  }

  revokeApiKey(id: string): Promise<ApiKey | null> {
    return this.apiKeys.revoke(id)
  }

  resealSecrets(reseal: (sealed: string) => string): Promise<number> {
    return this.batcher.write(async (tx) => {
      let count = 0
      for (const { table, columns } of SEALED_COLUMNS) {
        const assignments = columns.map((column, i) => `${column} = $${i + 1}`).join(', ')
        const rows = await tx.query<Record<string, string | null> & { id: string }>(
          `SELECT id, ${columns.join(', ')} FROM ${table} FOR UPDATE`,
        )
        for (const row of rows) {
          await tx.query(`UPDATE ${table} SET ${assignments} WHERE id = $${columns.length + 1}`, [
            ...resealRow(row, columns, reseal),
            row.id,
          ])
          count += 1
        }
      }
      return count
    })
  }

  // --- lifecycle ---------------------------------------------------------------------------

  async ping(): Promise<void> {
    await this.db.query('SELECT 1')
  }

  async close(): Promise<void> {
    await this.batcher.close()
    await this.notifier.close()
    await this.db.close()
  }

  onDeliveriesQueued(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private notifyQueued(): void {
    for (const listener of this.listeners) listener()
  }
}
