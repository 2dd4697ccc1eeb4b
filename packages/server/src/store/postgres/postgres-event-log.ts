import type { LoggedEvent } from '../store.js'
import type { Queryable } from './pg-database.js'
import { EVENT_COLUMNS, type EventRow, toEvent } from './postgres-rows.js'

/**
 * Positions in the event log for streams (see `tx` in migrations/0001_init.sql). A position
 * packs the inserting transaction's id and the event's rank in it into one number:
 * tx * 65536 + rank. A batch inserts at most a few thousand events, and transaction ids stay
 * below 2^37 for a very long time, so the number stays exact in a double.
 */
const RANK_SPACE = 65_536

/** Only transactions older than every running one are final: nothing can commit before them any more. */
const SETTLED = 'tx < pg_snapshot_xmin(pg_current_snapshot())'

interface PositionRow {
  tx: string
  tx_rank: number
}

function toPosition(row: PositionRow): number {
  return Number(row.tx) * RANK_SPACE + row.tx_rank
}

export async function latestEventPosition(db: Queryable): Promise<number> {
  const [row] = await db.query<PositionRow>(
    `SELECT tx::text AS tx, tx_rank FROM events WHERE ${SETTLED} ORDER BY tx DESC, tx_rank DESC LIMIT 1`,
  )
  return row ? toPosition(row) : 0
}

export async function eventPosition(db: Queryable, id: string): Promise<number | null> {
  const [row] = await db.query<PositionRow>('SELECT tx::text AS tx, tx_rank FROM events WHERE id = $1', [id])
  return row ? toPosition(row) : null
}

export async function eventsAfter(db: Queryable, position: number, limit: number): Promise<LoggedEvent[]> {
  const tx = Math.floor(position / RANK_SPACE)
  const rank = position % RANK_SPACE
  const rows = await db.query<EventRow & PositionRow>(
    `SELECT ${EVENT_COLUMNS}, tx::text AS tx, tx_rank FROM events
     WHERE (tx, tx_rank) > ($1::text::xid8, $2) AND ${SETTLED}
     ORDER BY tx, tx_rank LIMIT $3`,
    [String(tx), rank, limit],
    'events_after',
  )
  return rows.map((row) => ({ position: toPosition(row), event: toEvent(row), body: row.body }))
}
