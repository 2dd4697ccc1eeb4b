import type { FastifyInstance } from 'fastify'
import type { PrometheusMetrics } from '../prometheus-metrics.js'

/** Prometheus text format. Unauthenticated like /healthz: expose it to your scraper's network only. */
export function metricsRoutes(app: FastifyInstance, metrics: PrometheusMetrics): void {
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const text = await metrics.registry.metrics()
    return reply.type(metrics.registry.contentType).send(text)
  })
}
