import { resolvePointer } from '../core/json-pointer.js'
import type { RequestValueRule } from '../core/types.js'

/**
 * Reads a value named by a rule: a header (case-insensitive) or an RFC 6901 JSON pointer into
 * the parsed body. Only strings and numbers count as values; anything else is "absent".
 */
export function readRequestValue(
  rule: RequestValueRule,
  headers: Record<string, string | string[] | undefined>,
  body: unknown,
): string | null {
  if ('header' in rule) {
    const value = headers[rule.header.toLowerCase()]
    const text = Array.isArray(value) ? value[0] : value
    return text === undefined || text === '' ? null : text
  }
  const value = resolvePointer(body, rule.pointer)
  if (typeof value === 'string' && value !== '') return value
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return null
}

/**
 * Turns a provider's type (`charge.succeeded`, `orders/create`, `pull_request`) into the
 * dotted form of Hookline event types: `/` and `:` separate words like `.`, and any other
 * character outside letters, digits, `_` and `-` becomes `_`.
 */
export function toEventTypeSuffix(providerType: string): string | null {
  const words = providerType
    .split(/[./:]+/)
    .map((word) => word.replace(/[^A-Za-z0-9_-]/g, '_'))
    .filter((word) => word !== '')
  return words.length === 0 ? null : words.join('.')
}
