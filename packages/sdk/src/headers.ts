/**
 * One way to read headers, whatever shape they arrive in: a Fetch `Headers` or NATS `MsgHdrs`
 * (anything with `get`), Node's `IncomingHttpHeaders` or AMQP message headers (a plain object in
 * any letter case, values possibly numbers or bytes), or the flat `[name, value, …]` list of a
 * Redis stream entry.
 */

import { utf8Decode } from './encoding.js'

/**
 * One header value in a plain object: text, a number, bytes (amqplib hands some values back as a
 * `Buffer`), or a repeated header. Values of other types (AMQP tables such as `x-death`) are
 * ignored by the reader.
 */
export type HeaderValue =
  | string
  | number
  | Uint8Array
  | readonly (string | number | Uint8Array)[]
  | null
  | undefined

/** Headers with a `get` (Fetch `Headers`, NATS `MsgHdrs`); `keys` lets names match in any case. */
export interface HeaderGetter {
  get(name: string): string | null | undefined
  keys?(): Iterable<string>
}

/** Headers as `verify` and `verifyMessage` accept them. */
export type HeadersInput =
  | HeaderGetter
  | Readonly<Record<string, HeaderValue>>
  /** Alternating names and values, as Redis returns a stream entry's fields. */
  | readonly (string | Uint8Array)[]

/** Returns the trimmed value of a header (names are case-insensitive), or `undefined` when absent. */
export type HeaderReader = (name: string) => string | undefined

type HeaderRecord = Readonly<Record<string, unknown>>

function isFlatList(headers: HeadersInput): headers is readonly (string | Uint8Array)[] {
  return Array.isArray(headers)
}

function isGetter(headers: HeadersInput): headers is HeaderGetter {
  return typeof (headers as { get?: unknown }).get === 'function'
}

/**
 * Builds a case-insensitive reader over `headers`. Repeated headers (arrays, or a name repeated
 * in a flat list) are joined with `", "`, as HTTP folds them; bytes are read as UTF-8.
 *
 * @example
 * ```ts
 * const header = headerReader(req.headers)
 * header('Webhook-Id') // reads 'webhook-id'
 * headerReader(['webhook-id', 'evt_1', 'body', '{}'])('webhook-id') // 'evt_1'
 * ```
 */
export function headerReader(headers: HeadersInput): HeaderReader {
  if (isFlatList(headers)) {
    const byName = flatListToRecord(headers)
    return (name) => byName[name.toLowerCase()]
  }
  if (isGetter(headers)) return getterReader(headers)
  const record = headers as HeaderRecord
  let lowerCased: Map<string, unknown> | undefined
  return (name) => {
    const lower = name.toLowerCase()
    // Node already lower-cases header names, so the direct hit is the common case.
    if (Object.hasOwn(record, lower)) return normalize(record[lower])
    if (!lowerCased) {
      lowerCased = new Map()
      for (const [key, value] of Object.entries(record)) lowerCased.set(key.toLowerCase(), value)
    }
    return normalize(lowerCased.get(lower))
  }
}

function getterReader(headers: HeaderGetter): HeaderReader {
  return (name) => {
    const direct = normalize(headers.get(name))
    if (direct !== undefined || typeof headers.keys !== 'function') return direct
    // Fetch `Headers` match names in any case by themselves; NATS `MsgHdrs` match them exactly,
    // so a miss looks for the same name in another case.
    const lower = name.toLowerCase()
    for (const key of headers.keys()) {
      if (key !== name && key.toLowerCase() === lower) return normalize(headers.get(key))
    }
    return undefined
  }
}

function normalize(value: unknown): string | undefined {
  const text = Array.isArray(value) ? joinValues(value) : valueText(value)
  if (text === undefined) return undefined
  const trimmed = text.trim()
  return trimmed === '' ? undefined : trimmed
}

function valueText(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value)
  if (value instanceof Uint8Array) return utf8Decode(value)
  return undefined
}

function joinValues(values: readonly unknown[]): string | undefined {
  const texts: string[] = []
  for (const value of values) {
    const text = valueText(value)
    if (text !== undefined) texts.push(text)
  }
  return texts.length === 0 ? undefined : texts.join(', ')
}

function flatListToRecord(list: readonly (string | Uint8Array)[]): Record<string, string> {
  const repeated = new Map<string, string[]>()
  for (let i = 0; i + 1 < list.length; i += 2) {
    const name = valueText(list[i])?.toLowerCase()
    const value = valueText(list[i + 1])
    if (name === undefined || value === undefined) continue
    const values = repeated.get(name)
    if (values) values.push(value)
    else repeated.set(name, [value])
  }
  return recordOf(repeated)
}

function recordOf(entries: Iterable<[string, unknown]>): Record<string, string> {
  // A null prototype so that names such as `constructor` or `__proto__` are plain keys.
  const record: Record<string, string> = Object.create(null)
  for (const [name, value] of entries) {
    const normalized = normalize(value)
    if (normalized !== undefined) record[name.toLowerCase()] = normalized
  }
  return record
}

/**
 * A lower-cased plain-object copy of `headers` (for handing to application code). Values that
 * are not text, numbers or bytes are left out.
 *
 * @example
 * ```ts
 * headersToRecord(new Headers({ 'X-Id': '1' })) // { 'x-id': '1' }
 * headersToRecord({ 'Webhook-Id': Buffer.from('evt_1') }) // { 'webhook-id': 'evt_1' }
 * ```
 */
export function headersToRecord(headers: HeadersInput): Record<string, string> {
  if (isFlatList(headers)) return { ...flatListToRecord(headers) }
  if (isGetter(headers)) {
    const withForEach = headers as { forEach?: (callback: (value: string, name: string) => void) => void }
    if (typeof withForEach.forEach === 'function') {
      const record: Record<string, string> = {}
      withForEach.forEach((value, name) => {
        record[name.toLowerCase()] = value
      })
      return record
    }
    if (typeof headers.keys !== 'function') return {}
    const entries: [string, unknown][] = []
    for (const name of headers.keys()) entries.push([name, headers.get(name)])
    return { ...recordOf(entries) }
  }
  return { ...recordOf(Object.entries(headers as HeaderRecord)) }
}
