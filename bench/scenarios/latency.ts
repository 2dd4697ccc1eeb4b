import { BENCH_STRIPE_SECRET } from '../lib/bodies.js'
import { type BenchContext, freshSqliteUrl, MB, withProcessSampling } from '../lib/context.js'
import { BENCH_API_KEY, commitFigures } from '../lib/gateway.js'
import { RowBuilder } from '../lib/report.js'
import { percentiles } from '../lib/stats.js'
import type { OpenLoopArgs, OpenLoopResult } from '../processes/load-generator.js'
import { subscribeSink } from './publish.js'

export const E2E_RATE = 1_000
export const INBOUND_RATE = 2_000

/** One open loop run by the load generator, with a deadline past its duration. */
export function openLoop(context: BenchContext, args: OpenLoopArgs): Promise<OpenLoopResult> {
  return context.loadGenerator.call<OpenLoopResult>('open', args, args.durationMs + 60_000)
}

/** Throws unless every request of the loop was answered `okStatus`. */
export function checkAnswers(result: OpenLoopResult, okStatus: string): void {
  const ok = result.statuses[okStatus] ?? 0
  if (ok !== result.sent)
    throw new Error(`only ${ok} of ${result.sent} answered ${okStatus}: ${JSON.stringify(result.statuses)}`)
}

/** Arrival times (wall clock ms) by event sequence number, as a receiving process recorded them. */
export interface ArrivalRecords {
  sequences: number[]
  arrivals: number[]
}

/**
 * Latency of each event of an open loop that arrived: its first arrival minus `fromMs[i]`, a
 * time the loop took for sequence `firstSequence + i` (its scheduled send time, or when its
 * answer was read; a 0 there, no answer, skips the event).
 */
export function arrivalLatencies(
  fromMs: number[],
  firstSequence: number,
  { sequences, arrivals }: ArrivalRecords,
): number[] {
  const firstArrival = new Map<number, number>()
  sequences.forEach((n, i) => {
    if (!firstArrival.has(n)) firstArrival.set(n, arrivals[i] as number)
  })
  const latencies: number[] = []
  fromMs.forEach((from, i) => {
    const arrived = firstArrival.get(firstSequence + i)
    if (arrived !== undefined && from > 0) latencies.push(arrived - from)
  })
  return latencies
}

/**
 * Publish → received at a fixed 1,000 events/s, open loop: each publish is sent at its
 * scheduled time whatever the server is doing, and latency is measured from that scheduled time
 * to the sink's arrival, so a stall counts against every request it delays (no coordinated
 * omission). Hookline runs with the dispatcher, as `hookline serve` does by default.
 */
export async function endToEndScenario(context: BenchContext): Promise<void> {
  const gateway = await context.startGateway({ databaseUrl: freshSqliteUrl(context, 'e2e') })
  await subscribeSink(gateway, context.sinkUrl, '/e2e', ['bench.*'])
  const row = new RowBuilder({
    id: 'e2e.hookline',
    figure: 'publish → received at 1,000 events/s',
    system: 'Hookline, SQLite, fsync on',
    primary: 'p99',
    unit: 'ms',
    units: {
      p50: 'ms',
      p90: 'ms',
      max: 'ms',
      ackP50: 'ms',
      ackP99: 'ms',
      lost: 'events',
      rssMaxMB: 'MB',
      commitMs: 'ms',
      batch: 'writes',
      inCommitPct: '%',
      generatorLagP99: 'ms',
    },
    note: 'latency from the scheduled send time to arrival at the sink',
  })
  const durationMs = context.sizes.latencySeconds * 1000
  let sequence = 0
  try {
    // Warm-up (JIT, connections, page cache), not recorded.
    await context.sink.call('reset')
    const warm = {
      url: gateway.url,
      path: '/v1/events',
      headers: { authorization: `Bearer ${BENCH_API_KEY}` },
    }
    await openLoop(context, {
      ...warm,
      body: { kind: 'publish', type: 'bench.e2e' },
      ratePerSecond: E2E_RATE,
      durationMs: Math.min(1_000, durationMs),
      connections: 64,
      firstSequence: 0,
    })
    sequence = 10_000_000
    for (let run = 0; run < context.sizes.runs; run++) {
      context.log(`end-to-end run ${run + 1}/${context.sizes.runs}`)
      await context.sink.call('waitQuiet', { quietMs: 300, timeoutMs: 10_000 })
      await context.sink.call('reset', { record: true })
      const before = await gateway.commitCounters()
      const { result, maxRssBytes } = await withProcessSampling([gateway], async () => {
        const sent = await openLoop(context, {
          ...warm,
          body: { kind: 'publish', type: 'bench.e2e' },
          ratePerSecond: E2E_RATE,
          durationMs,
          connections: 64,
          firstSequence: sequence,
        })
        await context.sink.call('waitFor', { count: sent.sent, timeoutMs: 20_000 }, 30_000)
        return sent
      })
      const commits = commitFigures(before, await gateway.commitCounters())
      checkAnswers(result, '202')
      const latencies = arrivalLatencies(
        result.scheduledMs,
        sequence,
        await context.sink.call<ArrivalRecords>('records'),
      )
      const e2e = percentiles(latencies)
      row.add({
        p50: e2e.p50,
        p90: e2e.p90,
        p99: e2e.p99,
        max: e2e.max,
        ackP50: result.ackLatencyMs.p50,
        ackP99: result.ackLatencyMs.p99,
        lost: result.sent - latencies.length,
        rssMaxMB: maxRssBytes / MB,
        ...commits,
        generatorLagP99: result.sendLagP99Ms,
      })
      if (result.sendLagP99Ms > 5)
        context.log(`  note: the load generator ran ${result.sendLagP99Ms.toFixed(1)} ms late (p99)`)
      sequence += result.sent
    }
  } finally {
    await gateway.stop()
  }
  context.rows.push(row.build())
}

/**
 * Inbound: Stripe-signed webhooks (each a new event id, signed with Stripe's own library) posted
 * to `/in/stripe` at a fixed 2,000 requests/s, open loop; latency is from the scheduled send
 * time to the 200, which Hookline sends after verifying, deduping and committing with fsync.
 */
export async function inboundScenario(context: BenchContext): Promise<void> {
  const gateway = await context.startGateway({ databaseUrl: freshSqliteUrl(context, 'inbound') })
  await gateway.api('POST', '/v1/sources', {
    name: 'stripe',
    verifier: { scheme: 'stripe', secret: BENCH_STRIPE_SECRET },
  })
  const row = new RowBuilder({
    id: 'inbound.hookline',
    figure: 'inbound verify + dedupe + store + ack at 2,000 req/s',
    system: 'Hookline, SQLite, fsync on, Stripe scheme',
    primary: 'p99',
    unit: 'ms',
    units: {
      p50: 'ms',
      p90: 'ms',
      max: 'ms',
      rssMaxMB: 'MB',
      commitMs: 'ms',
      batch: 'writes',
      inCommitPct: '%',
      generatorLagP99: 'ms',
    },
    note: 'latency from the scheduled send time to the 200',
  })
  const durationMs = context.sizes.latencySeconds * 1000
  const base = {
    url: gateway.url,
    path: '/in/stripe',
    headers: {},
    connections: 64,
    ratePerSecond: INBOUND_RATE,
  }
  try {
    await openLoop(context, {
      ...base,
      body: { kind: 'stripe', runTag: 'warm' },
      durationMs: Math.min(1_000, durationMs),
      firstSequence: 0,
    })
    for (let run = 0; run < context.sizes.runs; run++) {
      context.log(`inbound run ${run + 1}/${context.sizes.runs}`)
      const before = await gateway.commitCounters()
      const { result, maxRssBytes } = await withProcessSampling([gateway], () =>
        openLoop(context, {
          ...base,
          body: { kind: 'stripe', runTag: `run${run}x` },
          durationMs,
          firstSequence: 0,
        }),
      )
      const commits = commitFigures(before, await gateway.commitCounters())
      checkAnswers(result, '200')
      const ack = result.ackLatencyMs
      row.add({
        p50: ack.p50,
        p90: ack.p90,
        p99: ack.p99,
        max: ack.max,
        rssMaxMB: maxRssBytes / MB,
        ...commits,
        generatorLagP99: result.sendLagP99Ms,
      })
    }
    const stats = await gateway.api<{ stats?: { acceptedCount?: number; duplicateCount?: number } }>(
      'GET',
      '/v1/sources/stripe',
    )
    context.log(`  inbound source stats: ${JSON.stringify(stats.stats ?? {})}`)
  } finally {
    await gateway.stop()
  }
  context.rows.push(row.build())
}
