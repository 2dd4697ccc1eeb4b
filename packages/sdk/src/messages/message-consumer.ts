/**
 * `createMessageConsumer`: what `createReceiver` is for HTTP, for a queue destination. Verify the
 * message, skip an event already handled (brokers redeliver: at-least-once, like HTTP retries),
 * run the handler, and tell the caller whether to acknowledge. The broker does the queueing and
 * the retries, so there is no handler queue here: a handler error is rethrown for the caller to
 * requeue (`nack`, `nak`) the message.
 */

import type { WebhookEventRecord } from '../client/types.js'
import type { WebhookEvent } from '../receiver/create-receiver.js'
import {
  type IdempotencyOptions,
  type IdempotencyStore,
  idempotencyConfig,
} from '../receiver/idempotency-store.js'
import { PUBLIC_KEY_PREFIX, SECRET_KEY_PREFIX, symmetricKeyBytes } from '../schemes/standard-webhooks.js'
import { secretList } from '../sign.js'
import type { SecretInput } from '../types.js'
import { type VerifyMessageOptions, verifyMessage, type WebhookMessage } from './verify-message.js'

/** What `consume` did with a message: both mean "acknowledge it". */
export type ConsumeOutcome = 'processed' | 'duplicate'

/**
 * Options of {@link createMessageConsumer}.
 *
 * @example
 * ```ts
 * const options: MessageConsumerOptions = {
 *   secret: process.env.HOOKLINE_SECRET!,
 *   handler: async (event) => console.log(event.id, event.payload.type),
 *   idempotency: { ttlSeconds: 86_400 },
 * }
 * ```
 */
export interface MessageConsumerOptions<T = WebhookEventRecord> {
  /** The endpoint's `whsec_…` secret, or several while rotating (any one matching passes). */
  secret: SecretInput
  /** Runs once per event id; a throw is rethrown by `consume` (after forgetting the id). */
  handler: (event: WebhookEvent<T>) => unknown
  /**
   * `false` to run the handler for every delivery; an `IdempotencyStore` (share one between
   * processes consuming the same queue), or options for the default in-memory store.
   */
  idempotency?: false | IdempotencyStore | IdempotencyOptions
  /** Allowed clock difference in both directions. Default 300 s. */
  toleranceSeconds?: number
}

/**
 * What `createMessageConsumer` returns.
 *
 * @example
 * ```ts
 * const outcome = await consumer.consume(fromRedisEntry(entry)) // 'processed' | 'duplicate'
 * ```
 */
export interface MessageConsumer {
  /**
   * Verifies `message` and runs the handler unless its event id was already handled. Resolves
   * when the message should be acknowledged; rejects with a verification error (see
   * `isInvalidMessageError`: drop the message) or with the handler's error (requeue it).
   */
  consume(message: WebhookMessage): Promise<ConsumeOutcome>
}

/**
 * A bad `whsec_` secret would fail every message with a 500-class error; say so at start-up
 * instead of after the queue has filled up.
 */
function checkSecrets(secrets: readonly string[]): void {
  for (const secret of secrets) {
    if (!secret.startsWith(SECRET_KEY_PREFIX) && !secret.startsWith(PUBLIC_KEY_PREFIX))
      symmetricKeyBytes(secret)
  }
}

/**
 * Creates a consumer for webhooks that Hookline publishes into a broker: `consume` verifies each
 * message, skips an event id it has already handled, runs `handler`, and resolves with
 * `'processed'` or `'duplicate'`: acknowledge the message either way. An id is claimed when its
 * handler starts and kept only if the handler succeeds; when it throws, the id is forgotten and
 * the error rethrown, so requeue the message and its redelivery runs the handler again. (A copy
 * arriving while the handler still runs is a duplicate; should the handler then fail, the
 * requeued original carries the event.)
 *
 * @example
 * ```ts
 * const consumer = createMessageConsumer({
 *   secret: process.env.HOOKLINE_SECRET!,
 *   handler: async (event) => console.log(event.id, event.payload.type),
 * })
 * await channel.consume(queue, async (msg) => {
 *   if (!msg) return
 *   try {
 *     await consumer.consume(fromAmqpMessage(msg))
 *     channel.ack(msg)
 *   } catch (error) {
 *     if (isInvalidMessageError(error)) channel.reject(msg, false)
 *     else channel.nack(msg, false, true)
 *   }
 * })
 * ```
 */
export function createMessageConsumer<T = WebhookEventRecord>(
  options: MessageConsumerOptions<T>,
): MessageConsumer {
  checkSecrets(secretList(options.secret))
  const { handler, secret, toleranceSeconds } = options
  const dedupe = idempotencyConfig(options.idempotency)

  async function consume(message: WebhookMessage): Promise<ConsumeOutcome> {
    const verifyOptions: VerifyMessageOptions = { headers: message.headers, body: message.body, secret }
    if (message.attempt !== undefined) verifyOptions.attempt = message.attempt
    if (toleranceSeconds !== undefined) verifyOptions.toleranceSeconds = toleranceSeconds
    const event = await verifyMessage<T>(verifyOptions)
    // The same key as createReceiver, so one store can guard both an HTTP and a queue endpoint.
    const key = event.id === undefined ? undefined : `standard-webhooks:${event.id}`
    if (dedupe && key !== undefined && !(await dedupe.store.claim(key, dedupe.ttlSeconds))) return 'duplicate'
    try {
      await handler(event)
    } catch (error) {
      if (dedupe && key !== undefined) await dedupe.store.release(key)
      throw error
    }
    return 'processed'
  }

  return { consume }
}
