/**
 * One way to read request headers, whatever shape they arrive in: a Fetch `Headers`, Node's
 * `IncomingHttpHeaders`, or a plain object in any letter case.
 */

/** Request headers as `verify` accepts them. */
export type HeadersInput =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | number | undefined>>

/** Returns the trimmed value of a header (names are case-insensitive), or `undefined` when absent. */
export type HeaderReader = (name: string) => string | undefined

/**
 * Builds a case-insensitive reader over `headers`. Repeated headers (arrays) are joined with
 * `", "`, as HTTP folds them.
 *
 * @example
 * ```ts
 * const header = headerReader(req.headers)
 * header('Webhook-Id') // reads 'webhook-id'
 * ```
 */
export function headerReader(headers: HeadersInput): HeaderReader {
  if (typeof headers.get === 'function') {
    const fetchHeaders = headers as { get(name: string): string | null }
    return (name) => normalize(fetchHeaders.get(name) ?? undefined)
  }
  const record = headers as Readonly<Record<string, string | readonly string[] | number | undefined>>
  let lowerCased: Map<string, string | readonly string[] | number | undefined> | undefined
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

function normalize(value: string | readonly string[] | number | undefined): string | undefined {
  if (value === undefined) return undefined
  const text =
    typeof value === 'string' ? value : typeof value === 'number' ? String(value) : value.join(', ')
  const trimmed = text.trim()
  return trimmed === '' ? undefined : trimmed
}

/**
 * A lower-cased plain-object copy of `headers` (for handing to application code).
 *
 * @example
 * ```ts
 * headersToRecord(new Headers({ 'X-Id': '1' })) // { 'x-id': '1' }
 * ```
 */
export function headersToRecord(headers: HeadersInput): Record<string, string> {
  const record: Record<string, string> = {}
  if (typeof headers.get === 'function') {
    const iterable = headers as unknown as {
      forEach?: (callback: (value: string, name: string) => void) => void
    }
    iterable.forEach?.((value, name) => {
      record[name.toLowerCase()] = value
    })
    return record
  }
  for (const [name, value] of Object.entries(headers)) {
    const normalized = normalize(value as string | readonly string[] | number | undefined)
    if (normalized !== undefined) record[name.toLowerCase()] = normalized
  }
  return record
}
