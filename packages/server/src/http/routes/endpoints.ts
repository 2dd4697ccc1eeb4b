import { generateSecret } from '@hookline/sdk'
import type { Static } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { ConflictError, NotFoundError } from '../../core/errors.js'
import { generateApiKey } from '../auth.js'
import type { RouteContext } from '../context.js'
import { checkEndpointHeaders, checkEndpointUrl } from '../endpoint-input.js'
import {
  CreateEndpoint,
  Endpoint,
  EndpointPage,
  EndpointWithSecret,
  IdParam,
  PageQuery,
  Recover,
  RecoverResponse,
  RotateSecret,
  SecretResponse,
  StreamToken,
  UpdateEndpoint,
} from '../schemas.js'

/** After a rotation the previous secret keeps signing this long, so receivers can switch over. */
const ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000

const tags = ['endpoints']

export function endpointRoutes(app: FastifyInstance, { store, guard }: RouteContext): void {
  const mustExist = async (id: string) => {
    const endpoint = await store.getEndpoint(id)
    if (!endpoint) throw new NotFoundError('endpoint', id)
    return endpoint
  }

  app.post<{ Body: CreateEndpoint }>(
    '/v1/endpoints',
    {
      schema: {
        tags,
        summary: 'Create an endpoint',
        body: CreateEndpoint,
        response: { 201: EndpointWithSecret },
      },
    },
    async (request, reply) => {
      const { secret: given, ...fields } = request.body
      checkEndpointUrl(fields.url, guard)
      checkEndpointHeaders(fields.headers)
      const secret = given ?? generateSecret()
      const endpoint = await store.createEndpoint({ ...fields, secret })
      reply.code(201)
      return { ...endpoint, secret }
    },
  )

  app.get<{ Querystring: { limit: number; cursor?: string } }>(
    '/v1/endpoints',
    { schema: { tags, summary: 'List endpoints', querystring: PageQuery, response: { 200: EndpointPage } } },
    async (request) => store.listEndpoints(request.query),
  )

  app.get<{ Params: IdParam }>(
    '/v1/endpoints/:id',
    { schema: { tags, summary: 'Get an endpoint', params: IdParam, response: { 200: Endpoint } } },
    async (request) => mustExist(request.params.id),
  )

  app.patch<{ Params: IdParam; Body: UpdateEndpoint }>(
    '/v1/endpoints/:id',
    {
      schema: {
        tags,
        summary: 'Update an endpoint',
        params: IdParam,
        body: UpdateEndpoint,
        response: { 200: Endpoint },
      },
    },
    async (request) => {
      if (request.body.url !== undefined) checkEndpointUrl(request.body.url, guard)
      checkEndpointHeaders(request.body.headers)
      const endpoint = await store.updateEndpoint(request.params.id, request.body)
      if (!endpoint) throw new NotFoundError('endpoint', request.params.id)
      return endpoint
    },
  )

  app.delete<{ Params: IdParam }>(
    '/v1/endpoints/:id',
    { schema: { tags, summary: 'Delete an endpoint and its deliveries', params: IdParam } },
    async (request, reply) => {
      if (!(await store.deleteEndpoint(request.params.id)))
        throw new NotFoundError('endpoint', request.params.id)
      return reply.code(204).send()
    },
  )

  app.get<{ Params: IdParam }>(
    '/v1/endpoints/:id/secret',
    {
      schema: {
        tags,
        summary: "Get an endpoint's current signing secret",
        params: IdParam,
        response: { 200: SecretResponse },
      },
    },
    async (request) => {
      const secrets = await store.getEndpointSecrets(request.params.id)
      const current = secrets?.[0]
      if (!current) throw new NotFoundError('endpoint', request.params.id)
      return { secret: current.secret }
    },
  )

  app.post<{ Params: IdParam; Body: Static<typeof RotateSecret> }>(
    '/v1/endpoints/:id/rotate-secret',
    {
      schema: {
        tags,
        summary: 'Rotate the signing secret; the old one keeps signing beside the new one for 24 h',
        params: IdParam,
        body: RotateSecret,
        response: { 200: SecretResponse },
      },
    },
    async (request) => {
      const secret = request.body?.secret ?? generateSecret()
      const rotated = await store.rotateEndpointSecret(
        request.params.id,
        secret,
        Date.now() + ROTATION_OVERLAP_MS,
      )
      if (!rotated) throw new NotFoundError('endpoint', request.params.id)
      return { secret }
    },
  )

  app.post<{ Params: IdParam }>(
    '/v1/endpoints/:id/stream-token',
    {
      schema: {
        tags,
        summary: "Create a stream token: it reads only this endpoint's events from GET /v1/stream",
        description:
          'For an agent without a public URL: the token can do nothing but stream the events this ' +
          'endpoint subscribes to. It is in this answer only; revoke it with DELETE /v1/api-keys/{keyId}.',
        params: IdParam,
        response: { 201: StreamToken },
      },
    },
    async (request, reply) => {
      const endpoint = await mustExist(request.params.id)
      const { token, hash, prefix } = generateApiKey()
      const key = await store.createApiKey({
        hash,
        prefix,
        name: `stream token for ${endpoint.id}`,
        scope: 'stream',
        endpointId: endpoint.id,
      })
      reply.code(201)
      return { keyId: key.id, endpointId: endpoint.id, token }
    },
  )

  app.post<{ Params: IdParam; Body: Static<typeof Recover> }>(
    '/v1/endpoints/:id/recover',
    {
      schema: {
        tags,
        summary: "Re-queue the endpoint's failed and exhausted deliveries since a time (one attempt each)",
        params: IdParam,
        body: Recover,
        response: { 202: RecoverResponse },
      },
    },
    async (request, reply) => {
      const endpoint = await mustExist(request.params.id)
      if (endpoint.disabled)
        throw new ConflictError('the endpoint is disabled: enable it (PATCH disabled=false) first')
      const recovered = await store.recoverEndpoint(endpoint.id, Date.parse(request.body.since))
      reply.code(202)
      return { recovered }
    },
  )
}
