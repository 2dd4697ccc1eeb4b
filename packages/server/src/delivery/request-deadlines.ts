/** Why an attempt was cut short: it outlived the delivery timeout. */
export class DeadlineExceededError extends Error {
  readonly code = 'deadline_exceeded'
  constructor() {
    super('the attempt took longer than the delivery timeout')
  }
}

/** Something that must end by `expiresAtMs` (performance.now() clock). */
export interface Expiring {
  readonly expiresAtMs: number
  expire(): void
}

/**
 * Caps the total time of every request a sender makes, with one timer for all of them.
 *
 * A timer per request (`AbortSignal.timeout()` and an EventTarget each) cost about 30 µs of CPU
 * per delivery in a drain benchmark, as much as undici's own work. Here every request gets the
 * same timeout, so deadlines expire in the order the requests started: they wait in a Set
 * (which iterates in insertion order), and one timer, armed for the oldest, expires everything
 * overdue when it fires.
 */
export class RequestDeadlines {
  private readonly pending = new Set<Expiring>()
  private timer: NodeJS.Timeout | null = null

  constructor(readonly timeoutMs: number) {}

  /** The deadline of a request that starts now. */
  fromNow(): number {
    return performance.now() + this.timeoutMs
  }

  add(entry: Expiring): void {
    this.pending.add(entry)
    if (this.timer === null) this.arm(entry.expiresAtMs - performance.now())
  }

  /** The request ended (in any way): its deadline no longer matters. */
  remove(entry: Expiring): void {
    this.pending.delete(entry)
  }

  /** Requests whose deadline is still running (for tests: none once all have ended). */
  get size(): number {
    return this.pending.size
  }

  close(): void {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
  }

  private arm(delayMs: number): void {
    // +1: a timer may fire a fraction of a millisecond early by performance.now()'s clock.
    this.timer = setTimeout(() => this.fire(), Math.max(0, delayMs) + 1)
    this.timer.unref()
  }

  private fire(): void {
    this.timer = null
    const now = performance.now()
    for (const entry of this.pending) {
      if (entry.expiresAtMs > now) {
        this.arm(entry.expiresAtMs - now)
        return
      }
      this.pending.delete(entry)
      entry.expire()
    }
  }
}
