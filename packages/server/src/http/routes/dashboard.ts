import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'

/** Both `src/http/routes/` (tests) and `dist/http/routes/` (built) sit three levels below the package. */
export const DASHBOARD_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../dashboard')

/**
 * The dashboard only ever loads its own files and talks to its own origin: event payloads are
 * attacker-controlled, so even a rendering bug must not be able to run or load anything else.
 */
const SECURITY_HEADERS = {
  'content-security-policy': [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
} as const

/**
 * The operator dashboard: static ES modules and CSS served at `/`, with no authentication of
 * its own. It signs in with an API key and calls the `/v1` API like any other client.
 */
export async function dashboardRoutes(app: FastifyInstance): Promise<void> {
  await app.register(async (scope) => {
    // Only this scope's routes (the dashboard files) get the headers; the API is untouched.
    scope.addHook('onSend', async (_request, reply, payload) => {
      reply.headers(SECURITY_HEADERS)
      return payload
    })
    await scope.register(fastifyStatic, {
      root: DASHBOARD_DIR,
      prefix: '/',
      // One route per file found at start-up rather than a catch-all `/*`, so an unknown path
      // still gets the API's 404 problem and no other route is shadowed.
      wildcard: false,
      index: false,
      schemaHide: true,
      cacheControl: false,
      // Revalidate on every load (ETag): an upgraded package must not run stale modules.
      setHeaders: (response) => response.setHeader('cache-control', 'no-cache'),
    })
    scope.get('/', { schema: { hide: true } }, (_request, reply) => reply.sendFile('index.html'))
  })
}
