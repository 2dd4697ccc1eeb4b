import { describe, expect, it } from 'vitest'
import type { Delivery, HooklineEvent } from '../core/types.js'
import {
  allPages,
  type CurrentStore,
  claimOne,
  EXHAUSTED,
  endpointInput,
  FAILED,
  ISO_TIMESTAMP,
  LEASE_MS,
  nextMillisecond,
  report,
  retryAt,
  SUCCEEDED,
} from './store-fixtures.contract.js'

/** Publishing: fan-out, idempotency, the event log and the delivery log. */
export function describePublishing(current: CurrentStore): void {
  describe('publish', () => {
    it('accepts an event, stamps it, and gives back exactly what was published', async () => {
      const store = current()
      const data = {
        orderId: 'ord_1',
        total: 12.5,
        items: [{ sku: 'a', qty: 2 }],
        note: 'quotes " and \\ and\nnew lines, ünïcödé, emoji 📦',
        gift: false,
        coupon: null,
      }
      const before = Date.now()
      const result = await store.publish({ type: 'order.shipped', data })
      const after = Date.now()
      expect(result.created).toBe(true)
      expect(result.event).toEqual({
        id: expect.stringMatching(/^evt_/),
        type: 'order.shipped',
        timestamp: expect.stringMatching(ISO_TIMESTAMP),
        data,
      })
      const stampedMs = Date.parse(result.event.timestamp)
      expect(stampedMs).toBeGreaterThanOrEqual(before)
      expect(stampedMs).toBeLessThanOrEqual(after)
      expect(await store.getEvent(result.event.id)).toEqual(result.event)
      expect(await store.getEvent('evt_missing')).toBeNull()
    })

    it('keeps a client-chosen event id', async () => {
      const result = await current().publish({ type: 'order.shipped', data: {}, id: 'evt_client_chosen_1' })
      expect(result.event.id).toBe('evt_client_chosen_1')
      expect(await current().getEvent('evt_client_chosen_1')).toEqual(result.event)
    })

    it('delivers the wire body {id, type, timestamp, data}, byte for byte', async () => {
      const store = current()
      await store.createEndpoint(endpointInput())
      const { event } = await store.publish({ type: 'order.shipped', data: { b: 1, a: [true, 'ü'] } })
      const claimed = await claimOne(store, 'w1', Date.now())
      expect(claimed.body).toBe(JSON.stringify(event))
      expect(Object.keys(JSON.parse(claimed.body) as object)).toEqual(['id', 'type', 'timestamp', 'data'])
    })

    it('fans out only to enabled endpoints whose event types match', async () => {
      const store = current()
      const all = await store.createEndpoint(endpointInput())
      const exact = await store.createEndpoint(endpointInput({ eventTypes: ['order.shipped'] }))
      const prefix = await store.createEndpoint(endpointInput({ eventTypes: ['order.*'] }))
      await store.createEndpoint(endpointInput({ eventTypes: ['invoice.paid', 'order.paid'] }))
      await store.createEndpoint(endpointInput({ disabled: true }))
      const receivers = async (type: string) => {
        const { event } = await store.publish({ type, data: {} })
        const { data } = await store.listDeliveries({ limit: 20, eventId: event.id })
        return data.map((delivery) => delivery.endpointId).sort()
      }
      expect(await receivers('order.shipped')).toEqual([all.id, exact.id, prefix.id].sort())
      expect(await receivers('order.item.added')).toEqual([all.id, prefix.id].sort())
      // `order.*` matches below `order.` only: not `order` itself, not `orders.…`.
      expect(await receivers('order')).toEqual([all.id])
      expect(await receivers('orders.created')).toEqual([all.id])
    })

    it('creates each delivery pending, unattempted and due', async () => {
      const store = current()
      const endpoint = await store.createEndpoint(endpointInput())
      const { event } = await store.publish({ type: 'order.shipped', data: {} })
      const { data } = await store.listDeliveries({ limit: 10, eventId: event.id })
      expect(data).toEqual([
        {
          id: expect.stringMatching(/^dlv_/),
          eventId: event.id,
          endpointId: endpoint.id,
          status: 'pending',
          attemptCount: 0,
          nextAttemptAt: expect.stringMatching(ISO_TIMESTAMP),
          lastStatusCode: null,
          lastError: null,
          createdAt: expect.stringMatching(ISO_TIMESTAMP),
          updatedAt: expect.stringMatching(ISO_TIMESTAMP),
        },
      ])
      expect(Date.parse(data[0]?.nextAttemptAt ?? '')).toBeLessThanOrEqual(Date.now())
      expect(await store.getDelivery(data[0]?.id ?? '')).toEqual({ ...data[0], attempts: [] })
      expect(await store.getDelivery('dlv_missing')).toBeNull()
    })

    it('stores an event nobody subscribes to, owing no deliveries', async () => {
      const { event } = await current().publish({ type: 'order.shipped', data: {} })
      expect(await current().getEvent(event.id)).toEqual(event)
      expect((await current().listDeliveries({ limit: 10 })).data).toEqual([])
    })
  })

  describe('publish idempotency', () => {
    it.each([
      ['idempotency key', { idempotencyKey: 'key-1' }],
      ['event id', { id: 'evt_client_1' }],
    ])('returns the first event for a repeated %s, without new deliveries', async (_, identity) => {
      const store = current()
      await store.createEndpoint(endpointInput())
      const first = await store.publish({ type: 'order.shipped', data: { n: 1 }, ...identity })
      const again = await store.publish({ type: 'order.cancelled', data: { n: 2 }, ...identity })
      expect(first.created).toBe(true)
      expect(again).toEqual({ event: first.event, created: false })
      expect((await store.listEvents({ limit: 10 })).data).toEqual([first.event])
      expect((await store.listDeliveries({ limit: 10 })).data).toHaveLength(1)
    })

    it.each([
      ['idempotency key', { idempotencyKey: 'key-concurrent' }],
      ['event id', { id: 'evt_concurrent' }],
    ])('creates one event when many publishes race with the same %s', async (_, identity) => {
      const store = current()
      await store.createEndpoint(endpointInput())
      const results = await Promise.all(
        Array.from({ length: 25 }, (_, n) =>
          store.publish({ type: 'order.shipped', data: { n }, ...identity }),
        ),
      )
      expect(results.filter((result) => result.created)).toHaveLength(1)
      const winner = results.find((result) => result.created)?.event
      for (const result of results) expect(result.event).toEqual(winner)
      expect((await store.listEvents({ limit: 50 })).data).toHaveLength(1)
      expect((await store.listDeliveries({ limit: 50 })).data).toHaveLength(1)
    })

    it('treats different keys as different events', async () => {
      const store = current()
      const a = await store.publish({ type: 'order.shipped', data: {}, idempotencyKey: 'a' })
      const b = await store.publish({ type: 'order.shipped', data: {}, idempotencyKey: 'b' })
      const plain = await store.publish({ type: 'order.shipped', data: {} })
      expect([a.created, b.created, plain.created]).toEqual([true, true, true])
      expect(new Set([a.event.id, b.event.id, plain.event.id]).size).toBe(3)
    })
  })

  describe('event log', () => {
    it('lists events newest first, page by page, also under a type filter', async () => {
      const store = current()
      const events: HooklineEvent[] = []
      for (let n = 0; n < 6; n++) {
        const type = n % 2 === 0 ? 'order.shipped' : 'invoice.paid'
        events.push((await store.publish({ type, data: { n } })).event)
      }
      const listed = await allPages<HooklineEvent>(4, (page) => store.listEvents(page))
      expect(listed).toEqual([...events].reverse())
      const orders = await allPages<HooklineEvent>(2, (page) =>
        store.listEvents({ ...page, type: 'order.shipped' }),
      )
      expect(orders).toEqual(events.filter((event) => event.type === 'order.shipped').reverse())
      expect((await store.listEvents({ limit: 10, type: 'order.cancelled' })).data).toEqual([])
    })

    it('filters by time: sinceMs inclusive, untilMs exclusive', async () => {
      const store = current()
      const events: HooklineEvent[] = []
      for (let n = 0; n < 3; n++) {
        if (n > 0) await nextMillisecond(Date.parse(events[n - 1]?.timestamp ?? ''))
        events.push((await store.publish({ type: 'order.shipped', data: { n } })).event)
      }
      const [a, b, c] = events.map((event) => Date.parse(event.timestamp)) as [number, number, number]
      const ids = async (query: { sinceMs?: number; untilMs?: number }) =>
        (await store.listEvents({ limit: 10, ...query })).data.map((event) => event.data)
      expect(await ids({ sinceMs: b })).toEqual([{ n: 2 }, { n: 1 }])
      expect(await ids({ untilMs: c })).toEqual([{ n: 1 }, { n: 0 }])
      expect(await ids({ sinceMs: b, untilMs: c })).toEqual([{ n: 1 }])
      expect(await ids({ sinceMs: a, untilMs: a })).toEqual([])
      expect(await ids({ sinceMs: c + 1 })).toEqual([])
    })
  })

  describe('delivery log', () => {
    it('filters deliveries by status, endpoint and event, newest first, page by page', async () => {
      const store = current()
      const first = await store.createEndpoint(endpointInput({ eventTypes: ['order.*'] }))
      const second = await store.createEndpoint(endpointInput({ eventTypes: ['order.shipped'] }))
      const events: HooklineEvent[] = []
      for (let n = 0; n < 4; n++)
        events.push((await store.publish({ type: 'order.shipped', data: { n } })).event)
      // Settle the first endpoint's four deliveries into the four statuses, oldest first.
      const now = Date.now()
      const outcomes = [SUCCEEDED, retryAt(now + 60_000), FAILED, EXHAUSTED]
      for (const [n, outcome] of outcomes.entries()) {
        const delivery = (
          await store.listDeliveries({ limit: 1, endpointId: first.id, eventId: events[n]?.id ?? '' })
        ).data[0]
        if (!delivery) throw new Error('missing delivery')
        // Claim that one delivery: others may be due too, so lease them all and record one.
        const claimed = await store.claimDue(`w${n}`, 20, Date.now(), LEASE_MS)
        expect(claimed.map((c) => c.deliveryId)).toContain(delivery.id)
        expect(await store.recordAttempt(report({ deliveryId: delivery.id }, `w${n}`, outcome))).toBe(true)
        await store.releaseLeases(
          `w${n}`,
          claimed.map((c) => c.deliveryId),
        )
      }

      const statusOf = async (status: Delivery['status']) =>
        (await store.listDeliveries({ limit: 20, endpointId: first.id, status })).data.map((d) => d.eventId)
      expect(await statusOf('succeeded')).toEqual([events[0]?.id])
      expect(await statusOf('pending')).toEqual([events[1]?.id])
      expect(await statusOf('failed')).toEqual([events[2]?.id])
      expect(await statusOf('exhausted')).toEqual([events[3]?.id])
      expect(
        (await store.listDeliveries({ limit: 20, status: 'pending', endpointId: second.id })).data,
      ).toHaveLength(4)

      const forEvent = await store.listDeliveries({ limit: 20, eventId: events[2]?.id ?? '' })
      expect(forEvent.data.map((d) => [d.endpointId, d.status]).sort()).toEqual(
        [
          [first.id, 'failed'],
          [second.id, 'pending'],
        ].sort(),
      )
      expect((await store.listDeliveries({ limit: 20, eventId: 'evt_missing' })).data).toEqual([])

      const secondsDeliveries = await allPages<Delivery>(3, (page) =>
        store.listDeliveries({ ...page, endpointId: second.id }),
      )
      expect(secondsDeliveries.map((d) => d.eventId)).toEqual(events.map((event) => event.id).reverse())
      const everything = await allPages<Delivery>(3, (page) => store.listDeliveries(page))
      expect(everything).toHaveLength(8)
      expect(new Set(everything.map((d) => d.id)).size).toBe(8)
    })
  })
}
