import { setFlagsFromString } from 'node:v8'

/**
 * V8's garbage collection setting for a long-running server. By default V8 lets the old
 * generation grow to up to four times what was live after the last full collection before it
 * collects again. Under a sustained publish and delivery load the heap of `hookline serve`
 * holds about 50 MB live, but the promoted garbage of thousands of requests a second made it
 * grow to 150–200 MB between collections (RSS 240–290 MB). At a growth of 50 % it peaks around
 * 90 MB (RSS about 180 MB) at the same throughput (docs/benchmarks.md, "Memory"). It is a
 * growth rate, not a cap: a larger live set still gets the memory it needs.
 */
export const HEAP_GROWING_PERCENT = 50

/**
 * The V8 flags to set, unless the operator chose their own (`node --heap-growing-percent=N
 * …/hookline serve`; Node does not accept this flag in NODE_OPTIONS).
 */
export function servingHeapFlags(execArgv: readonly string[]): string[] {
  if (execArgv.some((flag) => /^--heap[-_]growing[-_]percent\b/.test(flag))) return []
  return [`--heap-growing-percent=${HEAP_GROWING_PERCENT}`]
}

/** Applies servingHeapFlags to this process: V8 reads this flag at every full collection. */
export function tuneHeapForServing(): void {
  for (const flag of servingHeapFlags(process.execArgv)) setFlagsFromString(flag)
}
