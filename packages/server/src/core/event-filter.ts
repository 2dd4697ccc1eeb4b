/**
 * Which event types an endpoint receives. Patterns are exact names or `prefix.*`, where
 * `order.*` matches `order.shipped` and `order.item.added` but not `order` itself or `orders.x`.
 */

const NAME = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/

export function isValidEventTypeName(name: string): boolean {
  return name.length <= 128 && NAME.test(name)
}

export function isValidEventTypePattern(pattern: string): boolean {
  if (pattern.endsWith('.*')) return isValidEventTypeName(pattern.slice(0, -2))
  return isValidEventTypeName(pattern)
}

/** `patterns` null means "every type". */
export function matchesEventTypes(patterns: readonly string[] | null, type: string): boolean {
  if (patterns === null) return true
  for (const pattern of patterns) {
    if (pattern.endsWith('.*')) {
      if (type.startsWith(pattern.slice(0, -1))) return true
    } else if (pattern === type) {
      return true
    }
  }
  return false
}
