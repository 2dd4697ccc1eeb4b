/**
 * An agent without a public URL, in a process of its own: it holds one `GET /v1/stream`
 * connection through `@hookline/sdk`'s `client.stream()` (what such an agent runs) and takes
 * the wall-clock time at which each event is yielded to it, keyed by the event's sequence
 * number (`data.n`), so the orchestrator can subtract the load generator's send times.
 */
import { HooklineClient } from '@hookline/sdk'
import { serveCommands } from '../lib/child.js'
import { nowMs, sleep } from '../lib/stats.js'

export interface StreamOpenArgs {
  baseUrl: string
  /** A read-scoped key. */
  apiKey: string
  types: string[]
}

let controller: AbortController | null = null
let running: Promise<void> | null = null
let record = false
let count = 0
let duplicates = 0
let failure: string | null = null
let seen = new Set<number>()
let sequences: number[] = []
let arrivals: number[] = []

function stats() {
  return { count, duplicates, failure }
}

async function follow(args: StreamOpenArgs, signal: AbortSignal): Promise<void> {
  const client = new HooklineClient({ baseUrl: args.baseUrl, apiKey: args.apiKey })
  try {
    for await (const event of client.stream<{ n?: unknown }>({ types: args.types, signal })) {
      // Taken first: the figure is when the agent has the event, not when this loop is done with it.
      const at = nowMs()
      count += 1
      const n = event.data?.n
      if (!record || typeof n !== 'number') continue
      if (seen.has(n)) {
        duplicates += 1
        continue
      }
      seen.add(n)
      sequences.push(n)
      arrivals.push(at)
    }
  } catch (error) {
    if (!signal.aborted) failure = error instanceof Error ? error.message : String(error)
  }
}

async function close(): Promise<boolean> {
  controller?.abort()
  await running
  controller = null
  running = null
  return true
}

serveCommands(
  {
    /** Opens the stream (it follows until `close`); events arrive from the moment it is connected. */
    open: (args: StreamOpenArgs) => {
      if (controller) throw new Error('a stream is already open')
      controller = new AbortController()
      failure = null
      running = follow(args, controller.signal)
      return true
    },
    reset: (args: { record?: boolean }) => {
      record = args.record ?? false
      count = 0
      duplicates = 0
      seen = new Set()
      sequences = []
      arrivals = []
      return true
    },
    stats,
    /** Resolves once `count` events have arrived, or after `timeoutMs` with what did. */
    waitFor: async (args: { count: number; timeoutMs: number }) => {
      const deadline = nowMs() + args.timeoutMs
      while (count < args.count && failure === null && nowMs() < deadline) await sleep(2)
      return stats()
    },
    records: () => ({ sequences, arrivals }),
    close,
  },
  close,
)
