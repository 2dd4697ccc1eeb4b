/**
 * The one generic adapter every framework adapter is built from (octokit's `createMiddleware`
 * pattern): give it how to read the request line and headers, how to read the raw body, and how
 * to send a response, and it runs the receiver core in between.
 */

import type { Payload } from '../encoding.js'
import { HooklineError } from '../errors.js'
import type { HeadersInput } from '../headers.js'
import type { ReceiverRequest } from './create-receiver.js'
import { problemResponse, type ReceiverResponse } from './responses.js'

/** The part of a `Receiver` an adapter needs. */
export interface ReceiverCore {
  receive(request: ReceiverRequest): Promise<ReceiverResponse>
  readonly maxBodyBytes: number
}

/** How one framework exposes a request and accepts a response. */
export interface AdapterFunctions<Request, Reply, Result> {
  /** Method, absolute URL and headers of the request. */
  readRequest(request: Request): { method: string; url: string; headers: HeadersInput }
  /** The raw body, never re-serialised; throw `PayloadTooLargeError` past `maxBytes`. */
  readRawBody(request: Request, maxBytes: number): Promise<Payload>
  sendResponse(response: ReceiverResponse, reply: Reply): Result | Promise<Result>
}

/**
 * The body exceeded the receiver's `maxBodyBytes`.
 *
 * @example
 * ```ts
 * if (size > maxBytes) throw new PayloadTooLargeError()
 * ```
 */
export class PayloadTooLargeError extends HooklineError {
  constructor() {
    super('payload_too_large', 413, 'Payload too large')
  }
}

/**
 * The raw body is gone (a JSON body parser consumed it before the receiver).
 *
 * @example
 * ```ts
 * if (request.readableEnded) throw new BodyUnavailableError()
 * ```
 */
export class BodyUnavailableError extends HooklineError {
  constructor() {
    super(
      'body_unavailable',
      500,
      'The raw request body was already consumed by a body parser; mount the receiver before it (or use express.raw())',
    )
  }
}

/**
 * Builds a framework adapter from three small functions.
 *
 * @example
 * ```ts
 * // An adapter for a framework whose handlers get (ctx) and return a response object:
 * const handle = createAdapter(receiver, {
 *   readRequest: (ctx) => ({ method: ctx.method, url: ctx.href, headers: ctx.headers }),
 *   readRawBody: (ctx) => ctx.rawBody(),
 *   sendResponse: (response) => response,
 * })
 * ```
 */
export function createAdapter<Request, Reply, Result>(
  receiver: ReceiverCore,
  functions: AdapterFunctions<Request, Reply, Result>,
): (request: Request, reply: Reply) => Promise<Result> {
  return async (request, reply) => {
    let response: ReceiverResponse
    try {
      const { method, url, headers } = functions.readRequest(request)
      const body =
        method.toUpperCase() === 'POST' ? await functions.readRawBody(request, receiver.maxBodyBytes) : ''
      response = await receiver.receive({ method, url, headers, body })
    } catch (error) {
      response =
        error instanceof HooklineError
          ? problemResponse(
              error.status,
              error.code,
              error.message,
              error.status === 413 ? { connection: 'close' } : {},
            )
          : problemResponse(400, 'bad_request', 'The request could not be read')
    }
    return functions.sendResponse(response, reply)
  }
}
