/** Parsing of the human-friendly units used in configuration (`5s`, `2h`, `1mb`). */

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/
const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/**
 * `"15s"` → 15000. A bare number is milliseconds only when `bareUnit` says so; by default a
 * bare number is seconds, because that is what people mean in `HOOKLINE_DELIVERY_TIMEOUT=30`.
 * Returns null for anything unparseable.
 */
export function parseDurationMs(text: string, bareUnit: 'ms' | 's' = 's'): number | null {
  const match = DURATION.exec(text.trim())
  if (!match) return null
  const value = Number(match[1])
  const unit = match[2] ?? bareUnit
  const ms = value * (DURATION_MS[unit] ?? Number.NaN)
  return Number.isFinite(ms) ? Math.round(ms) : null
}

const SIZE = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i
const SIZE_BYTES: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }

/** `"1mb"` → 1048576; a bare number is bytes. Returns null for anything unparseable. */
export function parseSizeBytes(text: string): number | null {
  const match = SIZE.exec(text.trim())
  if (!match) return null
  const bytes = Number(match[1]) * (SIZE_BYTES[(match[2] ?? 'b').toLowerCase()] ?? Number.NaN)
  return Number.isFinite(bytes) ? Math.floor(bytes) : null
}
