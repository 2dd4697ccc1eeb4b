import { copyFileSync, existsSync, mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import type { HelperProcess } from './child.js'
import { CpuMeter, postgresPids } from './cpu.js'
import type { BenchGateway, GatewayOptions } from './gateway.js'
import type { Row } from './report.js'

export type Mode = 'full' | 'quick' | 'smoke'

/** Sizes per mode: `full` is the published run, `quick` a check in under two minutes, `smoke` for the test suite. */
export interface Sizes {
  runs: number
  /** Connections of the closed publish loop (DESIGN.md's orientation figures used 20). */
  publishConnections: number
  warmupMs: number
  publishMs: number
  deliveries: number
  latencySeconds: number
  fanOutEndpoints: number
  backlogs: number[]
}

export const SIZES: Record<Mode, Sizes> = {
  full: {
    runs: 3,
    publishConnections: 20,
    warmupMs: 1_000,
    publishMs: 5_000,
    deliveries: 20_000,
    latencySeconds: 10,
    fanOutEndpoints: 1_000,
    backlogs: [0, 100_000, 1_000_000],
  },
  quick: {
    runs: 3,
    publishConnections: 20,
    warmupMs: 200,
    publishMs: 800,
    deliveries: 1_000,
    latencySeconds: 1.5,
    fanOutEndpoints: 1_000,
    backlogs: [0, 100_000],
  },
  smoke: {
    runs: 3,
    publishConnections: 10,
    warmupMs: 100,
    publishMs: 300,
    deliveries: 200,
    latencySeconds: 0.5,
    fanOutEndpoints: 100,
    backlogs: [0],
  },
}

/** What the dispatcher allows in flight by default; the ceilings and BullMQ get the same. */
export const DELIVERY_CONCURRENCY = 128
/** Sockets per origin in Hookline's sender; the ceilings get the same. */
export const DELIVERY_CONNECTIONS = 64

export interface BenchContext {
  mode: Mode
  sizes: Sizes
  loadGenerator: HelperProcess
  sink: HelperProcess
  sinkUrl: string
  /** Temporary directory for SQLite files, removed at the end. */
  workDir: string
  /** Null when Redis answers, else why the BullMQ rows are skipped. */
  redisUnavailable: string | null
  /** Node flags for every Hookline process (`--cpu-prof` when profiling). */
  gatewayNodeArgs: string[]
  rows: Row[]
  log(message: string): void
  /** Registers clean-up (dropping databases) that also runs when the bench is interrupted. */
  onInterrupt(cleanup: () => Promise<void>): void
  /** Starts a gateway that the bench kills on exit even if a scenario throws. */
  startGateway(options: GatewayOptions): Promise<BenchGateway>
}

export function freshSqliteUrl(context: BenchContext, label: string): string {
  const dir = mkdtempSync(join(context.workDir, `${label}-`))
  return `sqlite:${join(dir, 'hookline.db')}`
}

/** Copies a SQLite database no process has open (a clean stop leaves at most a WAL file beside it). */
export function copySqlite(fromUrl: string, toUrl: string): void {
  const from = fromUrl.slice('sqlite:'.length)
  const to = toUrl.slice('sqlite:'.length)
  copyFileSync(from, to)
  if (existsSync(`${from}-wal`)) copyFileSync(`${from}-wal`, `${to}-wal`)
}

/** Samples a process's RSS while `run` runs; returns the run's result and the largest sample. */
/**
 * Runs `run` while watching the gateways: their peak RSS (sampled every 200 ms) and the CPU
 * they used meanwhile (percent of one core, all of them together), and with `postgres` also the
 * CPU of this machine's PostgreSQL processes.
 */
export async function withProcessSampling<T>(
  gateways: BenchGateway[],
  run: () => Promise<T>,
  options: { postgres?: boolean } = {},
): Promise<{ result: T; maxRssBytes: number; cpuPct: number; postgresCpuPct: number | null }> {
  let maxRssBytes = 0
  const sample = () => {
    for (const gateway of gateways) {
      const rss = gateway.rssBytes()
      if (Number.isFinite(rss)) maxRssBytes = Math.max(maxRssBytes, rss)
    }
  }
  const cpu = new CpuMeter(() => gateways.map((gateway) => gateway.pid))
  const postgres = options.postgres ? new CpuMeter(postgresPids) : null
  sample()
  cpu.start()
  postgres?.start()
  const timer = setInterval(sample, 200)
  try {
    const result = await run()
    sample()
    return { result, maxRssBytes, cpuPct: cpu.stop(), postgresCpuPct: postgres ? postgres.stop() : null }
  } finally {
    clearInterval(timer)
  }
}

export const MB = 1024 * 1024
