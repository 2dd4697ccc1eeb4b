import type { Dispatcher } from 'undici'
import { DeadlineExceededError, type Expiring, type RequestDeadlines } from './request-deadlines.js'

/** Response bodies are kept for debugging, capped: a receiver could answer with gigabytes. */
export const RESPONSE_BODY_LIMIT_BYTES = 4096

/** How one HTTP attempt ended, before it is turned into an attempt result. */
export type HttpOutcome =
  | { kind: 'response'; statusCode: number; retryAfter: string | undefined; body: string | null }
  | { kind: 'error'; error: unknown }

type Controller = Dispatcher.DispatchController

/**
 * One POST as an undici dispatch handler: it keeps the status, `Retry-After` and the first
 * 4 KB of the answer, and settles exactly once, on the answer's end, an error, the size cap or
 * its deadline, whichever comes first.
 *
 * undici's `request()` wraps every response in a Readable stream; for an answer that is
 * usually empty that stream cost about as much CPU as the rest of the request (measured
 * 41 against 22 µs per POST). Handing undici a handler avoids it.
 */
export class HttpAttempt implements Dispatcher.DispatchHandler, Expiring {
  readonly expiresAtMs: number
  private controller: Controller | null = null
  private settled = false
  private expired = false
  private statusCode = 0
  private retryAfter: string | undefined = undefined
  private readonly chunks: Buffer[] = []
  private size = 0

  constructor(
    private readonly deadlines: RequestDeadlines,
    private readonly resolve: (outcome: HttpOutcome) => void,
  ) {
    this.expiresAtMs = deadlines.fromNow()
    deadlines.add(this)
  }

  onRequestStart(controller: Controller): void {
    this.controller = controller
    // The deadline passed while the request waited for a free connection.
    if (this.expired) controller.abort(new DeadlineExceededError())
  }

  onResponseStart(
    _controller: Controller,
    statusCode: number,
    headers: Record<string, string | string[]>,
  ): void {
    this.statusCode = statusCode
    const retryAfter = headers['retry-after']
    this.retryAfter = Array.isArray(retryAfter) ? retryAfter[0] : retryAfter
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    if (this.settled) return
    this.chunks.push(chunk)
    this.size += chunk.length
    if (this.size < RESPONSE_BODY_LIMIT_BYTES) return
    // Enough for the attempt log: stop reading. Aborting closes the connection, which is
    // cheaper than draining an answer of any size.
    this.settleResponse()
    controller.abort(new Error('response body limit reached'))
  }

  onResponseEnd(): void {
    this.settleResponse()
  }

  onResponseError(_controller: Controller | undefined, error: Error): void {
    this.settle({ kind: 'error', error })
  }

  /** The deadline passed: settle as timed out, and end the request if it has started. */
  expire(): void {
    if (this.settled) return
    this.expired = true
    const error = new DeadlineExceededError()
    this.settle({ kind: 'error', error })
    this.controller?.abort(error)
  }

  private settleResponse(): void {
    this.settle({
      kind: 'response',
      statusCode: this.statusCode,
      retryAfter: this.retryAfter,
      body: this.size === 0 ? null : decodeCapped(this.chunks),
    })
  }

  private settle(outcome: HttpOutcome): void {
    if (this.settled) return
    this.settled = true
    this.deadlines.remove(this)
    this.resolve(outcome)
  }
}

function decodeCapped(chunks: Buffer[]): string | null {
  let text = Buffer.concat(chunks).subarray(0, RESPONSE_BODY_LIMIT_BYTES).toString('utf8')
  // A character cut in half decodes to U+FFFD (3 bytes), which could push the text past the cap.
  while (Buffer.byteLength(text) > RESPONSE_BODY_LIMIT_BYTES) text = text.slice(0, -1)
  return text === '' ? null : text
}
