/**
 * `npm run bench`: measures DESIGN.md's performance targets on this machine, each beside its
 * ceiling or alternative measured in the same run, prints a table and writes
 * bench/results/latest.json. See docs/benchmarks.md.
 *
 *   npm run bench                      the full run (6 to 8 minutes on 2 cores, bounded at 20)
 *   npm run bench -- --quick           smaller counts, no 1,000,000 backlog or SIGKILL check (under 2 minutes)
 *   npm run bench -- --quick --smoke   the smallest counts (the test suite's smoke test)
 *   npm run bench -- --only publish,e2e,stream
 *   npm run bench -- --profile         also write V8 CPU profiles of every Hookline process
 *   npm run bench -- --out path.json   write the JSON somewhere else
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { join, resolve } from 'node:path'
import { HelperProcess } from './lib/child.js'
import { type BenchContext, type Mode, SIZES } from './lib/context.js'
import { BenchGateway } from './lib/gateway.js'
import { type Row, renderReport } from './lib/report.js'
import { checkTargets } from './lib/targets.js'
import { deliveryScenario } from './scenarios/delivery.js'
import { fanOutScenario } from './scenarios/fan-out.js'
import { growthScenario } from './scenarios/growth.js'
import { endToEndScenario, inboundScenario } from './scenarios/latency.js'
import { postgresScenario } from './scenarios/postgres.js'
import { publishScenario } from './scenarios/publish.js'
import { streamScenario } from './scenarios/stream.js'

const SCENARIOS: Record<string, (context: BenchContext) => Promise<void>> = {
  publish: publishScenario,
  delivery: deliveryScenario,
  e2e: endToEndScenario,
  stream: streamScenario,
  inbound: inboundScenario,
  fanout: fanOutScenario,
  growth: growthScenario,
  postgres: postgresScenario,
}

const RESULTS_DIR = resolve(import.meta.dirname, 'results')

interface Options {
  mode: Mode
  only: string[]
  profile: boolean
  out: string
}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    mode: 'full',
    only: Object.keys(SCENARIOS),
    profile: false,
    out: join(RESULTS_DIR, 'latest.json'),
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--quick') options.mode = options.mode === 'smoke' ? 'smoke' : 'quick'
    else if (arg === '--smoke') options.mode = 'smoke'
    else if (arg === '--profile') options.profile = true
    else if (arg === '--only' || arg === '--out') {
      const value = argv[++i]
      if (value === undefined) throw new Error(`${arg} needs a value`)
      if (arg === '--out') options.out = resolve(value)
      else {
        options.only = value.split(',').map((s) => s.trim())
        const unknown = options.only.filter((name) => !(name in SCENARIOS))
        if (unknown.length > 0)
          throw new Error(
            `unknown scenario ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}`,
          )
      }
    } else throw new Error(`unknown argument ${arg}`)
  }
  return options
}

/** Null when Redis answers PING on 127.0.0.1:6379, else the reason the BullMQ rows are skipped. */
function redisUnavailable(): Promise<string | null> {
  return new Promise((resolveCheck) => {
    const socket = connect({ host: '127.0.0.1', port: 6379 })
    const done = (reason: string | null) => {
      socket.destroy()
      resolveCheck(reason)
    }
    socket.setTimeout(2_000, () => done('Redis at 127.0.0.1:6379 did not answer within 2 s'))
    socket.on('error', (error) => done(`no Redis at 127.0.0.1:6379 (${error.message})`))
    socket.on('connect', () => socket.write('PING\r\n'))
    socket.on('data', (data) =>
      done(data.toString().startsWith('+PONG') ? null : 'Redis did not answer PONG'),
    )
  })
}

function machine() {
  const cpu = cpus()
  return {
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    memoryGB: Math.round(totalmem() / 1024 ** 3),
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
  }
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2))
  const startedAt = new Date()
  const started = Date.now()
  const info = machine()
  const log = (message: string) =>
    process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${message}\n`)
  log(
    `${options.mode} run on ${info.cpuModel}, ${info.cores} cores, Node ${info.node}, load ${info.loadAverageAtStart.join(' ')}`,
  )

  const workDir = mkdtempSync(join(tmpdir(), 'hookline-bench-'))
  const profileDir = join(RESULTS_DIR, 'profiles')
  if (options.profile) mkdirSync(profileDir, { recursive: true })
  const gateways = new Set<BenchGateway>()
  const profiles: { pid: number; scenario: string }[] = []
  let scenario = ''
  const killAll = () => {
    for (const gateway of gateways) gateway.child.kill('SIGKILL')
  }
  const interruptCleanups = new Set<() => Promise<void>>()
  process.on('exit', killAll)
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      killAll()
      // Databases the run created would outlive it: drop them (bounded), then leave.
      const timer = setTimeout(() => process.exit(130), 10_000)
      Promise.allSettled([...interruptCleanups].map((cleanup) => cleanup())).finally(() => {
        clearTimeout(timer)
        process.exit(130)
      })
    })
  }

  const loadGenerator = await HelperProcess.start('load-generator')
  const sink = await HelperProcess.start('http-target', { BENCH_TARGET_MODE: 'sink' })
  const rows: Row[] = []
  const failures: string[] = []
  const context: BenchContext = {
    mode: options.mode,
    sizes: SIZES[options.mode],
    loadGenerator,
    sink,
    sinkUrl: await sink.call<string>('url'),
    workDir,
    redisUnavailable: await redisUnavailable(),
    gatewayNodeArgs: options.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
    rows,
    log,
    onInterrupt(cleanup) {
      interruptCleanups.add(cleanup)
    },
    async startGateway(gatewayOptions) {
      const gateway = await BenchGateway.start({ nodeArgs: context.gatewayNodeArgs, ...gatewayOptions })
      gateways.add(gateway)
      if (options.profile) profiles.push({ pid: gateway.pid, scenario })
      gateway.child.on('exit', () => gateways.delete(gateway))
      return gateway
    },
  }
  if (context.redisUnavailable) log(`BullMQ rows skipped: ${context.redisUnavailable}`)

  try {
    for (const name of options.only) {
      scenario = name
      const run = SCENARIOS[name] as (context: BenchContext) => Promise<void>
      const scenarioStarted = Date.now()
      log(`scenario ${name}`)
      try {
        await run(context)
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error)
        failures.push(`${name}: ${message}`)
        log(`scenario ${name} FAILED: ${message}`)
        rows.push({
          id: `${name}.failed`,
          figure: name,
          system: '-',
          primary: '-',
          unit: '',
          metrics: {},
          skipped: `failed: ${message.slice(0, 200)}`,
        })
      }
      log(`scenario ${name} took ${((Date.now() - scenarioStarted) / 1000).toFixed(1)} s`)
    }
  } finally {
    killAll()
    await loadGenerator.stop()
    await sink.stop()
    rmSync(workDir, { recursive: true, force: true })
  }

  const targets = checkTargets(rows)
  const durationSeconds = Math.round((Date.now() - started) / 1000)
  const result = {
    mode: options.mode,
    startedAt: startedAt.toISOString(),
    durationSeconds,
    machine: { ...info, loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100) },
    sizes: context.sizes,
    profiled: options.profile,
    rows,
    targets,
    failures,
    ...(options.profile ? { profiles: { dir: profileDir, processes: profiles } } : {}),
  }
  mkdirSync(resolve(options.out, '..'), { recursive: true })
  writeFileSync(options.out, `${JSON.stringify(result, null, 2)}\n`)
  process.stdout.write(
    `\nHookline benchmarks (${options.mode}${options.profile ? ', profiled: figures are perturbed' : ''}) — ` +
      `${info.cpuModel}, ${info.cores} cores, Node ${info.node}, ${durationSeconds} s\n\n` +
      `${renderReport(rows, targets)}\n\nwritten to ${options.out}\n`,
  )
  return failures.length === 0 ? 0 : 1
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`)
    process.exit(1)
  },
)
