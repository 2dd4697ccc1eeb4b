import type { FastifyInstance } from 'fastify'
import type { RouteContext } from '../context.js'
import { problem, sendProblem } from '../problem.js'

/** Needs only the store, so that worker processes (create-worker-server.ts) serve it too. */
export function healthRoutes(app: FastifyInstance, { store }: Pick<RouteContext, 'store'>): void {
  app.get(
    '/healthz',
    { schema: { tags: ['health'], summary: 'Liveness: the process serves requests' } },
    async () => ({
      status: 'ok',
    }),
  )

  app.get(
    '/readyz',
    { schema: { tags: ['health'], summary: 'Readiness: the store is reachable' } },
    async (request, reply) => {
      try {
        await store.ping()
        return { status: 'ready' }
      } catch (error) {
        request.log.warn({ err: error }, 'readiness check failed')
        return sendProblem(reply, problem(503, 'unavailable', 'the store is not reachable'))
      }
    },
  )
}
