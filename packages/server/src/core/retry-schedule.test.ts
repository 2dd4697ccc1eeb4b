import { describe, expect, it } from 'vitest'
import {
  DEFAULT_RETRY_SCHEDULE,
  parseRetryAfterMs,
  parseRetrySchedule,
  withJitter,
} from './retry-schedule.js'

describe('parseRetrySchedule', () => {
  it('parses the default schedule into milliseconds', () => {
    expect(parseRetrySchedule(DEFAULT_RETRY_SCHEDULE)).toEqual([
      0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 50_400_000, 72_000_000, 86_400_000,
    ])
  })

  it('accepts units, spaces and bare seconds', () => {
    expect(parseRetrySchedule(' 0 , 250ms, 2, 1.5m ,1d')).toEqual([0, 250, 2000, 90_000, 86_400_000])
  })

  it.each(['', '0,,5s', '5 parsecs', '-1s', 'abc', '0,5s,'])('rejects %j with a reason', (text) => {
    expect(() => parseRetrySchedule(text)).toThrow(/duration|comma-separated/)
  })
})

describe('withJitter', () => {
  it('spreads a delay over ±20%', () => {
    expect(withJitter(1000, () => 0)).toBe(800)
    expect(withJitter(1000, () => 0.5)).toBe(1000)
    expect(withJitter(1000, () => 0.999999)).toBe(1200)
    expect(withJitter(0, () => 0.7)).toBe(0)
  })

  it('stays within the bounds for random draws', () => {
    for (let i = 0; i < 1000; i++) {
      const delay = withJitter(10_000)
      expect(delay).toBeGreaterThanOrEqual(8_000)
      expect(delay).toBeLessThanOrEqual(12_000)
    }
  })
})

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2026-01-01T00:00:00Z')
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfterMs('120', now)).toBe(120_000)
    expect(parseRetryAfterMs('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000)
    expect(parseRetryAfterMs('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0)
  })
  it('ignores absent or garbage values', () => {
    expect(parseRetryAfterMs(undefined, now)).toBeNull()
    expect(parseRetryAfterMs('soon', now)).toBeNull()
    expect(parseRetryAfterMs('-5', now)).toBeNull()
  })
})
