import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { Config } from '../config/load-config.js'
import { DestinationRouter } from '../delivery/destination-router.js'
import { Dispatcher } from '../delivery/dispatcher.js'
import { Maintenance } from '../delivery/maintenance.js'
import { AddressGuard } from '../delivery/network-guard.js'
import { PollerRunner } from '../delivery/poller-runner.js'
import { createServer } from '../http/create-server.js'
import { createWorkerServer } from '../http/create-worker-server.js'
import { PrometheusMetrics } from '../http/prometheus-metrics.js'
import type { Store } from '../store/store.js'
import { ensureAdminKey } from './admin-key.js'
import { tuneHeapForServing } from './heap-tuning.js'
import { createLogger } from './logger.js'
import { openStore } from './open-store.js'
import { startTracing } from './otel-tracing.js'

export interface RunningGateway {
  url: string
  app: FastifyInstance
  store: Store
  dispatcher: Dispatcher
  /** Stops accepting, drains, releases leases and closes the store. */
  close(): Promise<void>
}

/** The composition root: config in, a listening gateway out. */
export async function startGateway(config: Readonly<Config>, logger: Logger = createLogger(config.logLevel)) {
  const metrics = new PrometheusMetrics()
  const tracing = await startTracing(process.env, logger)
  const store = await openStore(config, metrics)
  if (config.database.kind === 'postgres' && config.encryptionKeys === null) {
    // Every process sharing the database must open the secrets the others sealed.
    logger.warn(
      `secrets are sealed with the key in ${config.dataDir}; give every process on this database ` +
        'the same HOOKLINE_ENCRYPTION_KEY',
    )
  }
  metrics.watchQueue(store)
  // A worker serves no API, so it has no use for an admin key (and must not print one).
  const generatedKey = config.role === 'worker' ? null : await ensureAdminKey(store, config.apiKey)
  const guard = new AddressGuard(config)
  const destinations = new DestinationRouter({ timeoutMs: config.deliveryTimeoutMs, guard })
  const pollers = new PollerRunner({ store, guard, logger })
  const dispatcher = new Dispatcher({
    store,
    destinations,
    logger,
    retryScheduleMs: config.retryScheduleMs,
    deliveryTimeoutMs: config.deliveryTimeoutMs,
    disableFailingAfterMs: config.disableFailingAfterMs,
    concurrency: config.deliveryConcurrency,
    metrics,
    tracing,
  })
  const app =
    config.role === 'worker'
      ? await createWorkerServer({ store, logger, metrics })
      : await createServer({ store, config, logger, metrics, tracing })
  const address = await app.listen({ port: config.port, host: config.host })
  // `api` processes only accept and store; the workers sharing their database deliver.
  if (config.role !== 'api') {
    dispatcher.start()
    pollers.start()
  }
  const maintenance = new Maintenance({ store, logger, retentionMs: config.retentionMs })
  maintenance.start()

  const url = address.replace('[::1]', '[::1]')
  let closing: Promise<void> | null = null
  const gateway: RunningGateway = {
    url,
    app,
    store,
    dispatcher,
    close() {
      closing ??= (async () => {
        // Order matters: stop taking requests (in-flight publishes still commit), then stop
        // claiming and let attempts finish, then flush and close the store.
        await app.close()
        await maintenance.stop()
        await pollers.stop()
        await dispatcher.stop(Math.min(config.deliveryTimeoutMs, 10_000))
        await destinations.close()
        await store.close()
        await tracing.shutdown()
      })()
      return closing
    },
  }
  return { gateway, generatedKey }
}

export async function serve(config: Readonly<Config>): Promise<void> {
  tuneHeapForServing()
  const logger = createLogger(config.logLevel)
  const { gateway, generatedKey } = await startGateway(config, logger)
  const database = config.database.kind === 'sqlite' ? `sqlite:${config.database.path}` : 'postgres'
  const lines = [
    `Hookline listening on ${gateway.url}`,
    `  database: ${database}`,
    `  role:     ${config.role}`,
  ]
  if (config.role !== 'worker') lines.push(`  API:      ${gateway.url}/openapi.json`)
  if (generatedKey !== null) {
    lines.push(
      '',
      '  Admin API key (shown once; only its hash is stored, so copy it now):',
      `  ${generatedKey}`,
      `  Try: curl -H "Authorization: Bearer $KEY" ${gateway.url}/v1/endpoints`,
    )
  }
  process.stdout.write(`${lines.join('\n')}\n\n`)

  let signals = 0
  const shutdown = (signal: NodeJS.Signals) => {
    signals += 1
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting without draining')
      process.exit(1)
    }
    logger.info({ signal }, 'shutting down: draining requests and deliveries')
    gateway.close().then(
      () => {
        logger.info('stopped')
        process.exit(0)
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', shutdown)
  process.on('SIGINT', shutdown)
}
