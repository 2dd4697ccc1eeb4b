import type { Logger } from 'pino'
import type { Store } from '../store/store.js'

export interface MaintenanceOptions {
  store: Store
  logger: Logger
  /** Keep history this long; null keeps it forever (expired dedupe keys still go). */
  retentionMs: number | null
  /** Time between passes. */
  intervalMs?: number
  /** Rows per statement: small enough that no batch holds up requests for long. */
  batchSize?: number
}

export interface MaintenanceReport {
  events: number
  deliveries: number
  attempts: number
  dedupeKeys: number
  /** False when the pass stopped at its batch limit with more to delete. */
  complete: boolean
}

/**
 * Once a minute is plenty: retention is measured in days, and a pass that finds nothing costs
 * a few index lookups. Each process runs its own; with PostgreSQL they skip each other's rows.
 */
const DEFAULT_INTERVAL_MS = 60_000
const DEFAULT_BATCH_SIZE = 500
/** Between two batches, give requests the store (SQLite has one writer) and the event loop. */
const PAUSE_BETWEEN_BATCHES_MS = 20
/**
 * A pass stops after this many batches, so that stop() never waits long; when it stopped with
 * work left, the next pass follows at once instead of an interval later, so retention keeps up
 * with any write rate.
 */
const MAX_BATCHES_PER_PASS = 200

/**
 * Housekeeping: deletes history older than the retention period and forgets expired inbound
 * dedupe keys, in small batches with pauses between them so that traffic is never blocked.
 */
export class Maintenance {
  private timer: NodeJS.Timeout | null = null
  private running: Promise<unknown> | null = null
  private stopping = false
  private readonly intervalMs: number
  private readonly batchSize: number

  constructor(private readonly options: MaintenanceOptions) {
    this.intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE
  }

  start(): void {
    this.stopping = false
    // The first pass soon after start, at a random point so that processes started together
    // do not all prune at the same moment.
    this.schedule(Math.round(this.intervalMs * (0.1 + Math.random() * 0.2)))
  }

  /** Stops scheduling and waits for a pass under way to finish its current batch. */
  async stop(): Promise<void> {
    this.stopping = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    await this.running
  }

  private schedule(delayMs: number): void {
    if (this.stopping) return
    this.timer = setTimeout(() => {
      let nextMs = this.intervalMs
      this.running = this.runOnce()
        .then((report) => {
          if (!report.complete) nextMs = PAUSE_BETWEEN_BATCHES_MS
        })
        .catch((error: unknown) => {
          // The store is away (a database restart) or busy: the next pass tries again.
          this.options.logger.warn({ err: error }, 'maintenance pass failed')
        })
        .finally(() => {
          this.running = null
          this.schedule(nextMs)
        })
    }, delayMs)
    this.timer.unref()
  }

  /** One pass; exposed for tests and for `nowMs` control. */
  async runOnce(nowMs: number = Date.now()): Promise<MaintenanceReport> {
    const { store, retentionMs, logger } = this.options
    const report: MaintenanceReport = {
      events: 0,
      deliveries: 0,
      attempts: 0,
      dedupeKeys: 0,
      complete: false,
    }
    let keysDone = false
    for (let batch = 0; batch < MAX_BATCHES_PER_PASS && !this.stopping; batch++) {
      const pruned = await store.pruneDedupeKeys(nowMs, this.batchSize)
      report.dedupeKeys += pruned
      keysDone = pruned < this.batchSize
      if (keysDone) break
      await pause()
    }
    let historyDone = retentionMs === null
    if (retentionMs !== null) {
      const beforeMs = nowMs - retentionMs
      for (let batch = 0; batch < MAX_BATCHES_PER_PASS && !this.stopping; batch++) {
        const pruned = await store.pruneHistory(beforeMs, this.batchSize)
        report.events += pruned.events
        report.deliveries += pruned.deliveries
        report.attempts += pruned.attempts
        historyDone = pruned.deliveries < this.batchSize && pruned.events < this.batchSize
        if (historyDone) break
        await pause()
      }
    }
    report.complete = keysDone && historyDone
    if (report.events + report.deliveries + report.attempts + report.dedupeKeys > 0) {
      logger.info(report, 'maintenance: deleted old history')
    }
    return report
  }
}

function pause(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, PAUSE_BETWEEN_BATCHES_MS))
}
