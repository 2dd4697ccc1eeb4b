import type { FastifyInstance } from 'fastify'
import { NotFoundError } from '../../core/errors.js'
import type { RouteContext } from '../context.js'
import { Delivery, DeliveryPage, DeliveryQuery, DeliveryWithAttempts, IdParam } from '../schemas.js'

const tags = ['deliveries']

export function deliveryRoutes(app: FastifyInstance, { store }: RouteContext): void {
  app.get<{ Querystring: DeliveryQuery }>(
    '/v1/deliveries',
    {
      schema: {
        tags,
        summary: 'List deliveries, newest first',
        querystring: DeliveryQuery,
        response: { 200: DeliveryPage },
      },
    },
    async (request) => store.listDeliveries({ ...request.query, limit: request.query.limit ?? 50 }),
  )

  app.get<{ Params: IdParam }>(
    '/v1/deliveries/:id',
    {
      schema: {
        tags,
        summary: 'Get a delivery with every attempt',
        params: IdParam,
        response: { 200: DeliveryWithAttempts },
      },
    },
    async (request) => {
      const delivery = await store.getDelivery(request.params.id)
      if (!delivery) throw new NotFoundError('delivery', request.params.id)
      return delivery
    },
  )

  app.post<{ Params: IdParam }>(
    '/v1/deliveries/:id/retry',
    {
      schema: {
        tags,
        summary: 'Schedule an immediate attempt',
        description: 'A pending delivery is brought forward; a finished one gets exactly one more attempt.',
        params: IdParam,
        response: { 202: Delivery },
      },
    },
    async (request, reply) => {
      const delivery = await store.retryDelivery(request.params.id)
      if (!delivery) throw new NotFoundError('delivery', request.params.id)
      reply.code(202)
      return delivery
    },
  )
}
