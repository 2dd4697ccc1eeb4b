/**
 * Remembers which webhook ids were already accepted, so a redelivered webhook is acknowledged
 * without being handled twice. The interface is two calls so a Redis (`SET key 1 NX EX ttl`) or
 * SQL (`INSERT … ON CONFLICT DO NOTHING`) store is a few lines.
 */

/**
 * Where a receiver records the ids it has accepted.
 *
 * @example
 * ```ts
 * // A Redis-backed store (node-redis v4):
 * const store: IdempotencyStore = {
 *   claim: async (key, ttlSeconds) => (await redis.set(`webhook:${key}`, '1', { NX: true, EX: ttlSeconds })) === 'OK',
 *   release: async (key) => void (await redis.del(`webhook:${key}`)),
 * }
 * ```
 */
export interface IdempotencyStore {
  /**
   * Records `key` for `ttlSeconds` unless it is already recorded. Resolves `true` when this call
   * recorded it (first delivery), `false` for a duplicate. Must be atomic across processes
   * sharing the store.
   */
  claim(key: string, ttlSeconds: number): boolean | Promise<boolean>
  /** Forgets `key`, so the sender's next attempt is accepted (used when a webhook could not be queued). */
  release(key: string): void | Promise<void>
}

/** Dedupe settings: a store (in-memory LRU by default) and how long ids are remembered. */
export interface IdempotencyOptions {
  store?: IdempotencyStore
  /** Default 7 days, beyond any provider's retry window. */
  ttlSeconds?: number
  /** Entries of the default in-memory store. Default 10,000. */
  maxEntries?: number
}

/** Options of {@link MemoryIdempotencyStore}. */
export interface MemoryIdempotencyStoreOptions {
  /** Most ids kept; the least recently seen is forgotten first. Default 10,000. */
  maxEntries?: number
  /** Clock in milliseconds, for tests. */
  now?: () => number
}

/**
 * An in-process LRU of ids with a TTL: enough for one process; use a shared store when several
 * processes receive the same webhooks.
 *
 * @example
 * ```ts
 * const receiver = createReceiver({
 *   scheme: 'github', secret, handler,
 *   idempotency: { store: new MemoryIdempotencyStore({ maxEntries: 50_000 }), ttlSeconds: 86_400 },
 * })
 * ```
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  // Map iteration order is insertion order: re-inserting on every sighting makes the first entry
  // the least recently seen, which is the one to evict.
  readonly #expiresAtMs = new Map<string, number>()
  readonly #maxEntries: number
  readonly #now: () => number

  constructor(options: MemoryIdempotencyStoreOptions = {}) {
    const maxEntries = options.maxEntries ?? 10_000
    if (!Number.isInteger(maxEntries) || maxEntries < 1)
      throw new TypeError('maxEntries must be a positive integer')
    this.#maxEntries = maxEntries
    this.#now = options.now ?? Date.now
  }

  /** How many ids are currently remembered (expired ones may linger until evicted). */
  get size(): number {
    return this.#expiresAtMs.size
  }

  claim(key: string, ttlSeconds: number): boolean {
    const nowMs = this.#now()
    const expiresAtMs = this.#expiresAtMs.get(key)
    this.#expiresAtMs.delete(key)
    if (expiresAtMs !== undefined && expiresAtMs > nowMs) {
      this.#expiresAtMs.set(key, expiresAtMs)
      return false
    }
    this.#expiresAtMs.set(key, nowMs + ttlSeconds * 1000)
    this.#evict(nowMs)
    return true
  }

  release(key: string): void {
    this.#expiresAtMs.delete(key)
  }

  #evict(nowMs: number): void {
    for (const [key, expiresAtMs] of this.#expiresAtMs) {
      if (this.#expiresAtMs.size <= this.#maxEntries && expiresAtMs > nowMs) break
      this.#expiresAtMs.delete(key)
    }
  }
}

// Beyond any provider's retry window, Hookline's schedule (24 h) and any redelivery a broker
// would still attempt.
const DEFAULT_TTL_SECONDS = 7 * 24 * 60 * 60

/** The store and TTL that `createReceiver` and `createMessageConsumer` dedupe with. */
export interface IdempotencyConfig {
  store: IdempotencyStore
  ttlSeconds: number
}

/**
 * The `idempotency` option of `createReceiver` and `createMessageConsumer`, resolved: `false`
 * turns dedupe off (`undefined`), a store is used with the default TTL, and options (or nothing)
 * fill in the in-memory store and the TTL.
 *
 * @example
 * ```ts
 * const dedupe = idempotencyConfig(options.idempotency)
 * if (dedupe && !(await dedupe.store.claim(key, dedupe.ttlSeconds))) return 'duplicate'
 * ```
 */
export function idempotencyConfig(
  option: false | IdempotencyStore | IdempotencyOptions | undefined,
): IdempotencyConfig | undefined {
  if (option === false) return undefined
  if (option && 'claim' in option && typeof option.claim === 'function') {
    return { store: option, ttlSeconds: DEFAULT_TTL_SECONDS }
  }
  const options = (option ?? {}) as IdempotencyOptions
  const maxEntries = options.maxEntries
  return {
    store: options.store ?? new MemoryIdempotencyStore(maxEntries === undefined ? {} : { maxEntries }),
    ttlSeconds: options.ttlSeconds ?? DEFAULT_TTL_SECONDS,
  }
}
