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
  /** The arrivals counted as warm-up (at least 1), and when the last of them arrived. */
  warmup: number
  warmMs: number
}

/**
 * The share of a drain that counts as warm-up, on every side alike. Each Hookline run is a
 * fresh process whose first thousands of deliveries run before V8 has optimised the hot path
 * (a 20,000 drain here: ~1,700/s for the first thousand, ~5,000/s from the third on), while
 * the undici loop and the BullMQ worker live on from run to run; throughput is what a running
 * sender sustains, as the publish figure's warm-up second also says.
 */
export const DELIVERY_WARMUP_SHARE = 0.2

/** The sink's reset for a drain of `count`: arrivals before the warm-up share are not timed. */
export function drainReset(count: number) {
  return { warmup: Math.floor(count * DELIVERY_WARMUP_SHARE) }
}

/** Deliveries per second as the sink saw them, from the end of the warm-up to the last arrival. */
export function sinkRate(stats: SinkStats): number {
  const measured = stats.count - stats.warmup
  return measured <= 0 ? 0 : measured / ((stats.lastMs - stats.warmMs) / 1000)
}

/** The rate after warm-up, and beside it the rate from the very first arrival (`withWarmup`). */
export function drainRates(stats: SinkStats) {
  const withWarmup = stats.count <= 1 ? 0 : (stats.count - 1) / ((stats.lastMs - stats.firstMs) / 1000)
  return { rate: sinkRate(stats), withWarmup }
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
      units: { withWarmup: 'deliveries/s', rssMaxMB: 'MB', cpuPct: '%' },
      ...(note ? { note } : {}),
    })
  const ceiling = system('delivery.undici', 'bare undici loop, same signed bodies (ceiling)')
  const hookline = system(
    'delivery.hookline',
    'Hookline dispatcher, SQLite',
    `${count} queued deliveries, the first ${drainReset(count).warmup} untimed`,
  )
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
      await context.sink.call('reset', drainReset(count))
      await context.loadGenerator.call('deliverUndici', {
        url: context.sinkUrl,
        path: DELIVERY_PATH,
        count,
        connections: DELIVERY_CONNECTIONS,
        concurrency: DELIVERY_CONCURRENCY,
        type: 'bench.delivery',
        timeoutMs: 120_000,
      })
      ceiling.add(drainRates(await awaitSink(context, count)))

      const databaseUrl = freshSqliteUrl(context, 'delivery')
      copySqlite(seededUrl, databaseUrl)
      await context.sink.call('reset', drainReset(count))
      const gateway = await context.startGateway({ databaseUrl })
      const { result, maxRssBytes, cpuPct } = await withProcessSampling([gateway], () =>
        awaitSink(context, count),
      )
      hookline.add({ ...drainRates(result), rssMaxMB: maxRssBytes / MB, cpuPct })
      await gateway.stop()

      if (worker) {
        await worker.call('seed', { count, type: 'bench.delivery' }, 120_000)
        await context.sink.call('reset', drainReset(count))
        await worker.call('start', {
          url: context.sinkUrl,
          path: DELIVERY_PATH,
          concurrency: DELIVERY_CONCURRENCY,
          connections: DELIVERY_CONNECTIONS,
        })
        alternative.add(drainRates(await awaitSink(context, count)))
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
