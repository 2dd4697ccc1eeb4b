import type {
  ApiKey,
  ApiKeyScope,
  Attempt,
  Delivery,
  DeliveryStatus,
  Endpoint,
  EventType,
  HooklineEvent,
} from '../core/types.js'

/**
 * Row shapes of the store's tables and their mapping to domain objects, shared by both
 * backends (PostgreSQL BIGINT columns are parsed to numbers, so the shapes match; only
 * `disabled` is a real boolean there and 0/1 in SQLite).
 */

const iso = (ms: number) => new Date(ms).toISOString()

export interface EventTypeRow {
  seq: number
  id: string
  name: string
  description: string | null
  schema: string | null
  created_at: number
  updated_at: number
}

export function toEventType(row: EventTypeRow): EventType {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    schema: row.schema === null ? null : (JSON.parse(row.schema) as Record<string, unknown>),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  }
}

export interface EndpointRow {
  seq: number
  id: string
  url: string
  url_sealed: string | null
  description: string | null
  event_types: string | null
  headers: string
  secrets: string
  disabled: number | boolean
  disabled_reason: string | null
  failing_since: number | null
  created_at: number
  updated_at: number
}

export function toEndpoint(row: EndpointRow): Endpoint {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    eventTypes: row.event_types === null ? null : (JSON.parse(row.event_types) as string[]),
    headers: JSON.parse(row.headers) as Record<string, string>,
    disabled: row.disabled === true || row.disabled === 1,
    disabledReason: row.disabled_reason,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  }
}

export interface EventRow {
  seq: number
  id: string
  body: string
  source: string | null
  headers: string | null
}

/** The stored body is the wire body `{id, type, timestamp, data}`, so it parses to the event. */
export function toEvent(row: EventRow): HooklineEvent {
  const event = JSON.parse(row.body) as HooklineEvent
  if (row.source !== null) {
    event.source = row.source
    event.headers = row.headers === null ? {} : (JSON.parse(row.headers) as Record<string, string>)
  }
  return event
}

export interface DeliveryRow {
  seq: number
  id: string
  event_id: string
  endpoint_id: string
  status: DeliveryStatus
  attempt_count: number
  next_attempt_at: number | null
  last_status_code: number | null
  last_error: string | null
  created_at: number
  updated_at: number
}

export function toDelivery(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    eventId: row.event_id,
    endpointId: row.endpoint_id,
    status: row.status,
    attemptCount: row.attempt_count,
    nextAttemptAt: row.status === 'pending' && row.next_attempt_at !== null ? iso(row.next_attempt_at) : null,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  }
}

export interface AttemptRow {
  id: string
  at: number
  status: 'succeeded' | 'failed'
  status_code: number | null
  duration_ms: number
  error: string | null
  response_body: string | null
}

export function toAttempt(row: AttemptRow): Attempt {
  const attempt: Attempt = {
    id: row.id,
    at: iso(row.at),
    status: row.status,
    statusCode: row.status_code,
    durationMs: row.duration_ms,
  }
  if (row.error !== null) attempt.error = row.error
  if (row.response_body !== null) attempt.responseBody = row.response_body
  return attempt
}

export interface ApiKeyRow {
  seq: number
  id: string
  name: string
  scope: ApiKeyScope
  prefix: string
  endpoint_id: string | null
  created_at: number
  revoked_at: number | null
}

export function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    name: row.name,
    scope: row.scope,
    prefix: row.prefix,
    endpointId: row.endpoint_id,
    createdAt: iso(row.created_at),
    revokedAt: row.revoked_at === null ? null : iso(row.revoked_at),
  }
}
