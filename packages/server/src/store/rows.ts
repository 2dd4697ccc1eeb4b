import type {
  ApiKey,
  ApiKeyScope,
  Attempt,
  Delivery,
  DeliveryStatus,
  Endpoint,
  EventType,
  HooklineEvent,
  Poller,
  RequestValueRule,
  Source,
  VerifierConfig,
} from '../core/types.js'

/**
 * Row shapes of the store's tables and their mapping to domain objects, shared by both
 * backends (PostgreSQL BIGINT columns are parsed to numbers, so the shapes match; only
 * `disabled` is a real boolean there and 0/1 in SQLite).
 */

const iso = (ms: number) => new Date(ms).toISOString()
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms))

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

export interface SourceRow {
  seq: number
  id: string
  name: string
  verifier: string
  scheme: string
  event_type: string | null
  idempotency_key: string | null
  accepted_count: number
  duplicate_count: number
  rejected_count: number
  last_accepted_at: number | null
  last_rejected_at: number | null
  created_at: number
  updated_at: number
}

export function toSource(row: SourceRow, opened: VerifierConfig): Source {
  // The API shows how a source verifies, never with what.
  const { secrets: _secrets, ...verifier } = opened
  return {
    id: row.id,
    name: row.name,
    verifier,
    eventType: row.event_type === null ? null : (JSON.parse(row.event_type) as RequestValueRule),
    idempotencyKey:
      row.idempotency_key === null ? null : (JSON.parse(row.idempotency_key) as RequestValueRule),
    stats: {
      accepted: row.accepted_count,
      duplicates: row.duplicate_count,
      rejected: row.rejected_count,
      lastAcceptedAt: isoOrNull(row.last_accepted_at),
      lastRejectedAt: isoOrNull(row.last_rejected_at),
    },
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  }
}

/** A request-value rule as stored (JSON), or null. */
export function ruleJson(rule: RequestValueRule | null | undefined): string | null {
  return rule === undefined || rule === null ? null : JSON.stringify(rule)
}

export interface PollerRow {
  seq: number
  id: string
  url: string
  url_sealed: string | null
  interval_ms: number
  headers: string
  header_names: string
  event_type: string
  id_from: string
  change_from: string | null
  items_from: string | null
  etag: string | null
  state: string | null
  failures: number
  next_run_at: number
  lease_owner: string | null
  last_run_at: number | null
  last_outcome: string | null
  last_error: string | null
  last_change_at: number | null
  created_at: number
  updated_at: number
}

export function toPoller(row: PollerRow): Poller {
  return {
    id: row.id,
    url: row.url,
    intervalSeconds: row.interval_ms / 1000,
    headerNames: JSON.parse(row.header_names) as string[],
    eventType: row.event_type,
    idFrom: row.id_from,
    changeFrom: row.change_from,
    itemsFrom: row.items_from,
    lastRunAt: isoOrNull(row.last_run_at),
    lastOutcome: row.last_outcome,
    lastError: row.last_error,
    lastChangeAt: isoOrNull(row.last_change_at),
    nextRunAt: new Date(row.next_run_at).toISOString(),
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  }
}

/** An event to insert; `source` and `headers` only for events that came in through a source. */
export interface NewEventRow {
  type: string
  data: unknown
  nowMs: number
  id?: string | undefined
  idempotencyKey?: string | undefined
  source?: string | undefined
  headers?: Record<string, string> | undefined
}
