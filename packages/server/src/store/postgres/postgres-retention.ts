import type { PrunedHistory } from '../store.js'
import type { Queryable } from './pg-database.js'

/**
 * One retention pass. Each statement commits on its own, outside the group commit, and takes
 * its rows with SKIP LOCKED: retention never makes a publish or a claim wait, and several
 * processes running it at once split the work instead of queueing behind each other.
 * A delivery that became pending again since it was picked (a manual retry) is re-checked by
 * FOR UPDATE and skipped.
 */
const PRUNE_DELIVERIES_SQL = `
WITH doomed AS (
  SELECT seq, id FROM deliveries
  WHERE status <> 'pending' AND updated_at < $1
  ORDER BY updated_at
  LIMIT $2
  FOR UPDATE SKIP LOCKED
), gone_attempts AS (
  DELETE FROM attempts a USING doomed WHERE a.delivery_id = doomed.id RETURNING 1
), gone AS (
  DELETE FROM deliveries d USING doomed WHERE d.seq = doomed.seq RETURNING 1
)
SELECT (SELECT count(*) FROM gone) AS deliveries, (SELECT count(*) FROM gone_attempts) AS attempts`

/**
 * Events go once nothing refers to them: no delivery (pending ones are never pruned, so an event
 * owed to anyone stays) and no live dedupe key, which must keep finding its event until it expires.
 */
const PRUNE_EVENTS_SQL = `
WITH doomed AS (
  SELECT e.seq FROM events e
  WHERE e.timestamp < $1
    AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_seq = e.seq)
    AND NOT EXISTS (SELECT 1 FROM inbound_dedupe k WHERE k.event_id = e.id AND k.expires_at > $3)
  ORDER BY e.timestamp
  LIMIT $2
  FOR UPDATE SKIP LOCKED
)
DELETE FROM events e USING doomed WHERE e.seq = doomed.seq RETURNING 1`

export async function pruneHistory(db: Queryable, beforeMs: number, limit: number): Promise<PrunedHistory> {
  const [deleted] = await db.query<{ deliveries: number; attempts: number }>(PRUNE_DELIVERIES_SQL, [
    beforeMs,
    limit,
  ])
  const events = await db.query(PRUNE_EVENTS_SQL, [beforeMs, limit, Date.now()])
  return { events: events.length, deliveries: deleted?.deliveries ?? 0, attempts: deleted?.attempts ?? 0 }
}
