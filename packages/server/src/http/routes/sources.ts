import type { FastifyInstance } from 'fastify'
import { NotFoundError, ValidationError } from '../../core/errors.js'
import type { Source, VerifierConfig } from '../../core/types.js'
import type { RouteContext } from '../context.js'
import { IdParam, PageQuery } from '../schemas.js'
import {
  CreateSource,
  RejectionList,
  SourcePage,
  Source as SourceSchema,
  UpdateSource,
  type VerifierInput,
} from '../source-schemas.js'

const tags = ['sources']

/** `secret` and `secrets` are two spellings of one list; `none` is the only scheme without. */
function toVerifierConfig(input: VerifierInput, path: string): VerifierConfig {
  const { secret, secrets, ...rest } = input
  const list = [...(secret === undefined ? [] : [secret]), ...(secrets ?? [])]
  if (input.scheme === 'none') {
    if (list.length > 0)
      throw new ValidationError('invalid verifier', [
        { path: `${path}/secret`, message: 'scheme none takes no secret' },
      ])
  } else if (list.length === 0) {
    throw new ValidationError('invalid verifier', [
      { path: `${path}/secret`, message: `scheme ${input.scheme} needs a secret` },
    ])
  }
  return { ...rest, secrets: list }
}

const withIngestPath = (source: Source) => ({ ...source, ingestPath: `/in/${source.name}` })

export function sourceRoutes(app: FastifyInstance, { store }: RouteContext): void {
  app.post<{ Body: CreateSource }>(
    '/v1/sources',
    {
      schema: {
        tags,
        summary: 'Create an inbound source; providers post to /in/<name>',
        body: CreateSource,
        response: { 201: SourceSchema },
      },
    },
    async (request, reply) => {
      const { verifier, ...rest } = request.body
      const source = await store.createSource({ ...rest, verifier: toVerifierConfig(verifier, '/verifier') })
      reply.code(201)
      return withIngestPath(source)
    },
  )

  app.get<{ Querystring: { limit: number; cursor?: string } }>(
    '/v1/sources',
    { schema: { tags, summary: 'List sources', querystring: PageQuery, response: { 200: SourcePage } } },
    async (request) => {
      const page = await store.listSources(request.query)
      return { ...page, data: page.data.map(withIngestPath) }
    },
  )

  app.get<{ Params: IdParam }>(
    '/v1/sources/:id',
    {
      schema: {
        tags,
        summary: 'Get a source (by id or name) with its counters',
        params: IdParam,
        response: { 200: SourceSchema },
      },
    },
    async (request) => {
      const source = await store.getSource(request.params.id)
      if (!source) throw new NotFoundError('source', request.params.id)
      return withIngestPath(source)
    },
  )

  app.patch<{ Params: IdParam; Body: UpdateSource }>(
    '/v1/sources/:id',
    {
      schema: {
        tags,
        summary: 'Update a source',
        params: IdParam,
        body: UpdateSource,
        response: { 200: SourceSchema },
      },
    },
    async (request) => {
      const { verifier, ...rest } = request.body
      const patch =
        verifier === undefined ? rest : { ...rest, verifier: toVerifierConfig(verifier, '/verifier') }
      const source = await store.updateSource(request.params.id, patch)
      if (!source) throw new NotFoundError('source', request.params.id)
      return withIngestPath(source)
    },
  )

  app.delete<{ Params: IdParam }>(
    '/v1/sources/:id',
    { schema: { tags, summary: 'Delete a source (its events stay)', params: IdParam } },
    async (request, reply) => {
      if (!(await store.deleteSource(request.params.id))) throw new NotFoundError('source', request.params.id)
      return reply.code(204).send()
    },
  )

  app.get<{ Params: IdParam }>(
    '/v1/sources/:id/rejections',
    {
      schema: {
        tags,
        summary: 'The recent rejections of a source: time, reason and size (never the body or signature)',
        params: IdParam,
        response: { 200: RejectionList },
      },
    },
    async (request) => {
      const source = await store.getSource(request.params.id)
      if (!source) throw new NotFoundError('source', request.params.id)
      return { data: await store.listRejections(source.id, 100) }
    },
  )
}
