import type {
  Attempt,
  Delivery,
  DeliveryStatus,
  Endpoint,
  EventType,
  HooklineEvent,
} from '../../core/types.js'

/**
 * Row shapes of the PostgreSQL tables and their mapping to domain objects. BIGINT columns are
 * parsed to numbers (pg-database.ts), so these match the SQLite rows except for real booleans.
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
  description: string | null
  event_types: string | null
  headers: string
  secrets: string
  disabled: boolean
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
    disabled: row.disabled,
    disabledReason: row.disabled_reason,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  }
}

/** Columns of `events` that make an event (no `timestamp`: the body holds it as sent). */
export const EVENT_COLUMNS = 'seq, id, body, source, headers'

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

export const DELIVERY_COLUMNS =
  'seq, id, event_id, endpoint_id, status, attempt_count, next_attempt_at, last_status_code, last_error, created_at, updated_at'

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
