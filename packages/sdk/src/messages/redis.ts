/**
 * Redis Streams entries, typed structurally so the SDK depends on no Redis client. Hookline adds
 * one entry per event: the `webhook-*` headers (and the endpoint's custom headers) as fields,
 * then a last `body` field holding the JSON body.
 */

import { utf8Decode } from '../encoding.js'
import { MissingHeaderError } from '../errors.js'
import { headersToRecord } from '../headers.js'
import type { WebhookMessage } from './verify-message.js'

/** One field name or value: ioredis returns strings, or `Buffer`s from its `…Buffer` commands. */
type RedisText = string | Uint8Array

/**
 * A stream entry as Redis clients return it: ioredis' `[id, [field, value, …]]` from `XREAD` and
 * `XREADGROUP`, node-redis' `{ id, message: { field: value } }`, or just the fields (a flat
 * `[field, value, …]` list or an object).
 *
 * @example
 * ```ts
 * const entry: RedisStreamEntry = ['1700000000000-0', ['webhook-id', 'evt_1', 'body', '{…}']]
 * ```
 */
export type RedisStreamEntry =
  | readonly [id: RedisText, fields: readonly RedisText[]]
  | { readonly id: RedisText; readonly message: Readonly<Record<string, RedisText>> }
  | readonly RedisText[]
  | Readonly<Record<string, RedisText>>

const BODY_FIELD = 'body'

function fieldsOf(entry: RedisStreamEntry): readonly RedisText[] | Readonly<Record<string, RedisText>> {
  if (Array.isArray(entry)) {
    const second: unknown = entry[1]
    return entry.length === 2 && Array.isArray(second) ? (second as readonly RedisText[]) : entry
  }
  const record = entry as Readonly<Record<string, unknown>>
  // Field values are text, so an object under `message` can only be node-redis' entry shape.
  const message = record.message
  if (message !== null && typeof message === 'object' && !(message instanceof Uint8Array)) {
    return message as Readonly<Record<string, RedisText>>
  }
  return entry as Readonly<Record<string, RedisText>>
}

/**
 * Turns a Redis stream entry into what `verifyMessage` and `consume` take: the last `body` field
 * is the body, every other field a header. Throws `MissingHeaderError` (an invalid message) when
 * the entry has no `body` field.
 *
 * @example
 * ```ts
 * const streams = await redis.xreadgroup('GROUP', group, name, 'STREAMS', stream, '>')
 * for (const [, entries] of streams ?? []) {
 *   for (const entry of entries) await consumer.consume(fromRedisEntry(entry))
 * }
 * ```
 */
export function fromRedisEntry(entry: RedisStreamEntry): WebhookMessage {
  const fields = fieldsOf(entry)
  const pairs: [string, RedisText][] = []
  if (Array.isArray(fields)) {
    const list = fields as readonly RedisText[]
    for (let i = 0; i + 1 < list.length; i += 2) pairs.push([text(list[i] ?? ''), list[i + 1] ?? ''])
  } else {
    pairs.push(...Object.entries(fields as Readonly<Record<string, RedisText>>))
  }
  // Hookline writes the body last, so an endpoint header that happens to be called `body`
  // comes before it and stays a header.
  let bodyIndex = -1
  pairs.forEach(([name], index) => {
    if (name.toLowerCase() === BODY_FIELD) bodyIndex = index
  })
  const bodyPair = pairs[bodyIndex]
  if (!bodyPair) throw new MissingHeaderError(BODY_FIELD)
  const headers: RedisText[] = []
  pairs.forEach(([name, value], index) => {
    if (index !== bodyIndex) headers.push(name, value)
  })
  // The body stays as it came (bytes stay bytes): the signature covers its exact bytes.
  return { headers: headersToRecord(headers), body: bodyPair[1] }
}

function text(value: RedisText): string {
  return typeof value === 'string' ? value : utf8Decode(value)
}
