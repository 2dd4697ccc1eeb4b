import type { FastifyInstance } from 'fastify'
import { NotFoundError } from '../../core/errors.js'
import type { RouteContext } from '../context.js'
import { CreateEventType, EventType, EventTypePage, PageQuery } from '../schemas.js'

export function eventTypeRoutes(app: FastifyInstance, { store, eventData }: RouteContext): void {
  app.post<{ Body: CreateEventType }>(
    '/v1/event-types',
    {
      schema: {
        tags: ['event types'],
        summary: 'Create an event type',
        body: CreateEventType,
        response: { 201: EventType },
      },
    },
    async (request, reply) => {
      if (request.body.schema !== undefined) eventData.checkSchema(request.body.schema)
      reply.code(201)
      return store.createEventType(request.body)
    },
  )

  app.get<{ Querystring: { limit: number; cursor?: string } }>(
    '/v1/event-types',
    {
      schema: {
        tags: ['event types'],
        summary: 'List event types',
        querystring: PageQuery,
        response: { 200: EventTypePage },
      },
    },
    async (request) => store.listEventTypes(request.query),
  )

  app.get<{ Params: { name: string } }>(
    '/v1/event-types/:name',
    {
      schema: {
        tags: ['event types'],
        summary: 'Get an event type by name or id',
        response: { 200: EventType },
      },
    },
    async (request) => {
      const eventType = await store.getEventType(request.params.name)
      if (!eventType) throw new NotFoundError('event type', request.params.name)
      return eventType
    },
  )
}
