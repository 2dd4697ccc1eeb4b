import { describe, expect, it } from 'vitest'
import type { NewPoller, PollerRunReport } from './store.js'
import { type CurrentStore, eventsOfType, ISO_TIMESTAMP, LEASE_MS } from './store-fixtures.contract.js'

/** Pollers (the poll-to-push bridge): definitions, leases, and runs that publish. */
export function describePollers(current: CurrentStore): void {
  const input: NewPoller = {
    url: 'https://legacy.example.com/orders',
    intervalSeconds: 30,
    headers: { authorization: 'Bearer legacy-secret-token' },
    eventType: 'order.status_changed',
    idFrom: '/id',
    changeFrom: '/status',
    itemsFrom: '/orders',
  }

  function run(overrides: Partial<PollerRunReport> & Pick<PollerRunReport, 'pollerId' | 'workerId'>) {
    return {
      atMs: Date.now(),
      nextRunAtMs: Date.now() + 30_000,
      outcome: 'changed',
      error: null,
      events: [],
      ...overrides,
    } satisfies PollerRunReport
  }

  describe('pollers', () => {
    it('creates, reads, lists, updates and deletes a poller, never showing header values', async () => {
      const store = current()
      const poller = await store.createPoller(input)
      expect(poller).toMatchObject({
        id: expect.stringMatching(/^pol_/),
        url: input.url,
        intervalSeconds: 30,
        headerNames: ['authorization'],
        lastRunAt: null,
        nextRunAt: expect.stringMatching(ISO_TIMESTAMP),
      })
      expect(JSON.stringify(await store.listPollers({ limit: 10 }))).not.toContain('legacy-secret-token')
      expect(await store.getPoller(poller.id)).toEqual(poller)
      expect(await store.updatePoller(poller.id, { intervalSeconds: 60 })).toMatchObject({
        intervalSeconds: 60,
      })
      expect(await store.updatePoller('pol_missing', { intervalSeconds: 60 })).toBeNull()
      expect(await store.deletePoller(poller.id)).toBe(true)
      expect(await store.getPoller(poller.id)).toBeNull()
      expect(await store.deletePoller(poller.id)).toBe(false)
    })

    it('keeps credentials in a poller URL sealed, redacted in every read but the claim', async () => {
      const store = current()
      const url = 'https://status-bot:s3cret-pw@legacy.example.com/orders'
      const poller = await store.createPoller({ ...input, url })
      const redacted = 'https://status-bot:***@legacy.example.com/orders'
      expect(poller.url).toBe(redacted)
      expect((await store.getPoller(poller.id))?.url).toBe(redacted)
      // Sending the redacted URL back changes nothing (and keeps the baseline).
      await store.updatePoller(poller.id, { url: redacted, intervalSeconds: 60 })
      // rotate-encryption-key re-seals poller headers and URLs with the other secrets.
      expect(await store.resealSecrets((sealed) => sealed)).toBeGreaterThan(0)
      const [claimed] = await store.claimDuePollers('w1', 10, Date.now(), LEASE_MS)
      expect(claimed).toMatchObject({ url, headers: input.headers })
      expect(JSON.stringify(await store.listPollers({ limit: 10 }))).not.toContain('s3cret-pw')
    })

    it('leases a due poller to one worker, with its headers and what the last run saw', async () => {
      const store = current()
      const poller = await store.createPoller(input)
      const now = Date.now()
      const [claimed] = await store.claimDuePollers('w1', 10, now, LEASE_MS)
      expect(claimed).toMatchObject({
        id: poller.id,
        intervalMs: 30_000,
        headers: input.headers,
        state: null,
        etag: null,
        failures: 0,
      })
      expect(await store.claimDuePollers('w2', 10, now, LEASE_MS)).toEqual([])
      // A run from a worker without the lease changes nothing.
      expect(await store.recordPollerRun(run({ pollerId: poller.id, workerId: 'w2' }))).toBe(false)
      const state = { ord_1: 'shipped' }
      expect(
        await store.recordPollerRun(
          run({ pollerId: poller.id, workerId: 'w1', nextRunAtMs: now + 1_000, etag: '"v1"', state }),
        ),
      ).toBe(true)
      const [again] = await store.claimDuePollers('w2', 10, now + 1_000, LEASE_MS)
      expect(again).toMatchObject({ id: poller.id, etag: '"v1"', state, failures: 0 })
      expect(await store.getPoller(poller.id)).toMatchObject({ lastOutcome: 'changed', lastError: null })
    })

    it('publishes a run’s events once, even when a run is recorded again after a lost lease', async () => {
      const store = current()
      const poller = await store.createPoller(input)
      const now = Date.now()
      await store.claimDuePollers('w1', 10, now, LEASE_MS)
      const events = [
        {
          type: input.eventType,
          data: { id: 'ord_1', status: 'shipped' },
          idempotencyKey: `${poller.id}:ord_1:a`,
        },
      ]
      expect(
        await store.recordPollerRun(run({ pollerId: poller.id, workerId: 'w1', nextRunAtMs: now, events })),
      ).toBe(true)
      await store.claimDuePollers('w2', 10, now, LEASE_MS)
      expect(await store.recordPollerRun(run({ pollerId: poller.id, workerId: 'w2', events }))).toBe(true)
      expect((await eventsOfType(store, input.eventType)).map((event) => event.data)).toEqual([
        { id: 'ord_1', status: 'shipped' },
      ])
    })
  })
}
