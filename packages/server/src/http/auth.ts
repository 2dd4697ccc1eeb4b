import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import { HooklineError, UnauthorizedError } from '../core/errors.js'
import type { ApiKeyScope } from '../core/types.js'
import type { Store } from '../store/store.js'

/** API keys are stored and compared as SHA-256 hashes; the key itself is never kept. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex')
}

/** A new key: `hl_` and 32 random bytes, recognisable in logs and secret scanners. */
export function generateApiKey(): { token: string; hash: string; prefix: string } {
  const token = `hl_${randomBytes(32).toString('base64url')}`
  return { token, hash: hashApiKey(token), prefix: token.slice(0, 10) }
}

export interface Principal {
  /** `env` for the key from HOOKLINE_API_KEY. */
  keyId: string
  scope: ApiKeyScope
  /** For a `stream` token: the endpoint whose events it may read. */
  endpointId: string | null
}

export class ForbiddenError extends HooklineError {
  constructor(scope: ApiKeyScope) {
    super('forbidden', 403, `a key with scope "${scope}" cannot do this; use a key with the admin scope`)
  }
}

/** What each scope may call; `admin` may call everything. */
function allowed(scope: ApiKeyScope, method: string, path: string): boolean {
  if (scope === 'admin') return true
  if (scope === 'read') return method === 'GET' || method === 'HEAD'
  if (scope === 'stream') return method === 'GET' && path === '/v1/stream'
  return method === 'POST' && path === '/v1/events'
}

/**
 * Bearer-key authentication and scope checks for `/v1`. The key from the environment is
 * compared in constant time; stored keys are looked up by hash on every request, so a
 * revocation takes effect on the very next request, in every process.
 */
export function createAuthenticator(store: Store, envKey: string | null) {
  const envHash = envKey === null ? null : Buffer.from(hashApiKey(envKey), 'hex')

  return async function authenticate(request: FastifyRequest): Promise<Principal> {
    const header = request.headers.authorization
    const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header)
    if (!match?.[1]) throw new UnauthorizedError()
    const hash = hashApiKey(match[1])
    let principal: Principal | null = null
    if (envHash !== null && timingSafeEqual(envHash, Buffer.from(hash, 'hex'))) {
      principal = { keyId: 'env', scope: 'admin', endpointId: null }
    } else {
      const found = await store.findApiKey(hash)
      if (found) principal = { keyId: found.id, scope: found.scope, endpointId: found.endpointId }
    }
    if (principal === null) throw new UnauthorizedError('the API key is not valid or was revoked')
    const path = request.url.split('?')[0] ?? ''
    if (!allowed(principal.scope, request.method, path)) throw new ForbiddenError(principal.scope)
    return principal
  }
}
