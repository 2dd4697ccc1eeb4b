import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { request } from 'undici'

/** The built CLI: the bench measures exactly what `hookline serve` runs. */
export const CLI = resolve(import.meta.dirname, '../../packages/server/dist/cli/main.js')
export const BENCH_API_KEY = 'bench-admin-key-0123456789abcdef'
/** Fixed so that several processes on one PostgreSQL database open each other's secrets. */
const BENCH_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64')

export interface CommitCounters {
  atMs: number
  /** Total time spent in commits. */
  seconds: number
  commits: number
  /** Writes carried by those commits. */
  writes: number
}

/**
 * What the store's commits cost between two scrapes: mean commit time, mean writes per commit
 * and, for SQLite (whose commits run on the event loop), the share of the wall time the
 * process spent inside commits, during which it served nothing else.
 */
export function commitFigures(before: CommitCounters, after: CommitCounters) {
  const commits = after.commits - before.commits
  const seconds = after.seconds - before.seconds
  return {
    commitMs: commits > 0 ? (1000 * seconds) / commits : 0,
    batch: commits > 0 ? (after.writes - before.writes) / commits : 0,
    inCommitPct: (100 * 1000 * seconds) / Math.max(1, after.atMs - before.atMs),
  }
}

export interface GatewayOptions {
  /** `sqlite:<path>` or `postgres://…` */
  databaseUrl: string
  /** HOOKLINE_* settings over the bench defaults. */
  env?: Record<string, string>
  /** Node flags before the CLI path (`--cpu-prof`, …). */
  nodeArgs?: string[]
}

/**
 * One `hookline serve` process on 127.0.0.1, configured for benchmarking: warn-level logs,
 * no per-key rate limit, loopback endpoints allowed. Durability settings are the defaults.
 */
export class BenchGateway {
  url = ''
  private output = ''
  private readonly exited: Promise<void>

  private constructor(readonly child: ChildProcess) {
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString('utf8')).slice(-16_000)
    }
    child.stdout?.on('data', keep)
    child.stderr?.on('data', keep)
    this.exited = new Promise((resolveExit) => child.on('exit', () => resolveExit()))
  }

  static async start(options: GatewayOptions): Promise<BenchGateway> {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), CLI, 'serve'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOOKLINE_PORT: '0',
        HOOKLINE_HOST: '127.0.0.1',
        HOOKLINE_DATABASE_URL: options.databaseUrl,
        HOOKLINE_API_KEY: BENCH_API_KEY,
        HOOKLINE_ENCRYPTION_KEY: BENCH_ENCRYPTION_KEY,
        HOOKLINE_ALLOW_PRIVATE_NETWORKS: 'true',
        HOOKLINE_LOG_LEVEL: 'warn',
        HOOKLINE_RATE_LIMIT: '0',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const gateway = new BenchGateway(child)
    const deadline = Date.now() + 30_000
    while (Date.now() < deadline) {
      const match = /Hookline listening on (http:\/\/\S+)/.exec(gateway.output)
      if (match?.[1]) {
        gateway.url = match[1]
        return gateway
      }
      if (child.exitCode !== null) throw new Error(`hookline exited early:\n${gateway.output}`)
      await new Promise((r) => setTimeout(r, 20))
    }
    child.kill('SIGKILL')
    throw new Error(`hookline did not start within 30 s:\n${gateway.output}`)
  }

  get pid(): number {
    return this.child.pid ?? 0
  }

  get log(): string {
    return this.output
  }

  /** Calls the management API with the bench admin key; throws on a non-2xx answer. */
  // biome-ignore lint/suspicious/noExplicitAny: callers read whatever JSON the API answers
  async api<T = any>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const response = await request(`${this.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${BENCH_API_KEY}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await response.body.text()
    if (response.statusCode >= 300)
      throw new Error(`${method} ${path} answered ${response.statusCode}: ${text}`)
    return (text === '' ? null : JSON.parse(text)) as T
  }

  /** Resident set size from /proc, which (unlike a /metrics scrape) costs the server nothing. */
  rssBytes(): number {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8')
      const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1]
      return kb === undefined ? Number.NaN : Number(kb) * 1024
    } catch {
      return Number.NaN
    }
  }

  /** RSS as the server itself reports it on /metrics. */
  async reportedRssBytes(): Promise<number> {
    const response = await request(`${this.url}/metrics`)
    const text = await response.body.text()
    const value = /^hookline_process_resident_memory_bytes (\S+)$/m.exec(text)?.[1]
    return value === undefined ? Number.NaN : Number(value)
  }

  /** The store's group-commit counters from /metrics (see `commitFigures`). */
  async commitCounters(): Promise<CommitCounters> {
    const response = await request(`${this.url}/metrics`)
    const text = await response.body.text()
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN)
    return {
      atMs: Date.now(),
      seconds: value('hookline_store_commit_duration_seconds_sum'),
      commits: value('hookline_store_commit_duration_seconds_count'),
      writes: value('hookline_store_commit_batch_size_sum'),
    }
  }

  /** SIGTERM (drain, flush, and write a CPU profile if one was asked for); SIGKILL after 30 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    this.child.kill('SIGTERM')
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000)
    await this.exited
    clearTimeout(timer)
  }

  /** SIGKILL: a crash. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    this.child.kill('SIGKILL')
    await this.exited
  }
}
