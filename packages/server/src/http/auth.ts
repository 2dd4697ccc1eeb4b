import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import { UnauthorizedError } from '../core/errors.js'
import type { Store } from '../store/store.js'

/** API keys are stored and compared as SHA-256 hashes; the key itself is never kept. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex')
}

/** A positive answer is remembered briefly so that authentication is not a query per request. */
const CACHE_TTL_MS = 10_000

/**
 * Bearer-key authentication for `/v1`. The admin key from the environment is compared in
 * constant time; stored keys are looked up by hash (a hash lookup leaks nothing useful).
 */
export function createAuthenticator(store: Store, envKey: string | null) {
  const envHash = envKey === null ? null : Buffer.from(hashApiKey(envKey), 'hex')
  const cache = new Map<string, number>()

  return async function authenticate(request: FastifyRequest): Promise<void> {
    const header = request.headers.authorization
    const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header)
    if (!match?.[1]) throw new UnauthorizedError()
    const hash = hashApiKey(match[1])
    if (envHash !== null && timingSafeEqual(envHash, Buffer.from(hash, 'hex'))) return
    const cachedUntil = cache.get(hash)
    if (cachedUntil !== undefined && cachedUntil > Date.now()) return
    if (!(await store.hasApiKey(hash))) throw new UnauthorizedError('the API key is not valid')
    if (cache.size > 1000) cache.clear()
    cache.set(hash, Date.now() + CACHE_TTL_MS)
  }
}
