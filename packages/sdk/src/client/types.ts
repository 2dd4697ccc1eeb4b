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
export interface SourceVerifier {
  scheme: string
  secret: string
  [option: string]: unknown
}

/** An inbound channel: provider webhooks posted to `/in/<name>` become events. */
export interface Source {
  id: string
  name: string
  verifier: SourceVerifier
  eventType?: string
  idempotencyKey?: string
  createdAt?: string
  updatedAt?: string
}

/** Body of `sources.create`. */
export interface CreateSourceInput {
  name: string
  verifier: SourceVerifier
  eventType?: string
  idempotencyKey?: string
}

/** Body of `sources.update`. */
export type UpdateSourceInput = Partial<CreateSourceInput>

/** Per-call options of every client method. */
export interface RequestOptions {
  signal?: AbortSignal
}
