import type { Outcome } from '../core/delivery-outcome.js'
import type {
  ApiKey,
  ApiKeyScope,
  Attempt,
  Delivery,
  DeliveryStatus,
  Endpoint,
  EndpointSecret,
  EventType,
  HooklineEvent,
  Page,
  Poller,
  Rejection,
  RequestValueRule,
  Source,
  VerifierConfig,
} from '../core/types.js'

/**
 * The store: everything Hookline keeps, in domain words. Each backend (sqlite/, later
 * postgres/) implements this interface and passes store.contract.ts. Writes that acknowledge
 * something to a client resolve only once they are durably committed.
 */

export interface PageRequest {
  limit: number
  cursor?: string | undefined
}

export interface NewEventType {
  name: string
  description?: string | undefined
  schema?: Record<string, unknown> | undefined
}

export interface NewEndpoint {
  url: string
  description?: string | undefined
  eventTypes?: string[] | undefined
  headers?: Record<string, string> | undefined
  disabled?: boolean | undefined
  secret: string
}

export interface EndpointPatch {
  url?: string | undefined
  description?: string | null | undefined
  eventTypes?: string[] | null | undefined
  headers?: Record<string, string> | undefined
  disabled?: boolean | undefined
}

export interface PublishRequest {
  type: string
  data: unknown
  /** Client-chosen event id; a second publish with the same id returns the first event. */
  id?: string | undefined
  /** `Idempotency-Key` header; a second publish with the same key returns the first event. */
  idempotencyKey?: string | undefined
}

export interface PublishResult {
  event: HooklineEvent
  /** False when an earlier event with the same id or idempotency key was returned instead. */
  created: boolean
}

export interface EventQuery extends PageRequest {
  type?: string | undefined
  sinceMs?: number | undefined
  untilMs?: number | undefined
}

export interface DeliveryQuery extends PageRequest {
  status?: DeliveryStatus | undefined
  endpointId?: string | undefined
  eventId?: string | undefined
}

export interface NewApiKey {
  hash: string
  name: string
  scope: ApiKeyScope
  /** The first characters of the token, shown in lists so that people can tell keys apart. */
  prefix: string
  /** Binds a `stream` token to one endpoint. */
  endpointId?: string | undefined
}

export interface NewSource {
  name: string
  verifier: VerifierConfig
  eventType?: RequestValueRule | undefined
  idempotencyKey?: RequestValueRule | undefined
}

export interface SourcePatch {
  verifier?: VerifierConfig | undefined
  eventType?: RequestValueRule | null | undefined
  idempotencyKey?: RequestValueRule | null | undefined
}

/** An accepted inbound webhook, to be stored as an event unless its dedupe key was seen. */
export interface IngestRequest {
  sourceId: string
  sourceName: string
  type: string
  data: unknown
  /** Null when the request carries no id: then it cannot be deduplicated. */
  dedupeKey: string | null
  /** Until when the key is remembered. */
  dedupeUntilMs: number
  headers: Record<string, string>
}

export interface IngestResult {
  event: HooklineEvent
  duplicate: boolean
}

export interface RejectionRecord {
  atMs: number
  reason: string
  sizeBytes: number
}

/** An event with its log position and its exact wire body. */
export interface LoggedEvent {
  position: number
  event: HooklineEvent
  body: string
}

export interface NewPoller {
  url: string
  intervalSeconds: number
  headers: Record<string, string>
  eventType: string
  idFrom: string
  changeFrom: string | null
  itemsFrom: string | null
}

export type PollerPatch = Partial<NewPoller>

/** What a worker needs to run one poll, read under a lease. */
export interface ClaimedPoller {
  id: string
  url: string
  intervalMs: number
  headers: Record<string, string>
  eventType: string
  idFrom: string
  changeFrom: string | null
  itemsFrom: string | null
  etag: string | null
  /** Fingerprints from the last successful poll; null before the first one (baseline). */
  state: Record<string, string> | null
  failures: number
}

export interface PollerRunReport {
  pollerId: string
  workerId: string
  atMs: number
  nextRunAtMs: number
  outcome: 'changed' | 'unchanged' | 'not_modified' | 'error'
  error: string | null
  /** Unchanged when undefined (an error or a 304 keeps the previous ones). */
  etag?: string | null
  state?: Record<string, string>
  /** Events to publish with the run, each deduplicated by its idempotency key. */
  events: { type: string; data: unknown; idempotencyKey: string }[]
}

export interface DeliveryWithAttempts extends Delivery {
  attempts: Attempt[]
}

/** What the dispatcher needs to make one attempt, read under a lease. */
export interface ClaimedDelivery {
  deliveryId: string
  eventId: string
  eventType: string
  endpointId: string
  url: string
  headers: Record<string, string>
  /** Secrets that sign this attempt: the current one first, then rotated ones still live. */
  secrets: string[]
  /** The exact bytes to send (and sign). */
  body: string
  /** Attempts already made before this one. */
  attemptCount: number
  finalAttempt: boolean
  endpointFailingSinceMs: number | null
}

export interface QueueStats {
  pending: number
  due: number
  oldestDueAgeMs: number
}

/** What one retention pass deleted. */
export interface PrunedHistory {
  events: number
  deliveries: number
  attempts: number
}

export interface AttemptReport {
  deliveryId: string
  /** The lease owner that claimed it; a report from a worker that lost its lease is ignored. */
  workerId: string
  atMs: number
  durationMs: number
  statusCode: number | null
  error: string | null
  responseBody: string | null
  outcome: Outcome
}

export interface Store {
  readonly backend: 'sqlite' | 'postgres'

  // Event types
  createEventType(input: NewEventType): Promise<EventType>
  getEventType(name: string): Promise<EventType | null>
  listEventTypes(page: PageRequest): Promise<Page<EventType>>

  // Endpoints
  createEndpoint(input: NewEndpoint): Promise<Endpoint>
  getEndpoint(id: string): Promise<Endpoint | null>
  listEndpoints(page: PageRequest): Promise<Page<Endpoint>>
  updateEndpoint(id: string, patch: EndpointPatch): Promise<Endpoint | null>
  deleteEndpoint(id: string): Promise<boolean>
  getEndpointSecrets(id: string): Promise<EndpointSecret[] | null>
  /** Makes `secret` current; the previous current secret keeps signing until `previousExpiresAtMs`. */
  rotateEndpointSecret(id: string, secret: string, previousExpiresAtMs: number): Promise<boolean>
  /** Re-queues the endpoint's failed and exhausted deliveries created since `sinceMs`; returns how many. */
  recoverEndpoint(id: string, sinceMs: number): Promise<number>

  // Events
  publish(request: PublishRequest): Promise<PublishResult>
  getEvent(id: string): Promise<HooklineEvent | null>
  listEvents(query: EventQuery): Promise<Page<HooklineEvent>>

  // Sources (inbound)
  createSource(input: NewSource): Promise<Source>
  /** By id or name. */
  getSource(idOrName: string): Promise<Source | null>
  listSources(page: PageRequest): Promise<Page<Source>>
  updateSource(idOrName: string, patch: SourcePatch): Promise<Source | null>
  deleteSource(idOrName: string): Promise<boolean>
  /** The source with its verifier secrets, for verifying a request. */
  getSourceForIngest(name: string): Promise<{ source: Source; verifier: VerifierConfig } | null>
  /** Stores the event (and its deliveries) and the dedupe key in one commit, or finds the duplicate. */
  ingest(request: IngestRequest): Promise<IngestResult>
  recordRejection(sourceId: string, rejection: RejectionRecord): Promise<void>
  /** The most recent rejections of a source, newest first. */
  listRejections(sourceId: string, limit: number): Promise<Rejection[]>
  /** Forgets dedupe keys that expired before `nowMs`, at most `limit`; returns how many. */
  pruneDedupeKeys(nowMs: number, limit: number): Promise<number>

  // Event log positions (event streams). A position is a backend-specific number that grows
  // with every accepted event; streams remember the last one they sent.
  /** The position of the newest event (0 when there is none). */
  latestEventPosition(): Promise<number>
  /** The position of an event, or null if it is unknown (never existed, or deleted by retention). */
  eventPosition(id: string): Promise<number | null>
  /**
   * Events after `position`, oldest first, at most `limit`. Backends must not let a later call
   * return an event at or below a position already returned (PostgreSQL: beware of
   * transactions committing out of sequence order).
   */
  eventsAfter(position: number, limit: number): Promise<LoggedEvent[]>

  // Pollers (poll-to-push bridge)
  createPoller(input: NewPoller): Promise<Poller>
  getPoller(id: string): Promise<Poller | null>
  listPollers(page: PageRequest): Promise<Page<Poller>>
  updatePoller(id: string, patch: PollerPatch): Promise<Poller | null>
  deletePoller(id: string): Promise<boolean>
  /** Leases up to `limit` pollers whose next run is due, like `claimDue` for deliveries. */
  claimDuePollers(workerId: string, limit: number, nowMs: number, leaseMs: number): Promise<ClaimedPoller[]>
  /** Stores a run's outcome and publishes its events in one commit; false if the lease was lost. */
  recordPollerRun(report: PollerRunReport): Promise<boolean>

  // Deliveries
  getDelivery(id: string): Promise<DeliveryWithAttempts | null>
  listDeliveries(query: DeliveryQuery): Promise<Page<Delivery>>
  /** Schedules an immediate attempt; a final delivery gets exactly one more attempt. */
  retryDelivery(id: string): Promise<Delivery | null>

  // Dispatcher queue
  /** Leases up to `limit` due deliveries to `workerId` until `nowMs + leaseMs`. */
  claimDue(workerId: string, limit: number, nowMs: number, leaseMs: number): Promise<ClaimedDelivery[]>
  /** Applies an attempt's outcome; returns false if the worker no longer holds the lease. */
  recordAttempt(report: AttemptReport): Promise<boolean>
  /**
   * Heartbeat: extends to `nowMs + leaseMs` the leases `workerId` still holds among
   * `deliveryIds`, and returns those. A lease another worker has taken over is not renewed.
   */
  renewLeases(workerId: string, deliveryIds: string[], nowMs: number, leaseMs: number): Promise<string[]>
  /** Gives deliveries back (shutdown): they become due at once for whoever claims next. */
  releaseLeases(workerId: string, deliveryIds: string[]): Promise<void>
  /** When the earliest pending delivery becomes due, or null if none is pending. */
  nextDueAtMs(): Promise<number | null>
  /** Queue figures for metrics: pending deliveries, those due now, and the oldest due one's wait. */
  queueStats(nowMs: number): Promise<QueueStats>
  /** Calls `listener` after a commit that may have made deliveries due. */
  onDeliveriesQueued(listener: () => void): () => void

  // Retention
  /**
   * Deletes up to `limit` finished deliveries last changed before `beforeMs`, with their
   * attempts, then up to `limit` events from before `beforeMs` that no delivery refers to any
   * more and no live inbound dedupe key points at. A pending delivery keeps itself and its
   * event. Call again while a full batch was deleted.
   */
  pruneHistory(beforeMs: number, limit: number): Promise<PrunedHistory>

  // API keys (stored as SHA-256 hashes only)
  countApiKeys(): Promise<number>
  createApiKey(input: NewApiKey): Promise<ApiKey>
  /**
   * Creates the key only if no API key exists yet, atomically even across processes (the
   * admin key generated on first start: two servers starting together make one, not two).
   * Null when there was one already.
   */
  createFirstApiKey(input: NewApiKey): Promise<ApiKey | null>
  /** The live (not revoked) key with this hash. */
  findApiKey(hash: string): Promise<{ id: string; scope: ApiKeyScope; endpointId: string | null } | null>
  listApiKeys(page: PageRequest): Promise<Page<ApiKey>>
  /** Revokes at once; returns null for an unknown id. */
  revokeApiKey(id: string): Promise<ApiKey | null>

  /**
   * Re-seals every stored secret (endpoint secrets and URLs with credentials, source verifiers,
   * poller headers and URLs) with `reseal`, in one transaction: for `hookline
   * rotate-encryption-key`. Returns how many rows were re-sealed.
   */
  resealSecrets(reseal: (sealed: string) => string): Promise<number>

  /** Throws if the store is unreachable (readiness). */
  ping(): Promise<void>
  /** Flushes pending writes and closes. */
  close(): Promise<void>
}
