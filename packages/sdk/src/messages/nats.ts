/**
 * NATS messages (a JetStream `JsMsg` or a core `Msg`), typed structurally so the SDK does not
 * depend on the NATS client. Hookline publishes the body as the data and the `webhook-*` headers
 * as NATS headers, with `Nats-Msg-Id` set to the event id for JetStream's own dedupe window.
 */

import { headersToRecord } from '../headers.js'
import type { WebhookMessage } from './verify-message.js'

/**
 * The parts of a NATS `MsgHdrs` the adapter reads.
 *
 * @example
 * ```ts
 * const headers: NatsHeadersLike = msg.headers!
 * ```
 */
export interface NatsHeadersLike {
  get(name: string): string
  keys(): Iterable<string>
}

/**
 * The parts of a NATS `JsMsg` or `Msg` the adapter reads.
 *
 * @example
 * ```ts
 * const msg: NatsMessageLike = { data: new TextEncoder().encode(body), headers }
 * ```
 */
export interface NatsMessageLike {
  data: Uint8Array
  headers?: NatsHeadersLike | undefined
  /** JetStream delivery info: `deliveryCount` is 1 on the first delivery. */
  info?: { deliveryCount?: number } | undefined
}

/**
 * Turns a NATS message into what `verifyMessage` and `consume` take. Header names are
 * lower-cased; `Nats-Msg-Id` stands in for a missing `webhook-id`; `attempt` is JetStream's
 * delivery count.
 *
 * @example
 * ```ts
 * for await (const msg of await consumer.consume()) {
 *   await hooklineConsumer.consume(fromNatsMessage(msg))
 *   msg.ack()
 * }
 * ```
 */
export function fromNatsMessage(message: NatsMessageLike): WebhookMessage {
  const headers = message.headers ? headersToRecord(message.headers) : {}
  const natsMessageId = headers['nats-msg-id']
  if (headers['webhook-id'] === undefined && natsMessageId !== undefined)
    headers['webhook-id'] = natsMessageId
  const count = message.info?.deliveryCount
  const attempt = count !== undefined && Number.isInteger(count) && count > 0 ? count : undefined
  return { headers, body: message.data, attempt }
}
