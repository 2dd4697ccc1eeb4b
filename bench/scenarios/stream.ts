import { HelperProcess } from '../lib/child.js'
import { type BenchContext, freshSqliteUrl, MB, withProcessSampling } from '../lib/context.js'
import { BENCH_API_KEY, type BenchGateway, commitFigures } from '../lib/gateway.js'
import { RowBuilder } from '../lib/report.js'
import { nowMs, percentiles, sleep } from '../lib/stats.js'
import type { OpenLoopArgs } from '../processes/load-generator.js'
import type { StreamOpenArgs } from '../processes/stream-reader.js'
import { type ArrivalRecords, arrivalLatencies, checkAnswers, E2E_RATE, openLoop } from './latency.js'

/** The rate of the webhook publish → received figure, so the two ways of being told compare. */
export const STREAM_RATE = E2E_RATE
const TYPE = 'bench.stream'

interface ReaderStats {
  count: number
  duplicates: number
  failure: string | null
}

/**
 * Publishes one event at a time until the reader has one: the stream is then connected and
 * following live (an event accepted before it connected would never reach it).
 */
async function waitUntilConnected(gateway: BenchGateway, reader: HelperProcess): Promise<void> {
  const deadline = nowMs() + 20_000
  for (let probe = 0; nowMs() < deadline; probe++) {
    await gateway.api('POST', '/v1/events', { type: TYPE, data: { probe } })
    const stats = await reader.call<ReaderStats>('waitFor', { count: 1, timeoutMs: 200 })
    if (stats.failure !== null) throw new Error(`the stream failed: ${stats.failure}`)
    if (stats.count > 0) return
    await sleep(50)
  }
  throw new Error('the stream received nothing within 20 s')
}

/**
 * Publish → received on an event stream (issue #9: "stream receives live events within 50 ms of
 * publish"): a `stream-reader` process holds one `GET /v1/stream?types=bench.*` connection with a
 * read-scoped key through the SDK's `client.stream()`, while the load generator publishes at a
 * fixed 1,000 events/s, open loop as in the webhook figure. Latency runs from each publish's
 * scheduled send time to the moment the SDK yields the event to the reader. No endpoint is
 * subscribed, so the gateway does the stream's work only; the e2e row is the webhook path.
 */
export async function streamScenario(context: BenchContext): Promise<void> {
  const gateway = await context.startGateway({ databaseUrl: freshSqliteUrl(context, 'stream') })
  const row = new RowBuilder({
    id: 'stream.hookline',
    figure: `publish → stream received at ${STREAM_RATE.toLocaleString('en-US')} events/s`,
    system: 'Hookline, SQLite, fsync on, 1 SSE stream (SDK client.stream)',
    primary: 'p99',
    unit: 'ms',
    units: {
      p50: 'ms',
      p90: 'ms',
      max: 'ms',
      ackP50: 'ms',
      ackP99: 'ms',
      afterAckP50: 'ms',
      afterAckP99: 'ms',
      lost: 'events',
      duplicates: 'events',
      rssMaxMB: 'MB',
      commitMs: 'ms',
      batch: 'writes',
      inCommitPct: '%',
      generatorLagP99: 'ms',
    },
    note: 'latency from the scheduled send time of the publish to the event yielded by client.stream()',
  })
  const durationMs = context.sizes.latencySeconds * 1000
  const publish = (firstSequence: number, ms: number): OpenLoopArgs => ({
    url: gateway.url,
    path: '/v1/events',
    headers: { authorization: `Bearer ${BENCH_API_KEY}` },
    body: { kind: 'publish', type: TYPE },
    ratePerSecond: STREAM_RATE,
    durationMs: ms,
    connections: 64,
    firstSequence,
  })
  let started: HelperProcess | undefined
  try {
    const reader = await HelperProcess.start('stream-reader')
    started = reader
    const { key } = await gateway.api<{ key: string }>('POST', '/v1/api-keys', {
      name: 'bench stream reader',
      scope: 'read',
    })
    await reader.call('open', {
      baseUrl: gateway.url,
      apiKey: key,
      types: ['bench.*'],
    } satisfies StreamOpenArgs)
    await waitUntilConnected(gateway, reader)

    // Warm-up (JIT on both sides, connections, page cache), not recorded.
    await reader.call('reset', { record: false })
    const warm = await openLoop(context, publish(0, Math.min(1_000, durationMs)))
    await reader.call('waitFor', { count: warm.sent, timeoutMs: 10_000 }, 20_000)
    let sequence = 10_000_000
    for (let run = 0; run < context.sizes.runs; run++) {
      context.log(`stream run ${run + 1}/${context.sizes.runs}`)
      await reader.call('reset', { record: true })
      const before = await gateway.commitCounters()
      const { result, maxRssBytes } = await withProcessSampling([gateway], async () => {
        const sent = await openLoop(context, publish(sequence, durationMs))
        await reader.call('waitFor', { count: sent.sent, timeoutMs: 20_000 }, 30_000)
        return sent
      })
      const commits = commitFigures(before, await gateway.commitCounters())
      checkAnswers(result, '202')
      const stats = await reader.call<ReaderStats>('stats')
      if (stats.failure !== null) throw new Error(`the stream failed: ${stats.failure}`)
      const records = await reader.call<ArrivalRecords>('records')
      const latencies = arrivalLatencies(result.scheduledMs, sequence, records)
      const received = percentiles(latencies)
      // The stream's own share: from the 202 reaching the publisher to the event reaching the
      // reader (negative when the frame beats the 202, both being sent after the same commit).
      const afterAck = percentiles(arrivalLatencies(result.answeredMs, sequence, records))
      row.add({
        p50: received.p50,
        p90: received.p90,
        p99: received.p99,
        max: received.max,
        ackP50: result.ackLatencyMs.p50,
        ackP99: result.ackLatencyMs.p99,
        afterAckP50: afterAck.p50,
        afterAckP99: afterAck.p99,
        lost: result.sent - latencies.length,
        duplicates: stats.duplicates,
        rssMaxMB: maxRssBytes / MB,
        ...commits,
        generatorLagP99: result.sendLagP99Ms,
      })
      if (result.sendLagP99Ms > 5)
        context.log(`  note: the load generator ran ${result.sendLagP99Ms.toFixed(1)} ms late (p99)`)
      sequence += result.sent
    }
  } finally {
    await started?.call('close', {}, 5_000).catch(() => {})
    await started?.stop()
    await gateway.stop()
  }
  context.rows.push(row.build())
}
