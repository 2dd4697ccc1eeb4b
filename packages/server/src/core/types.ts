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
