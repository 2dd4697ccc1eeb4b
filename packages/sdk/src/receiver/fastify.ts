/**
 * The Fastify adapter: a plugin that, inside its own encapsulated scope, replaces Fastify's body
 * parsers with one that keeps the raw bytes (Fastify parses JSON by default, which would break
 * verification), and registers the webhook route. Typed structurally so the SDK does not depend
 * on Fastify.
 */

import type { HeadersInput } from '../headers.js'
import { type AdapterFunctions, createAdapter, type ReceiverCore } from './adapter.js'

/** The parts of a Fastify request the adapter uses. */
export interface FastifyRequestLike {
  method: string
  url: string
  protocol?: string
  host?: string
  headers: HeadersInput & Record<string, string | string[] | undefined>
  body?: unknown
}

/** The parts of a Fastify reply the adapter uses. */
export interface FastifyReplyLike {
  code(status: number): FastifyReplyLike
  headers(values: Record<string, string>): FastifyReplyLike
  send(payload?: string): FastifyReplyLike
}

/** The parts of a Fastify instance the plugin uses. */
export interface FastifyInstanceLike {
  removeAllContentTypeParsers(): void
  addContentTypeParser(
    contentType: string,
    options: { parseAs: 'buffer'; bodyLimit: number },
    parser: (
      request: never,
      body: Uint8Array | string,
      done: (error: Error | null, body?: unknown) => void,
    ) => void,
  ): void
  post(
    path: string,
    handler: (request: FastifyRequestLike, reply: FastifyReplyLike) => Promise<unknown>,
  ): void
  options(
    path: string,
    handler: (request: FastifyRequestLike, reply: FastifyReplyLike) => Promise<unknown>,
  ): void
}

/** Options of the Fastify plugin: the route path inside the plugin's prefix (default `/`). */
export interface FastifyReceiverOptions {
  path?: string
}

/** `app.register(receiver.fastify, { path: '/webhooks' })`. */
export type FastifyReceiverPlugin = (
  instance: FastifyInstanceLike,
  options: FastifyReceiverOptions,
) => Promise<void>

const fastifyFunctions: AdapterFunctions<FastifyRequestLike, FastifyReplyLike, FastifyReplyLike> = {
  readRequest: (request) => ({
    method: request.method,
    url: `${request.protocol ?? 'http'}://${request.host ?? request.headers.host ?? 'localhost'}${request.url}`,
    headers: request.headers,
  }),
  // The content-type parser below already buffered (and size-limited) the body.
  readRawBody: async (request) =>
    request.body instanceof Uint8Array || typeof request.body === 'string' ? request.body : '',
  sendResponse: (response, reply) =>
    reply.code(response.status).headers(response.headers).send(response.body),
}

/**
 * The `receiver.fastify` plugin (exported for custom wiring).
 *
 * @example
 * ```ts
 * await app.register(fastifyPlugin(receiver), { prefix: '/hooks', path: '/github' })
 * ```
 */
export function fastifyPlugin(receiver: ReceiverCore): FastifyReceiverPlugin {
  const handle = createAdapter(receiver, fastifyFunctions)
  return async (instance, options) => {
    const path = options.path ?? '/'
    instance.removeAllContentTypeParsers()
    instance.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: receiver.maxBodyBytes },
      (_request, body, done) => done(null, body),
    )
    instance.post(path, handle)
    instance.options(path, handle)
  }
}
