import { describe, expect, it } from 'vitest'
import type { Outcome } from '../core/delivery-outcome.js'
import type { DisabledEndpointData, ExhaustedDeliveryData } from '../core/operational-events.js'
import type { AttemptReport, ClaimedDelivery } from './store.js'
import {
  type CurrentStore,
  claimOne,
  EXHAUSTED,
  endpointInput,
  eventsOfType,
  FAILED,
  ISO_TIMESTAMP,
  LEASE_MS,
  nextMillisecond,
  oneDelivery,
  onlyDelivery,
  report,
  retryAt,
  SUCCEEDED,
} from './store-fixtures.contract.js'

/** The dispatcher's queue: claims and leases, attempts and their outcomes, and manual re-queues. */
export function describeQueue(current: CurrentStore): void {
  describeClaims(current)
  describeOutcomes(current)
  describeRequeues(current)
}

function describeClaims(current: CurrentStore): void {
  describe('claimDue', () => {
    it('hands out a due delivery with everything one attempt needs', async () => {
      const store = current()
      const { endpoint, event, delivery } = await oneDelivery(store, {
        url: 'https://agents.example.com/orders',
        headers: { 'x-tenant': 'acme' },
        secret: 'whsec_b25l',
      })
      expect(await claimOne(store, 'w1', Date.now())).toEqual({
        deliveryId: delivery.id,
        eventId: event.id,
        eventType: 'order.shipped',
        endpointId: endpoint.id,
        url: 'https://agents.example.com/orders',
        headers: { 'x-tenant': 'acme' },
        secrets: ['whsec_b25l'],
        body: JSON.stringify(event),
        attemptCount: 0,
        finalAttempt: false,
        endpointFailingSinceMs: null,
      } satisfies ClaimedDelivery)
    })

    it('hands out only deliveries that are due by nowMs', async () => {
      const store = current()
      const { event } = await oneDelivery(store)
      expect(await store.claimDue('w1', 10, Date.parse(event.timestamp) - 1, LEASE_MS)).toEqual([])
      expect(await store.claimDue('w1', 10, Date.now(), LEASE_MS)).toHaveLength(1)
    })

    it('hands out at most `limit` deliveries, never one twice', async () => {
      const store = current()
      await store.createEndpoint(endpointInput())
      for (let n = 0; n < 5; n++) await store.publish({ type: 'order.shipped', data: { n } })
      const now = Date.now()
      const batches = [
        await store.claimDue('w1', 2, now, LEASE_MS),
        await store.claimDue('w2', 2, now, LEASE_MS),
        await store.claimDue('w1', 2, now, LEASE_MS),
        await store.claimDue('w2', 2, now, LEASE_MS),
      ]
      expect(batches.map((batch) => batch.length)).toEqual([2, 2, 1, 0])
      expect(new Set(batches.flat().map((claimed) => claimed.deliveryId)).size).toBe(5)
    })

    it('keeps a claimed delivery leased until the lease expires, then hands it to another worker', async () => {
      const store = current()
      await oneDelivery(store)
      const now = Date.now()
      const first = await claimOne(store, 'w1', now)
      expect(await store.claimDue('w1', 10, now, LEASE_MS)).toEqual([])
      expect(await store.claimDue('w2', 10, now + LEASE_MS - 1, LEASE_MS)).toEqual([])
      expect(await store.getDelivery(first.deliveryId)).toMatchObject({ status: 'pending', attemptCount: 0 })
      const second = await claimOne(store, 'w2', now + LEASE_MS)
      expect(second).toEqual(first)
    })

    it('fences off a worker whose lease expired and was taken over: its report changes nothing', async () => {
      const store = current()
      const { delivery } = await oneDelivery(store)
      const now = Date.now()
      const stale = await claimOne(store, 'w1', now)
      const fresh = await claimOne(store, 'w2', now + LEASE_MS)
      expect(await store.recordAttempt(report(stale, 'w1', SUCCEEDED, { atMs: now + LEASE_MS + 5 }))).toBe(
        false,
      )
      expect(await store.getDelivery(delivery.id)).toMatchObject({
        status: 'pending',
        attemptCount: 0,
        attempts: [],
      })
      expect(await store.recordAttempt(report(fresh, 'w2', retryAt(now + 2 * LEASE_MS)))).toBe(true)
      expect(await store.getDelivery(delivery.id)).toMatchObject({ status: 'pending', attemptCount: 1 })
      // The lease ends with the report: a repeated report is fenced off too.
      expect(await store.recordAttempt(report(fresh, 'w2', SUCCEEDED))).toBe(false)
      expect(await store.recordAttempt(report(fresh, 'w3', SUCCEEDED))).toBe(false)
      expect(await store.recordAttempt(report({ deliveryId: 'dlv_missing' }, 'w2', SUCCEEDED))).toBe(false)
      expect(await store.getDelivery(delivery.id)).toMatchObject({ status: 'pending', attemptCount: 1 })
    })

    it('reads the endpoint at claim time, so an updated URL or header applies to retries', async () => {
      const store = current()
      const { endpoint } = await oneDelivery(store)
      await store.updateEndpoint(endpoint.id, {
        url: 'https://moved.example.com/in',
        headers: { 'x-v': '2' },
      })
      expect(await claimOne(store, 'w1', Date.now())).toMatchObject({
        url: 'https://moved.example.com/in',
        headers: { 'x-v': '2' },
      })
    })

    it('does not hand out a delivery whose endpoint was disabled while it was leased', async () => {
      const store = current()
      const { endpoint, delivery } = await oneDelivery(store)
      const now = Date.now()
      await claimOne(store, 'w1', now)
      await store.updateEndpoint(endpoint.id, { disabled: true })
      // w1 died: its lease runs out on a disabled endpoint.
      expect(await store.claimDue('w2', 10, now + LEASE_MS, LEASE_MS)).toEqual([])
      expect(await store.getDelivery(delivery.id)).toMatchObject({ status: 'failed', nextAttemptAt: null })
    })

    it('releases leases so the deliveries are due at once, but only the owner can release', async () => {
      const store = current()
      const { delivery } = await oneDelivery(store)
      const claimed = await claimOne(store, 'w1', Date.now())
      await store.releaseLeases('w2', [claimed.deliveryId])
      expect(await store.claimDue('w2', 10, Date.now(), LEASE_MS)).toEqual([])
      await store.releaseLeases('w1', [claimed.deliveryId])
      const again = await claimOne(store, 'w2', Date.now())
      expect(again).toMatchObject({ deliveryId: delivery.id, attemptCount: 0 })
      expect(await store.getDelivery(delivery.id)).toMatchObject({ status: 'pending', attempts: [] })
      // w1 gave the lease away: it can no longer report on it.
      expect(await store.recordAttempt(report(claimed, 'w1', SUCCEEDED))).toBe(false)
    })

    it('renews the leases a worker holds (heartbeat), so no one else claims them meanwhile', async () => {
      const store = current()
      const { delivery } = await oneDelivery(store)
      await store.publish({ type: 'order.paid', data: {} })
      const now = Date.now()
      const [held, settled] = await store.claimDue('w1', 10, now, LEASE_MS)
      if (!held || !settled) throw new Error('expected two claims')
      await store.recordAttempt(report(settled, 'w1', SUCCEEDED))
      const renewedAt = now + LEASE_MS - 1
      // Settled, unknown and never-held deliveries are not renewed.
      expect(
        await store.renewLeases(
          'w1',
          [held.deliveryId, settled.deliveryId, 'dlv_missing'],
          renewedAt,
          LEASE_MS,
        ),
      ).toEqual([held.deliveryId])
      expect(await store.claimDue('w2', 10, now + LEASE_MS, LEASE_MS)).toEqual([])
      expect(await store.claimDue('w2', 10, renewedAt + LEASE_MS - 1, LEASE_MS)).toEqual([])
      expect(await claimOne(store, 'w2', renewedAt + LEASE_MS)).toMatchObject({ deliveryId: held.deliveryId })
      expect(await store.getDelivery(delivery.id)).toMatchObject({ status: 'pending' })
    })

    it('fences off a heartbeat from a worker whose lease was taken over', async () => {
      const store = current()
      await oneDelivery(store)
      const now = Date.now()
      const stale = await claimOne(store, 'w1', now)
      await claimOne(store, 'w2', now + LEASE_MS)
      // w1 comes back after its lease expired: its heartbeat must not steal w2's lease back...
      expect(await store.renewLeases('w1', [stale.deliveryId], now + LEASE_MS + 1, 10 * LEASE_MS)).toEqual([])
      // ...nor move w2's lease: it still expires when w2's claim said.
      expect(await store.nextDueAtMs()).toBe(now + 2 * LEASE_MS)
      expect(await store.renewLeases('w2', [stale.deliveryId], now + LEASE_MS + 1, LEASE_MS)).toEqual([
        stale.deliveryId,
      ])
    })

    it('says when the earliest pending delivery is due', async () => {
      const store = current()
      expect(await store.nextDueAtMs()).toBeNull()
      const before = Date.now()
      await oneDelivery(store)
      const due = await store.nextDueAtMs()
      expect(due).toBeGreaterThanOrEqual(before)
      expect(due).toBeLessThanOrEqual(Date.now())
      const now = Date.now()
      const claimed = await claimOne(store, 'w1', now)
      // A leased delivery is due again when its lease expires.
      expect(await store.nextDueAtMs()).toBe(now + LEASE_MS)
      await store.recordAttempt(report(claimed, 'w1', retryAt(now + 5_000)))
      expect(await store.nextDueAtMs()).toBe(now + 5_000)
      await store.recordAttempt(report(await claimOne(store, 'w1', now + 5_000), 'w1', SUCCEEDED))
      expect(await store.nextDueAtMs()).toBeNull()
    })

    it('tells listeners after a publish commits, until they unsubscribe', async () => {
      const store = current()
      await store.createEndpoint(endpointInput())
      let unsubscribedCalls = 0
      store.onDeliveriesQueued(() => unsubscribedCalls++)()
      // Claiming from inside the listener proves the deliveries were committed before it ran.
      const claimedInListener = new Promise<ClaimedDelivery[]>((resolve) => {
        const unsubscribe = store.onDeliveriesQueued(() => {
          unsubscribe()
          resolve(store.claimDue('w1', 10, Date.now(), LEASE_MS))
        })
      })
      const { event } = await store.publish({ type: 'order.shipped', data: {} })
      expect(await claimedInListener).toMatchObject([{ eventId: event.id }])
      expect(unsubscribedCalls).toBe(0)
    })
  })
}

function describeOutcomes(current: CurrentStore): void {
  describe('recordAttempt', () => {
    it('settles a success: no more attempts, and the attempt is logged', async () => {
      const store = current()
      const { delivery } = await oneDelivery(store)
      const now = Date.now()
      const claimed = await claimOne(store, 'w1', now)
      const recorded = await store.recordAttempt(
        report(claimed, 'w1', SUCCEEDED, { atMs: now + 1, durationMs: 42, responseBody: 'thanks' }),
      )
      expect(recorded).toBe(true)
      expect(await store.getDelivery(delivery.id)).toMatchObject({
        status: 'succeeded',
        attemptCount: 1,
        nextAttemptAt: null,
        lastStatusCode: 200,
        lastError: null,
        attempts: [
          {
            id: expect.stringMatching(/^att_/),
            at: new Date(now + 1).toISOString(),
            status: 'succeeded',
            statusCode: 200,
            durationMs: 42,
            responseBody: 'thanks',
          },
        ],
      })
      expect(await store.claimDue('w1', 10, now + 100 * LEASE_MS, LEASE_MS)).toEqual([])
    })

    it('reschedules a pending outcome: due exactly at nextAttemptAtMs, not before', async () => {
      const store = current()
      const { delivery } = await oneDelivery(store)
      const now = Date.now()
      const claimed = await claimOne(store, 'w1', now)
      const refused = { statusCode: null, error: 'ECONNREFUSED', responseBody: null }
      expect(await store.recordAttempt(report(claimed, 'w1', retryAt(now + 5_000), refused))).toBe(true)
      expect(await store.getDelivery(delivery.id)).toMatchObject({
        status: 'pending',
        attemptCount: 1,
        nextAttemptAt: new Date(now + 5_000).toISOString(),
        lastStatusCode: null,
        lastError: 'ECONNREFUSED',
      })
      expect(await store.claimDue('w1', 10, now + 4_999, LEASE_MS)).toEqual([])
      expect(await claimOne(store, 'w2', now + 5_000)).toMatchObject({ attemptCount: 1, finalAttempt: false })
    })

    it('logs every attempt in order', async () => {
      const store = current()
      const { delivery } = await oneDelivery(store)
      const t = Date.now()
      const steps: [number, Partial<AttemptReport>, Outcome][] = [
        [t, { statusCode: 503, responseBody: 'busy' }, retryAt(t + 1_000)],
        [t + 1_000, { statusCode: null, error: 'timeout', responseBody: null }, retryAt(t + 2_000)],
        [t + 2_000, { statusCode: 204, responseBody: null }, SUCCEEDED],
      ]
      for (const [atMs, fields, outcome] of steps) {
        const claimed = await claimOne(store, 'w1', atMs)
        expect(await store.recordAttempt(report(claimed, 'w1', outcome, { atMs, ...fields }))).toBe(true)
      }
      const { attempts } = (await store.getDelivery(delivery.id)) ?? { attempts: [] }
      expect(attempts).toEqual([
        {
          id: expect.any(String),
          at: new Date(t).toISOString(),
          status: 'failed',
          statusCode: 503,
          durationMs: 12,
          responseBody: 'busy',
        },
        {
          id: expect.any(String),
          at: new Date(t + 1_000).toISOString(),
          status: 'failed',
          statusCode: null,
          durationMs: 12,
          error: 'timeout',
        },
        {
          id: expect.any(String),
          at: new Date(t + 2_000).toISOString(),
          status: 'succeeded',
          statusCode: 204,
          durationMs: 12,
        },
      ])
      expect(new Set(attempts.map((attempt) => attempt.id)).size).toBe(3)
      expect(attempts.every((attempt) => ISO_TIMESTAMP.test(attempt.at))).toBe(true)
    })

    it('remembers since when an endpoint has been failing, until a success', async () => {
      const store = current()
      await store.createEndpoint(endpointInput())
      for (let n = 0; n < 3; n++) await store.publish({ type: 'order.shipped', data: { n } })
      const t = Date.now()
      const claimed = await store.claimDue('w1', 3, t, LEASE_MS)
      expect(claimed).toHaveLength(3)
      const [a, b, c] = claimed as [ClaimedDelivery, ClaimedDelivery, ClaimedDelivery]
      await store.recordAttempt(report(a, 'w1', retryAt(t + 10_000), { atMs: t }))
      await store.recordAttempt(report(b, 'w1', retryAt(t + 10_000), { atMs: t + 500 }))
      // The run of failures began at the first one.
      const retried = await store.claimDue('w1', 1, t + 10_000, LEASE_MS)
      expect(retried).toMatchObject([{ endpointFailingSinceMs: t }])
      await store.recordAttempt(report(c, 'w1', SUCCEEDED, { atMs: t + 1_000 }))
      expect(await claimOne(store, 'w1', t + 10_000)).toMatchObject({ endpointFailingSinceMs: null })
    })

    it('exhausts a delivery and emits delivery.exhausted', async () => {
      const store = current()
      const watcher = await store.createEndpoint(endpointInput({ eventTypes: ['delivery.exhausted'] }))
      const { endpoint, event, delivery } = await oneDelivery(store)
      const now = Date.now()
      const claimed = await claimOne(store, 'w1', now)
      expect(
        await store.recordAttempt(report(claimed, 'w1', EXHAUSTED, { statusCode: 500, error: 'HTTP 500' })),
      ).toBe(true)
      expect(await store.getDelivery(delivery.id)).toMatchObject({
        status: 'exhausted',
        nextAttemptAt: null,
        attemptCount: 1,
      })
      const notices = await eventsOfType(store, 'delivery.exhausted')
      expect(notices.map((notice) => notice.data)).toEqual([
        {
          deliveryId: delivery.id,
          eventId: event.id,
          eventType: 'order.shipped',
          endpointId: endpoint.id,
          attemptCount: 1,
          lastStatusCode: 500,
          lastError: 'HTTP 500',
        } satisfies ExhaustedDeliveryData,
      ])
      expect(await onlyDelivery(store, notices[0]?.id ?? '')).toMatchObject({ endpointId: watcher.id })
      expect(await store.claimDue('w1', 10, now + 100 * LEASE_MS, LEASE_MS)).toMatchObject([
        { eventType: 'delivery.exhausted' },
      ])
    })

    it('does not emit delivery.exhausted about an exhausted delivery.exhausted event', async () => {
      const store = current()
      await store.createEndpoint(endpointInput())
      await store.publish({ type: 'order.shipped', data: {} })
      const now = Date.now()
      await store.recordAttempt(report(await claimOne(store, 'w1', now), 'w1', EXHAUSTED, { atMs: now }))
      const notice = await claimOne(store, 'w1', now)
      expect(notice.eventType).toBe('delivery.exhausted')
      expect(await store.recordAttempt(report(notice, 'w1', EXHAUSTED))).toBe(true)
      expect(await eventsOfType(store, 'delivery.exhausted')).toHaveLength(1)
      expect(await store.claimDue('w1', 10, now + 100 * LEASE_MS, LEASE_MS)).toEqual([])
    })

    it('fails a delivery and disables its endpoint when the outcome says gone', async () => {
      const store = current()
      const { endpoint } = await oneDelivery(store)
      await store.publish({ type: 'order.paid', data: {} })
      const now = Date.now()
      const [claimed] = await store.claimDue('w1', 1, now, LEASE_MS)
      if (!claimed) throw new Error('nothing was claimed')
      const gone: Outcome = { status: 'failed', disableEndpoint: 'gone' }
      expect(await store.recordAttempt(report(claimed, 'w1', gone, { statusCode: 410 }))).toBe(true)
      expect(await store.getDelivery(claimed.deliveryId)).toMatchObject({
        status: 'failed',
        lastStatusCode: 410,
      })
      expect(await store.getEndpoint(endpoint.id)).toMatchObject({ disabled: true, disabledReason: 'gone' })
      const notices = await eventsOfType(store, 'endpoint.disabled')
      expect(notices.map((notice) => notice.data)).toEqual([
        { endpointId: endpoint.id, url: endpoint.url, reason: 'gone' } satisfies DisabledEndpointData,
      ])
      // The endpoint's other delivery, which nobody held, fails with it.
      const { data } = await store.listDeliveries({ limit: 10, endpointId: endpoint.id, status: 'pending' })
      expect(data).toEqual([])
      expect(await store.claimDue('w1', 10, now + 100 * LEASE_MS, LEASE_MS)).toEqual([])
    })

    it('fails a delivery without touching the endpoint when the outcome is a plain failure', async () => {
      const store = current()
      const { endpoint, delivery } = await oneDelivery(store)
      const claimed = await claimOne(store, 'w1', Date.now())
      expect(await store.recordAttempt(report(claimed, 'w1', FAILED))).toBe(true)
      expect(await store.getDelivery(delivery.id)).toMatchObject({ status: 'failed', attemptCount: 1 })
      expect(await store.getEndpoint(endpoint.id)).toMatchObject({ disabled: false })
      expect((await store.listEvents({ limit: 10 })).data).toHaveLength(1)
    })
  })
}

function describeRequeues(current: CurrentStore): void {
  describe('retryDelivery', () => {
    it('brings a scheduled delivery forward, keeping it an ordinary attempt', async () => {
      const store = current()
      const { delivery } = await oneDelivery(store)
      const now = Date.now()
      await store.recordAttempt(report(await claimOne(store, 'w1', now), 'w1', retryAt(now + 3_600_000)))
      const retried = await store.retryDelivery(delivery.id)
      expect(retried).toMatchObject({ id: delivery.id, status: 'pending', attemptCount: 1 })
      expect(Date.parse(retried?.nextAttemptAt ?? '')).toBeLessThanOrEqual(Date.now())
      expect(await claimOne(store, 'w2', Date.now())).toMatchObject({ attemptCount: 1, finalAttempt: false })
      expect(await store.retryDelivery('dlv_missing')).toBeNull()
    })

    it.each([
      ['exhausted', EXHAUSTED],
      ['failed', FAILED],
      ['succeeded', SUCCEEDED],
    ])('gives a delivery that is %s exactly one more attempt', async (status, outcome) => {
      const store = current()
      const { delivery } = await oneDelivery(store)
      await store.recordAttempt(report(await claimOne(store, 'w1', Date.now()), 'w1', outcome))
      expect(await store.getDelivery(delivery.id)).toMatchObject({ status })
      expect(await store.retryDelivery(delivery.id)).toMatchObject({ status: 'pending', attemptCount: 1 })
      // Manual retries and recoveries make one attempt: the dispatcher reads finalAttempt.
      const now = Date.now()
      const claimed = await claimOne(store, 'w2', now)
      expect(claimed).toMatchObject({ deliveryId: delivery.id, attemptCount: 1, finalAttempt: true })
      expect(await store.recordAttempt(report(claimed, 'w2', FAILED))).toBe(true)
      expect(await store.getDelivery(delivery.id)).toMatchObject({ status: 'failed', attemptCount: 2 })
      expect(await store.claimDue('w2', 10, now + 100 * LEASE_MS, LEASE_MS)).toEqual([])
    })

    it('leaves a delivery in flight alone: the attempt under way is not discarded or doubled', async () => {
      const store = current()
      const { delivery } = await oneDelivery(store)
      const now = Date.now()
      const claimed = await claimOne(store, 'w1', now)
      expect(await store.retryDelivery(delivery.id)).toMatchObject({ status: 'pending', attemptCount: 0 })
      expect(await store.claimDue('w2', 10, Date.now(), LEASE_MS)).toEqual([])
      expect(await store.recordAttempt(report(claimed, 'w1', SUCCEEDED))).toBe(true)
      expect(await store.getDelivery(delivery.id)).toMatchObject({ status: 'succeeded', attemptCount: 1 })
    })
  })

  describe('recoverEndpoint', () => {
    it("re-queues the endpoint's failed and exhausted deliveries created since a time, once each", async () => {
      const store = current()
      const endpoint = await store.createEndpoint(endpointInput({ eventTypes: ['order.*'] }))
      const other = await store.createEndpoint(endpointInput({ eventTypes: ['order.*'] }))
      const early = await store.publish({ type: 'order.early', data: {} })
      await nextMillisecond(Date.parse(early.event.timestamp))
      const types = ['order.failed', 'order.exhausted', 'order.succeeded', 'order.pending']
      const events = []
      for (const type of types) events.push((await store.publish({ type, data: {} })).event)
      const sinceMs = Date.parse(events[0]?.timestamp ?? '')

      const now = Date.now()
      const outcomes: Record<string, Outcome> = {
        'order.early': FAILED,
        'order.failed': FAILED,
        'order.exhausted': EXHAUSTED,
        'order.succeeded': SUCCEEDED,
        'order.pending': retryAt(now + 3_600_000),
      }
      const claimed = await store.claimDue('w1', 20, now, LEASE_MS)
      expect(claimed).toHaveLength(10)
      for (const delivery of claimed) {
        const outcome = delivery.endpointId === other.id ? FAILED : (outcomes[delivery.eventType] ?? FAILED)
        await store.recordAttempt(report(delivery, 'w1', outcome))
      }

      expect(await store.recoverEndpoint(endpoint.id, sinceMs)).toBe(2)
      const recovered = await store.claimDue('w2', 20, Date.now(), LEASE_MS)
      expect(recovered.map((delivery) => delivery.eventType).sort()).toEqual([
        'order.exhausted',
        'order.failed',
      ])
      for (const delivery of recovered) {
        expect(delivery).toMatchObject({ endpointId: endpoint.id, attemptCount: 1, finalAttempt: true })
      }
      const statusOf = async (eventId: string, endpointId: string) =>
        (await store.listDeliveries({ limit: 1, eventId, endpointId })).data[0]?.status
      expect(await statusOf(early.event.id, endpoint.id)).toBe('failed')
      expect(await statusOf(events[0]?.id ?? '', other.id)).toBe('failed')
      expect(await statusOf(events[2]?.id ?? '', endpoint.id)).toBe('succeeded')
      expect(await statusOf(events[3]?.id ?? '', endpoint.id)).toBe('pending')
      expect(await store.recoverEndpoint('ep_missing', 0)).toBe(0)
    })
  })
}
