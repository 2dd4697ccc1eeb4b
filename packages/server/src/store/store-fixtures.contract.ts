import { expect } from 'vitest'
import type { Outcome } from '../core/delivery-outcome.js'
import type { Delivery, Endpoint, HooklineEvent, Page } from '../core/types.js'
import type { AttemptReport, ClaimedDelivery, NewEndpoint, PageRequest, Store } from './store.js'

/**
 * Shared helpers of the store contract (store.contract.ts). They use nothing but the Store
 * interface, so every backend runs the same scenarios.
 */

export interface OpenedStore {
  store: Store
  /** Closes the store (also when the test already closed it) and removes what `open` created. */
  cleanup: () => Promise<void>
}

export type OpenStore = () => Promise<OpenedStore>

/** The store of the running test: each test gets a fresh one. */
export type CurrentStore = () => Store

/** A lease long enough that no test depends on how fast it runs. */
export const LEASE_MS = 60_000

export const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

export function endpointInput(overrides: Partial<NewEndpoint> = {}): NewEndpoint {
  return { url: 'https://hooks.example.com/in', secret: 'whsec_c2VjcmV0LW9uZS1mb3ItdGVzdHM=', ...overrides }
}

export const retryAt = (nextAttemptAtMs: number): Outcome => ({ status: 'pending', nextAttemptAtMs })
export const SUCCEEDED: Outcome = { status: 'succeeded' }
export const EXHAUSTED: Outcome = { status: 'exhausted' }
export const FAILED: Outcome = { status: 'failed' }

/** An attempt report for `claimed` by `workerId`; a 200 for success, a 500 otherwise. */
export function report(
  claimed: Pick<ClaimedDelivery, 'deliveryId'>,
  workerId: string,
  outcome: Outcome,
  overrides: Partial<AttemptReport> = {},
): AttemptReport {
  const ok = outcome.status === 'succeeded'
  return {
    deliveryId: claimed.deliveryId,
    workerId,
    atMs: Date.now(),
    durationMs: 12,
    statusCode: ok ? 200 : 500,
    error: null,
    responseBody: ok ? 'ok' : 'upstream broke',
    outcome,
    ...overrides,
  }
}

/** Claims with a long lease and expects exactly the one delivery that is due. */
export async function claimOne(store: Store, workerId: string, nowMs: number): Promise<ClaimedDelivery> {
  const claimed = await store.claimDue(workerId, 10, nowMs, LEASE_MS)
  expect(claimed).toHaveLength(1)
  return claimed[0] as ClaimedDelivery
}

/** One endpoint subscribed to `order.*` and one event it owes: the smallest queue scenario. */
export async function oneDelivery(
  store: Store,
  endpoint: Partial<NewEndpoint> = {},
): Promise<{ endpoint: Endpoint; event: HooklineEvent; delivery: Delivery }> {
  const created = await store.createEndpoint(endpointInput({ eventTypes: ['order.*'], ...endpoint }))
  const { event } = await store.publish({ type: 'order.shipped', data: { orderId: 'ord_1' } })
  const delivery = await onlyDelivery(store, event.id)
  return { endpoint: created, event, delivery }
}

export async function onlyDelivery(store: Store, eventId: string): Promise<Delivery> {
  const { data } = await store.listDeliveries({ limit: 10, eventId })
  expect(data).toHaveLength(1)
  return data[0] as Delivery
}

/** Follows `nextCursor` to the end, checking every page respects the limit. */
export async function allPages<T>(
  limit: number,
  list: (page: PageRequest) => Promise<Page<T>>,
): Promise<T[]> {
  const items: T[] = []
  let cursor: string | undefined
  for (let pages = 0; pages < 100; pages++) {
    const page = await list({ limit, cursor })
    expect(page.data.length).toBeLessThanOrEqual(limit)
    items.push(...page.data)
    if (page.nextCursor === null) return items
    expect(page.data).toHaveLength(limit)
    cursor = page.nextCursor
  }
  throw new Error('paging did not end')
}

/** Waits until the clock has passed `afterMs`, so the next write gets a later timestamp. */
export async function nextMillisecond(afterMs: number = Date.now()): Promise<void> {
  while (Date.now() <= afterMs) await new Promise((resolve) => setTimeout(resolve, 1))
}

export async function eventsOfType(store: Store, type: string): Promise<HooklineEvent[]> {
  return allPages(50, (page) => store.listEvents({ ...page, type }))
}
