import { describe, expect, it } from 'vitest'
import { parseDurationMs, parseSizeBytes } from './units.js'

describe('units', () => {
  it('parses durations', () => {
    expect(parseDurationMs('15s')).toBe(15_000)
    expect(parseDurationMs('500ms')).toBe(500)
    expect(parseDurationMs('2h')).toBe(7_200_000)
    expect(parseDurationMs('30')).toBe(30_000)
    expect(parseDurationMs('30', 'ms')).toBe(30)
    for (const bad of ['', 's', '1 week', '-1s', '1e3s']) expect(parseDurationMs(bad)).toBeNull()
  })

  it('parses sizes', () => {
    expect(parseSizeBytes('1mb')).toBe(1_048_576)
    expect(parseSizeBytes('512KB')).toBe(524_288)
    expect(parseSizeBytes('100')).toBe(100)
    for (const bad of ['', 'mb', 'lots', '-1kb']) expect(parseSizeBytes(bad)).toBeNull()
  })
})
