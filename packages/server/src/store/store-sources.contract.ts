import { describe, expect, it } from 'vitest'
import { ConflictError } from '../core/errors.js'
import type { Source, VerifierConfig } from '../core/types.js'
import type { IngestRequest, Store } from './store.js'
import {
  allPages,
  type CurrentStore,
  claimOne,
  endpointInput,
  ISO_TIMESTAMP,
  nextMillisecond,
} from './store-fixtures.contract.js'

/** Inbound sources: definitions, ingest with dedupe, the rejection log and the counters. */
export function describeSources(current: CurrentStore): void {
  describeSourceDefinitions(current)
  describeIngest(current)
  describeRejections(current)
}

const STRIPE: VerifierConfig = {
  scheme: 'stripe',
  secrets: ['whsec_c3RyaXBlLXNlY3JldA=='],
  toleranceSeconds: 300,
}

async function stripeSource(store: Store, name = 'stripe'): Promise<Source> {
  return store.createSource({ name, verifier: STRIPE })
}

function ingestRequest(source: Source, overrides: Partial<IngestRequest> = {}): IngestRequest {
  return {
    sourceId: source.id,
    sourceName: source.name,
    type: `${source.name}.charge.succeeded`,
    data: { object: 'charge', amount: 1200 },
    dedupeKey: 'evt_provider_1',
    dedupeUntilMs: Date.now() + 7 * 86_400_000,
    headers: { 'stripe-event-id': 'evt_provider_1' },
    ...overrides,
  }
}

function describeSourceDefinitions(current: CurrentStore): void {
  describe('sources', () => {
    it('creates a source and finds it by id and by name, never showing its secrets', async () => {
      const store = current()
      const created = await store.createSource({
        name: 'github',
        verifier: { scheme: 'github', secrets: ['gh-secret-value'] },
        eventType: { header: 'x-github-event' },
        idempotencyKey: { header: 'x-github-delivery' },
      })
      expect(created).toEqual({
        id: expect.stringMatching(/^src_/),
        name: 'github',
        verifier: { scheme: 'github' },
        eventType: { header: 'x-github-event' },
        idempotencyKey: { header: 'x-github-delivery' },
        stats: { accepted: 0, duplicates: 0, rejected: 0, lastAcceptedAt: null, lastRejectedAt: null },
        createdAt: expect.stringMatching(ISO_TIMESTAMP),
        updatedAt: expect.stringMatching(ISO_TIMESTAMP),
      } satisfies Source)
      expect(await store.getSource(created.id)).toEqual(created)
      expect(await store.getSource('github')).toEqual(created)
      expect(await store.getSource('gitlab')).toBeNull()
      const listed = JSON.stringify([created, await store.listSources({ limit: 10 })])
      expect(listed).not.toContain('gh-secret-value')
    })

    it('gives the verifier with its secrets only to ingest', async () => {
      const store = current()
      const source = await stripeSource(store)
      expect(await store.getSourceForIngest('stripe')).toEqual({ source, verifier: STRIPE })
      expect(await store.getSourceForIngest(source.id)).toBeNull()
      expect(await store.getSourceForIngest('shopify')).toBeNull()
    })

    it('rejects a second source with the same name as a conflict', async () => {
      const store = current()
      await stripeSource(store)
      const second = stripeSource(store)
      await expect(second).rejects.toBeInstanceOf(ConflictError)
      await expect(second).rejects.toMatchObject({ code: 'conflict' })
      expect((await store.listSources({ limit: 10 })).data).toHaveLength(1)
    })

    it('lists sources newest first, page by page', async () => {
      const store = current()
      const names = ['a', 'b', 'c', 'd', 'e']
      for (const name of names) await stripeSource(store, name)
      const listed = await allPages<Source>(2, (page) => store.listSources(page))
      expect(listed.map((source) => source.name)).toEqual([...names].reverse())
    })

    it('updates the verifier and the rules, by id or by name, leaving the rest alone', async () => {
      const store = current()
      const source = await store.createSource({
        name: 'stripe',
        verifier: STRIPE,
        eventType: { pointer: '/type' },
      })
      await nextMillisecond(Date.parse(source.updatedAt))
      const verifier: VerifierConfig = { scheme: 'hmac', secrets: ['new-secret'], header: 'x-signature' }
      const updated = await store.updateSource('stripe', { verifier })
      expect(updated).toMatchObject({ id: source.id, verifier: { scheme: 'hmac', header: 'x-signature' } })
      expect(updated?.eventType).toEqual({ pointer: '/type' })
      expect(Date.parse(updated?.updatedAt ?? '')).toBeGreaterThan(Date.parse(source.updatedAt))
      expect(await store.getSourceForIngest('stripe')).toMatchObject({ verifier })

      expect(
        await store.updateSource(source.id, { eventType: null, idempotencyKey: { header: 'x-id' } }),
      ).toMatchObject({
        eventType: null,
        idempotencyKey: { header: 'x-id' },
        verifier: { scheme: 'hmac' },
      })
      expect(await store.updateSource('missing', { eventType: null })).toBeNull()
    })

    it('deletes a source with its dedupe keys and rejections, keeping its events', async () => {
      const store = current()
      const source = await stripeSource(store)
      const { event } = await store.ingest(ingestRequest(source))
      await store.recordRejection(source.id, { atMs: Date.now(), reason: 'bad_signature', sizeBytes: 10 })
      expect(await store.deleteSource('stripe')).toBe(true)
      expect(await store.getSource(source.id)).toBeNull()
      expect(await store.deleteSource(source.id)).toBe(false)
      expect(await store.getEvent(event.id)).toMatchObject({ id: event.id, source: 'stripe' })
      expect(await store.listRejections(source.id, 10)).toEqual([])
      // A new source of the same name starts with no memory of the old one's keys.
      const again = await stripeSource(store)
      expect(await store.ingest(ingestRequest(again))).toMatchObject({ duplicate: false })
    })
  })
}

function describeIngest(current: CurrentStore): void {
  describe('ingest', () => {
    it('stores an inbound webhook as an event with its source and headers, fanned out like any other', async () => {
      const store = current()
      const endpoint = await store.createEndpoint(endpointInput({ eventTypes: ['stripe.*'] }))
      const source = await stripeSource(store)
      const result = await store.ingest(ingestRequest(source))
      expect(result).toEqual({
        duplicate: false,
        event: {
          id: expect.stringMatching(/^evt_/),
          type: 'stripe.charge.succeeded',
          timestamp: expect.stringMatching(ISO_TIMESTAMP),
          data: { object: 'charge', amount: 1200 },
          source: 'stripe',
          headers: { 'stripe-event-id': 'evt_provider_1' },
        },
      })
      expect(await store.getEvent(result.event.id)).toEqual(result.event)
      // The delivered body is the ordinary wire body: no source, no provider headers.
      const claimed = await claimOne(store, 'w1', Date.now())
      expect(claimed).toMatchObject({ endpointId: endpoint.id, eventId: result.event.id })
      const { source: _source, headers: _headers, ...wire } = result.event
      expect(claimed.body).toBe(JSON.stringify(wire))
    })

    it('answers a repeated dedupe key with the first event and stores nothing new', async () => {
      const store = current()
      await store.createEndpoint(endpointInput())
      const source = await stripeSource(store)
      const first = await store.ingest(ingestRequest(source))
      const again = await store.ingest(ingestRequest(source, { data: { retried: true } }))
      expect(again).toEqual({ event: first.event, duplicate: true })
      const other = await store.ingest(ingestRequest(source, { dedupeKey: 'evt_provider_2' }))
      expect(other.duplicate).toBe(false)
      expect((await store.listEvents({ limit: 10 })).data).toHaveLength(2)
      expect((await store.listDeliveries({ limit: 10 })).data).toHaveLength(2)
    })

    it('keeps dedupe keys per source, and never dedupes a request without a key', async () => {
      const store = current()
      const stripe = await stripeSource(store)
      const other = await stripeSource(store, 'stripe-eu')
      expect((await store.ingest(ingestRequest(stripe))).duplicate).toBe(false)
      expect((await store.ingest(ingestRequest(other))).duplicate).toBe(false)
      const keyless = [
        await store.ingest(ingestRequest(stripe, { dedupeKey: null })),
        await store.ingest(ingestRequest(stripe, { dedupeKey: null })),
      ]
      expect(keyless.map((result) => result.duplicate)).toEqual([false, false])
      expect(keyless[0]?.event.id).not.toBe(keyless[1]?.event.id)
    })

    it('stores exactly one event when 20 identical ingests race', async () => {
      const store = current()
      await store.createEndpoint(endpointInput())
      const source = await stripeSource(store)
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, n) => store.ingest(ingestRequest(source, { data: { n } }))),
      )
      expect(results.filter((result) => !result.duplicate)).toHaveLength(1)
      const winner = results.find((result) => !result.duplicate)?.event
      for (const result of results) expect(result.event).toEqual(winner)
      expect((await store.listEvents({ limit: 50 })).data).toHaveLength(1)
      expect((await store.listDeliveries({ limit: 50 })).data).toHaveLength(1)
      expect((await store.getSource(source.id))?.stats).toMatchObject({ accepted: 1, duplicates: 19 })
    })

    it('forgets a dedupe key once it expires, and prunes expired keys only', async () => {
      const store = current()
      const source = await stripeSource(store)
      const now = Date.now()
      // A key remembered until `now`: from then on the same key is a new event.
      const first = await store.ingest(ingestRequest(source, { dedupeKey: 'short', dedupeUntilMs: now }))
      await nextMillisecond(now)
      const second = await store.ingest(ingestRequest(source, { dedupeKey: 'short' }))
      expect(second.duplicate).toBe(false)
      expect(second.event.id).not.toBe(first.event.id)
      // And the new event's key is live again.
      expect(await store.ingest(ingestRequest(source, { dedupeKey: 'short' }))).toMatchObject({
        duplicate: true,
        event: second.event,
      })

      for (let n = 0; n < 3; n++) {
        await store.ingest(ingestRequest(source, { dedupeKey: `old-${n}`, dedupeUntilMs: now - 1_000 + n }))
      }
      await store.ingest(ingestRequest(source, { dedupeKey: 'live' }))
      expect(await store.pruneDedupeKeys(now, 2)).toBe(2)
      expect(await store.pruneDedupeKeys(now, 10)).toBe(1)
      expect(await store.pruneDedupeKeys(now, 10)).toBe(0)
      expect(await store.ingest(ingestRequest(source, { dedupeKey: 'live' }))).toMatchObject({
        duplicate: true,
      })
      expect(await store.ingest(ingestRequest(source, { dedupeKey: 'short' }))).toMatchObject({
        duplicate: true,
      })
    })

    it('counts accepted and duplicate requests on the source', async () => {
      const store = current()
      const source = await stripeSource(store)
      const before = Date.now()
      await store.ingest(ingestRequest(source))
      await store.ingest(ingestRequest(source))
      await store.ingest(ingestRequest(source, { dedupeKey: 'evt_provider_2' }))
      const { stats } = (await store.getSource(source.id)) as Source
      expect(stats).toMatchObject({ accepted: 2, duplicates: 1, rejected: 0, lastRejectedAt: null })
      expect(Date.parse(stats.lastAcceptedAt ?? '')).toBeGreaterThanOrEqual(before)
      expect(Date.parse(stats.lastAcceptedAt ?? '')).toBeLessThanOrEqual(Date.now())
    })
  })
}

function describeRejections(current: CurrentStore): void {
  describe('rejection log', () => {
    it('lists rejections newest first and counts them on the source', async () => {
      const store = current()
      const source = await stripeSource(store)
      const t = Date.now()
      await store.recordRejection(source.id, { atMs: t, reason: 'missing_header', sizeBytes: 12 })
      await store.recordRejection(source.id, { atMs: t + 1, reason: 'bad_signature', sizeBytes: 345 })
      expect(await store.listRejections(source.id, 10)).toEqual([
        { at: new Date(t + 1).toISOString(), reason: 'bad_signature', sizeBytes: 345 },
        { at: new Date(t).toISOString(), reason: 'missing_header', sizeBytes: 12 },
      ])
      expect(await store.listRejections(source.id, 1)).toHaveLength(1)
      expect((await store.getSource(source.id))?.stats).toMatchObject({
        accepted: 0,
        rejected: 2,
        lastRejectedAt: new Date(t + 1).toISOString(),
      })
      const other = await stripeSource(store, 'other')
      expect(await store.listRejections(other.id, 10)).toEqual([])
    })

    it('keeps the last 100 rejections only, while the counter keeps counting', async () => {
      const store = current()
      const source = await stripeSource(store)
      const t = Date.now()
      await Promise.all(
        Array.from({ length: 130 }, (_, n) =>
          store.recordRejection(source.id, { atMs: t + n, reason: `reason_${n}`, sizeBytes: n }),
        ),
      )
      const kept = await store.listRejections(source.id, 1_000)
      expect(kept).toHaveLength(100)
      expect(kept[0]).toEqual({ at: new Date(t + 129).toISOString(), reason: 'reason_129', sizeBytes: 129 })
      expect(kept[99]).toMatchObject({ reason: 'reason_30' })
      expect((await store.getSource(source.id))?.stats.rejected).toBe(130)
    })
  })
}
