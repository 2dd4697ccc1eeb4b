import { randomUUID } from 'node:crypto'
import { sign } from '@hookline/sdk'
import type { Logger } from 'pino'
import { decideOutcome } from '../core/delivery-outcome.js'
import type { AttemptOutcome, Metrics } from '../core/metrics.js'
import type { Tracing } from '../core/tracing.js'
import type { ClaimedDelivery, Store } from '../store/store.js'
import type { DestinationRouter } from './destination-router.js'

export interface DispatcherOptions {
  store: Store
  destinations: DestinationRouter
  logger: Logger
  retryScheduleMs: readonly number[]
  deliveryTimeoutMs: number
  disableFailingAfterMs: number
  /** Attempts in flight at once. */
  concurrency: number
  metrics?: Metrics
  tracing?: Tracing
  /** Tests pass a fixed id; by default each process gets a fresh one. */
  workerId?: string
}

/**
 * How long a claim is ours. It must outlast one attempt (the delivery timeout) plus the time to
 * record the result; if the process dies, the delivery becomes due again after this long.
 */
const LEASE_MARGIN_MS = 5_000

/**
 * Even with nothing due, look again this often: another process (PostgreSQL) may have
 * published, and a delivery whose lease expired has no one to announce it.
 */
const IDLE_POLL_MS = 1_000

/**
 * Renew the leases of attempts in flight this many times per lease: an attempt, or the report
 * of one delayed by a slow store, keeps its lease, and three chances survive a failed renewal.
 */
const HEARTBEATS_PER_LEASE = 3

/** After the store fails, wait this long before claiming again (then double, up to the cap). */
const ERROR_BACKOFF_MS = 200
const ERROR_BACKOFF_CAP_MS = 5_000

/**
 * The dispatcher: claims due deliveries under a lease, sends each signed (a POST or a broker
 * publish, destination-router.ts), and
 * records the attempt with the outcome the delivery state machine decides. It is woken at
 * once when a commit queues deliveries, so a publish reaches its endpoints in milliseconds.
 */
export class Dispatcher {
  readonly workerId: string
  private running = false
  private loopDone: Promise<void> = Promise.resolve()
  private readonly inFlight = new Map<string, Promise<void>>()
  private wakeUp: (() => void) | null = null
  private woken = false
  private unsubscribe: (() => void) | null = null
  private heartbeat: NodeJS.Timeout | null = null

  constructor(private readonly options: DispatcherOptions) {
    this.workerId = options.workerId ?? `worker_${randomUUID()}`
  }

  start(): void {
    if (this.running) return
    this.running = true
    this.unsubscribe = this.options.store.onDeliveriesQueued(() => this.wake())
    this.loopDone = this.loop()
    const leaseMs = this.options.deliveryTimeoutMs + LEASE_MARGIN_MS
    this.heartbeat = setInterval(() => this.renewLeases(leaseMs), leaseMs / HEARTBEATS_PER_LEASE)
    this.heartbeat.unref()
  }

  private renewLeases(leaseMs: number): void {
    const held = [...this.inFlight.keys()]
    if (held.length === 0) return
    this.options.store.renewLeases(this.workerId, held, Date.now(), leaseMs).catch((error: unknown) => {
      // The lease may run out: then the delivery is retried elsewhere (at least once).
      this.options.logger.warn({ err: error }, 'renewing leases failed')
    })
  }

  /**
   * Stops claiming, lets attempts in flight finish for up to `graceMs`, and gives back the
   * leases of any still running so the next process retries them at once.
   */
  async stop(graceMs: number): Promise<void> {
    if (!this.running) return
    this.running = false
    this.unsubscribe?.()
    if (this.heartbeat) clearInterval(this.heartbeat)
    this.wake()
    await this.loopDone
    const settled = Promise.allSettled([...this.inFlight.values()])
    await Promise.race([settled, sleep(graceMs)])
    const unfinished = [...this.inFlight.keys()]
    if (unfinished.length > 0) await this.options.store.releaseLeases(this.workerId, unfinished)
  }

  private wake(): void {
    this.woken = true
    this.wakeUp?.()
  }

  private async loop(): Promise<void> {
    const { store, concurrency, deliveryTimeoutMs, logger } = this.options
    let backoffMs = ERROR_BACKOFF_MS
    while (this.running) {
      this.woken = false
      let waitMs = IDLE_POLL_MS
      const capacity = concurrency - this.inFlight.size
      if (capacity >= this.claimBatchMin()) {
        try {
          const now = Date.now()
          const claimed = await store.claimDue(
            this.workerId,
            capacity,
            now,
            deliveryTimeoutMs + LEASE_MARGIN_MS,
          )
          for (const delivery of claimed) this.startAttempt(delivery)
          backoffMs = ERROR_BACKOFF_MS
          if (claimed.length === capacity) continue // probably more due: claim again at once
          const nextDue = await store.nextDueAtMs()
          if (nextDue !== null) waitMs = Math.min(IDLE_POLL_MS, Math.max(0, nextDue - Date.now()))
        } catch (error) {
          logger.error({ err: error }, 'claiming deliveries failed; backing off')
          waitMs = backoffMs
          backoffMs = Math.min(backoffMs * 2, ERROR_BACKOFF_CAP_MS)
        }
      }
      if (!this.woken && this.running) await this.sleep(waitMs)
    }
  }

  /**
   * Claim in batches while attempts are in flight: with a backlog, every finished attempt wakes
   * the loop, and a claim per finished attempt (one transaction for one row) costs more than
   * the attempt. Waiting until half the slots are free keeps the other half busy meanwhile;
   * with nothing or little in flight a claim happens at once, so latency is unchanged.
   */
  private claimBatchMin(): number {
    const { concurrency } = this.options
    return this.inFlight.size <= concurrency / 2 ? 1 : Math.ceil(concurrency / 2)
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms)
      function done() {
        clearTimeout(timer)
        resolve()
      }
      this.wakeUp = () => {
        this.wakeUp = null
        done()
      }
    })
  }

  private startAttempt(delivery: ClaimedDelivery): void {
    const attempt = this.attempt(delivery)
      .catch((error: unknown) => {
        // Recording failed (store down): the lease runs out and the delivery is retried.
        this.options.logger.error(
          { err: error, deliveryId: delivery.deliveryId },
          'recording an attempt failed',
        )
      })
      .finally(() => {
        this.inFlight.delete(delivery.deliveryId)
        this.wake()
      })
    this.inFlight.set(delivery.deliveryId, attempt)
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const { store, destinations, logger } = this.options
    const nowSeconds = Math.floor(Date.now() / 1000)
    // A fresh timestamp on every attempt (receivers reject old ones) and the event id as
    // webhook-id on every attempt (receivers dedupe on it).
    const signed = await sign({
      scheme: 'standard-webhooks',
      secret: delivery.secrets,
      payload: delivery.body,
      id: delivery.eventId,
      timestamp: nowSeconds,
    })
    const atMs = Date.now()
    const sent = await destinations.send(delivery.url, {
      eventId: delivery.eventId,
      eventType: delivery.eventType,
      body: delivery.body,
      signature: signed,
      headers: delivery.headers,
      timestampSeconds: nowSeconds,
    })
    const outcome = decideOutcome({
      result: sent.result,
      attemptCount: delivery.attemptCount + 1,
      retryScheduleMs: this.options.retryScheduleMs,
      finalAttempt: delivery.finalAttempt,
      endpointFailingSinceMs: delivery.endpointFailingSinceMs,
      disableAfterMs: this.options.disableFailingAfterMs,
      nowMs: Date.now(),
    })
    const recorded = await store.recordAttempt({
      deliveryId: delivery.deliveryId,
      workerId: this.workerId,
      atMs,
      durationMs: sent.durationMs,
      statusCode: sent.statusCode,
      error: sent.error,
      responseBody: sent.responseBody,
      outcome,
    })
    const attemptOutcome: AttemptOutcome = outcome.status === 'pending' ? 'retrying' : outcome.status
    this.options.metrics?.attemptFinished(delivery.endpointId, attemptOutcome, sent.durationMs)
    this.options.tracing?.attemptFinished(
      {
        eventId: delivery.eventId,
        eventType: delivery.eventType,
        deliveryId: delivery.deliveryId,
        endpointId: delivery.endpointId,
        attempt: delivery.attemptCount + 1,
        statusCode: sent.statusCode,
        error: sent.error,
        outcome: attemptOutcome,
      },
      { startMs: atMs, endMs: atMs + sent.durationMs },
    )
    // One line per attempt: what operators grep when an endpoint "never got" a webhook. The
    // URL is left out on purpose (it may carry credentials); the endpoint id identifies it.
    logger.info(
      {
        deliveryId: delivery.deliveryId,
        eventId: delivery.eventId,
        eventType: delivery.eventType,
        endpointId: delivery.endpointId,
        attempt: delivery.attemptCount + 1,
        statusCode: sent.statusCode,
        durationMs: sent.durationMs,
        error: sent.error ?? undefined,
        outcome: attemptOutcome,
        ...(recorded ? {} : { stale: true }),
      },
      'delivery attempt',
    )
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref())
}
