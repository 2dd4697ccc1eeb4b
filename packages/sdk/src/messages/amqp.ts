/**
 * RabbitMQ (AMQP 0-9-1) messages as amqplib delivers them, typed structurally so the SDK does
 * not depend on amqplib. Hookline publishes the body as the content and the `webhook-*` headers
 * as message headers, which amqplib hands back as strings, numbers or `Buffer`s.
 */

import { type HeadersInput, headersToRecord } from '../headers.js'
import type { WebhookMessage } from './verify-message.js'

/**
 * The parts of an amqplib `ConsumeMessage` (or `GetMessage`) the adapter reads.
 *
 * @example
 * ```ts
 * const msg: AmqpMessageLike = { content: Buffer.from(body), properties: { headers: signedHeaders } }
 * ```
 */
export interface AmqpMessageLike {
  content: Uint8Array
  fields?: { redelivered?: boolean } | undefined
  properties: {
    headers?: Readonly<Record<string, unknown>> | undefined
    messageId?: unknown
    contentType?: unknown
  }
}

/**
 * Turns an amqplib message into what `verifyMessage` and `consume` take. Header values become
 * text; the `messageId` and `contentType` properties stand in for missing `webhook-id` and
 * `content-type` headers. `attempt` comes from a quorum queue's `x-delivery-count`, else it is
 * 2 for a redelivery (at least) and 1 otherwise.
 *
 * @example
 * ```ts
 * await channel.consume(queue, async (msg) => {
 *   if (msg) await consumer.consume(fromAmqpMessage(msg))
 * })
 * ```
 */
export function fromAmqpMessage(message: AmqpMessageLike): WebhookMessage {
  const { properties } = message
  // amqplib decodes AMQP tables into any values; the reader keeps text, numbers and bytes only.
  const headers = headersToRecord((properties.headers ?? {}) as HeadersInput)
  if (headers['webhook-id'] === undefined && typeof properties.messageId === 'string') {
    headers['webhook-id'] = properties.messageId
  }
  if (headers['content-type'] === undefined && typeof properties.contentType === 'string') {
    headers['content-type'] = properties.contentType
  }
  return { headers, body: message.content, attempt: amqpAttempt(message, headers['x-delivery-count']) }
}

function amqpAttempt(message: AmqpMessageLike, deliveryCount: string | undefined): number {
  // Quorum queues count the earlier deliveries that were returned.
  const earlier = Number(deliveryCount)
  if (deliveryCount !== undefined && Number.isInteger(earlier) && earlier >= 0) return earlier + 1
  return message.fields?.redelivered ? 2 : 1
}
