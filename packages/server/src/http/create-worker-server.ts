import Fastify, { type FastifyInstance, LogController } from 'fastify'
import type { Logger } from 'pino'
import type { Store } from '../store/store.js'
import { installErrorHandler } from './error-handler.js'
import type { PrometheusMetrics } from './prometheus-metrics.js'
import { healthRoutes } from './routes/health.js'
import { metricsRoutes } from './routes/metrics.js'

export interface WorkerServerDependencies {
  store: Store
  logger: Logger
  metrics: PrometheusMetrics
}

/**
 * The HTTP side of a `--role worker` process: no API, no ingest, only what an orchestrator and
 * a scraper need to watch a dispatcher (/healthz, /readyz, /metrics).
 */
export async function createWorkerServer({
  store,
  logger,
  metrics,
}: WorkerServerDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
  }) as unknown as FastifyInstance
  installErrorHandler(app)
  healthRoutes(app, { store })
  metricsRoutes(app, metrics)
  return app
}
