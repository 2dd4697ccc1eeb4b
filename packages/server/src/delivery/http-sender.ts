import { Agent, errors as undiciErrors } from 'undici'
import type { AttemptResult } from '../core/delivery-outcome.js'
import type { HttpDestination } from '../core/destination-url.js'
import { failed as failure, type SendResult } from './destinations/outbound.js'
import { type AddressGuard, ForbiddenAddressError } from './network-guard.js'
import { DeadlineExceededError, RequestDeadlines } from './request-deadlines.js'

/** Response bodies are kept for debugging, capped: a receiver could answer with gigabytes. */
export const RESPONSE_BODY_LIMIT_BYTES = 4096

export interface SenderOptions {
  timeoutMs: number
  guard: AddressGuard
  /** Sockets kept per origin; keep-alive makes repeated deliveries to one endpoint cheap. */
  connectionsPerOrigin?: number
}

/**
 * Sends one signed POST and reports what happened. Never throws: every failure (refused,
 * timed out, blocked by the network guard) becomes an attempt result with a readable error.
 * Redirects are never followed (undici's `request` does not follow them), so a 3xx is just a
 * failed attempt.
 *
 * The whole attempt (connect, headers, body) is capped by the timeout; undici's own header and
 * body timeouts alone would let a receiver that trickles its answer hold an attempt for hours.
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
    const elapsed = () => Math.round(performance.now() - started)
    if (this.options.guard.requireHttps && !target.tls) {
      return failure('https_required: the endpoint URL is not https', elapsed())
    }
    const deadline = this.deadlines.start()
    try {
      this.options.guard.checkUrlHost(target.hostname)
      // The agent's own request() with the parts parsed at create time: the top-level
      // `request(url)` parses the URL again on every call.
      const response = await this.agent.request({
        origin: target.origin,
        path: target.path,
        method: 'POST',
        headers,
        body,
        signal: deadline,
        headersTimeout: this.options.timeoutMs,
        bodyTimeout: this.options.timeoutMs,
      })
      const responseBody = await readCapped(response.body)
      const retryAfter = response.headers['retry-after']
      const result: AttemptResult = { kind: 'response', statusCode: response.statusCode }
      if (typeof retryAfter === 'string') result.retryAfter = retryAfter
      const ok = response.statusCode >= 200 && response.statusCode < 300
      return {
        result,
        statusCode: response.statusCode,
        durationMs: elapsed(),
        error: ok ? null : describeStatus(response.statusCode),
        responseBody,
      }
    } catch (error) {
      const message = describeError(error)
      return {
        result: { kind: 'error', error: message },
        statusCode: null,
        durationMs: elapsed(),
        error: message,
        responseBody: null,
      }
    } finally {
      this.deadlines.finish(deadline)
    }
  }

  /** Requests whose deadline is still running (for tests: none once all have ended). */
  get pendingDeadlines(): number {
    return this.deadlines.size
  }

  async close(): Promise<void> {
    this.deadlines.close()
    await this.agent.close()
  }
}

async function readCapped(
  body: AsyncIterable<Uint8Array> & { dump(opts?: { limit: number }): Promise<void> },
) {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    chunks.push(Buffer.from(chunk))
    size += chunk.byteLength
    if (size >= RESPONSE_BODY_LIMIT_BYTES) break
  }
  // Breaking out of the loop destroys the stream; a short body was read whole already.
  let text = Buffer.concat(chunks).subarray(0, RESPONSE_BODY_LIMIT_BYTES).toString('utf8')
  // A character cut in half decodes to U+FFFD (3 bytes), which could push the text past the cap.
  while (Buffer.byteLength(text) > RESPONSE_BODY_LIMIT_BYTES) text = text.slice(0, -1)
  return text === '' ? null : text
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
