import type { AttemptResult } from '../../core/delivery-outcome.js'

/** One attempt's message, the same for every kind of destination. */
export interface OutboundMessage {
  eventId: string
  eventType: string
  /** The exact bytes that were signed. */
  body: string
  /** `webhook-id`, `webhook-timestamp`, `webhook-signature` of this attempt. */
  signature: Record<string, string>
  /** The endpoint's own headers (HTTP headers, AMQP/NATS headers, Redis stream fields). */
  headers: Record<string, string>
  /** Unix seconds of this attempt (the signed timestamp). */
  timestampSeconds: number
}

export interface SendResult {
  result: AttemptResult
  statusCode: number | null
  durationMs: number
  error: string | null
  /** The receiver's answer: an HTTP response body, or what the broker acknowledged. */
  responseBody: string | null
}

/** Sends to one kind of destination. Never throws: every failure is a result with a reason. */
export interface DestinationSender<D> {
  send(destination: D, message: OutboundMessage): Promise<SendResult>
  /** Closes connections no attempt used for `idleMs`. */
  closeIdle(idleMs: number): Promise<number>
  close(): Promise<void>
}

export function failed(error: string, durationMs: number): SendResult {
  return { result: { kind: 'error', error }, statusCode: null, durationMs, error, responseBody: null }
}

export function acknowledged(description: string, durationMs: number): SendResult {
  return {
    result: { kind: 'acknowledged' },
    statusCode: null,
    durationMs,
    error: null,
    responseBody: description,
  }
}

/** Milliseconds since `started` (a performance.now() reading), rounded. */
export function since(started: number): number {
  return Math.round(performance.now() - started)
}
