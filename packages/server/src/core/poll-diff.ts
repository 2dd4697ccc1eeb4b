/**
 * The poll-to-push bridge decides what changed between two polls of a legacy API. Pure: given
 * the fingerprints remembered from the last poll and the items of this one, it returns the
 * changes to publish and the fingerprints to remember. The first poll only sets the baseline,
 * so turning a poller on does not replay the whole legacy system as "new".
 */

export interface PolledItem {
  id: string
  /** What is watched: the value at `changeFrom`, or the whole item (as canonical JSON). */
  fingerprint: string
  item: unknown
}

export interface PollChange {
  itemId: string
  change: 'appeared' | 'changed'
  item: unknown
}

export interface PollDiff {
  changes: PollChange[]
  /** itemId → fingerprint, for the items of this poll only (vanished items are forgotten). */
  state: Record<string, string>
}

export function diffPoll(previous: Record<string, string> | null, items: readonly PolledItem[]): PollDiff {
  // No prototype: an item id such as `__proto__` must be a key like any other.
  const state: Record<string, string> = Object.create(null)
  const changes: PollChange[] = []
  for (const { id, fingerprint, item } of items) {
    if (Object.hasOwn(state, id)) continue // a duplicate id in one response: the first wins
    state[id] = fingerprint
    if (previous === null) continue
    const before = Object.hasOwn(previous, id) ? previous[id] : undefined
    if (before === undefined) changes.push({ itemId: id, change: 'appeared', item })
    else if (before !== fingerprint) changes.push({ itemId: id, change: 'changed', item })
  }
  return { changes, state }
}
