import type { PrunedHistory } from '../store.js'
import type { Statement } from './open-database.js'

/**
 * One retention pass, run as one write of the group commit: the same rules as PostgreSQL
 * (postgres-retention.ts). `ORDER BY updated_at, seq` makes the two statements pick the same
 * deliveries, so attempts are deleted exactly for the deliveries that go.
 */
export function pruneHistory(
  sql: (text: string) => Statement,
  beforeMs: number,
  limit: number,
  nowMs: number,
): PrunedHistory {
  const doomed = `SELECT seq FROM deliveries WHERE status <> 'pending' AND updated_at < ?
                  ORDER BY updated_at, seq LIMIT ?`
  const attempts = sql(
    `DELETE FROM attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE seq IN (${doomed}))`,
  ).run(beforeMs, limit).changes
  const deliveries = sql(`DELETE FROM deliveries WHERE seq IN (${doomed})`).run(beforeMs, limit).changes
  const events = sql(
    `DELETE FROM events WHERE seq IN (
       SELECT e.seq FROM events e
       WHERE e.timestamp < ?
         AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_seq = e.seq)
         AND NOT EXISTS (SELECT 1 FROM inbound_dedupe k WHERE k.event_id = e.id AND k.expires_at > ?)
       ORDER BY e.timestamp LIMIT ?)`,
  ).run(beforeMs, nowMs, limit).changes
  return { events, deliveries, attempts }
}
