import { HelperProcess } from '../lib/child.js'
import {
  type BenchContext,
  copySqlite,
  DELIVERY_CONCURRENCY,
  DELIVERY_CONNECTIONS,
  freshSqliteUrl,
  MB,
  withProcessSampling,
} from '../lib/context.js'
import { BENCH_API_KEY, type BenchGateway } from '../lib/gateway.js'
import { RowBuilder, skippedRow } from '../lib/report.js'
import type { ClosedLoopResult } from '../processes/load-generator.js'
import { subscribeSink } from './publish.js'

const FIGURE = 'delivery to a local sink'
export const DELIVERY_PATH = '/delivery'

export interface SinkStats {
  count: number
  firstMs: number
  lastMs: number
}

/** Deliveries per second as the sink saw them: from the first arrival to the last. */
export function sinkRate(stats: SinkStats): number {
  return stats.count <= 1 ? 0 : (stats.count - 1) / ((stats.lastMs - stats.firstMs) / 1000)
}

/** Publishes `count` events through `gateways` (split evenly) with a closed loop; all must be accepted. */
export async function publishBacklog(
  context: BenchContext,
  gateways: BenchGateway[],
  count: number,
  type: string,
) {
  const share = Math.ceil(count / gateways.length)
  const results = await Promise.all(
    gateways.map((gateway, i) =>
      context.loadGenerator.call<ClosedLoopResult>('closed', {
        url: gateway.url,
        path: '/v1/events',
        headers: { authorization: `Bearer ${BENCH_API_KEY}` },
        body: { kind: 'publish', type },
        connections: Math.max(1, Math.floor(context.sizes.publishConnections / gateways.length)),
        warmupMs: 0,
        durationMs: 300_000,
        maxRequests: Math.min(share, count - i * share),
        firstSequence: i * share,
      }),
    ),
  )
  const accepted = results.reduce((sum, r) => sum + (r.statuses['202'] ?? 0), 0)
  if (accepted !== count)
    throw new Error(`seeding accepted ${accepted} of ${count}: ${JSON.stringify(results)}`)
}

/** Waits until the sink has `count` requests; throws if they do not all arrive in time. */
export async function awaitSink(context: BenchContext, count: number): Promise<SinkStats> {
  const timeoutMs = 60_000 + count * 2
  const stats = await context.sink.call<SinkStats>('waitFor', { count, timeoutMs }, timeoutMs + 10_000)
  if (stats.count < count)
    throw new Error(`the sink got ${stats.count} of ${count} deliveries in ${timeoutMs} ms`)
  return stats
}

/**
 * Delivery throughput: N events owed to one endpoint, drained to the sink by a bare undici loop
 * (the ceiling, signing each body), by Hookline's dispatcher, and by a BullMQ worker, in
 * alternation. Hookline's backlog is published through the API by a `--role api` process; a
 * fresh process with the dispatcher then delivers it, so the figure is delivery alone.
 */
export async function deliveryScenario(context: BenchContext): Promise<void> {
  const count = context.sizes.deliveries
  const queueName = `hookline-bench-delivery-${process.pid}`
  const worker =
    context.redisUnavailable === null
      ? await HelperProcess.start('bullmq-worker', { BENCH_QUEUE: queueName })
      : null
  const system = (id: string, name: string, note?: string) =>
    new RowBuilder({
      id,
      figure: FIGURE,
      system: name,
      primary: 'rate',
      unit: 'deliveries/s',
      units: { rssMaxMB: 'MB', cpuPct: '%' },
      ...(note ? { note } : {}),
    })
  const ceiling = system('delivery.undici', 'bare undici loop, same signed bodies (ceiling)')
  const hookline = system('delivery.hookline', 'Hookline dispatcher, SQLite', `${count} queued deliveries`)
  const alternative = system('delivery.bullmq', 'BullMQ worker + undici + standardwebhooks')
  // The backlog is published once, through the API of a `--role api` process (which never
  // delivers); each run then starts the dispatcher on its own copy of that database file.
  const seededUrl = freshSqliteUrl(context, 'delivery-seed')
  const seeder = await context.startGateway({ databaseUrl: seededUrl, env: { HOOKLINE_ROLE: 'api' } })
  try {
    await subscribeSink(seeder, context.sinkUrl, DELIVERY_PATH, ['bench.*'])
    await publishBacklog(context, [seeder], count, 'bench.delivery')
  } finally {
    // A clean stop checkpoints the WAL into the file, so copying the file copies everything.
    await seeder.stop()
  }
  try {
    for (let run = 0; run < context.sizes.runs; run++) {
      context.log(`delivery run ${run + 1}/${context.sizes.runs}`)
      await context.sink.call('reset')
      await context.loadGenerator.call('deliverUndici', {
        url: context.sinkUrl,
        path: DELIVERY_PATH,
        count,
        connections: DELIVERY_CONNECTIONS,
        concurrency: DELIVERY_CONCURRENCY,
        type: 'bench.delivery',
        timeoutMs: 120_000,
      })
      ceiling.add({ rate: sinkRate(await awaitSink(context, count)) })

      const databaseUrl = freshSqliteUrl(context, 'delivery')
      copySqlite(seededUrl, databaseUrl)
      await context.sink.call('reset')
      const gateway = await context.startGateway({ databaseUrl })
      const { result, maxRssBytes, cpuPct } = await withProcessSampling([gateway], () =>
        awaitSink(context, count),
      )
      hookline.add({ rate: sinkRate(result), rssMaxMB: maxRssBytes / MB, cpuPct })
      await gateway.stop()

      if (worker) {
        await worker.call('seed', { count, type: 'bench.delivery' }, 120_000)
        await context.sink.call('reset')
        await worker.call('start', {
          url: context.sinkUrl,
          path: DELIVERY_PATH,
          concurrency: DELIVERY_CONCURRENCY,
          connections: DELIVERY_CONNECTIONS,
        })
        alternative.add({ rate: sinkRate(await awaitSink(context, count)) })
        await worker.call('stop')
      }
    }
  } finally {
    await worker?.stop()
  }
  context.rows.push(ceiling.build(), hookline.build())
  context.rows.push(
    worker
      ? alternative.build()
      : skippedRow(
          {
            id: 'delivery.bullmq',
            figure: FIGURE,
            system: 'BullMQ worker',
            primary: 'rate',
            unit: 'deliveries/s',
          },
          context.redisUnavailable ?? 'Redis unavailable',
        ),
  )
}
