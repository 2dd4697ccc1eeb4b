/**
 * One authenticated JSON request to the Hookline API, with retries: on 429, 5xx and network
 * errors for requests that are safe to repeat, and only on 429/503 (the server refused without
 * acting) for the others. `Retry-After` is honoured up to `maxRetryDelayMs`.
 */

import { HooklineApiError, HooklineNetworkError, type ProblemDetails } from '../errors.js'

/** A `fetch` implementation (inject one for tests, proxies or instrumentation). */
export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>

/** Connection and retry settings of the client. */
export interface TransportOptions {
  baseUrl: string
  apiKey: string
  fetch?: FetchFunction
  /** Retries after the first attempt. Default 3. */
  maxRetries?: number
  /** Per-attempt timeout. Default 30 s. */
  timeoutMs?: number
  /** Base of the exponential backoff. Default 500 ms (0.5, 1, 2 s… with jitter). */
  retryBaseDelayMs?: number
  /** Ceiling of any delay, `Retry-After` included. Default 30 s. */
  maxRetryDelayMs?: number
}

export interface TransportRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE'
  path: string
  query?: Record<string, string | number | Date | undefined> | undefined
  body?: unknown
  headers?: Record<string, string>
  /** True when repeating the request cannot apply it twice (GET, DELETE, PATCH, keyed publish). */
  idempotent: boolean
  signal?: AbortSignal | undefined
}

// Statuses that mean "the server did not act": safe to retry whatever the method.
const REFUSED_STATUSES = new Set([429, 503])

function queryString(query: TransportRequest['query']): string {
  if (!query) return ''
  const params = new URLSearchParams()
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue
    params.set(name, value instanceof Date ? value.toISOString() : String(value))
  }
  const text = params.toString()
  return text ? `?${text}` : ''
}

function retryAfterMs(response: Response): number | undefined {
  const value = response.headers.get('retry-after')
  if (!value) return undefined
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

async function problemOf(response: Response): Promise<ProblemDetails> {
  const text = await response.text().catch(() => '')
  if ((response.headers.get('content-type') ?? '').includes('json')) {
    try {
      const parsed: unknown = JSON.parse(text)
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as ProblemDetails
    } catch {
      // Fall through to a problem built from the status line.
    }
  }
  return { title: response.statusText || `HTTP ${response.status}`, status: response.status }
}

/** Sends requests for `HooklineClient`; internal. */
export class Transport {
  readonly #baseUrl: string
  readonly #apiKey: string
  readonly #fetch: FetchFunction
  readonly #maxRetries: number
  readonly #timeoutMs: number
  readonly #retryBaseDelayMs: number
  readonly #maxRetryDelayMs: number

  constructor(options: TransportOptions) {
    if (!/^https?:\/\//.test(options.baseUrl)) throw new TypeError('baseUrl must be an http(s) URL')
    if (!options.apiKey) throw new TypeError('apiKey is required')
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '')
    this.#apiKey = options.apiKey
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
    this.#maxRetries = options.maxRetries ?? 3
    this.#timeoutMs = options.timeoutMs ?? 30_000
    this.#retryBaseDelayMs = options.retryBaseDelayMs ?? 500
    this.#maxRetryDelayMs = options.maxRetryDelayMs ?? 30_000
  }

  async request<T>(request: TransportRequest): Promise<T> {
    const url = this.#baseUrl + request.path + queryString(request.query)
    const headers: Record<string, string> = {
      accept: 'application/json',
      authorization: `Bearer ${this.#apiKey}`,
      ...request.headers,
    }
    let body: string | undefined
    if (request.body !== undefined) {
      headers['content-type'] = 'application/json'
      body = JSON.stringify(request.body)
    }

    for (let attempt = 0; ; attempt++) {
      const canRetry = attempt < this.#maxRetries
      let response: Response
      try {
        response = await this.#send(
          url,
          { method: request.method, headers, body: body ?? null },
          request.signal,
        )
      } catch (error) {
        if (request.signal?.aborted) throw request.signal.reason
        const isTimeout = error instanceof DOMException && error.name === 'TimeoutError'
        if (canRetry && request.idempotent) {
          await sleep(this.#backoffMs(attempt), request.signal)
          continue
        }
        throw isTimeout
          ? new HooklineNetworkError('timeout', `${request.method} ${request.path} timed out`, {
              cause: error,
            })
          : new HooklineNetworkError('network_error', `${request.method} ${request.path} failed to connect`, {
              cause: error,
            })
      }
      if (response.ok) {
        if (response.status === 204) return undefined as T
        const text = await response.text()
        return (text === '' ? undefined : JSON.parse(text)) as T
      }
      const retryable =
        REFUSED_STATUSES.has(response.status) || (request.idempotent && response.status >= 500)
      if (canRetry && retryable) {
        const delay = retryAfterMs(response) ?? this.#backoffMs(attempt)
        await response.body?.cancel().catch(() => undefined)
        await sleep(Math.min(delay, this.#maxRetryDelayMs), request.signal)
        continue
      }
      throw new HooklineApiError(response.status, await problemOf(response))
    }
  }

  async #send(url: string, init: RequestInit, signal: AbortSignal | undefined): Promise<Response> {
    const timeout = AbortSignal.timeout(this.#timeoutMs)
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout
    return this.#fetch(url, { ...init, signal: combined })
  }

  #backoffMs(attempt: number): number {
    const base = Math.min(this.#retryBaseDelayMs * 2 ** attempt, this.#maxRetryDelayMs)
    // ±20% jitter so many clients retrying together do not stay in lockstep.
    return base * (0.8 + Math.random() * 0.4)
  }
}
