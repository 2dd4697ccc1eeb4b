/**
 * `client.stream()`: the events of a Hookline server as an async iterator, over Server-Sent
 * Events. For agents without a public URL: no endpoint, no signature to check (the API key
 * authenticates the server), and after any disconnect it reconnects with backoff and resumes
 * from the last event it yielded, so nothing is missed and nothing comes twice.
 */

import { HooklineApiError, type ProblemDetails } from '../errors.js'
import type { FetchFunction } from './transport.js'
import type { WebhookEventRecord } from './types.js'

export interface StreamOptions {
  /** Exact types or `prefix.*` patterns; all events when absent. */
  types?: string[]
  /** Resume after this event id (the last one you processed). */
  lastEventId?: string
  /** Stops the iteration. */
  signal?: AbortSignal
  /** First reconnection delay; doubles up to `maxReconnectDelayMs`. Default 500 ms. */
  reconnectDelayMs?: number
  /** Default 30 s. */
  maxReconnectDelayMs?: number
}

export interface StreamConnection {
  baseUrl: string
  apiKey: string
  fetch: FetchFunction
}

interface Frame {
  id?: string
  event?: string
  data: string
}

/** Splits an SSE byte stream into frames (`id`, `event`, `data`); comments are skipped. */
async function* frames(body: ReadableStream<Uint8Array>): AsyncGenerator<Frame> {
  const decoder = new TextDecoder()
  const reader = body.getReader()
  let buffer = ''
  let current: Partial<Frame> & { dataLines: string[] } = { dataLines: [] }
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      buffer += decoder.decode(value, { stream: true })
      let newline = buffer.search(/\r?\n/)
      while (newline >= 0) {
        const line = buffer.slice(0, newline)
        buffer = buffer.slice(buffer[newline] === '\r' ? newline + 2 : newline + 1)
        if (line === '') {
          if (current.dataLines.length > 0) {
            const frame: Frame = { data: current.dataLines.join('\n') }
            if (current.id !== undefined) frame.id = current.id
            if (current.event !== undefined) frame.event = current.event
            yield frame
          }
          current = { dataLines: [] }
        } else if (!line.startsWith(':')) {
          const colon = line.indexOf(':')
          const field = colon < 0 ? line : line.slice(0, colon)
          const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
          if (field === 'data') current.dataLines.push(value)
          else if (field === 'id') current.id = value
          else if (field === 'event') current.event = value
        }
        newline = buffer.search(/\r?\n/)
      }
    }
  } finally {
    reader.releaseLock()
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => {
      clearTimeout(timer)
      resolve()
    })
  })
}

/**
 * The iterator behind `HooklineClient.stream`. Authentication and filter errors (4xx other
 * than 429) end it with a `HooklineApiError`; everything else is retried.
 */
export async function* streamEvents<T = unknown>(
  connection: StreamConnection,
  options: StreamOptions = {},
): AsyncGenerator<WebhookEventRecord<T>, void, undefined> {
  const base = options.reconnectDelayMs ?? 500
  const max = options.maxReconnectDelayMs ?? 30_000
  let lastEventId = options.lastEventId
  let delay = base
  const query =
    options.types && options.types.length > 0 ? `?types=${encodeURIComponent(options.types.join(','))}` : ''
  const url = `${connection.baseUrl.replace(/\/+$/, '')}/v1/stream${query}`

  while (!options.signal?.aborted) {
    let response: Response | undefined
    try {
      const headers: Record<string, string> = {
        authorization: `Bearer ${connection.apiKey}`,
        accept: 'text/event-stream',
      }
      if (lastEventId !== undefined) headers['last-event-id'] = lastEventId
      response = await connection.fetch(url, {
        headers,
        ...(options.signal ? { signal: options.signal } : {}),
      })
      if (response.status >= 400 && response.status < 500 && response.status !== 429) {
        const problem = (await response.json().catch(() => ({}))) as ProblemDetails
        throw new HooklineApiError(response.status, problem)
      }
      if (response.ok && response.body) {
        for await (const frame of frames(response.body)) {
          if (frame.event === 'hookline.disconnect') break
          if (frame.id === undefined) continue
          delay = base // a working connection resets the backoff
          lastEventId = frame.id
          yield JSON.parse(frame.data) as WebhookEventRecord<T>
        }
      }
    } catch (error) {
      if (error instanceof HooklineApiError) throw error
      if (options.signal?.aborted) return
      // A network error or a dropped connection: reconnect below.
    }
    await sleep(delay * (0.8 + Math.random() * 0.4), options.signal)
    delay = Math.min(delay * 2, max)
  }
}
