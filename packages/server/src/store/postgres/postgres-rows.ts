/**
 * Column lists of the PostgreSQL queries that read whole rows. The row shapes and their mapping
 * to domain objects are shared with SQLite (../rows.ts).
 */
export * from '../rows.js'

/** Columns of `events` that make an event (no `timestamp`: the body holds it as sent). */
export const EVENT_COLUMNS = 'seq, id, body, source, headers'

export const DELIVERY_COLUMNS =
  'seq, id, event_id, endpoint_id, status, attempt_count, next_attempt_at, last_status_code, last_error, created_at, updated_at'
