/**
 * The load generator, in a process of its own: closed loops (N connections, each sending its
 * next request when the previous answer is read) for throughput, open loops (requests sent at
 * their scheduled time whatever the server does) for latency, and the bare undici sender that
 * is the delivery ceiling. Every loop is bounded by a count and a deadline.
 */
import Stripe from 'stripe'
import { Pool } from 'undici'
import {
  BENCH_SECRET,
  BENCH_STRIPE_SECRET,
  eventBody,
  publishBody,
  standardWebhooksHeaders,
  stripeEventBody,
} from '../lib/bodies.js'
import { serveCommands } from '../lib/child.js'
import { nowMs, type Percentiles, percentiles } from '../lib/stats.js'

export type BodyKind = { kind: 'publish'; type: string } | { kind: 'stripe'; runTag: string }

export interface ClosedLoopArgs {
  url: string
  path: string
  headers: Record<string, string>
  body: BodyKind
  connections: number
  /** Requests answered during the warm-up are not counted. */
  warmupMs: number
  durationMs: number
  /** Stop after this many requests even if the duration is not over (seeding uses this). */
  maxRequests: number
  /** First sequence number, so runs against one server never repeat an event. */
  firstSequence: number
}

export interface ClosedLoopResult {
  requests: number
  ratePerSecond: number
  latencyMs: Percentiles
  statuses: Record<string, number>
  errors: number
  lastSequence: number
}

export interface OpenLoopArgs {
  url: string
  path: string
  headers: Record<string, string>
  body: BodyKind
  ratePerSecond: number
  durationMs: number
  connections: number
  firstSequence: number
}

export interface OpenLoopResult {
  sent: number
  answered: number
  statuses: Record<string, number>
  errors: number
  /** From the scheduled send time to the end of the answer. */
  ackLatencyMs: Percentiles
  /** Scheduled send time (wall clock ms) of sequence `firstSequence + i`. */
  scheduledMs: number[]
  /** When the answer to sequence `firstSequence + i` was read (wall clock ms); 0 if none was. */
  answeredMs: number[]
  /** How late the generator itself sent, at the 99th percentile: a check on the generator. */
  sendLagP99Ms: number
}

export interface UndiciDeliveryArgs {
  url: string
  path: string
  count: number
  connections: number
  concurrency: number
  type: string
  timeoutMs: number
}

const stripe = new Stripe('sk_test_hookline_bench', { telemetry: false })

function makeRequest(body: BodyKind, n: number): { payload: string; headers: Record<string, string> } {
  if (body.kind === 'publish') return { payload: publishBody(body.type, n), headers: {} }
  const payload = stripeEventBody(n, body.runTag)
  const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: BENCH_STRIPE_SECRET })
  return { payload, headers: { 'stripe-signature': signature } }
}

function countStatus(statuses: Record<string, number>, status: number | string): void {
  statuses[status] = (statuses[status] ?? 0) + 1
}

async function closedLoop(args: ClosedLoopArgs): Promise<ClosedLoopResult> {
  const pool = new Pool(args.url, { connections: args.connections, pipelining: 1 })
  const started = nowMs()
  const measureFrom = started + args.warmupMs
  const measureUntil = measureFrom + args.durationMs
  const latencies: number[] = []
  const statuses: Record<string, number> = {}
  let errors = 0
  let issued = 0
  let counted = 0
  let sequence = args.firstSequence
  const headers = { 'content-type': 'application/json', ...args.headers }

  async function connectionLoop(): Promise<void> {
    while (issued < args.maxRequests && nowMs() < measureUntil) {
      issued += 1
      const request = makeRequest(args.body, sequence++)
      const sentAt = nowMs()
      try {
        const response = await pool.request({
          path: args.path,
          method: 'POST',
          headers: { ...headers, ...request.headers },
          body: request.payload,
        })
        await response.body.dump()
        const doneAt = nowMs()
        if (sentAt >= measureFrom && doneAt <= measureUntil) {
          counted += 1
          latencies.push(doneAt - sentAt)
          countStatus(statuses, response.statusCode)
        } else if (args.warmupMs === 0) countStatus(statuses, response.statusCode)
      } catch {
        errors += 1
      }
    }
  }

  await Promise.all(Array.from({ length: args.connections }, connectionLoop))
  const elapsedMs = Math.min(nowMs(), measureUntil) - measureFrom
  await pool.close()
  return {
    requests: counted,
    ratePerSecond: counted / (elapsedMs / 1000),
    latencyMs: percentiles(latencies),
    statuses,
    errors,
    lastSequence: sequence - 1,
  }
}

async function openLoop(args: OpenLoopArgs): Promise<OpenLoopResult> {
  const pool = new Pool(args.url, { connections: args.connections, pipelining: 1 })
  const total = Math.round((args.ratePerSecond * args.durationMs) / 1000)
  const intervalMs = 1000 / args.ratePerSecond
  // Bodies (and Stripe signatures) are made before the clock starts: the generator must be
  // able to keep the schedule, so the schedule measures the server, not the generator.
  const requests = Array.from({ length: total }, (_, i) => makeRequest(args.body, args.firstSequence + i))
  const headers = { 'content-type': 'application/json', ...args.headers }
  const start = nowMs() + 20
  const scheduledMs = Array.from({ length: total }, (_, i) => start + i * intervalMs)
  const answeredMs = new Array<number>(total).fill(0)
  const latencies: number[] = []
  const lags: number[] = []
  const statuses: Record<string, number> = {}
  let errors = 0
  let answered = 0
  let next = 0
  const inFlight: Promise<void>[] = []

  const send = (i: number) => {
    const scheduled = scheduledMs[i] as number
    const request = requests[i] as { payload: string; headers: Record<string, string> }
    lags.push(nowMs() - scheduled)
    inFlight.push(
      pool
        .request({
          path: args.path,
          method: 'POST',
          headers: { ...headers, ...request.headers },
          body: request.payload,
        })
        .then(async (response) => {
          await response.body.dump()
          const at = nowMs()
          answeredMs[i] = at
          latencies.push(at - scheduled)
          countStatus(statuses, response.statusCode)
          answered += 1
        })
        .catch(() => {
          errors += 1
        }),
    )
  }

  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = nowMs()
      while (next < total && (scheduledMs[next] as number) <= now) send(next++)
      if (next >= total) return resolve()
      setTimeout(tick, Math.max(0, (scheduledMs[next] as number) - nowMs()))
    }
    setTimeout(tick, Math.max(0, start - nowMs()))
  })
  const deadline = new Promise<void>((resolve) => setTimeout(resolve, 30_000).unref())
  await Promise.race([Promise.all(inFlight), deadline])
  await pool.destroy()
  return {
    sent: total,
    answered,
    statuses,
    errors,
    ackLatencyMs: percentiles(latencies),
    scheduledMs,
    answeredMs,
    sendLagP99Ms: percentiles(lags).p99,
  }
}

/**
 * The delivery ceiling: what a bare loop of undici requests achieves posting the same signed
 * bodies to the same sink, with as many requests in flight as Hookline's dispatcher allows.
 * Each request is signed when it is sent, with a fresh timestamp, as Hookline signs each attempt.
 */
async function deliverUndici(args: UndiciDeliveryArgs): Promise<{ sent: number; errors: number }> {
  const pool = new Pool(args.url, { connections: args.connections, pipelining: 1 })
  const bodies = Array.from({ length: args.count }, (_, i) => eventBody(args.type, i, Date.now()))
  const deadline = nowMs() + args.timeoutMs
  let next = 0
  let errors = 0
  async function worker(): Promise<void> {
    while (next < bodies.length && nowMs() < deadline) {
      const { id, body } = bodies[next++] as { id: string; body: string }
      const headers = standardWebhooksHeaders(BENCH_SECRET, id, body, Math.floor(Date.now() / 1000))
      try {
        const response = await pool.request({ path: args.path, method: 'POST', headers, body })
        await response.body.dump()
        if (response.statusCode >= 300) errors += 1
      } catch {
        errors += 1
      }
    }
  }
  await Promise.all(Array.from({ length: args.concurrency }, worker))
  await pool.close()
  return { sent: next, errors }
}

serveCommands({
  closed: closedLoop,
  open: openLoop,
  deliverUndici,
})
