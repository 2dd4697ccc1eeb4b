import { matchesEventTypes } from '../../core/event-filter.js'
import { newId } from '../../core/ids.js'
import type { HooklineEvent } from '../../core/types.js'
import type { NewEventRow } from '../rows.js'
import { type FanOutTarget, FINGERPRINT_SQL } from './postgres-fan-out.js'

/**
 * The rows behind inserting events and their deliveries, shared by the two ways of writing
 * them: inside a batch transaction, and as one statement that commits by itself (PUBLISH_SQL).
 */

export interface PreparedEvent {
  input: NewEventRow
  event: HooklineEvent
  /** The exact bytes stored, signed and delivered. */
  body: string
  /** Its place in the event log within its transaction. */
  rank: number
}

/** Pending deliveries to insert, as columns. */
export interface PlannedDeliveries {
  ids: string[]
  eventIds: string[]
  endpoints: string[]
  at: number[]
}

export function prepareEvents(inputs: NewEventRow[], nextRank: () => number): PreparedEvent[] {
  return inputs.map((input) => {
    const event: HooklineEvent = {
      id: input.id ?? newId('evt', input.nowMs),
      type: input.type,
      timestamp: new Date(input.nowMs).toISOString(),
      data: input.data,
    }
    return { input, event, body: JSON.stringify(event), rank: nextRank() }
  })
}

/** The parameters $1 to $8 of an events INSERT from unnest(), in the order of its columns. */
export function eventColumns(prepared: PreparedEvent[]): unknown[] {
  return [
    prepared.map((p) => p.event.id),
    prepared.map((p) => p.input.type),
    prepared.map((p) => p.input.nowMs),
    prepared.map((p) => p.body),
    prepared.map((p) => p.input.idempotencyKey ?? null),
    prepared.map((p) => p.input.source ?? null),
    prepared.map((p) => (p.input.headers === undefined ? null : JSON.stringify(p.input.headers))),
    prepared.map((p) => p.rank),
  ]
}

/** One pending delivery per event and subscribed target. */
export function planDeliveries(prepared: PreparedEvent[], targets: FanOutTarget[]): PlannedDeliveries {
  const planned: PlannedDeliveries = { ids: [], eventIds: [], endpoints: [], at: [] }
  for (const { input, event } of prepared) {
    for (const target of targets) {
      if (!matchesEventTypes(target.eventTypes, input.type)) continue
      planned.ids.push(newId('dlv', input.nowMs))
      planned.eventIds.push(event.id)
      planned.endpoints.push(target.id)
      planned.at.push(input.nowMs)
    }
  }
  return planned
}

/** Each prepared event as stored, or null where its id or idempotency key existed already. */
export function insertedEvents(
  prepared: PreparedEvent[],
  seqById: Map<string, number>,
): (HooklineEvent | null)[] {
  return prepared.map(({ input, event }) => {
    if (!seqById.has(event.id)) return null
    return input.source === undefined
      ? event
      : { ...event, source: input.source, headers: input.headers ?? {} }
  })
}

/**
 * Events, their deliveries and the NOTIFY that wakes dispatchers, in one statement: without
 * BEGIN and COMMIT around it, it is its own transaction, so a batch of publishes costs one
 * round trip. $9 is the fingerprint of the fan-out targets the deliveries ($10 to $13) were
 * planned with; if the endpoints changed since, the guard inserts nothing and the first column
 * tells the caller the fingerprint it should have had. Deliveries of events that were not
 * inserted (an id or key that exists) fall away in the join. At least one row comes back.
 */
export const PUBLISH_SQL = `
WITH fan_out AS (
  SELECT ${FINGERPRINT_SQL} AS fingerprint FROM endpoints WHERE NOT disabled
), ins AS (
  INSERT INTO events (id, type, timestamp, body, idempotency_key, source, headers, tx_rank)
  SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[],
                       $8::integer[])
  WHERE (SELECT fingerprint FROM fan_out) = $9
  ON CONFLICT DO NOTHING
  RETURNING seq, id
), dl AS (
  INSERT INTO deliveries (id, event_seq, event_id, endpoint_id, status, next_attempt_at, created_at, updated_at)
  SELECT t.id, ins.seq, t.event_id, t.endpoint_id, 'pending', t.at, t.at, t.at
  FROM unnest($10::text[], $11::text[], $12::text[], $13::bigint[]) WITH ORDINALITY
    AS t (id, event_id, endpoint_id, at, n)
  JOIN ins ON ins.id = t.event_id
  ORDER BY t.n
  RETURNING 1
), notified AS (
  SELECT pg_notify($14, $15) WHERE EXISTS (SELECT 1 FROM dl)
)
SELECT f.fingerprint, ins.seq, ins.id, (SELECT count(*) FROM notified) AS notified
FROM fan_out f LEFT JOIN ins ON true`

/** Plans of fan-out a publish statement may find outdated before the batch takes a transaction. */
export const MAX_FAN_OUT_PLANS = 3
