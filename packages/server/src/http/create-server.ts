import swagger from '@fastify/swagger'
import Fastify, { type FastifyInstance, LogController } from 'fastify'
import type { Logger } from 'pino'
import type { Config } from '../config/load-config.js'
import { NO_TRACING, type Tracing } from '../core/tracing.js'
import { AddressGuard } from '../delivery/network-guard.js'
import { StreamHub } from '../delivery/stream-hub.js'
import { InboundHandler } from '../inbound/inbound-handler.js'
import type { Store } from '../store/store.js'
import { createAuthenticator, type Principal } from './auth.js'
import type { RouteContext } from './context.js'
import { installErrorHandler } from './error-handler.js'
import { PrometheusMetrics } from './prometheus-metrics.js'
import { RateLimiter } from './rate-limiter.js'
import { apiKeyRoutes } from './routes/api-keys.js'
import { dashboardRoutes } from './routes/dashboard.js'
import { deliveryRoutes } from './routes/deliveries.js'
import { endpointRoutes } from './routes/endpoints.js'
import { eventTypeRoutes } from './routes/event-types.js'
import { eventRoutes } from './routes/events.js'
import { healthRoutes } from './routes/health.js'
import { ingestRoutes } from './routes/ingest.js'
import { metricsRoutes } from './routes/metrics.js'
import { openapiRoutes } from './routes/openapi.js'
import { pollerRoutes } from './routes/pollers.js'
import { sourceRoutes } from './routes/sources.js'
import { streamRoutes } from './routes/stream.js'
import { Problem } from './schemas.js'
import { createRequestValidatorCompiler, EventDataValidator } from './validators.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The API key of a `/v1` request, set by the authentication hook. */
    principal: Principal | null
  }
}

export interface ServerDependencies {
  store: Store
  config: Pick<
    Config,
    | 'allowPrivateNetworks'
    | 'allowedNetworks'
    | 'requireHttps'
    | 'maxPayloadBytes'
    | 'apiKey'
    | 'dedupeTtlMs'
    | 'rateLimitPerSecond'
  >
  logger: Logger
  /** Served at /metrics; also counts accepted events and inbound outcomes. */
  metrics?: PrometheusMetrics
  tracing?: Tracing
}

/** Builds the HTTP application; the caller decides when and where it listens. */
export async function createServer({
  store,
  config,
  logger,
  metrics = new PrometheusMetrics(),
  tracing = NO_TRACING,
}: ServerDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: config.maxPayloadBytes,
    // One log line per request would cost more than a publish; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    // A caller's request id (from a proxy or another service) is kept, logged and echoed back.
    requestIdHeader: 'x-request-id',
  }) as unknown as FastifyInstance
  app.setValidatorCompiler(createRequestValidatorCompiler())
  installErrorHandler(app)

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Hookline management API',
        version: '0.1.0',
        description:
          'Publish events, manage endpoints and inspect deliveries. Errors are application/problem+json.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  })
  app.addSchema(Problem)

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id)
  })

  const authenticate = createAuthenticator(store, config.apiKey)
  const rateLimiter = new RateLimiter(config.rateLimitPerSecond)
  app.decorateRequest('principal', null)
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/v1/') && request.url !== '/v1') return
    request.principal = await authenticate(request)
    rateLimiter.take(request.principal.keyId)
  })

  // A POST without a body but with `content-type: application/json` (curl -H … -X POST) is an
  // empty request, not broken JSON. `__proto__` and `constructor` keys are plain data: JSON.parse
  // makes them own properties, nothing here merges request objects into others, and an event's
  // payload must reach its endpoints exactly as it was published.
  const parseJson = app.getDefaultJsonParser('ignore', 'ignore')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body.toString()
    if (text === '') return done(null, undefined)
    return parseJson(request, text, done)
  })

  const guard = new AddressGuard(config)
  const context: RouteContext = {
    store,
    config,
    metrics,
    tracing,
    guard,
    eventData: new EventDataValidator(),
  }
  for (const routes of [
    healthRoutes,
    openapiRoutes,
    eventTypeRoutes,
    endpointRoutes,
    eventRoutes,
    deliveryRoutes,
    sourceRoutes,
    apiKeyRoutes,
    pollerRoutes,
  ]) {
    routes(app, context)
  }
  metricsRoutes(app, metrics)
  const hub = new StreamHub(store, logger)
  hub.start()
  // Streams never end by themselves: end them first, or closing the server would wait forever.
  app.addHook('preClose', async () => hub.stop())
  streamRoutes(app, store, hub)
  const inbound = new InboundHandler({ store, logger, metrics, tracing, dedupeTtlMs: config.dedupeTtlMs })
  ingestRoutes(app, inbound, config.maxPayloadBytes)
  await dashboardRoutes(app)
  return app
}
