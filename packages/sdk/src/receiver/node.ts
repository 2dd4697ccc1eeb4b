/**
 * The node:http adapter, which is also the Express one (Express passes node's request and
 * response objects). Reads the raw body from the stream, or takes it from `req.body` when
 * `express.raw()` or `express.text()` already did.
 */

import { concatBytes, type Payload, utf8Encode } from '../encoding.js'
import {
  type AdapterFunctions,
  BodyUnavailableError,
  createAdapter,
  PayloadTooLargeError,
  type ReceiverCore,
} from './adapter.js'

/** The parts of node's `IncomingMessage` (or Express's `Request`) the adapter uses. */
export interface NodeRequestLike extends AsyncIterable<unknown> {
  method?: string | undefined
  url?: string | undefined
  /** Express's path before router mounting stripped it. */
  originalUrl?: string
  headers: Record<string, string | string[] | undefined>
  body?: unknown
  readableEnded?: boolean
  /** A TLS socket has `encrypted: true`. */
  socket?: object | null
}

/** The parts of node's `ServerResponse` (or Express's `Response`) the adapter uses. */
export interface NodeResponseLike {
  writeHead(status: number, headers: Record<string, string>): unknown
  end(body?: string): unknown
}

/** A node:http request listener and Express handler. */
export type NodeHandler = (
  request: NodeRequestLike,
  response: NodeResponseLike,
  next?: unknown,
) => Promise<void>

async function readNodeBody(request: NodeRequestLike, maxBytes: number): Promise<Payload> {
  const { body } = request
  if (body instanceof Uint8Array || typeof body === 'string') return body
  if (request.readableEnded) throw new BodyUnavailableError()
  const declared = Number(request.headers['content-length'])
  if (declared > maxBytes) throw new PayloadTooLargeError()
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of request) {
    const bytes = typeof chunk === 'string' ? utf8Encode(chunk) : (chunk as Uint8Array)
    size += bytes.length
    if (size > maxBytes) throw new PayloadTooLargeError()
    chunks.push(bytes)
  }
  return chunks.length === 1 && chunks[0] ? chunks[0] : concatBytes(...chunks)
}

const nodeFunctions: AdapterFunctions<NodeRequestLike, NodeResponseLike, void> = {
  readRequest(request) {
    const protocol = (request.socket as { encrypted?: boolean } | null | undefined)?.encrypted
      ? 'https'
      : 'http'
    const host = request.headers.host ?? 'localhost'
    const path = request.originalUrl ?? request.url ?? '/'
    return { method: request.method ?? 'GET', url: `${protocol}://${host}${path}`, headers: request.headers }
  },
  readRawBody: readNodeBody,
  sendResponse(response, reply) {
    reply.writeHead(response.status, response.headers)
    reply.end(response.body)
  },
}

/**
 * The `receiver.node` handler (exported for custom wiring).
 *
 * @example
 * ```ts
 * http.createServer(nodeHandler(receiver)).listen(3000)
 * ```
 */
export function nodeHandler(receiver: ReceiverCore): NodeHandler {
  const handle = createAdapter(receiver, nodeFunctions)
  return (request, response) => handle(request, response)
}
