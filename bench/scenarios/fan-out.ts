import { BENCH_SECRET } from '../lib/bodies.js'
import { type BenchContext, freshSqliteUrl, MB, withProcessSampling } from '../lib/context.js'
import { BENCH_API_KEY, type BenchGateway } from '../lib/gateway.js'
import { RowBuilder } from '../lib/report.js'
import type { OpenLoopResult } from '../processes/load-generator.js'
import type { SinkStats } from './delivery.js'

/** Creates `count` endpoints on `gateway`, a few requests at a time. */
export async function createEndpoints(
  gateway: BenchGateway,
  count: number,
  url: (i: number) => string,
  eventTypes: string[],
): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < count) {
      const i = next++
      await gateway.api('POST', '/v1/endpoints', { url: url(i), eventTypes, secret: BENCH_SECRET })
    }
  }
  await Promise.all(Array.from({ length: 8 }, worker))
}

/**
 * Fan-out: one event published to an event type that 1,000 endpoints subscribe to (all on the
 * sink, each its own path); the figure is the time from the publish's send to the arrival of the
 * last of the 1,000 deliveries.
 */
export async function fanOutScenario(context: BenchContext): Promise<void> {
  const endpoints = context.sizes.fanOutEndpoints
  const gateway = await context.startGateway({ databaseUrl: freshSqliteUrl(context, 'fanout') })
  const row = new RowBuilder({
    id: 'fanout.hookline',
    figure: `fan-out of one event to ${endpoints.toLocaleString('en-US')} endpoints`,
    system: 'Hookline, SQLite, fsync on',
    primary: 'allDeliveredMs',
    unit: 'ms',
    units: { ackMs: 'ms', rssMaxMB: 'MB' },
    note: 'from the publish send to the last arrival',
  })
  try {
    await createEndpoints(gateway, endpoints, (i) => `${context.sinkUrl}/fanout/${i}`, ['bench.fanout'])
    // One more run than recorded: the first opens the sender's connections.
    for (let run = -1; run < context.sizes.runs; run++) {
      context.log(`fan-out run ${run + 2}/${context.sizes.runs + 1}${run < 0 ? ' (warm-up)' : ''}`)
      await context.sink.call('reset')
      const { result, maxRssBytes } = await withProcessSampling([gateway], async () => {
        const sent = await context.loadGenerator.call<OpenLoopResult>('open', {
          url: gateway.url,
          path: '/v1/events',
          headers: { authorization: `Bearer ${BENCH_API_KEY}` },
          body: { kind: 'publish', type: 'bench.fanout' },
          ratePerSecond: 1,
          durationMs: 1_000,
          connections: 1,
          firstSequence: run + 1,
        })
        const stats = await context.sink.call<SinkStats>(
          'waitFor',
          { count: endpoints, timeoutMs: 30_000 },
          40_000,
        )
        return { sent, stats }
      })
      const { sent, stats } = result
      if (stats.count < endpoints) throw new Error(`fan-out delivered ${stats.count} of ${endpoints}`)
      if (run < 0) continue
      row.add({
        allDeliveredMs: stats.lastMs - (sent.scheduledMs[0] as number),
        ackMs: sent.ackLatencyMs.p50,
        rssMaxMB: maxRssBytes / MB,
      })
    }
  } finally {
    await gateway.stop()
  }
  context.rows.push(row.build())
}
