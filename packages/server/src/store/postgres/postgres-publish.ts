import type { HooklineEvent } from '../../core/types.js'
import type { NewEventRow } from '../rows.js'
import type { PublishRequest, PublishResult } from '../store.js'
import type { Queryable } from './pg-database.js'
import { EVENT_COLUMNS, type EventRow, toEvent } from './postgres-rows.js'

export interface PublishContext<T extends Queryable> {
  insertEvents(tx: T, rows: NewEventRow[]): Promise<(HooklineEvent | null)[]>
}

/**
 * Publishes of one batch, together. Idempotency is decided in request order exactly as
 * SQLite does (the key first, then the id; an earlier request of the same batch counts like a
 * stored event), and the unique indexes settle races with other processes.
 */
export async function publishEvents<T extends Queryable>(
  ctx: PublishContext<T>,
  tx: T,
  requests: PublishRequest[],
): Promise<PublishResult[]> {
  const keys = requests.flatMap((r) => (r.idempotencyKey === undefined ? [] : [r.idempotencyKey]))
  const ids = requests.flatMap((r) => (r.id === undefined ? [] : [r.id]))
  const stored = await findExisting(tx, keys, ids)
  const nowMs = Date.now()
  // What each request returns: an event found in the database, or the one of the request at that index.
  const answer: ({ found: HooklineEvent } | { index: number })[] = []
  const byKey = new Map<string, number>()
  const byId = new Map<string, number>()
  const candidates: number[] = []
  requests.forEach((request, i) => {
    const { idempotencyKey: key, id } = request
    const foundByKey = key === undefined ? undefined : (stored.byKey.get(key) ?? byKey.get(key))
    const found = foundByKey ?? (id === undefined ? undefined : (stored.byId.get(id) ?? byId.get(id)))
    if (found !== undefined) {
      answer.push(typeof found === 'number' ? { index: found } : { found })
      return
    }
    answer.push({ index: i })
    candidates.push(i)
    if (key !== undefined) byKey.set(key, i)
    if (id !== undefined) byId.set(id, i)
  })
  const inserted = await ctx.insertEvents(
    tx,
    candidates.map((i) => {
      const request = requests[i] as PublishRequest
      return {
        type: request.type,
        data: request.data,
        nowMs,
        id: request.id,
        idempotencyKey: request.idempotencyKey,
      }
    }),
  )
  const created = new Map<number, HooklineEvent>()
  const lost: number[] = []
  candidates.forEach((requestIndex, n) => {
    const event = inserted[n]
    if (event) created.set(requestIndex, event)
    else lost.push(requestIndex)
  })
  // Another transaction committed the same key or id since we looked: return its event.
  const winners = new Map<number, HooklineEvent>()
  if (lost.length > 0) {
    const lostRequests = lost.map((i) => requests[i] as PublishRequest)
    const again = await findExisting(
      tx,
      lostRequests.flatMap((r) => (r.idempotencyKey === undefined ? [] : [r.idempotencyKey])),
      lostRequests.flatMap((r) => (r.id === undefined ? [] : [r.id])),
    )
    for (const i of lost) {
      const request = requests[i] as PublishRequest
      const event =
        (request.idempotencyKey === undefined ? undefined : again.byKey.get(request.idempotencyKey)) ??
        (request.id === undefined ? undefined : again.byId.get(request.id))
      // In a transaction, rolled back and retried by the batcher: by then the other transaction
      // is visible. Without one (the batcher's own commit) the insert waited for the other
      // transaction, so this is only possible if its event was deleted since; the batch fails.
      if (event === undefined) throw Object.assign(new Error('publish lost a race'), { code: '40001' })
      winners.set(i, event)
    }
  }
  return answer.map((a, i) => {
    if ('found' in a) return { event: a.found, created: false }
    const own = created.get(a.index)
    if (own) return { event: own, created: a.index === i }
    return { event: winners.get(a.index) as HooklineEvent, created: false }
  })
}

async function findExisting(tx: Queryable, keys: string[], ids: string[]) {
  const byKey = new Map<string, HooklineEvent>()
  const byId = new Map<string, HooklineEvent>()
  if (keys.length === 0 && ids.length === 0) return { byKey, byId }
  const rows = await tx.query<EventRow & { idempotency_key: string | null }>(
    `SELECT ${EVENT_COLUMNS}, idempotency_key FROM events
     WHERE idempotency_key = ANY($1::text[]) OR id = ANY($2::text[])`,
    [keys, ids],
    'find_idempotent',
  )
  for (const row of rows) {
    const event = toEvent(row)
    if (row.idempotency_key !== null) byKey.set(row.idempotency_key, event)
    byId.set(row.id, event)
  }
  return { byKey, byId }
}
