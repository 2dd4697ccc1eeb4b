import { parseRetryAfterMs, withJitter } from './retry-schedule.js'

/**
 * The delivery state machine: given the result of one attempt, decide what happens next.
 * Pure, so every rule of the wire contract is unit-tested without a network:
 *   2xx → succeeded; 3xx is a failure (redirects are never followed); 410 → failed and the
 *   endpoint is disabled; 429/503 honour Retry-After, bounded by the longest scheduled delay;
 *   other failures wait for the next scheduled delay ±20%; after the last one → exhausted.
 *   An endpoint that has been failing without a success for `disableAfterMs` is disabled.
 */

export type AttemptResult =
  | { kind: 'response'; statusCode: number; retryAfter?: string }
  /** A broker destination's durable acknowledgement (publisher confirm, JetStream ack, XADD reply). */
  | { kind: 'acknowledged' }
  | { kind: 'error'; error: string }

export interface AttemptContext {
  result: AttemptResult
  /** Attempts made so far, including this one. */
  attemptCount: number
  retryScheduleMs: readonly number[]
  /** A manual retry or recovery: one attempt, no schedule after it. */
  finalAttempt: boolean
  /** When the endpoint's current run of failures began (null if its last attempt succeeded). */
  endpointFailingSinceMs: number | null
  disableAfterMs: number
  nowMs: number
  random?: () => number
}

export type DisableReason = 'gone' | 'failing'

export type Outcome =
  | { status: 'succeeded' }
  | { status: 'pending'; nextAttemptAtMs: number; disableEndpoint?: undefined }
  | { status: 'failed' | 'exhausted'; disableEndpoint?: DisableReason }

export function isSuccess(result: AttemptResult): boolean {
  if (result.kind === 'acknowledged') return true
  return result.kind === 'response' && result.statusCode >= 200 && result.statusCode < 300
}

export function decideOutcome(ctx: AttemptContext): Outcome {
  const { result, nowMs } = ctx
  if (isSuccess(result)) return { status: 'succeeded' }

  if (result.kind === 'response' && result.statusCode === 410) {
    return { status: 'failed', disableEndpoint: 'gone' }
  }
  const failingSinceMs = ctx.endpointFailingSinceMs ?? nowMs
  if (nowMs - failingSinceMs >= ctx.disableAfterMs) {
    return { status: 'failed', disableEndpoint: 'failing' }
  }
  if (ctx.finalAttempt) return { status: 'failed' }

  const scheduledDelayMs = ctx.retryScheduleMs[ctx.attemptCount]
  if (scheduledDelayMs === undefined) return { status: 'exhausted' }

  if (result.kind === 'response' && (result.statusCode === 429 || result.statusCode === 503)) {
    const retryAfterMs = parseRetryAfterMs(result.retryAfter, nowMs)
    if (retryAfterMs !== null) {
      // The receiver asked for a specific pause: wait exactly that long (no jitter may cut it
      // short), but never longer than the schedule's longest delay, so a hostile or buggy
      // Retry-After cannot park a delivery forever.
      const ceilingMs = Math.max(...ctx.retryScheduleMs)
      return { status: 'pending', nextAttemptAtMs: nowMs + Math.min(retryAfterMs, ceilingMs) }
    }
  }
  return { status: 'pending', nextAttemptAtMs: nowMs + withJitter(scheduledDelayMs, ctx.random) }
}
