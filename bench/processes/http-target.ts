/**
 * An HTTP server in a process of its own, in one of two roles (BENCH_TARGET_MODE):
 * - `sink`: the receiver of webhooks. Counts requests, keeps the first and last arrival time, the
 *   arrival time of the last warm-up request (for throughput after warm-up) and, when asked, the
 *   arrival time of every event's sequence number (for end-to-end latency and loss checks).
 * - `noop`: the publish ceiling. Reads the body and answers 202 with a small JSON document, as
 *   a server that does nothing with the request would.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { sequenceOf } from '../lib/bodies.js'
import { serveCommands } from '../lib/child.js'
import { nowMs, sleep } from '../lib/stats.js'

const mode = process.env.BENCH_TARGET_MODE === 'noop' ? 'noop' : 'sink'
const NOOP_ANSWER = JSON.stringify({
  id: 'evt_01JBENCH0000000000000000000',
  type: 'bench.publish',
  timestamp: new Date(0).toISOString(),
  data: { accepted: true },
})

let status = 204
let record = false
let count = 0
let firstMs = 0
let lastMs = 0
/** Arrivals that count as warm-up, and when the last of them arrived (the measured window's start). */
let warmup = 0
let warmMs = 0
let sequences: number[] = []
let arrivals: number[] = []

const server = createServer((request, response) => {
  const chunks: Buffer[] = []
  request.on('data', (chunk: Buffer) => chunks.push(chunk))
  request.on('end', () => {
    const at = nowMs()
    if (mode === 'noop') {
      response.writeHead(202, { 'content-type': 'application/json' }).end(NOOP_ANSWER)
      return
    }
    count += 1
    if (firstMs === 0) firstMs = at
    if (count === Math.max(1, warmup)) warmMs = at
    lastMs = at
    if (record) {
      const n = sequenceOf(Buffer.concat(chunks).toString('utf8'))
      if (n !== null) {
        sequences.push(n)
        arrivals.push(at)
      }
    }
    response.writeHead(status).end()
  })
})
// Longer than any client's keep-alive: a socket closed by the server just as a client reuses it
// would turn into a failed attempt and a retry seconds later, which is noise, not a figure.
server.keepAliveTimeout = 120_000
server.headersTimeout = 125_000
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

function stats() {
  return { count, firstMs, lastMs, warmup: Math.max(1, warmup), warmMs }
}

serveCommands({
  url: () => url,
  reset: (args: { status?: number; record?: boolean; warmup?: number }) => {
    status = args.status ?? 204
    record = args.record ?? false
    warmup = args.warmup ?? 0
    count = 0
    firstMs = 0
    lastMs = 0
    warmMs = 0
    sequences = []
    arrivals = []
    return true
  },
  stats,
  /** Resolves once `count` requests have arrived, or after `timeoutMs` with what did. */
  waitFor: async (args: { count: number; timeoutMs: number }) => {
    const deadline = nowMs() + args.timeoutMs
    while (count < args.count && nowMs() < deadline) await sleep(2)
    return stats()
  },
  /** Waits until no request has arrived for `quietMs` (bounded by `timeoutMs`). */
  waitQuiet: async (args: { quietMs: number; timeoutMs: number }) => {
    const deadline = nowMs() + args.timeoutMs
    let seen = -1
    let since = nowMs()
    while (nowMs() < deadline) {
      if (count !== seen) {
        seen = count
        since = nowMs()
      } else if (nowMs() - since >= args.quietMs) break
      await sleep(10)
    }
    return stats()
  },
  records: () => ({ sequences, arrivals }),
})
