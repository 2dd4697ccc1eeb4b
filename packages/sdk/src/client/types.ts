/**
 * The resources of the Hookline management API (see DESIGN.md), as the client sends and
 * receives them. Times are ISO 8601 strings.
 */

/**
 * One page of a list; pass `nextCursor` as `cursor` for the next one (`null` at the end).
 *
 * @example
 * ```ts
 * const first = await client.endpoints.list({ limit: 50 })
 * const second = first.nextCursor ? await client.endpoints.list({ cursor: first.nextCursor }) : undefined
 * ```
 */
export interface Page<T> {
  data: T[]
  nextCursor: string | null
}

/** Paging of every list: page size and the cursor from the previous page. */
export interface ListParams {
  limit?: number
  cursor?: string
}

/** A named kind of event, optionally with a JSON Schema for `data`. */
export interface EventType {
  id: string
  name: string
  description?: string
  /** JSON Schema that published `data` must satisfy. */
  schema?: Record<string, unknown>
  createdAt?: string
}

/** Body of `eventTypes.create`. */
export interface CreateEventTypeInput {
  name: string
  description?: string
  schema?: Record<string, unknown>
}

/** A subscriber: a URL, its signing secret and the event types it wants. */
export interface Endpoint {
  id: string
  url: string
  /** Subscribed types (entries may end in `.*`); absent means all types. */
  eventTypes?: string[] | null
  headers?: Record<string, string>
  description?: string
  disabled: boolean
  /** The signing secret (`whsec_…`), returned on creation. */
  secret?: string
  createdAt?: string
  updatedAt?: string
}

/** Body of `endpoints.create`. */
export interface CreateEndpointInput {
  url: string
  eventTypes?: string[]
  headers?: Record<string, string>
  description?: string
  disabled?: boolean
  /** Bring your own `whsec_…` secret; generated when absent. */
  secret?: string
}

/** Body of `endpoints.update`: any subset of the creation fields (rotate secrets with `rotateSecret`). */
export type UpdateEndpointInput = Partial<Omit<CreateEndpointInput, 'secret'>>

/** An accepted event, as stored and delivered: immutable. */
export interface WebhookEventRecord<T = unknown> {
  id: string
  type: string
  timestamp: string
  data: T
}

/** Body of `events.publish`. */
export interface PublishInput<T = unknown> {
  type: string
  data: T
  /** Your own event id; a repeated id returns the original event. */
  id?: string
}

/** Per-call options of `events.publish`. */
export interface PublishOptions {
  /** Sent as `Idempotency-Key`; a random key is generated (and reused across retries) when absent. */
  idempotencyKey?: string
  signal?: AbortSignal
}

/** Filters of `events.list`. */
export interface ListEventsParams extends ListParams {
  type?: string
  since?: string | Date
  until?: string | Date
}

/** Where a delivery stands: `exhausted` means every scheduled attempt failed. */
export type DeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'exhausted'

/** One HTTP request of a delivery and its outcome. */
export interface Attempt {
  id: string
  at: string
  status: string
  statusCode: number | null
  durationMs: number
  error?: string
  responseBody?: string
}

/** One event owed to one endpoint. */
export interface Delivery {
  id: string
  eventId: string
  endpointId: string
  status: DeliveryStatus
  nextAttemptAt?: string | null
  attempts?: Attempt[]
  createdAt?: string
  updatedAt?: string
}

/** Filters of `deliveries.list`. */
export interface ListDeliveriesParams extends ListParams {
  status?: DeliveryStatus
  endpointId?: string
  eventId?: string
}

/** How a source verifies inbound webhooks: a scheme, its secret and scheme options. */
/** Where a value is read from an inbound request: a header, or a JSON pointer into the body. */
export type RequestValueRule = { header: string } | { pointer: string }

/** How a source verifies requests: a scheme, its secret(s) and the scheme's options. */
export interface SourceVerifierInput {
  scheme: 'standard-webhooks' | 'stripe' | 'github' | 'shopify' | 'slack' | 'twilio' | 'hmac' | 'none'
  /** Not for scheme `none`. */
  secret?: string
  /** Several secrets during a rotation. */
  secrets?: string[]
  toleranceSeconds?: number
  /** The public URL the provider signs (Twilio behind a proxy). */
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

/** A source as the API shows it: never its secrets. */
export type SourceVerifier = Omit<SourceVerifierInput, 'secret' | 'secrets'>

/** An inbound channel: provider webhooks posted to `/in/<name>` become events. */
export interface Source {
  id: string
  name: string
  /** `/in/<name>`: give the provider this path on your Hookline's public URL. */
  ingestPath: string
  verifier: SourceVerifier
  eventType: RequestValueRule | null
  idempotencyKey: RequestValueRule | null
  stats: {
    accepted: number
    duplicates: number
    rejected: number
    lastAcceptedAt: string | null
    lastRejectedAt: string | null
  }
  createdAt: string
  updatedAt: string
}

/** Body of `sources.create`. */
export interface CreateSourceInput {
  name: string
  verifier: SourceVerifierInput
  /** How to name events; the provider's default when absent. */
  eventType?: RequestValueRule
  /** Where the dedupe key comes from; the provider's default when absent. */
  idempotencyKey?: RequestValueRule
}

/** Body of `sources.update`. */
export interface UpdateSourceInput {
  verifier?: SourceVerifierInput
  eventType?: RequestValueRule | null
  idempotencyKey?: RequestValueRule | null
}

/** Per-call options of every client method. */
export interface RequestOptions {
  signal?: AbortSignal
}
