import { HooklineError } from '../core/errors.js'

export class RateLimitedError extends HooklineError {
  constructor(readonly retryAfterSeconds: number) {
    super('rate_limited', 429, `too many requests for this API key; retry after ${retryAfterSeconds} s`)
  }
}

/**
 * A token bucket per API key: `ratePerSecond` requests a second on average, bursts up to one
 * second's worth. Per process: with N processes behind a balancer a key gets up to N times the
 * rate, which is the usual trade for not coordinating every request through the database.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; updatedMs: number }>()

  constructor(private readonly ratePerSecond: number) {}

  /** Throws RateLimitedError when `key` has no token left; 0 means "no limit". */
  take(key: string, nowMs: number = Date.now()): void {
    if (this.ratePerSecond <= 0) return
    const bucket = this.buckets.get(key) ?? { tokens: this.ratePerSecond, updatedMs: nowMs }
    bucket.tokens = Math.min(
      this.ratePerSecond,
      bucket.tokens + ((nowMs - bucket.updatedMs) / 1000) * this.ratePerSecond,
    )
    bucket.updatedMs = nowMs
    if (bucket.tokens < 1) {
      this.buckets.set(key, bucket)
      throw new RateLimitedError(Math.max(1, Math.ceil((1 - bucket.tokens) / this.ratePerSecond)))
    }
    bucket.tokens -= 1
    // Keys are few (one bucket per API key), but never let the map grow without bound.
    if (!this.buckets.has(key) && this.buckets.size > 10_000) this.buckets.clear()
    this.buckets.set(key, bucket)
  }
}
