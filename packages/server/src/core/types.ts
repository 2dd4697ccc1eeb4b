/**
 * Domain types of Hookline. Every other file uses these words without explaining them.
 *
 * Glossary
 * - event: one thing that happened, `{id, type, timestamp, data}`; immutable once accepted.
 *   Its wire body (the exact bytes every endpoint receives) is serialised once, at publish.
 * - event type: a named kind of event (`order.shipped`), optionally with a JSON Schema for `data`.
 * - endpoint: a subscriber: a URL, signing secrets and a filter on event types.
 * - delivery: one event owed to one endpoint; has a status and a schedule.
 * - attempt: one HTTP request of a delivery, with its outcome.
 * - lease: a time-limited claim of a delivery by one dispatcher; a dispatcher that dies loses it,
 *   and another one (or the same process after a restart) takes the delivery over.
 * - operational event: an event Hookline emits about itself (`delivery.exhausted`,
 *   `endpoint.disabled`); it is an ordinary event, so endpoints can subscribe to it.
 */

/** `pending`: waiting for its next attempt (first or retry). The other three are final. */
export type DeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'exhausted'

export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'succeeded', 'failed', 'exhausted']

export interface HooklineEvent {
  id: string
  type: string
  /** ISO 8601, set by Hookline when the event is accepted. */
  timestamp: string
  data: unknown
  /** The source it came in through (inbound events only). Not part of the delivered body. */
  source?: string
  /** Provider headers kept from the inbound request (ids, topic; never signatures). */
  headers?: Record<string, string>
}

export interface EventType {
  id: string
  name: string
  description: string | null
  schema: Record<string, unknown> | null
  createdAt: string
  updatedAt: string
}

/** A signing secret of an endpoint; a rotated-out secret keeps signing until `expiresAt`. */
export interface EndpointSecret {
  secret: string
  /** Epoch ms; absent for the current secret. */
  expiresAtMs?: number
}

export interface Endpoint {
  id: string
  url: string
  description: string | null
  /** Exact names or `prefix.*`; null means every type. */
  eventTypes: string[] | null
  headers: Record<string, string>
  disabled: boolean
  disabledReason: string | null
  createdAt: string
  updatedAt: string
}

export interface Delivery {
  id: string
  eventId: string
  endpointId: string
  status: DeliveryStatus
  attemptCount: number
  nextAttemptAt: string | null
  lastStatusCode: number | null
  lastError: string | null
  createdAt: string
  updatedAt: string
}

export interface Attempt {
  id: string
  at: string
  status: 'succeeded' | 'failed'
  statusCode: number | null
  durationMs: number
  error?: string
  responseBody?: string
}

/** A list page: `nextCursor` is null on the last page. */
export interface Page<T> {
  data: T[]
  nextCursor: string | null
}

/** Where a part of an inbound request is read from: a header, or a JSON pointer into the body. */
export type RequestValueRule = { header: string } | { pointer: string }

/** Schemes a source verifies with; `none` only when chosen explicitly. */
export type SourceScheme =
  | 'standard-webhooks'
  | 'stripe'
  | 'github'
  | 'shopify'
  | 'slack'
  | 'twilio'
  | 'hmac'
  | 'none'

/**
 * How a source verifies requests. The secrets are sealed at rest like endpoint secrets and are
 * never returned by the API; the other options are the SDK's `hmac` options and tolerances.
 */
export interface VerifierConfig {
  scheme: SourceScheme
  secrets: string[]
  toleranceSeconds?: number
  /** Public URL the provider signs (Twilio), when it differs from what Hookline sees behind a proxy. */
  url?: string
  header?: string
  algorithm?: 'sha256' | 'sha512' | 'sha1'
  encoding?: 'hex' | 'base64'
  prefix?: string
  timestampHeader?: string
  idHeader?: string
  template?: string
  secretEncoding?: 'utf8' | 'hex' | 'base64'
}

export interface SourceStats {
  accepted: number
  duplicates: number
  rejected: number
  lastAcceptedAt: string | null
  lastRejectedAt: string | null
}

export interface Source {
  id: string
  name: string
  /** The verifier without its secrets. */
  verifier: Omit<VerifierConfig, 'secrets'>
  /** How to name events (`<name>.<type>`); null = the provider's default. */
  eventType: RequestValueRule | null
  /** Where the dedupe key comes from; null = the provider's default. */
  idempotencyKey: RequestValueRule | null
  stats: SourceStats
  createdAt: string
  updatedAt: string
}

/** One rejected inbound request, kept in a short log for operators. Never the body or signature. */
export interface Rejection {
  at: string
  reason: string
  sizeBytes: number
}

/**
 * `admin`: everything; `publish`: only `POST /v1/events`; `read`: only reads (GET, streams);
 * `stream`: only `GET /v1/stream`, and only the events of the endpoint the token is bound to.
 */
export type ApiKeyScope = 'admin' | 'publish' | 'read' | 'stream'

/** Scopes a key can be created with directly; `stream` tokens come from an endpoint. */
export const API_KEY_SCOPES: readonly ApiKeyScope[] = ['admin', 'publish', 'read']

/** An API key as listed: never the token, only its first characters to recognise it by. */
export interface ApiKey {
  id: string
  name: string
  scope: ApiKeyScope
  prefix: string
  /** The endpoint a `stream` token is bound to; null for other keys. */
  endpointId: string | null
  createdAt: string
  revokedAt: string | null
}

/**
 * A poller: the poll-to-push bridge for a system that only offers a status endpoint. Hookline
 * polls `url` for everyone and publishes `eventType` when an item appears or its watched value
 * changes. Headers (often credentials) are sealed at rest and never returned.
 */
export interface Poller {
  id: string
  url: string
  intervalSeconds: number
  /** Header names only: the values may be credentials. */
  headerNames: string[]
  eventType: string
  /** JSON pointer to each item's id (within the item). */
  idFrom: string
  /** JSON pointer to the watched value within the item; null watches the whole item. */
  changeFrom: string | null
  /** JSON pointer to the array of items; null when the whole body is one item. */
  itemsFrom: string | null
  lastRunAt: string | null
  /** `changed`, `unchanged`, `not_modified` (ETag), or `error`. */
  lastOutcome: string | null
  lastError: string | null
  lastChangeAt: string | null
  nextRunAt: string
  createdAt: string
  updatedAt: string
}
