import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

/** The built CLI: end-to-end tests run exactly what `npm start` runs. */
export const CLI = resolve(import.meta.dirname, '../../packages/server/dist/cli/main.js')
export const TEST_API_KEY = 'test-admin-key-0123456789'

export interface GatewayOptions {
  /** Extra environment (HOOKLINE_*); merged over test defaults. */
  env?: Record<string, string>
  /** Reuse a data directory (restart after a crash); a fresh temp dir otherwise. */
  dataDir?: string
  /** Extra CLI arguments after `serve`. */
  args?: string[]
}

/**
 * A real `hookline serve` child process on 127.0.0.1 with its own SQLite file. Its stdout is
 * kept so tests can assert on what was (and was not) logged.
 */
export class GatewayProcess {
  url = ''
  output = ''
  private exited: Promise<number | null>

  private constructor(
    readonly child: ChildProcess,
    readonly dataDir: string,
    private readonly ownsDataDir: boolean,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => {
      this.output += chunk.toString('utf8')
    })
    child.stderr?.on('data', (chunk: Buffer) => {
      this.output += chunk.toString('utf8')
    })
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)))
  }

  static async start(options: GatewayOptions = {}): Promise<GatewayProcess> {
    const ownsDataDir = options.dataDir === undefined
    const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'hookline-test-'))
    const child = spawn(process.execPath, [CLI, 'serve', ...(options.args ?? [])], {
      env: {
        PATH: process.env.PATH ?? '',
        HOOKLINE_PORT: '0',
        HOOKLINE_HOST: '127.0.0.1',
        HOOKLINE_DATABASE_URL: `sqlite:${join(dataDir, 'hookline.db')}`,
        HOOKLINE_API_KEY: TEST_API_KEY,
        HOOKLINE_ALLOW_PRIVATE_NETWORKS: 'true',
        HOOKLINE_LOG_LEVEL: 'info',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const gateway = new GatewayProcess(child, dataDir, ownsDataDir)
    gateway.url = await gateway.waitForUrl()
    return gateway
  }

  private async waitForUrl(): Promise<string> {
    const deadline = Date.now() + 15_000
    while (Date.now() < deadline) {
      const match = /Hookline listening on (http:\/\/\S+)/.exec(this.output)
      if (match?.[1]) return match[1]
      if (this.child.exitCode !== null) throw new Error(`hookline exited early:\n${this.output}`)
      await new Promise((r) => setTimeout(r, 25))
    }
    throw new Error(`hookline did not start:\n${this.output}`)
  }

  /** Calls the management API with the admin key; returns status, headers and parsed body. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the API answers
  async api<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${TEST_API_KEY}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await response.text()
    return {
      status: response.status,
      headers: response.headers,
      body: (text === '' ? null : JSON.parse(text)) as T,
    }
  }

  /** SIGKILL: no cleanup at all, as in a crash or an OOM kill. */
  async kill(): Promise<void> {
    this.child.kill('SIGKILL')
    await this.exited
  }

  /** SIGTERM and wait for the exit code. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM')
    return this.exited
  }

  async cleanup(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) await this.kill()
    if (this.ownsDataDir) rmSync(this.dataDir, { recursive: true, force: true })
  }
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < deadline) {
    try {
      const value = await check()
      if (value !== undefined && value !== false) return value
    } catch (error) {
      last = error
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`)
}
