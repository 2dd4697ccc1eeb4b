import { parseDurationMs } from './units.js'

/**
 * The retry schedule: `retryScheduleMs[i]` is the delay before attempt i+1, so the first entry
 * (normally 0) is the delay before the first attempt and the length is the number of attempts.
 */
export const DEFAULT_RETRY_SCHEDULE = '0,5s,5m,30m,2h,5h,10h,14h,20h,24h'

/** Each delay is spread by ±20% so that endpoints recovering from an outage are not stampeded. */
export const JITTER_RATIO = 0.2

/** Parses `0,5s,5m`; a bare number is seconds. Throws with a reason on anything else. */
export function parseRetrySchedule(text: string): number[] {
  const parts = text.split(',').map((part) => part.trim())
  if (parts.length === 0 || parts.some((part) => part === '')) {
    throw new Error('expected a comma-separated list of delays such as "0,5s,5m,30m"')
  }
  return parts.map((part) => {
    const ms = parseDurationMs(part)
    if (ms === null) throw new Error(`"${part}" is not a duration (use ms, s, m, h or d)`)
    return ms
  })
}

/** `delayMs` spread uniformly over ±20%; `random` is injectable for tests. */
export function withJitter(delayMs: number, random: () => number = Math.random): number {
  const factor = 1 - JITTER_RATIO + 2 * JITTER_RATIO * random()
  return Math.round(delayMs * factor)
}

/**
 * `Retry-After` is either delta-seconds or an HTTP date. Returns milliseconds from `nowMs`, or
 * null when absent or unparseable (then the schedule alone decides).
 */
export function parseRetryAfterMs(header: string | undefined, nowMs: number): number | null {
  if (header === undefined) return null
  const trimmed = header.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000
  // An HTTP date names a month; without that check Date.parse reads "-5" as the year 5 BC.
  if (!/[A-Za-z]{3}/.test(trimmed)) return null
  const dateMs = Date.parse(trimmed)
  if (Number.isNaN(dateMs)) return null
  return Math.max(0, dateMs - nowMs)
}
