import { BENCH_SECRET } from '../lib/bodies.js'
import { HelperProcess } from '../lib/child.js'
import { type BenchContext, freshSqliteUrl, MB, withProcessSampling } from '../lib/context.js'
import { BENCH_API_KEY, type BenchGateway, commitFigures } from '../lib/gateway.js'
import { RowBuilder, skippedRow } from '../lib/report.js'
import type { ClosedLoopArgs, ClosedLoopResult } from '../processes/load-generator.js'

const FIGURE = 'durable publish'
const HEADERS = { authorization: `Bearer ${BENCH_API_KEY}` }

/** A closed loop of publishes against `url`: the same client, body and connections for every system. */
export async function publishLoop(
  context: BenchContext,
  url: string,
  path: string,
  firstSequence: number,
  connections = context.sizes.publishConnections,
): Promise<ClosedLoopResult> {
  const args: ClosedLoopArgs = {
    url,
    path,
    headers: HEADERS,
    body: { kind: 'publish', type: 'bench.publish' },
    connections,
    warmupMs: context.sizes.warmupMs,
    durationMs: context.sizes.publishMs,
    maxRequests: 10_000_000,
    firstSequence,
  }
  const result = await context.loadGenerator.call<ClosedLoopResult>('closed', args)
  const failed = result.errors + Object.entries(result.statuses).filter(([s]) => !s.startsWith('2')).length
  if (failed > 0) throw new Error(`publish to ${url}${path} failed: ${JSON.stringify(result)}`)
  return result
}

/** The endpoint every published event fans out to (so each publish also writes a delivery). */
export async function subscribeSink(
  gateway: BenchGateway,
  sinkUrl: string,
  path: string,
  eventTypes: string[],
) {
  return gateway.api<{ id: string }>('POST', '/v1/endpoints', {
    url: `${sinkUrl}${path}`,
    eventTypes,
    secret: BENCH_SECRET,
  })
}

/**
 * Durable publish throughput and latency: a no-op HTTP server (the ceiling), Hookline on SQLite
 * with fsync, and a BullMQ enqueue endpoint, in alternation, each under the same closed loop.
 * Hookline runs as `--role api` here: the figure is the publish path (event and its delivery
 * row committed and fsynced before the 202); delivery has its own figure.
 */
export async function publishScenario(context: BenchContext): Promise<void> {
  const noop = await HelperProcess.start('http-target', { BENCH_TARGET_MODE: 'noop' })
  const gateway = await context.startGateway({
    databaseUrl: freshSqliteUrl(context, 'publish'),
    env: { HOOKLINE_ROLE: 'api' },
  })
  await subscribeSink(gateway, context.sinkUrl, '/publish', ['bench.*'])
  const queueName = `hookline-bench-publish-${process.pid}`
  const bullmq =
    context.redisUnavailable === null
      ? await HelperProcess.start('bullmq-enqueue', { BENCH_QUEUE: queueName })
      : null
  const noopUrl = await noop.call<string>('url')
  const bullmqUrl = bullmq ? await bullmq.call<string>('url') : ''

  const system = (id: string, name: string, note?: string) =>
    new RowBuilder({
      id,
      figure: FIGURE,
      system: name,
      primary: 'rate',
      unit: 'req/s',
      units: {
        p50: 'ms',
        p99: 'ms',
        rssMaxMB: 'MB',
        cpuPct: '%',
        commitMs: 'ms',
        batch: 'writes',
        inCommitPct: '%',
      },
      ...(note ? { note } : {}),
    })
  const ceiling = system('publish.noop', 'no-op HTTP server (ceiling)')
  const hookline = system(
    'publish.hookline',
    'Hookline, SQLite, fsync on',
    'role api: event + 1 delivery row per publish',
  )
  const alternative = system('publish.bullmq', 'BullMQ enqueue endpoint (Redis, no fsync)')
  let sequence = 0
  try {
    for (let run = 0; run < context.sizes.runs; run++) {
      context.log(`publish run ${run + 1}/${context.sizes.runs}`)
      const n = await publishLoop(context, noopUrl, '/v1/events', sequence)
      sequence = n.lastSequence + 1
      ceiling.add({ rate: n.ratePerSecond, p50: n.latencyMs.p50, p99: n.latencyMs.p99 })

      const before = await gateway.commitCounters()
      const {
        result: h,
        maxRssBytes,
        cpuPct,
      } = await withProcessSampling([gateway], () =>
        publishLoop(context, gateway.url, '/v1/events', sequence),
      )
      sequence = h.lastSequence + 1
      hookline.add({
        rate: h.ratePerSecond,
        p50: h.latencyMs.p50,
        p99: h.latencyMs.p99,
        rssMaxMB: maxRssBytes / MB,
        cpuPct,
        ...commitFigures(before, await gateway.commitCounters()),
      })

      if (bullmq) {
        const b = await publishLoop(context, bullmqUrl, '/v1/events', sequence)
        sequence = b.lastSequence + 1
        alternative.add({ rate: b.ratePerSecond, p50: b.latencyMs.p50, p99: b.latencyMs.p99 })
      }
    }
  } finally {
    await bullmq?.call('clear').catch(() => {})
    await bullmq?.stop()
    await noop.stop()
    await gateway.stop()
  }
  context.rows.push(ceiling.build(), hookline.build())
  context.rows.push(
    bullmq
      ? alternative.build()
      : skippedRow(
          {
            id: 'publish.bullmq',
            figure: FIGURE,
            system: 'BullMQ enqueue endpoint',
            primary: 'rate',
            unit: 'req/s',
          },
          context.redisUnavailable ?? 'Redis unavailable',
        ),
  )
}
