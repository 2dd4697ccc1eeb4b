import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ConflictError } from '../core/errors.js'
import type { EventType } from '../core/types.js'
import { describeEndpoints } from './store-endpoints.contract.js'
import { describePublishing } from './store-events.contract.js'
import {
  allPages,
  type CurrentStore,
  ISO_TIMESTAMP,
  type OpenedStore,
  type OpenStore,
} from './store-fixtures.contract.js'
import { describePollers } from './store-pollers.contract.js'
import { describeQueue } from './store-queue.contract.js'
import { describeRetention } from './store-retention.contract.js'
import { describeSources } from './store-sources.contract.js'

export type { OpenedStore, OpenStore } from './store-fixtures.contract.js'

/**
 * The store contract: one suite every backend's test file runs, so SQLite and PostgreSQL
 * behave the same behind the Store interface. `open` returns a fresh, empty store per test.
 * Tests use only the interface (no SQL) and pass explicit times to the queue wherever the
 * interface takes one, so they do not depend on how fast the machine is.
 *
 * @example
 * runStoreContract('sqlite', async () => {
 *   const store = openSqliteStore({ path, cipher })
 *   return { store, cleanup: () => store.close() }
 * })
 */
export function runStoreContract(name: string, open: OpenStore): void {
  describe(`store contract: ${name}`, () => {
    let opened: OpenedStore | null = null
    beforeEach(async () => {
      opened = await open()
    })
    afterEach(async () => {
      await opened?.cleanup()
      opened = null
    })
    const current: CurrentStore = () => {
      if (opened === null) throw new Error('no store is open')
      return opened.store
    }

    describeEventTypes(current)
    describeEndpoints(current)
    describePublishing(current)
    describeQueue(current)
    describeSources(current)
    describeRetention(current)
    describePollers(current)
    describeApiKeysAndLifecycle(current)
  })
}

function describeEventTypes(current: CurrentStore): void {
  describe('event types', () => {
    it('creates an event type and finds it by name and by id', async () => {
      const store = current()
      const schema = { type: 'object', required: ['orderId'], properties: { orderId: { type: 'string' } } }
      const created = await store.createEventType({ name: 'order.shipped', description: 'Shipped', schema })
      expect(created).toEqual({
        id: expect.stringMatching(/^et_/),
        name: 'order.shipped',
        description: 'Shipped',
        schema,
        createdAt: expect.stringMatching(ISO_TIMESTAMP),
        updatedAt: expect.stringMatching(ISO_TIMESTAMP),
      })
      expect(await store.getEventType('order.shipped')).toEqual(created)
      expect(await store.getEventType(created.id)).toEqual(created)
      expect(await store.getEventType('order.cancelled')).toBeNull()
    })

    it('stores a missing description and schema as null', async () => {
      const created = await current().createEventType({ name: 'invoice.paid' })
      expect(created).toMatchObject({ description: null, schema: null })
      expect(await current().getEventType('invoice.paid')).toMatchObject({ description: null, schema: null })
    })

    it('rejects a second event type with the same name as a conflict and keeps the first', async () => {
      const store = current()
      const first = await store.createEventType({ name: 'order.shipped', description: 'first' })
      const second = store.createEventType({ name: 'order.shipped', description: 'second' })
      await expect(second).rejects.toBeInstanceOf(ConflictError)
      await expect(second).rejects.toMatchObject({ code: 'conflict' })
      expect(await store.getEventType('order.shipped')).toEqual(first)
      expect((await store.listEventTypes({ limit: 10 })).data).toHaveLength(1)
    })

    it('lists event types newest first, page by page', async () => {
      const store = current()
      const names = ['a.one', 'a.two', 'a.three', 'a.four', 'a.five']
      for (const name of names) await store.createEventType({ name })
      const first = await store.listEventTypes({ limit: 2 })
      expect(first.data.map((type) => type.name)).toEqual(['a.five', 'a.four'])
      expect(first.nextCursor).toEqual(expect.any(String))
      const listed = await allPages<EventType>(2, (page) => store.listEventTypes(page))
      expect(listed.map((type) => type.name)).toEqual([...names].reverse())
      expect(await store.listEventTypes({ limit: 5 })).toMatchObject({ nextCursor: null })
    })
  })
}

function describeApiKeysAndLifecycle(current: CurrentStore): void {
  describe('API keys', () => {
    it('creates the first key only while there is none', async () => {
      const store = current()
      const input = (c: string) => ({
        hash: c.repeat(64),
        name: 'admin',
        scope: 'admin' as const,
        prefix: `hl_${c}`,
      })
      const [one, two] = await Promise.all([
        store.createFirstApiKey(input('d')),
        store.createFirstApiKey(input('e')),
      ])
      expect([one, two].filter((key) => key !== null)).toHaveLength(1)
      expect(await store.countApiKeys()).toBe(1)
      expect(await store.createFirstApiKey(input('f'))).toBeNull()
      expect(await store.findApiKey('f'.repeat(64))).toBeNull()
    })

    it('creates, finds by hash, lists newest first and revokes keys', async () => {
      const store = current()
      const hash = 'a'.repeat(64)
      expect(await store.countApiKeys()).toBe(0)
      expect(await store.findApiKey(hash)).toBeNull()
      const admin = await store.createApiKey({ hash, name: 'admin', scope: 'admin', prefix: 'hl_aaaaaaa' })
      expect(admin).toMatchObject({
        id: expect.stringMatching(/^key_/),
        name: 'admin',
        scope: 'admin',
        revokedAt: null,
      })
      expect(await store.findApiKey(hash)).toEqual({ id: admin.id, scope: 'admin', endpointId: null })
      expect(await store.findApiKey('b'.repeat(64))).toBeNull()
      const reader = await store.createApiKey({
        hash: 'c'.repeat(64),
        name: 'ci',
        scope: 'read',
        prefix: 'hl_ccccccc',
      })
      expect(await store.countApiKeys()).toBe(2)

      const first = await store.listApiKeys({ limit: 1 })
      expect(first.data.map((key) => key.id)).toEqual([reader.id])
      const second = await store.listApiKeys({ limit: 1, cursor: first.nextCursor ?? undefined })
      expect(second).toMatchObject({ data: [{ id: admin.id, prefix: 'hl_aaaaaaa' }], nextCursor: null })
      expect(JSON.stringify([first, second])).not.toContain('c'.repeat(64))

      const revoked = await store.revokeApiKey(reader.id)
      expect(revoked?.revokedAt).toEqual(expect.any(String))
      expect(await store.findApiKey('c'.repeat(64))).toBeNull()
      expect(await store.revokeApiKey('key_missing')).toBeNull()
      const token = await store.createApiKey({
        hash: 'd'.repeat(64),
        name: 'stream',
        scope: 'stream',
        prefix: 'hl_ddddddd',
        endpointId: 'ep_bound',
      })
      expect(token).toMatchObject({ scope: 'stream', endpointId: 'ep_bound' })
      expect(await store.findApiKey('d'.repeat(64))).toEqual({
        id: token.id,
        scope: 'stream',
        endpointId: 'ep_bound',
      })
      // Revoking twice keeps the first revocation time.
      expect((await store.revokeApiKey(reader.id))?.revokedAt).toBe(revoked?.revokedAt)
    })
  })

  describe('lifecycle', () => {
    it('names its backend and answers ping', async () => {
      expect(['sqlite', 'postgres']).toContain(current().backend)
      await expect(current().ping()).resolves.toBeUndefined()
    })

    it('commits writes still queued when it is closed, then refuses new ones', async () => {
      const store = current()
      // Not awaited: these are queued for the next commit when close() is called.
      const endpoint = store.createEndpoint({ url: 'https://hooks.example.com/in', secret: 'whsec_x' })
      const published = store.publish({ type: 'order.shipped', data: { n: 1 } })
      await store.close()
      await expect(endpoint).resolves.toMatchObject({ id: expect.stringMatching(/^ep_/) })
      await expect(published).resolves.toMatchObject({ created: true })
      await expect(store.publish({ type: 'order.shipped', data: { n: 2 } })).rejects.toThrow()
      await expect(store.ping()).rejects.toThrow()
    })
  })
}
