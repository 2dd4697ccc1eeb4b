import type { FastifyInstance } from 'fastify'
import { NotFoundError, ValidationError } from '../../core/errors.js'
import type { RouteContext } from '../context.js'
import { DeliveryPage, Event, EventPage, EventQuery, IdParam, PageQuery, Publish } from '../schemas.js'

const tags = ['events']
const MAX_IDEMPOTENCY_KEY_LENGTH = 255

export function eventRoutes(
  app: FastifyInstance,
  { store, eventData, metrics, tracing }: RouteContext,
): void {
  app.post<{ Body: Publish }>(
    '/v1/events',
    {
      schema: {
        tags,
        summary: 'Publish an event to every subscribed endpoint',
        description:
          'Answers 202 once the event and its deliveries are committed to disk. A repeated `Idempotency-Key` ' +
          'header or `id` returns the original event (with `Idempotent-Replayed: true`), never a second one.',
        body: Publish,
        response: { 202: Event },
      },
    },
    async (request, reply) => {
      const idempotencyKey = readIdempotencyKey(request.headers['idempotency-key'])
      const { type, data, id } = request.body
      const eventType = await store.getEventType(type)
      if (eventType) eventData.validate(eventType, data)
      const startMs = Date.now()
      const { event, created } = await store.publish({ type, data, id, idempotencyKey })
      reply.code(202)
      if (created) {
        metrics.eventAccepted(type, null)
        tracing.eventAccepted(event, null, { startMs, endMs: Date.now() })
      } else reply.header('idempotent-replayed', 'true')
      return event
    },
  )

  app.get<{ Querystring: EventQuery }>(
    '/v1/events',
    {
      schema: {
        tags,
        summary: 'List events, newest first',
        querystring: EventQuery,
        response: { 200: EventPage },
      },
    },
    async (request) => {
      const { since, until, ...rest } = request.query
      return store.listEvents({
        ...rest,
        limit: rest.limit ?? 50,
        sinceMs: toMs(since),
        untilMs: toMs(until),
      })
    },
  )

  app.get<{ Params: IdParam }>(
    '/v1/events/:id',
    { schema: { tags, summary: 'Get an event', params: IdParam, response: { 200: Event } } },
    async (request) => {
      const event = await store.getEvent(request.params.id)
      if (!event) throw new NotFoundError('event', request.params.id)
      return event
    },
  )

  app.get<{ Params: IdParam; Querystring: { limit: number; cursor?: string } }>(
    '/v1/events/:id/deliveries',
    {
      schema: {
        tags,
        summary: 'List the deliveries of an event',
        params: IdParam,
        querystring: PageQuery,
        response: { 200: DeliveryPage },
      },
    },
    async (request) => {
      if (!(await store.getEvent(request.params.id))) throw new NotFoundError('event', request.params.id)
      return store.listDeliveries({ ...request.query, eventId: request.params.id })
    },
  )
}

function readIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined
  const key = Array.isArray(header) ? header[0] : header
  if (key === undefined || key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new ValidationError(
      'invalid Idempotency-Key header',
      [{ path: 'header:idempotency-key', message: `must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters` }],
      400,
    )
  }
  return key
}

function toMs(iso: string | undefined): number | undefined {
  return iso === undefined ? undefined : Date.parse(iso)
}
