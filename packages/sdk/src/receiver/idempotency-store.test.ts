import { describe, expect, it } from 'vitest'
import { type IdempotencyStore, idempotencyConfig, MemoryIdempotencyStore } from './idempotency-store.js'

describe('MemoryIdempotencyStore', () => {
  it('claims a key once until its TTL passes', () => {
    let nowMs = 1_000_000
    const store = new MemoryIdempotencyStore({ now: () => nowMs })
    expect(store.claim('a', 60)).toBe(true)
    expect(store.claim('a', 60)).toBe(false)
    nowMs += 59_999
    expect(store.claim('a', 60)).toBe(false)
    nowMs += 1
    expect(store.claim('a', 60)).toBe(true)
  })

  it('forgets a released key', () => {
    const store = new MemoryIdempotencyStore()
    expect(store.claim('a', 60)).toBe(true)
    store.release('a')
    expect(store.claim('a', 60)).toBe(true)
  })

  it('evicts the least recently seen key beyond maxEntries', () => {
    const store = new MemoryIdempotencyStore({ maxEntries: 2 })
    store.claim('a', 60)
    store.claim('b', 60)
    expect(store.claim('a', 60)).toBe(false) // 'a' is now the most recently seen
    store.claim('c', 60) // evicts 'b'
    expect(store.size).toBe(2)
    expect(store.claim('a', 60)).toBe(false)
    expect(store.claim('b', 60)).toBe(true)
  })

  it('drops expired entries as it goes', () => {
    let nowMs = 0
    const store = new MemoryIdempotencyStore({ now: () => nowMs })
    for (let i = 0; i < 100; i++) store.claim(`k${i}`, 1)
    nowMs += 2000
    store.claim('fresh', 1)
    expect(store.size).toBe(1)
  })

  it('rejects a nonsensical size', () => {
    expect(() => new MemoryIdempotencyStore({ maxEntries: 0 })).toThrow(TypeError)
  })
})

describe('idempotencyConfig', () => {
  const week = 7 * 24 * 60 * 60

  it('is off with false, and an in-memory store kept for 7 days by default', () => {
    expect(idempotencyConfig(false)).toBeUndefined()
    const config = idempotencyConfig(undefined)
    expect(config?.store).toBeInstanceOf(MemoryIdempotencyStore)
    expect(config?.ttlSeconds).toBe(week)
  })

  it('uses a store given directly with the default TTL', () => {
    const store: IdempotencyStore = { claim: () => true, release: () => {} }
    expect(idempotencyConfig(store)).toEqual({ store, ttlSeconds: week })
  })

  it('takes a store, a TTL and a size for the default store from options', () => {
    const store = new MemoryIdempotencyStore()
    expect(idempotencyConfig({ store, ttlSeconds: 60 })).toEqual({ store, ttlSeconds: 60 })
    const sized = idempotencyConfig({ maxEntries: 1 })?.store as MemoryIdempotencyStore
    sized.claim('a', 60)
    sized.claim('b', 60)
    expect(sized.size).toBe(1)
  })
})
