/**
 * `createReceiver`: the four rules of receiving webhooks in one call: verify the signature on the
 * raw body, drop duplicates by the scheme's message id, answer 2xx at once, and process later
 * with bounded concurrency and retries. The core (`receive`) is framework-neutral; adapters for
 * node:http/Express, Fastify and Fetch-style runtimes wrap it in a few lines each.
 */

import { type Payload, payloadBytes } from '../encoding.js'
import { HooklineError, WebhookVerificationError } from '../errors.js'
import { type HeadersInput, headerReader, headersToRecord } from '../headers.js'
import { getScheme } from '../schemes/registry.js'
import { secretList } from '../sign.js'
import type { HmacSchemeOptions, SchemeName, SecretInput } from '../types.js'
import { verify } from '../verify.js'
import { type FastifyReceiverPlugin, fastifyPlugin } from './fastify.js'
import { HandlerQueue, type QueueOptions } from './handler-queue.js'
import { type IdempotencyOptions, type IdempotencyStore, idempotencyConfig } from './idempotency-store.js'
import { type NodeHandler, nodeHandler } from './node.js'
import { parsePayload } from './parse-payload.js'
import { jsonResponse, problemResponse, type ReceiverResponse } from './responses.js'
import { type FetchHandler, fetchHandler } from './web.js'

/**
 * A verified webhook, as the handler receives it.
 *
 * @example
 * ```ts
 * const handler = async (event: WebhookEvent<{ type: string }>) => {
 *   if (event.payload.type === 'order.shipped') await notify(event.id)
 * }
 * ```
 */
export interface WebhookEvent<T = unknown> {
  /** The scheme's message id (`webhook-id`, `X-GitHub-Delivery`, Stripe event id…), when it has one. */
  id: string | undefined
  /** The signed timestamp in unix seconds, when the scheme has one. */
  timestamp: number | undefined
  scheme: SchemeName
  /** The body parsed: JSON, form fields (`Record<string, string | string[]>`) or text. */
  payload: T
  /** The body exactly as received. */
  rawBody: Uint8Array
  /** Request headers, lower-cased. */
  headers: Record<string, string>
  /** 1 for the first run of the handler, 2 for its first retry… */
  attempt: number
}

/**
 * Options of {@link createReceiver}.
 *
 * @example
 * ```ts
 * const options: ReceiverOptions = {
 *   scheme: 'stripe', secret: process.env.STRIPE_WEBHOOK_SECRET!, handler,
 *   queue: { concurrency: 4, maxAttempts: 5 }, idempotency: { ttlSeconds: 3 * 86_400 },
 * }
 * ```
 */
export interface ReceiverOptions<T = unknown> extends HmacSchemeOptions {
  scheme: SchemeName
  secret: SecretInput
  /** Runs after the 2xx; a throw is retried per `queue`, then reported to `onError`. */
  handler: (event: WebhookEvent<T>) => unknown
  /** `false` to handle every delivery; an `IdempotencyStore`, or options for the default store. */
  idempotency?: false | IdempotencyStore | IdempotencyOptions
  /**
   * Queue settings, or `false` to run the handler before answering (2xx on success, 500 so the
   * sender retries on failure): the mode for serverless runtimes that stop after the response.
   */
  queue?: false | QueueOptions
  /** Called with every handler failure that exhausted its attempts, and with receiver misconfiguration. */
  onError?: (error: unknown, event: WebhookEvent<T> | undefined) => void
  toleranceSeconds?: number
  /** Bodies above this are refused with 413. Default 5 MiB. */
  maxBodyBytes?: number
  /**
   * The public URL the sender called (Twilio signs it): a base such as `https://api.example.com`
   * replacing the origin the server saw (useful behind proxies), or a function of that URL.
   */
  publicUrl?: string | ((requestUrl: string) => string)
}

/** A request as the framework-neutral core sees it. */
export interface ReceiverRequest {
  method: string
  /** Absolute URL as the server saw it. */
  url: string
  headers: HeadersInput
  body: Payload
}

/**
 * What `createReceiver` returns: the core plus one adapter per framework.
 *
 * @example
 * ```ts
 * app.post('/webhooks/github', receiver.node) // Express, before express.json()
 * process.on('SIGTERM', () => receiver.idle().then(() => process.exit(0)))
 * ```
 */
export interface Receiver {
  /** The framework-neutral core: verify, dedupe, queue, and the response to send. */
  receive(request: ReceiverRequest): Promise<ReceiverResponse>
  /** node:http and Express handler: `app.post('/webhooks', receiver.node)` (before any body parser). */
  node: NodeHandler
  /** Fetch-style handler for Hono, Next.js route handlers, Bun, Deno and Workers. */
  fetch: FetchHandler
  /** Fastify plugin that keeps the raw body: `app.register(receiver.fastify, { path: '/webhooks' })`. */
  fastify: FastifyReceiverPlugin
  /** Resolves once every queued handler has finished (tests, graceful shutdown). */
  idle(): Promise<void>
  /** Maximum body size, for adapters. */
  readonly maxBodyBytes: number
}

const DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024
// How long a sender should wait before retrying when the backlog is full.
const RETRY_AFTER_SECONDS = '5'

function defaultOnError(error: unknown, event: WebhookEvent | undefined): void {
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : 'non-error thrown'
  console.error(
    `[hookline] webhook handler failed (id ${event?.id ?? 'unknown'}, ${event?.attempt ?? 0} attempts): ${reason}`,
  )
}

function resolvePublicUrl(option: ReceiverOptions['publicUrl'], requestUrl: string): string {
  if (option === undefined) return requestUrl
  if (typeof option === 'function') return option(requestUrl)
  const seen = new URL(requestUrl)
  return option.replace(/\/+$/, '') + seen.pathname + seen.search
}

/**
 * Creates a webhook receiver: verifies, drops duplicates, answers 2xx immediately and runs
 * `handler` in the background with bounded concurrency and retries. Mount one of its adapters.
 *
 * @example
 * ```ts
 * const receiver = createReceiver({
 *   scheme: 'github',
 *   secret: process.env.GITHUB_WEBHOOK_SECRET!,
 *   handler: async (event) => console.log(event.id, event.payload),
 * })
 * http.createServer(receiver.node).listen(3000)
 * ```
 */
export function createReceiver<T = unknown>(options: ReceiverOptions<T>): Receiver {
  getScheme(options.scheme)
  secretList(options.secret)
  const onError = options.onError ?? defaultOnError
  const dedupe = idempotencyConfig(options.idempotency)
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
  const {
    handler,
    idempotency: _idempotency,
    queue: queueOption,
    onError: _onError,
    publicUrl,
    ...verifyOptions
  } = options
  const report = (error: unknown, event: WebhookEvent<T> | undefined) => {
    try {
      onError(error, event)
    } catch {
      // Reporting must never crash the receiver.
    }
  }
  const queue =
    queueOption === false
      ? undefined
      : new HandlerQueue<WebhookEvent<T>>(
          async (event, attempt) => {
            event.attempt = attempt
            await handler(event)
          },
          (error, event) => report(error, event),
          queueOption,
        )

  async function receive(request: ReceiverRequest): Promise<ReceiverResponse> {
    const method = request.method.toUpperCase()
    const header = headerReader(request.headers)
    if (method === 'OPTIONS') {
      // CloudEvents webhook abuse protection handshake.
      const origin = header('webhook-request-origin')
      if (origin)
        return {
          status: 200,
          headers: { 'webhook-allowed-origin': origin, allow: 'POST, OPTIONS' },
          body: '',
        }
    }
    if (method !== 'POST')
      return problemResponse(405, 'method_not_allowed', 'Method not allowed', { allow: 'POST, OPTIONS' })
    if (payloadBytes(request.body).length > maxBodyBytes) {
      return problemResponse(413, 'payload_too_large', 'Payload too large')
    }

    let verified: Awaited<ReturnType<typeof verify>>
    try {
      verified = await verify({
        ...verifyOptions,
        payload: request.body,
        headers: request.headers,
        url: resolvePublicUrl(publicUrl, request.url),
      })
    } catch (error) {
      if (error instanceof WebhookVerificationError && error.status === 401) {
        return problemResponse(401, error.code, 'Webhook verification failed')
      }
      report(error, undefined)
      return problemResponse(
        500,
        error instanceof HooklineError ? error.code : 'receiver_error',
        'Receiver misconfigured',
      )
    }

    const parsed = parsePayload(request.body, header('content-type'))
    if (!parsed) return problemResponse(400, 'unparseable_body', 'Body is not valid JSON')
    const payload = parsed.value as Record<string, unknown>
    if (
      options.scheme === 'slack' &&
      payload?.type === 'url_verification' &&
      typeof payload.challenge === 'string'
    ) {
      return jsonResponse(200, { challenge: payload.challenge })
    }

    const event: WebhookEvent<T> = {
      id: verified.id,
      timestamp: verified.timestamp,
      scheme: options.scheme,
      payload: parsed.value as T,
      rawBody: payloadBytes(request.body),
      headers: headersToRecord(request.headers),
      attempt: 1,
    }
    const key = verified.id === undefined ? undefined : `${options.scheme}:${verified.id}`
    if (dedupe && key !== undefined && !(await dedupe.store.claim(key, dedupe.ttlSeconds))) {
      return jsonResponse(200, { ok: true, duplicate: true })
    }

    if (!queue) {
      try {
        await handler(event)
        return jsonResponse(200, { ok: true })
      } catch (error) {
        if (dedupe && key !== undefined) await dedupe.store.release(key)
        report(error, event)
        return problemResponse(500, 'handler_failed', 'Webhook handler failed')
      }
    }
    if (!queue.push(event)) {
      if (dedupe && key !== undefined) await dedupe.store.release(key)
      return problemResponse(503, 'queue_full', 'Receiver is busy', { 'retry-after': RETRY_AFTER_SECONDS })
    }
    return jsonResponse(200, { ok: true })
  }

  const core = { receive, maxBodyBytes }
  return {
    ...core,
    idle: () => queue?.idle() ?? Promise.resolve(),
    node: nodeHandler(core),
    fetch: fetchHandler(core),
    fastify: fastifyPlugin(core),
  }
}
