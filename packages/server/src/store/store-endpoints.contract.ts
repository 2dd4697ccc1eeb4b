import { describe, expect, it } from 'vitest'
import type { DisabledEndpointData } from '../core/operational-events.js'
import type { Endpoint } from '../core/types.js'
import {
  allPages,
  type CurrentStore,
  claimOne,
  endpointInput,
  eventsOfType,
  ISO_TIMESTAMP,
  LEASE_MS,
  nextMillisecond,
  oneDelivery,
  report,
  retryAt,
} from './store-fixtures.contract.js'

/** Endpoints: CRUD, secrets and what disabling, re-enabling and deleting do to deliveries. */
export function describeEndpoints(current: CurrentStore): void {
  describe('endpoints', () => {
    it('creates an endpoint with defaults and reads it back', async () => {
      const store = current()
      const created = await store.createEndpoint(endpointInput())
      expect(created).toEqual({
        id: expect.stringMatching(/^ep_/),
        url: 'https://hooks.example.com/in',
        description: null,
        eventTypes: null,
        headers: {},
        disabled: false,
        disabledReason: null,
        createdAt: expect.stringMatching(ISO_TIMESTAMP),
        updatedAt: expect.stringMatching(ISO_TIMESTAMP),
      })
      expect(await store.getEndpoint(created.id)).toEqual(created)
      expect(await store.getEndpoint('ep_missing')).toBeNull()
    })

    it('keeps every field given at creation, and never shows the secret', async () => {
      const store = current()
      const input = endpointInput({
        url: 'https://agents.example.com/hook',
        description: 'order agent',
        eventTypes: ['order.*', 'invoice.paid'],
        headers: { 'x-tenant': 'acme' },
        disabled: true,
        secret: 'whsec_bm90LWluLXRoZS1lbmRwb2ludA==',
      })
      const created = await store.createEndpoint(input)
      expect(created).toMatchObject({
        url: input.url,
        description: 'order agent',
        eventTypes: ['order.*', 'invoice.paid'],
        headers: { 'x-tenant': 'acme' },
        disabled: true,
      })
      const read = await store.getEndpoint(created.id)
      expect(read).toEqual(created)
      expect(JSON.stringify(read)).not.toContain(input.secret)
      expect(JSON.stringify(await store.listEndpoints({ limit: 10 }))).not.toContain(input.secret)
    })

    it('lists endpoints newest first, page by page', async () => {
      const store = current()
      const ids: string[] = []
      for (let i = 0; i < 5; i++) ids.push((await store.createEndpoint(endpointInput())).id)
      const listed = await allPages<Endpoint>(2, (page) => store.listEndpoints(page))
      expect(listed.map((endpoint) => endpoint.id)).toEqual([...ids].reverse())
      expect((await store.listEndpoints({ limit: 3 })).data.map((endpoint) => endpoint.id)).toEqual(
        ids.slice(2).reverse(),
      )
    })

    it('updates each field on its own and leaves the others alone', async () => {
      const store = current()
      const created = await store.createEndpoint(
        endpointInput({ description: 'd', eventTypes: ['order.*'], headers: { a: '1' } }),
      )
      await nextMillisecond(Date.parse(created.updatedAt))

      const url = await store.updateEndpoint(created.id, { url: 'https://new.example.com/hook' })
      expect(url).toMatchObject({
        url: 'https://new.example.com/hook',
        description: 'd',
        eventTypes: ['order.*'],
      })
      expect(Date.parse(url?.updatedAt ?? '')).toBeGreaterThan(Date.parse(created.updatedAt))
      expect(url?.createdAt).toBe(created.createdAt)

      expect(await store.updateEndpoint(created.id, { description: 'new' })).toMatchObject({
        description: 'new',
      })
      expect(await store.updateEndpoint(created.id, { description: null })).toMatchObject({
        description: null,
      })
      expect(await store.updateEndpoint(created.id, { eventTypes: ['invoice.*'] })).toMatchObject({
        eventTypes: ['invoice.*'],
      })
      expect(await store.updateEndpoint(created.id, { eventTypes: null })).toMatchObject({ eventTypes: null })
      expect(await store.updateEndpoint(created.id, { headers: { b: '2' } })).toMatchObject({
        headers: { b: '2' },
      })

      const final = await store.getEndpoint(created.id)
      expect(final).toMatchObject({
        url: 'https://new.example.com/hook',
        description: null,
        eventTypes: null,
        headers: { b: '2' },
        disabled: false,
      })
      expect(await store.updateEndpoint('ep_missing', { description: 'x' })).toBeNull()
    })

    it('routes events by the updated event types', async () => {
      const store = current()
      const endpoint = await store.createEndpoint(endpointInput({ eventTypes: ['order.*'] }))
      await store.updateEndpoint(endpoint.id, { eventTypes: ['invoice.paid'] })
      const order = await store.publish({ type: 'order.shipped', data: {} })
      const invoice = await store.publish({ type: 'invoice.paid', data: {} })
      expect((await store.listDeliveries({ limit: 10, eventId: order.event.id })).data).toEqual([])
      expect((await store.listDeliveries({ limit: 10, eventId: invoice.event.id })).data).toHaveLength(1)
    })

    it('disabling fails pending deliveries nobody holds, emits endpoint.disabled and stops fan-out', async () => {
      const store = current()
      const watcher = await store.createEndpoint(endpointInput({ eventTypes: ['endpoint.*'] }))
      const { endpoint, event: first } = await oneDelivery(store)
      const { event: second } = await store.publish({ type: 'order.paid', data: {} })
      const now = Date.now()
      // Claim one of the two: the other stays unleased.
      const held = (await store.claimDue('w1', 1, now, LEASE_MS))[0]
      if (!held) throw new Error('nothing was claimed')
      const unleased = held.eventId === first.id ? second : first

      const disabled = await store.updateEndpoint(endpoint.id, { disabled: true })
      expect(disabled).toMatchObject({ disabled: true, disabledReason: 'manual' })
      expect((await store.listDeliveries({ limit: 10, eventId: unleased.id })).data).toMatchObject([
        { status: 'failed', nextAttemptAt: null },
      ])
      // The delivery in flight is settled by its own attempt, which cannot reschedule it.
      expect(await store.getDelivery(held.deliveryId)).toMatchObject({ status: 'pending' })
      expect(await store.recordAttempt(report(held, 'w1', retryAt(now + 5_000)))).toBe(true)
      expect(await store.getDelivery(held.deliveryId)).toMatchObject({ status: 'failed', attemptCount: 1 })

      const notices = await eventsOfType(store, 'endpoint.disabled')
      expect(notices.map((event) => event.data)).toEqual([
        { endpointId: endpoint.id, url: endpoint.url, reason: 'manual' } satisfies DisabledEndpointData,
      ])
      // An operational event is an ordinary event: the endpoint subscribed to it is owed it.
      const notice = notices[0]
      expect((await store.listDeliveries({ limit: 10, eventId: notice?.id ?? '' })).data).toMatchObject([
        { endpointId: watcher.id, status: 'pending' },
      ])

      const later = await store.publish({ type: 'order.shipped', data: {} })
      expect((await store.listDeliveries({ limit: 10, eventId: later.event.id })).data).toEqual([])
      // Disabling again changes nothing and says nothing.
      await store.updateEndpoint(endpoint.id, { disabled: true })
      expect(await eventsOfType(store, 'endpoint.disabled')).toHaveLength(1)
    })

    it('re-enabling clears the reason and resumes fan-out, leaving failed deliveries failed', async () => {
      const store = current()
      const { endpoint, delivery } = await oneDelivery(store)
      await store.updateEndpoint(endpoint.id, { disabled: true })
      const enabled = await store.updateEndpoint(endpoint.id, { disabled: false })
      expect(enabled).toMatchObject({ disabled: false, disabledReason: null })
      expect(await store.getDelivery(delivery.id)).toMatchObject({ status: 'failed' })
      const { event } = await store.publish({ type: 'order.shipped', data: {} })
      expect((await store.listDeliveries({ limit: 10, eventId: event.id })).data).toMatchObject([
        { endpointId: endpoint.id, status: 'pending' },
      ])
    })

    it('deleting removes the endpoint and its deliveries, and nothing else', async () => {
      const store = current()
      const { endpoint, event, delivery } = await oneDelivery(store)
      const other = await store.createEndpoint(endpointInput())
      const { event: second } = await store.publish({ type: 'order.paid', data: {} })
      const now = Date.now()
      await store.claimDue('w1', 10, now, LEASE_MS)

      expect(await store.deleteEndpoint(endpoint.id)).toBe(true)
      expect(await store.getEndpoint(endpoint.id)).toBeNull()
      expect(await store.getDelivery(delivery.id)).toBeNull()
      expect((await store.listDeliveries({ limit: 10, endpointId: endpoint.id })).data).toEqual([])
      expect(await store.getEvent(event.id)).toEqual(event)
      expect((await store.listDeliveries({ limit: 10, eventId: second.id })).data).toMatchObject([
        { endpointId: other.id },
      ])
      // The worker that held the deleted delivery has nothing left to record.
      expect(await store.recordAttempt(report({ deliveryId: delivery.id }, 'w1', retryAt(now)))).toBe(false)
      expect(await store.deleteEndpoint(endpoint.id)).toBe(false)
      const { event: third } = await store.publish({ type: 'order.shipped', data: {} })
      expect((await store.listDeliveries({ limit: 10, eventId: third.id })).data).toMatchObject([
        { endpointId: other.id },
      ])
    })
  })

  describe('endpoint secrets', () => {
    it('returns the plaintext secret of an endpoint, and null for an unknown one', async () => {
      const store = current()
      const endpoint = await store.createEndpoint(endpointInput({ secret: 'whsec_Zmlyc3Q=' }))
      expect(await store.getEndpointSecrets(endpoint.id)).toEqual([{ secret: 'whsec_Zmlyc3Q=' }])
      expect(await store.getEndpointSecrets('ep_missing')).toBeNull()
      expect(await store.rotateEndpointSecret('ep_missing', 'whsec_x', Date.now() + 1_000)).toBe(false)
    })

    it('keeps the previous secret signing beside the new one until it expires', async () => {
      const store = current()
      const { endpoint } = await oneDelivery(store, { secret: 'whsec_old' })
      const expiresAtMs = Date.now() + 86_400_000
      expect(await store.rotateEndpointSecret(endpoint.id, 'whsec_new', expiresAtMs)).toBe(true)
      expect(await store.getEndpointSecrets(endpoint.id)).toEqual([
        { secret: 'whsec_new' },
        { secret: 'whsec_old', expiresAtMs },
      ])
      // The dispatcher signs with the live secrets at the claim's time: both before the expiry...
      const now = Date.now()
      const claimed = await claimOne(store, 'w1', now)
      expect(claimed.secrets).toEqual(['whsec_new', 'whsec_old'])
      await store.recordAttempt(report(claimed, 'w1', retryAt(expiresAtMs)))
      // ...and only the new one from the expiry on.
      expect((await claimOne(store, 'w1', expiresAtMs)).secrets).toEqual(['whsec_new'])
    })

    it('keeps credentials in a URL out of every read but the claim, and survives a re-seal', async () => {
      const store = current()
      const url = 'amqp://hookline:s3cret-pw@broker.example.com:5672/%2F?exchange=events'
      const { endpoint } = await oneDelivery(store, { url })
      const redacted = 'amqp://hookline:***@broker.example.com:5672/%2F?exchange=events'
      expect(endpoint.url).toBe(redacted)
      expect((await store.getEndpoint(endpoint.id))?.url).toBe(redacted)
      expect((await store.listEndpoints({ limit: 10 })).data.map((e) => e.url)).toEqual([redacted])
      // A PATCH that sends the redacted URL back keeps the real one.
      await store.updateEndpoint(endpoint.id, { url: redacted, description: 'orders' })
      // Re-sealing (hookline rotate-encryption-key) re-encrypts the URL with the secrets.
      expect(await store.resealSecrets((sealed) => sealed)).toBeGreaterThan(0)
      expect((await claimOne(store, 'w1', Date.now())).url).toBe(url)
    })

    it('stores a new URL given in a PATCH, with or without credentials', async () => {
      const store = current()
      const { endpoint } = await oneDelivery(store, { url: 'redis://:pw-one@cache.example.com:6379/0' })
      const patched = await store.updateEndpoint(endpoint.id, {
        url: 'redis://:pw-two@cache.example.com:6379/1',
      })
      expect(patched?.url).toBe('redis://:***@cache.example.com:6379/1')
      const claimed = await claimOne(store, 'w1', Date.now())
      expect(claimed.url).toBe('redis://:pw-two@cache.example.com:6379/1')
      await store.recordAttempt(report(claimed, 'w1', retryAt(Date.now())))
      await store.updateEndpoint(endpoint.id, { url: 'https://hooks.example.com/plain' })
      expect((await store.getEndpoint(endpoint.id))?.url).toBe('https://hooks.example.com/plain')
      expect((await claimOne(store, 'w1', Date.now() + 1)).url).toBe('https://hooks.example.com/plain')
    })

    it('keeps each rotated secret until its own expiry, and drops expired ones', async () => {
      const store = current()
      const endpoint = await store.createEndpoint(endpointInput({ secret: 'whsec_a' }))
      const firstExpiry = Date.now() + 60_000
      const secondExpiry = Date.now() + 120_000
      await store.rotateEndpointSecret(endpoint.id, 'whsec_b', firstExpiry)
      await store.rotateEndpointSecret(endpoint.id, 'whsec_c', secondExpiry)
      expect(await store.getEndpointSecrets(endpoint.id)).toEqual([
        { secret: 'whsec_c' },
        { secret: 'whsec_b', expiresAtMs: secondExpiry },
        { secret: 'whsec_a', expiresAtMs: firstExpiry },
      ])
      // A previous secret that expires at once is gone straight away.
      await store.rotateEndpointSecret(endpoint.id, 'whsec_d', Date.now() - 1)
      expect(await store.getEndpointSecrets(endpoint.id)).toEqual([
        { secret: 'whsec_d' },
        { secret: 'whsec_b', expiresAtMs: secondExpiry },
        { secret: 'whsec_a', expiresAtMs: firstExpiry },
      ])
    })
  })
}
