import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { HelperProcess } from '../lib/child.js'
import {
  type BenchContext,
  DELIVERY_CONCURRENCY,
  DELIVERY_CONNECTIONS,
  MB,
  withProcessSampling,
} from '../lib/context.js'
import { type BenchGateway, type CommitCounters, commitFigures } from '../lib/gateway.js'
import { type Row, RowBuilder, skippedRow } from '../lib/report.js'
import { sleep } from '../lib/stats.js'
import {
  awaitSink,
  DELIVERY_PATH,
  drainRates,
  drainReset,
  publishBacklog,
  type SinkStats,
} from './delivery.js'
import { publishLoop, subscribeSink } from './publish.js'

const ADMIN_URL = process.env.HOOKLINE_BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres'

async function withAdmin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3_000 })
  client.on('error', () => {})
  await client.connect()
  try {
    return await run(client)
  } finally {
    await client.end().catch(() => {})
  }
}

const ROWS: Omit<Row, 'metrics'>[] = [
  {
    id: 'pg.publish.noop',
    figure: 'PostgreSQL publish',
    system: 'no-op HTTP server (ceiling)',
    primary: 'rate',
    unit: 'req/s',
  },
  {
    id: 'pg.publish.hookline',
    figure: 'PostgreSQL publish',
    system: 'Hookline, 2 processes, 1 database',
    primary: 'rate',
    unit: 'req/s',
  },
  {
    id: 'pg.delivery.undici',
    figure: 'PostgreSQL delivery',
    system: 'bare undici loop (ceiling)',
    primary: 'rate',
    unit: 'deliveries/s',
  },
  {
    id: 'pg.delivery.hookline',
    figure: 'PostgreSQL delivery',
    system: 'Hookline, 2 workers, 1 database',
    primary: 'rate',
    unit: 'deliveries/s',
  },
  {
    id: 'pg.sigkill.hookline',
    figure: 'PostgreSQL SIGKILL of a worker',
    system: 'Hookline, 2 workers, 1 database',
    primary: 'lost',
    unit: 'deliveries',
  },
]

/** Marks a failure to start Hookline on PostgreSQL, which skips the rows instead of failing the run. */
class BackendUnavailable extends Error {}

/** The bench's own databases on the server, created per use and all dropped at the end. */
class Databases {
  private readonly names: string[] = []
  private readonly prefix = `hookline_bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`

  /** A new database (a byte copy of `template` when given); returns its name and URL. */
  async create(label: string, template?: string): Promise<{ name: string; url: string }> {
    const name = `${this.prefix}_${label}`
    await withAdmin((client) =>
      client.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`),
    )
    this.names.push(name)
    const url = new URL(ADMIN_URL)
    url.pathname = `/${name}`
    return { name, url: url.toString() }
  }

  /** Drops every database made so far, copies before the template they were made from. */
  async dropAll(): Promise<void> {
    for (const name of this.names.splice(0).reverse()) {
      await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).catch(
        () => {},
      )
    }
  }
}

type Start = (databaseUrl: string, role: string, env?: Record<string, string>) => Promise<BenchGateway>

/**
 * PostgreSQL: publish and delivery with two Hookline processes on one database, each beside
 * its ceiling, then a worker killed with SIGKILL mid-delivery to check nothing is lost.
 */
export async function postgresScenario(context: BenchContext): Promise<void> {
  let reason: string | null = null
  try {
    await withAdmin((client) => client.query('SELECT 1'))
  } catch (error) {
    reason = `no PostgreSQL server at ${ADMIN_URL.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')} (${(error as Error).message})`
  }
  if (reason !== null) {
    for (const row of ROWS) context.rows.push(skippedRow(row, reason))
    return
  }
  const databases = new Databases()
  context.onInterrupt(() => databases.dropAll())
  const start: Start = async (databaseUrl, role, env = {}) => {
    try {
      return await context.startGateway({ databaseUrl, env: { HOOKLINE_ROLE: role, ...env } })
    } catch (error) {
      throw new BackendUnavailable(
        `hookline serve on PostgreSQL did not start: ${(error as Error).message.slice(0, 300)}`,
      )
    }
  }
  const built: Row[] = []
  try {
    const { rows, template } = await publishFigures(context, start, databases)
    built.push(...rows)
    if (context.mode === 'smoke') {
      // The smoke test checks the PostgreSQL path starts and publishes; eight more server
      // starts would double its time.
      for (const row of ROWS.slice(2)) built.push(skippedRow(row, 'not run in --smoke mode'))
    } else {
      built.push(...(await deliveryFigures(context, start, databases, template)))
      // The check waits for leases to expire (7 s): the full run makes it, --quick stays short.
      if (context.mode === 'full') built.push(await sigkillCheck(context, start, databases, template))
      else built.push(skippedRow(ROWS[4] as Row, 'not run in --quick mode (the full run makes this check)'))
    }
    context.rows.push(...built)
  } catch (error) {
    if (!(error instanceof BackendUnavailable)) throw error
    context.log(`postgres: ${error.message}`)
    for (const row of ROWS) context.rows.push(skippedRow(row, error.message))
  } finally {
    await databases.dropAll()
  }
}

/**
 * Publish through two `--role api` processes, then (with the same processes, which never
 * deliver) the delivery backlog that every delivery run copies with CREATE DATABASE … TEMPLATE.
 */
async function publishFigures(
  context: BenchContext,
  start: Start,
  databases: Databases,
): Promise<{ rows: Row[]; template: string }> {
  const ceiling = new RowBuilder({ ...(ROWS[0] as Row), units: { p99: 'ms' } })
  const hookline = new RowBuilder({
    ...(ROWS[1] as Row),
    units: { p99: 'ms', rssMaxMB: 'MB', commitMs: 'ms', batch: 'writes', cpuPct: '%', postgresCpuPct: '%' },
    note: `role api, ${context.sizes.publishConnections / 2} connections to each process`,
  })
  const { name, url } = await databases.create('publish')
  const noop = await HelperProcess.start('http-target', { BENCH_TARGET_MODE: 'noop' })
  const noopUrl = await noop.call<string>('url')
  // One process first: it migrates the new database, which the second then finds done.
  const first = await start(url, 'api')
  const gateways = [first, await start(url, 'api')]
  const endpoint = await subscribeSink(first, context.sinkUrl, '/pg', ['bench.*'])
  let sequence = 0
  try {
    for (let run = 0; run < context.sizes.runs; run++) {
      context.log(`postgres publish run ${run + 1}/${context.sizes.runs}`)
      const n = await publishLoop(context, noopUrl, '/v1/events', sequence)
      sequence = n.lastSequence + 1
      ceiling.add({ rate: n.ratePerSecond, p99: n.latencyMs.p99 })
      const connections = Math.max(1, context.sizes.publishConnections / 2)
      const before = await Promise.all(gateways.map((g) => g.commitCounters()))
      const { result, maxRssBytes, cpuPct, postgresCpuPct } = await withProcessSampling(
        gateways,
        () =>
          Promise.all(
            gateways.map((g, i) =>
              publishLoop(context, g.url, '/v1/events', sequence + i * 10_000_000, connections),
            ),
          ),
        { postgres: true },
      )
      const after = await Promise.all(gateways.map((g) => g.commitCounters()))
      const { commitMs, batch } = commitFigures(sumCommits(before), sumCommits(after))
      sequence += 20_000_000
      hookline.add({
        rate: result.reduce((total, r) => total + r.ratePerSecond, 0),
        p99: Math.max(...result.map((r) => r.latencyMs.p99)),
        rssMaxMB: maxRssBytes / MB,
        commitMs,
        batch,
        cpuPct,
        postgresCpuPct: postgresCpuPct ?? 0,
      })
    }
    // The publish runs' deliveries were only written, never meant to be sent: they go with
    // their endpoint, and the backlog the delivery runs drain is published next.
    await first.api('DELETE', `/v1/endpoints/${endpoint.id}`)
    await subscribeSink(first, context.sinkUrl, DELIVERY_PATH, ['bench.*'])
    await publishBacklog(context, gateways, context.sizes.deliveries, 'bench.delivery')
  } finally {
    await noop.stop()
    await Promise.all(gateways.map((g) => g.stop()))
  }
  return { rows: [ceiling.build(), hookline.build()], template: name }
}

/** Both processes' commits together (PostgreSQL commits do not block the event loop). */
function sumCommits(list: CommitCounters[]): CommitCounters {
  return {
    atMs: Math.max(...list.map((c) => c.atMs)),
    seconds: list.reduce((total, c) => total + c.seconds, 0),
    commits: list.reduce((total, c) => total + c.commits, 0),
    writes: list.reduce((total, c) => total + c.writes, 0),
  }
}

async function deliveryFigures(
  context: BenchContext,
  start: Start,
  databases: Databases,
  template: string,
): Promise<Row[]> {
  const count = context.sizes.deliveries
  const ceiling = new RowBuilder({ ...(ROWS[2] as Row), units: { withWarmup: 'deliveries/s' } })
  const hookline = new RowBuilder({
    ...(ROWS[3] as Row),
    units: {
      withWarmup: 'deliveries/s',
      rssMaxMB: 'MB',
      commitMs: 'ms',
      batch: 'writes',
      cpuPct: '%',
      postgresCpuPct: '%',
    },
    note: `${count} queued deliveries, the first ${drainReset(count).warmup} untimed`,
  })
  for (let run = 0; run < context.sizes.runs; run++) {
    context.log(`postgres delivery run ${run + 1}/${context.sizes.runs}`)
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

    const { url } = await databases.create(`delivery${run}`, template)
    await context.sink.call('reset', drainReset(count))
    const workers = await Promise.all([start(url, 'worker'), start(url, 'worker')])
    try {
      const before = await Promise.all(workers.map((g) => g.commitCounters()))
      const { result, maxRssBytes, cpuPct, postgresCpuPct } = await withProcessSampling(
        workers,
        () => awaitSink(context, count),
        { postgres: true },
      )
      // The group commits of attempt records (claims commit on their own and are not counted).
      const { commitMs, batch } = commitFigures(
        sumCommits(before),
        sumCommits(await Promise.all(workers.map((g) => g.commitCounters()))),
      )
      hookline.add({
        ...drainRates(result),
        rssMaxMB: maxRssBytes / MB,
        commitMs,
        batch,
        cpuPct,
        postgresCpuPct: postgresCpuPct ?? 0,
      })
    } finally {
      await Promise.all(workers.map((g) => g.stop()))
    }
  }
  return [ceiling.build(), hookline.build()]
}

/**
 * Two workers deliver a backlog; one is SIGKILLed a third of the way through. Its leases run
 * out (short here: a 2 s delivery timeout) and the other worker delivers the rest. Every event
 * must reach the sink at least once; duplicates (attempts in flight at the kill) are counted.
 */
async function sigkillCheck(
  context: BenchContext,
  start: Start,
  databases: Databases,
  template: string,
): Promise<Row> {
  const count = context.sizes.deliveries
  const row = new RowBuilder({
    ...(ROWS[4] as Row),
    units: { duplicates: 'deliveries', recoveredMs: 'ms' },
    note: `${count} queued deliveries, one of two workers killed after a third`,
  })
  context.log('postgres SIGKILL check')
  const { url } = await databases.create('sigkill', template)
  await context.sink.call('reset', { record: true })
  const env = { HOOKLINE_DELIVERY_TIMEOUT: '2s' }
  const workers = await Promise.all([start(url, 'worker', env), start(url, 'worker', env)])
  try {
    await context.sink.call('waitFor', { count: Math.floor(count / 3), timeoutMs: 60_000 }, 70_000)
    const killedAt = Date.now()
    await (workers[0] as BenchGateway).kill()
    const deadline = Date.now() + 60_000
    let unique = 0
    let total = 0
    while (Date.now() < deadline) {
      const { sequences } = await context.sink.call<{ sequences: number[] }>('records')
      total = sequences.length
      unique = new Set(sequences).size
      if (unique >= count) break
      await sleep(200)
    }
    const stats = await context.sink.call<SinkStats>('stats')
    row.add({ lost: count - unique, duplicates: total - unique, recoveredMs: stats.lastMs - killedAt })
  } finally {
    await Promise.all(workers.map((g) => g.stop()))
  }
  return row.build()
}
