/**
 * How a broker consumer tells a message that can never be consumed (reject it, `term` it,
 * dead-letter it) from a failure that a redelivery may fix (requeue it, `nak` it).
 */

import { UnparseableBodyError, WebhookVerificationError } from '../errors.js'

/**
 * `true` when `error` says the message itself is bad: it failed verification (missing or
 * malformed header, bad signature, timestamp outside the window) or its body is not JSON. No
 * redelivery can fix that, so reject it without requeueing (AMQP), `term` it (NATS) or
 * acknowledge it away (Redis). `false` for everything else, such as your handler's errors or an
 * invalid secret, which a retry after a fix may cure.
 *
 * @example
 * ```ts
 * try {
 *   await consumer.consume(fromAmqpMessage(msg))
 *   channel.ack(msg)
 * } catch (error) {
 *   if (isInvalidMessageError(error)) channel.reject(msg, false)
 *   else channel.nack(msg, false, true)
 * }
 * ```
 */
export function isInvalidMessageError(error: unknown): boolean {
  // Verification errors with status 500 (invalid secret, unknown scheme) are the consumer's
  // misconfiguration: dropping messages because of them would lose every event.
  if (error instanceof WebhookVerificationError) return error.status < 500
  return error instanceof UnparseableBodyError
}
