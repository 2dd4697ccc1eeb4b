import { type Static, Type as T } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { NotFoundError } from '../../core/errors.js'
import { API_KEY_SCOPES } from '../../core/types.js'
import { generateApiKey } from '../auth.js'
import type { RouteContext } from '../context.js'
import { IdParam, PageQuery } from '../schemas.js'

const Scope = T.Union(API_KEY_SCOPES.map((scope) => T.Literal(scope)))
const AnyScope = T.Union([...API_KEY_SCOPES, 'stream' as const].map((scope) => T.Literal(scope)))

const ApiKey = T.Object({
  id: T.String(),
  name: T.String(),
  scope: AnyScope,
  prefix: T.String({ description: 'the first characters of the key, to tell keys apart' }),
  endpointId: T.Union([T.String(), T.Null()], { description: 'the endpoint a stream token is bound to' }),
  createdAt: T.String({ format: 'date-time' }),
  revokedAt: T.Union([T.String({ format: 'date-time' }), T.Null()]),
})

const CreateApiKey = T.Object(
  {
    name: T.String({ minLength: 1, maxLength: 100 }),
    scope: T.Optional(Scope),
  },
  { additionalProperties: false },
)

const tags = ['api keys']

export function apiKeyRoutes(app: FastifyInstance, { store }: RouteContext): void {
  app.post<{ Body: Static<typeof CreateApiKey> }>(
    '/v1/api-keys',
    {
      schema: {
        tags,
        summary: 'Create an API key; the key is in this answer only',
        description: 'Scopes: admin (everything), publish (only POST /v1/events), read (only GET).',
        body: CreateApiKey,
        response: { 201: T.Composite([ApiKey, T.Object({ key: T.String() })]) },
      },
    },
    async (request, reply) => {
      const { token, hash, prefix } = generateApiKey()
      const key = await store.createApiKey({
        hash,
        prefix,
        name: request.body.name,
        scope: request.body.scope ?? 'read',
      })
      reply.code(201)
      return { ...key, key: token }
    },
  )

  app.get<{ Querystring: { limit: number; cursor?: string } }>(
    '/v1/api-keys',
    {
      schema: {
        tags,
        summary: 'List API keys (never the keys themselves)',
        querystring: PageQuery,
        response: { 200: T.Object({ data: T.Array(ApiKey), nextCursor: T.Union([T.String(), T.Null()]) }) },
      },
    },
    async (request) => store.listApiKeys(request.query),
  )

  app.delete<{ Params: IdParam }>(
    '/v1/api-keys/:id',
    {
      schema: {
        tags,
        summary: 'Revoke an API key; it stops working on the next request',
        params: IdParam,
        response: { 200: ApiKey },
      },
    },
    async (request) => {
      const key = await store.revokeApiKey(request.params.id)
      if (!key) throw new NotFoundError('API key', request.params.id)
      return key
    },
  )
}
