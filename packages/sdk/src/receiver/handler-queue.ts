/**
 * Runs the receiver's handler after the sender has its 2xx: at most `concurrency` at once, each
 * webhook retried with backoff up to `maxAttempts`, a bounded backlog so a flood cannot exhaust
 * memory (the receiver answers 503 instead, and the sender retries later).
 */

/** How the receiver runs handlers. */
export interface QueueOptions {
  /** Handlers running at once. Default 10. */
  concurrency?: number
  /** Attempts per webhook, the first included. Default 3. */
  maxAttempts?: number
  /** Delay before attempt `n + 1` after attempt `n` failed. Default 250 ms × 4^(n−1): 250 ms, 1 s, 4 s… */
  retryDelayMs?: number | ((attempt: number) => number)
  /** Webhooks waiting or retrying at once before new ones are refused with 503. Default 1,000. */
  maxQueued?: number
}

interface Job<T> {
  item: T
  attempt: number
}

export class HandlerQueue<T> {
  readonly #run: (item: T, attempt: number) => Promise<void>
  readonly #onFailure: (error: unknown, item: T, attempts: number) => void
  readonly #concurrency: number
  readonly #maxAttempts: number
  readonly #retryDelayMs: (attempt: number) => number
  readonly #maxQueued: number
  readonly #ready: Job<T>[] = []
  #running = 0
  #waitingRetry = 0
  #idleWaiters: Array<() => void> = []

  constructor(
    run: (item: T, attempt: number) => Promise<void>,
    onFailure: (error: unknown, item: T, attempts: number) => void,
    options: QueueOptions = {},
  ) {
    this.#run = run
    this.#onFailure = onFailure
    this.#concurrency = positiveInteger(options.concurrency ?? 10, 'concurrency')
    this.#maxAttempts = positiveInteger(options.maxAttempts ?? 3, 'maxAttempts')
    this.#maxQueued = positiveInteger(options.maxQueued ?? 1000, 'maxQueued')
    const delay = options.retryDelayMs ?? ((attempt: number) => 250 * 4 ** (attempt - 1))
    this.#retryDelayMs = typeof delay === 'number' ? () => delay : delay
  }

  /** Webhooks queued, running or waiting for a retry. */
  get size(): number {
    return this.#ready.length + this.#running + this.#waitingRetry
  }

  /** Queues `item`; `false` when the backlog is full. */
  push(item: T): boolean {
    if (this.size >= this.#maxQueued) return false
    this.#ready.push({ item, attempt: 1 })
    this.#pump()
    return true
  }

  /** Resolves once nothing is queued, running or waiting for a retry. */
  idle(): Promise<void> {
    if (this.size === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idleWaiters.push(resolve))
  }

  #pump(): void {
    while (this.#running < this.#concurrency) {
      const job = this.#ready.shift()
      if (!job) break
      this.#running++
      void this.#execute(job)
    }
    if (this.size === 0) {
      const waiters = this.#idleWaiters
      this.#idleWaiters = []
      for (const resolve of waiters) resolve()
    }
  }

  async #execute(job: Job<T>): Promise<void> {
    try {
      await this.#run(job.item, job.attempt)
    } catch (error) {
      if (job.attempt < this.#maxAttempts) {
        this.#scheduleRetry(job)
      } else {
        this.#report(error, job)
      }
    } finally {
      this.#running--
      this.#pump()
    }
  }

  #scheduleRetry(job: Job<T>): void {
    this.#waitingRetry++
    const delayMs = Math.max(0, this.#retryDelayMs(job.attempt))
    setTimeout(() => {
      this.#waitingRetry--
      this.#ready.push({ item: job.item, attempt: job.attempt + 1 })
      this.#pump()
    }, delayMs)
  }

  #report(error: unknown, job: Job<T>): void {
    try {
      this.#onFailure(error, job.item, job.attempt)
    } catch {
      // A throwing error reporter must not take the queue (or the process) down with it.
    }
  }
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new TypeError(`${name} must be a positive integer`)
  return value
}
