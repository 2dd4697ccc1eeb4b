/**
 * The Fetch adapter: `(Request) => Promise<Response>`, the handler shape of Hono
 * (`c.req.raw`), Next.js route handlers, Bun, Deno and Cloudflare Workers.
 */

import { concatBytes, type Payload } from '../encoding.js'
import { type AdapterFunctions, createAdapter, PayloadTooLargeError, type ReceiverCore } from './adapter.js'

/** A Fetch API handler. */
export type FetchHandler = (request: Request) => Promise<Response>

async function readWebBody(request: Request, maxBytes: number): Promise<Payload> {
  if (Number(request.headers.get('content-length')) > maxBytes) throw new PayloadTooLargeError()
  if (!request.body) return new Uint8Array()
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.length
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined)
      throw new PayloadTooLargeError()
    }
    chunks.push(value)
  }
  return chunks.length === 1 && chunks[0] ? chunks[0] : concatBytes(...chunks)
}

const webFunctions: AdapterFunctions<Request, undefined, Response> = {
  readRequest: (request) => ({ method: request.method, url: request.url, headers: request.headers }),
  readRawBody: readWebBody,
  sendResponse: (response) =>
    new Response(response.body === '' ? null : response.body, {
      status: response.status,
      headers: response.headers,
    }),
}

/**
 * The `receiver.fetch` handler (exported for custom wiring).
 *
 * @example
 * ```ts
 * export default { fetch: fetchHandler(receiver) } // Bun, Deno, Workers
 * ```
 */
export function fetchHandler(receiver: ReceiverCore): FetchHandler {
  const handle = createAdapter(receiver, webFunctions)
  return (request) => handle(request, undefined)
}
