/**
 * `verifyMessage`: the Standard Webhooks check of `verify`, for a webhook that arrived through a
 * message broker (RabbitMQ, NATS JetStream, Redis Streams) instead of an HTTP request. Hookline
 * publishes the same body bytes and the same `webhook-*` headers it would POST.
 */

import type { WebhookEventRecord } from '../client/types.js'
import { type Payload, payloadBytes, payloadText } from '../encoding.js'
import { UnparseableBodyError } from '../errors.js'
import { type HeadersInput, headersToRecord } from '../headers.js'
import type { WebhookEvent } from '../receiver/create-receiver.js'
import type { SecretInput, VerifyOptions } from '../types.js'
import { verify } from '../verify.js'

/**
 * A webhook as a broker message carries it: what `fromAmqpMessage`, `fromNatsMessage` and
 * `fromRedisEntry` return.
 *
 * @example
 * ```ts
 * const message: WebhookMessage = { headers: { 'webhook-id': 'evt_1', … }, body: '{"id":"evt_1",…}' }
 * ```
 */
export interface WebhookMessage {
  /** The `webhook-*` headers in any shape `headerReader` reads (names in any case). */
  headers: HeadersInput
  /** The body exactly as published. */
  body: Payload
  /** Which delivery of this message this is, when the broker says (1 for the first). */
  attempt?: number | undefined
}

/**
 * Input of {@link verifyMessage}.
 *
 * @example
 * ```ts
 * const options: VerifyMessageOptions = { ...fromNatsMessage(msg), secret: process.env.HOOKLINE_SECRET! }
 * ```
 */
export interface VerifyMessageOptions extends WebhookMessage {
  /** The endpoint's `whsec_…` secret, or several while rotating (any one matching passes). */
  secret: SecretInput
  /** Allowed clock difference in both directions. Default 300 s. */
  toleranceSeconds?: number
  /** The current time (unix seconds or a `Date`), for deterministic tests. */
  now?: number | Date
}

/**
 * Verifies a webhook received from a broker and returns it parsed. Throws a
 * `WebhookVerificationError` (check its `code`) when the signature or timestamp is wrong, and an
 * `UnparseableBodyError` when an authentic body is not JSON; `isInvalidMessageError` tells both
 * apart from failures worth a retry.
 *
 * @example
 * ```ts
 * const event = await verifyMessage({ ...fromAmqpMessage(msg), secret: process.env.HOOKLINE_SECRET! })
 * console.log(event.id, event.payload.type, event.payload.data)
 * ```
 */
export async function verifyMessage<T = WebhookEventRecord>(
  options: VerifyMessageOptions,
): Promise<WebhookEvent<T>> {
  const verifyOptions: VerifyOptions = {
    scheme: 'standard-webhooks',
    secret: options.secret,
    payload: options.body,
    headers: options.headers,
  }
  if (options.toleranceSeconds !== undefined) verifyOptions.toleranceSeconds = options.toleranceSeconds
  if (options.now !== undefined) verifyOptions.now = options.now
  const { id, timestamp } = await verify(verifyOptions)
  let payload: T
  try {
    payload = JSON.parse(payloadText(options.body)) as T
  } catch {
    // The SyntaxError quotes part of the body, so it is not kept as the cause.
    throw new UnparseableBodyError()
  }
  return {
    id,
    timestamp,
    scheme: 'standard-webhooks',
    payload,
    rawBody: payloadBytes(options.body),
    headers: headersToRecord(options.headers),
    attempt: options.attempt ?? 1,
  }
}
