import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import type { AttemptOutcome, Metrics } from '../core/metrics.js'
import type { QueueStats, Store } from '../store/store.js'

/**
 * Label values that come from users (event types, endpoint ids) are capped: past this many
 * distinct values a new one is counted as `other`, so a flood of made-up types cannot blow up
 * the memory of the server or of Prometheus.
 */
const MAX_LABEL_VALUES = 500

class BoundedLabel {
  private readonly seen = new Set<string>()
  value(raw: string): string {
    if (this.seen.has(raw)) return raw
    if (this.seen.size >= MAX_LABEL_VALUES) return 'other'
    this.seen.add(raw)
    return raw
  }
}

/** Prometheus metrics on a registry of their own (no global state; tests build their own). */
export class PrometheusMetrics implements Metrics {
  readonly registry = new Registry()
  private readonly types = new BoundedLabel()
  private readonly endpoints = new BoundedLabel()
  private readonly sources = new BoundedLabel()

  private readonly events = new Counter({
    name: 'hookline_events_accepted_total',
    help: 'Events accepted, by type and by source (empty for published events)',
    labelNames: ['type', 'source'],
    registers: [this.registry],
  })
  private readonly duplicates = new Counter({
    name: 'hookline_inbound_duplicates_total',
    help: 'Inbound webhooks dropped as duplicates, by source',
    labelNames: ['source'],
    registers: [this.registry],
  })
  private readonly rejections = new Counter({
    name: 'hookline_inbound_rejections_total',
    help: 'Inbound webhooks rejected, by source and reason',
    labelNames: ['source', 'reason'],
    registers: [this.registry],
  })
  private readonly attempts = new Counter({
    name: 'hookline_delivery_attempts_total',
    help: 'Delivery attempts, by endpoint and by what the attempt did to its delivery',
    labelNames: ['endpoint', 'outcome'],
    registers: [this.registry],
  })
  private readonly attemptSeconds = new Histogram({
    name: 'hookline_delivery_attempt_duration_seconds',
    help: 'Duration of delivery attempts, by endpoint',
    labelNames: ['endpoint'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  })
  private readonly commitSeconds = new Histogram({
    name: 'hookline_store_commit_duration_seconds',
    help: 'Duration of group commits (one transaction, one fsync)',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  })
  private readonly commitSize = new Histogram({
    name: 'hookline_store_commit_batch_size',
    help: 'Writes carried by one group commit',
    buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
    registers: [this.registry],
  })

  private store: Pick<Store, 'queueStats'> | null = null

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'hookline_' })
    // Queue figures are read from the store at scrape time: with several processes on one
    // database, only the store knows the whole queue. One query serves all three gauges.
    let stats: Promise<QueueStats> | null = null
    const readStats = () => {
      if (this.store === null) return Promise.resolve({ pending: 0, due: 0, oldestDueAgeMs: 0 })
      stats ??= this.store.queueStats(Date.now()).finally(() => {
        setImmediate(() => {
          stats = null
        })
      })
      return stats
    }
    new Gauge({
      name: 'hookline_queue_pending_deliveries',
      help: 'Deliveries waiting for an attempt (due now or later)',
      registers: [this.registry],
      async collect() {
        this.set((await readStats()).pending)
      },
    })
    new Gauge({
      name: 'hookline_queue_due_deliveries',
      help: 'Deliveries due now and not yet claimed',
      registers: [this.registry],
      async collect() {
        this.set((await readStats()).due)
      },
    })
    new Gauge({
      name: 'hookline_queue_oldest_due_age_seconds',
      help: 'How long the oldest due delivery has been waiting (0 when none is due)',
      registers: [this.registry],
      async collect() {
        this.set((await readStats()).oldestDueAgeMs / 1000)
      },
    })
  }

  /** The store is created after the metrics (it reports its commits to them). */
  watchQueue(store: Pick<Store, 'queueStats'>): void {
    this.store = store
  }

  eventAccepted(type: string, source: string | null): void {
    this.events.inc({
      type: this.types.value(type),
      source: source === null ? '' : this.sources.value(source),
    })
  }

  inboundDuplicate(source: string): void {
    this.duplicates.inc({ source: this.sources.value(source) })
  }

  inboundRejected(source: string, reason: string): void {
    this.rejections.inc({ source: this.sources.value(source), reason })
  }

  attemptFinished(endpointId: string, outcome: AttemptOutcome, durationMs: number): void {
    const endpoint = this.endpoints.value(endpointId)
    this.attempts.inc({ endpoint, outcome })
    this.attemptSeconds.observe({ endpoint }, durationMs / 1000)
  }

  storeCommit(batchSize: number, durationMs: number): void {
    this.commitSize.observe(batchSize)
    this.commitSeconds.observe(durationMs / 1000)
  }
}
