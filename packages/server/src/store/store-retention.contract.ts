import { describe, expect, it } from 'vitest'
import type { PrunedHistory } from './store.js'
import {
  type CurrentStore,
  claimOne,
  endpointInput,
  FAILED,
  LEASE_MS,
  nextMillisecond,
  report,
  retryAt,
  SUCCEEDED,
} from './store-fixtures.contract.js'

/**
 * Retention: what pruneHistory deletes and, above all, what it keeps. Records are made now, so
 * the tests move the cutoff instead of the clock: `beforeMs` just after now means "all of it is
 * old enough".
 */
export function describeRetention(current: CurrentStore): void {
  describe('retention', () => {
    it('deletes finished deliveries with their attempts, then events nothing refers to', async () => {
      const store = current()
      await store.createEndpoint(endpointInput({ eventTypes: ['order.*'] }))
      const a = await store.publish({ type: 'order.a', data: {} })
      const b = await store.publish({ type: 'order.b', data: {} })
      const c = await store.publish({ type: 'order.c', data: {} })
      const unrouted = await store.publish({ type: 'nobody.listens', data: {} })
      const now = Date.now()
      const claimed = await store.claimDue('w1', 10, now, LEASE_MS)
      expect(claimed).toHaveLength(3)
      for (const delivery of claimed) {
        if (delivery.eventId === a.event.id) await store.recordAttempt(report(delivery, 'w1', SUCCEEDED))
        if (delivery.eventId === b.event.id) await store.recordAttempt(report(delivery, 'w1', retryAt(now)))
      }
      // b fails on its second attempt; c stays pending (leased).
      await store.recordAttempt(report(await claimOne(store, 'w2', now), 'w2', FAILED))
      await nextMillisecond()

      const pruned = await store.pruneHistory(Date.now(), 100)
      expect(pruned).toEqual({ deliveries: 2, attempts: 3, events: 3 } satisfies PrunedHistory)
      for (const { event } of [a, b, unrouted]) expect(await store.getEvent(event.id)).toBeNull()
      expect(await store.getEvent(c.event.id)).toEqual(c.event)
      expect((await store.listDeliveries({ limit: 10 })).data).toMatchObject([{ eventId: c.event.id }])
      expect(await store.pruneHistory(Date.now(), 100)).toEqual({ deliveries: 0, attempts: 0, events: 0 })
    })

    it('keeps pending deliveries and their events, and everything newer than the cutoff', async () => {
      const store = current()
      await store.createEndpoint(endpointInput())
      const pending = await store.publish({ type: 'order.pending', data: {} })
      const settled = await store.publish({ type: 'order.settled', data: {} })
      const now = Date.now()
      const claimed = await store.claimDue('w1', 10, now, LEASE_MS)
      const settledDelivery = claimed.find((delivery) => delivery.eventId === settled.event.id)
      if (!settledDelivery) throw new Error('the settled event was not claimed')
      await store.recordAttempt(report(settledDelivery, 'w1', SUCCEEDED, { atMs: now }))

      // A cutoff before the records were made deletes nothing.
      expect(await store.pruneHistory(Date.parse(pending.event.timestamp), 100)).toEqual({
        deliveries: 0,
        attempts: 0,
        events: 0,
      })
      await nextMillisecond()
      expect(await store.pruneHistory(Date.now(), 100)).toEqual({ deliveries: 1, attempts: 1, events: 1 })
      expect(await store.getEvent(settled.event.id)).toBeNull()
      // The pending delivery (leased or not) and its event stay, however old.
      expect(await store.getEvent(pending.event.id)).toEqual(pending.event)
      expect((await store.listDeliveries({ limit: 10 })).data).toMatchObject([
        { eventId: pending.event.id, status: 'pending' },
      ])
    })

    it('works in batches of at most `limit`', async () => {
      const store = current()
      await store.createEndpoint(endpointInput())
      for (let n = 0; n < 5; n++) await store.publish({ type: 'order.shipped', data: { n } })
      const now = Date.now()
      for (const delivery of await store.claimDue('w1', 10, now, LEASE_MS)) {
        await store.recordAttempt(report(delivery, 'w1', SUCCEEDED, { atMs: now }))
      }
      await nextMillisecond()
      const cutoff = Date.now()
      const passes: PrunedHistory[] = []
      for (let pass = 0; pass < 4; pass++) passes.push(await store.pruneHistory(cutoff, 2))
      expect(passes.map((pass) => pass.deliveries)).toEqual([2, 2, 1, 0])
      expect(passes.reduce((sum, pass) => sum + pass.events, 0)).toBe(5)
      expect(passes.every((pass) => pass.events <= 2)).toBe(true)
    })

    it('keeps an inbound event while its dedupe key is live, so a retry is still a duplicate', async () => {
      const store = current()
      const source = await store.createSource({ name: 'stripe', verifier: { scheme: 'none', secrets: [] } })
      const ingest = (dedupeKey: string, dedupeUntilMs: number) =>
        store.ingest({
          sourceId: source.id,
          sourceName: 'stripe',
          type: 'stripe.charge.succeeded',
          data: {},
          dedupeKey,
          dedupeUntilMs,
          headers: {},
        })
      const live = await ingest('live', Date.now() + 60_000)
      const expired = await ingest('expired', Date.now())
      await nextMillisecond()
      expect(await store.pruneHistory(Date.now(), 100)).toMatchObject({ events: 1 })
      expect(await store.getEvent(expired.event.id)).toBeNull()
      expect(await store.getEvent(live.event.id)).toEqual(live.event)
      expect(await ingest('live', Date.now() + 60_000)).toEqual({ event: live.event, duplicate: true })
    })
  })
}
