import { type Static, Type as T } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { NotFoundError, ValidationError } from '../../core/errors.js'
import type { RouteContext } from '../context.js'
import { checkEndpointUrl } from '../endpoint-input.js'
import { EVENT_TYPE_NAME, IdParam, PageQuery } from '../schemas.js'

const Pointer = T.String({
  pattern: '^(/[^/]*)+$',
  maxLength: 256,
  description: 'a JSON pointer, e.g. /status',
})

const fields = {
  url: T.String({ minLength: 1, maxLength: 2048, description: 'the legacy status endpoint (GET, JSON)' }),
  intervalSeconds: T.Integer({ minimum: 1, maximum: 86_400 }),
  headers: T.Record(
    T.String({ pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$" }),
    T.String({ maxLength: 4096 }),
    {
      maxProperties: 20,
      description: 'sent with every poll (e.g. Authorization); sealed at rest, never returned',
    },
  ),
  eventType: T.String({ pattern: EVENT_TYPE_NAME, maxLength: 128 }),
  idFrom: T.Union([Pointer, T.Literal('')], { description: "pointer to each item's id within the item" }),
  changeFrom: T.Union([Pointer, T.Null()], {
    description: 'pointer to the watched value; null watches the whole item',
  }),
  itemsFrom: T.Union([Pointer, T.Null()], {
    description: 'pointer to the array of items; null: the body is one item',
  }),
}

const CreatePoller = T.Object(
  {
    url: fields.url,
    intervalSeconds: fields.intervalSeconds,
    headers: T.Optional(fields.headers),
    eventType: fields.eventType,
    idFrom: fields.idFrom,
    changeFrom: T.Optional(fields.changeFrom),
    itemsFrom: T.Optional(fields.itemsFrom),
  },
  { additionalProperties: false },
)
const UpdatePoller = T.Partial(CreatePoller, { additionalProperties: false })

const Poller = T.Object({
  id: T.String(),
  url: T.String(),
  intervalSeconds: T.Number(),
  headerNames: T.Array(T.String()),
  eventType: T.String(),
  idFrom: T.String(),
  changeFrom: T.Union([T.String(), T.Null()]),
  itemsFrom: T.Union([T.String(), T.Null()]),
  lastRunAt: T.Union([T.String(), T.Null()]),
  lastOutcome: T.Union([T.String(), T.Null()]),
  lastError: T.Union([T.String(), T.Null()]),
  lastChangeAt: T.Union([T.String(), T.Null()]),
  nextRunAt: T.String(),
  createdAt: T.String(),
  updatedAt: T.String(),
})

const tags = ['pollers']

/** `/v1/pollers`: the poll-to-push bridge for systems that only offer a status endpoint. */
export function pollerRoutes(app: FastifyInstance, { store, guard }: RouteContext): void {
  const checkUrl = (url: string) => {
    try {
      checkEndpointUrl(url, guard)
    } catch (error) {
      if (error instanceof ValidationError) throw new ValidationError('invalid poller', error.errors)
      throw error
    }
  }

  app.post<{ Body: Static<typeof CreatePoller> }>(
    '/v1/pollers',
    {
      schema: {
        tags,
        summary: 'Poll a legacy endpoint and publish an event when an item appears or changes',
        description:
          'The first poll records a baseline; each later poll publishes `eventType` with data ' +
          '`{pollerId, itemId, change: "appeared"|"changed", item}`. ETag/If-None-Match is honoured; errors and 429 back off.',
        body: CreatePoller,
        response: { 201: Poller },
      },
    },
    async (request, reply) => {
      const body = request.body
      checkUrl(body.url)
      reply.code(201)
      return store.createPoller({
        ...body,
        headers: body.headers ?? {},
        changeFrom: body.changeFrom ?? null,
        itemsFrom: body.itemsFrom ?? null,
      })
    },
  )

  app.get<{ Querystring: { limit: number; cursor?: string } }>(
    '/v1/pollers',
    {
      schema: {
        tags,
        summary: 'List pollers with their last run and last change',
        querystring: PageQuery,
        response: { 200: T.Object({ data: T.Array(Poller), nextCursor: T.Union([T.String(), T.Null()]) }) },
      },
    },
    async (request) => store.listPollers(request.query),
  )

  app.get<{ Params: IdParam }>(
    '/v1/pollers/:id',
    { schema: { tags, summary: 'Get a poller', params: IdParam, response: { 200: Poller } } },
    async (request) => {
      const poller = await store.getPoller(request.params.id)
      if (!poller) throw new NotFoundError('poller', request.params.id)
      return poller
    },
  )

  app.patch<{ Params: IdParam; Body: Static<typeof UpdatePoller> }>(
    '/v1/pollers/:id',
    {
      schema: {
        tags,
        summary: 'Update a poller (changing what it watches starts a new baseline)',
        params: IdParam,
        body: UpdatePoller,
        response: { 200: Poller },
      },
    },
    async (request) => {
      if (request.body.url !== undefined) checkUrl(request.body.url)
      const poller = await store.updatePoller(request.params.id, request.body)
      if (!poller) throw new NotFoundError('poller', request.params.id)
      return poller
    },
  )

  app.delete<{ Params: IdParam }>(
    '/v1/pollers/:id',
    { schema: { tags, summary: 'Delete a poller', params: IdParam } },
    async (request, reply) => {
      if (!(await store.deletePoller(request.params.id))) throw new NotFoundError('poller', request.params.id)
      return reply.code(204).send()
    },
  )
}
