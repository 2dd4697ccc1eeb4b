/**
 * Wall-clock milliseconds with sub-millisecond resolution. Every process derives it from the
 * same system clock, so a send time taken in the load generator and a receive time taken in the
 * sink can be subtracted.
 */
export function nowMs(): number {
  return performance.timeOrigin + performance.now()
}

export interface Percentiles {
  count: number
  p50: number
  p90: number
  p99: number
  max: number
}

/** Nearest-rank percentiles of a sample (sorted in place). */
export function percentiles(values: number[]): Percentiles {
  values.sort((a, b) => a - b)
  const at = (q: number) =>
    values[Math.min(values.length - 1, Math.max(0, Math.ceil(q * values.length) - 1))] ?? 0
  return {
    count: values.length,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: values[values.length - 1] ?? 0,
  }
}

export interface Spread {
  median: number
  min: number
  max: number
  runs: number[]
}

/** The median of the runs with their min and max: how every figure in the report is given. */
export function spread(runs: number[]): Spread {
  const sorted = [...runs].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  const median =
    sorted.length === 0
      ? Number.NaN
      : sorted.length % 2 === 1
        ? (sorted[middle] as number)
        : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
  return { median, min: sorted[0] ?? Number.NaN, max: sorted[sorted.length - 1] ?? Number.NaN, runs }
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits
  return Math.round(value * factor) / factor
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
