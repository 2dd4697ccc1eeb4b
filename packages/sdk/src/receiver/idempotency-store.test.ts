import { describe, expect, it } from 'vitest'
import { MemoryIdempotencyStore } from './idempotency-store.js'

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
