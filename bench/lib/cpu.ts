import { readdirSync, readFileSync } from 'node:fs'

/**
 * CPU time of processes from /proc (Linux): what a process really used, all its threads
 * included. V8 profiles cannot say this on a busy two-core machine: they count the time a
 * process waits for a core inside whatever frame it was in.
 */

/** /proc counts utime and stime in USER_HZ ticks, 100 per second on Linux. */
const TICKS_PER_SECOND = 100

/** User plus system CPU seconds of `pid`, or NaN if it is gone or /proc is not there. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name, which may itself contain spaces: utime is the 14th field
    // of the line, stime the 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
  } catch {
    return Number.NaN
  }
}

/** Every process named `postgres` on this machine (the server and its backends). */
export function postgresPids(): number[] {
  let entries: string[]
  try {
    entries = readdirSync('/proc')
  } catch {
    return []
  }
  const pids: number[] = []
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') pids.push(Number(entry))
    } catch {
      // Gone since the directory was listed.
    }
  }
  return pids
}

/**
 * CPU used by a set of processes between `start()` and `stop()`, as a percentage of one core
 * (200 means two cores busy). Processes that appear meanwhile count from their start; one that
 * ends meanwhile is lost from the sum, so the figure is a lower bound.
 */
export class CpuMeter {
  private startedAt = 0
  private readonly before = new Map<number, number>()

  constructor(private readonly pids: () => number[]) {}

  start(): void {
    this.startedAt = performance.now()
    this.before.clear()
    for (const pid of this.pids()) this.before.set(pid, cpuSeconds(pid))
  }

  stop(): number {
    const seconds = (performance.now() - this.startedAt) / 1000
    let used = 0
    for (const pid of new Set([...this.before.keys(), ...this.pids()])) {
      const now = cpuSeconds(pid)
      if (Number.isNaN(now)) continue
      used += now - (this.before.get(pid) ?? 0)
    }
    return seconds > 0 ? (100 * used) / seconds : 0
  }
}
