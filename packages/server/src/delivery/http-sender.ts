import { Agent, errors as undiciErrors } from 'undici'
import type { AttemptResult } from '../core/delivery-outcome.js'
import type { HttpDestination } from '../core/destination-url.js'
import { failed as failure, type SendResult } from './destinations/outbound.js'
import { HttpAttempt, type HttpOutcome } from './http-attempt.js'
import { type AddressGuard, ForbiddenAddressError } from './network-guard.js'
import { DeadlineExceededError, RequestDeadlines } from './request-deadlines.js'

export { RESPONSE_BODY_LIMIT_BYTES } from './http-attempt.js'

export interface SenderOptions {
  timeoutMs: number
  guard: AddressGuard
  /** Sockets kept per origin; keep-alive makes repeated deliveries to one endpoint cheap. */
  connectionsPerOrigin?: number
}

/**
 * Sends one signed POST and reports what happened. Never throws: every failure (refused,
 * timed out, blocked by the network guard) becomes an attempt result with a readable error.
 * Redirects are never followed (undici's dispatch does not follow them), so a 3xx is just a
 * failed attempt.
 *
 * The whole attempt (waiting for a connection, connect, headers, body) is capped by the
 * timeout; undici's own header and body timeouts alone would let a receiver that trickles its
 * answer hold an attempt for hours.
 */
export class HttpSender {
  private readonly agent: Agent
  private readonly deadlines: RequestDeadlines

  constructor(private readonly options: SenderOptions) {
    this.agent = new Agent({
      connections: options.connectionsPerOrigin ?? 64,
      keepAliveTimeout: 30_000,
      connect: { lookup: options.guard.lookup },
    })
    this.deadlines = new RequestDeadlines(options.timeoutMs)
  }

  async send(target: HttpDestination, headers: Record<string, string>, body: string): Promise<SendResult> {
    const started = performance.now()
    if (this.options.guard.requireHttps && !target.tls) {
      return failure('https_required: the endpoint URL is not https', elapsedSince(started))
    }
    const outcome = await new Promise<HttpOutcome>((resolve) => {
      let attempt: HttpAttempt | null = null
      try {
        this.options.guard.checkUrlHost(target.hostname)
        attempt = new HttpAttempt(this.deadlines, resolve)
        // The URL's parts come parsed from the endpoint (core/destination-url.ts).
        this.agent.dispatch(
          {
            origin: target.origin,
            path: target.path,
            method: 'POST',
            headers,
            body,
            headersTimeout: this.options.timeoutMs,
            bodyTimeout: this.options.timeoutMs,
          },
          attempt,
        )
      } catch (error) {
        if (attempt) attempt.onResponseError(undefined, error as Error)
        else resolve({ kind: 'error', error })
      }
    })
    const durationMs = elapsedSince(started)
    if (outcome.kind === 'error') {
      const message = describeError(outcome.error)
      return {
        result: { kind: 'error', error: message },
        statusCode: null,
        durationMs,
        error: message,
        responseBody: null,
      }
    }
    const { statusCode, retryAfter } = outcome
    const result: AttemptResult = { kind: 'response', statusCode }
    if (retryAfter !== undefined) result.retryAfter = retryAfter
    const ok = statusCode >= 200 && statusCode < 300
    return {
      result,
      statusCode,
      durationMs,
      error: ok ? null : describeStatus(statusCode),
      responseBody: outcome.body,
    }
  }

  /** Requests whose deadline is still running (for tests: none once all have ended). */
  get pendingDeadlines(): number {
    return this.deadlines.size
  }

  async close(): Promise<void> {
    // undici's close waits for the requests in flight; their deadlines keep running meanwhile,
    // so closing takes at most one timeout even if a receiver trickles its answer.
    await this.agent.close()
    this.deadlines.close()
  }
}

function elapsedSince(started: number): number {
  return Math.round(performance.now() - started)
}

function describeStatus(statusCode: number): string {
  if (statusCode >= 300 && statusCode < 400) return `HTTP ${statusCode} (redirects are not followed)`
  return `HTTP ${statusCode}`
}

/** A short reason for the attempt log. Never includes the URL: it may carry credentials. */
function describeError(error: unknown): string {
  if (error instanceof ForbiddenAddressError) return 'ssrf_blocked: destination address is not allowed'
  const cause = (error as { cause?: unknown }).cause
  if (cause instanceof ForbiddenAddressError) return 'ssrf_blocked: destination address is not allowed'
  if (error instanceof DeadlineExceededError || cause instanceof DeadlineExceededError) return 'timeout'
  if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) {
    return 'timeout'
  }
  if (error instanceof undiciErrors.ConnectTimeoutError) return 'timeout: connect'
  if (error instanceof TypeError && /Invalid URL/i.test(error.message)) return 'invalid url'
  const code = (error as { code?: string }).code ?? (cause as { code?: string } | undefined)?.code
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused'
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'connection reset'
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'dns lookup failed'
    case 'ssrf_blocked':
      return 'ssrf_blocked: destination address is not allowed'
    default:
      return code ? `network error (${code})` : 'network error'
  }
}
