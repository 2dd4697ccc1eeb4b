import { type ChildProcess, fork } from 'node:child_process'
import { resolve } from 'node:path'

/** A message from the orchestrator to a helper process, and the answer it gets back. */
export interface RpcRequest {
  id: number
  command: string
  args: unknown
}

export type RpcResponse = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string }

const PROCESSES_DIR = resolve(import.meta.dirname, '../processes')

/**
 * A helper process (load generator, sink, BullMQ side) run with tsx and driven over IPC: the
 * orchestrator never generates load or receives webhooks itself, so its own work never shows
 * in a figure.
 */
export class HelperProcess {
  private nextId = 1
  private readonly pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (e: Error) => void }
  >()
  private readonly exited: Promise<void>
  private stderr = ''

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    child.on('message', (message: RpcResponse) => {
      const waiter = this.pending.get(message.id)
      if (!waiter) return
      this.pending.delete(message.id)
      if (message.ok) waiter.resolve(message.result)
      else waiter.reject(new Error(`${name}: ${message.error}`))
    })
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-4000)
    })
    this.exited = new Promise((resolveExit) => {
      child.on('exit', (code, signal) => {
        for (const waiter of this.pending.values()) {
          waiter.reject(new Error(`${name} exited (${code ?? signal}): ${this.stderr.trim()}`))
        }
        this.pending.clear()
        resolveExit()
      })
    })
  }

  /** Starts `bench/processes/<script>.ts` and waits for its `ready` answer. */
  static async start(script: string, env: Record<string, string> = {}): Promise<HelperProcess> {
    const child = fork(resolve(PROCESSES_DIR, `${script}.ts`), [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    })
    const helper = new HelperProcess(script, child)
    await helper.call('ready', {}, 20_000)
    return helper
  }

  get pid(): number {
    return this.child.pid ?? 0
  }

  call<T>(command: string, args: unknown = {}, timeoutMs = 120_000): Promise<T> {
    const id = this.nextId++
    return new Promise<T>((resolveCall, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new Error(`${this.name}: ${command} did not answer within ${timeoutMs} ms`))
      }, timeoutMs)
      this.pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer)
          resolveCall(value as T)
        },
        reject: (error) => {
          clearTimeout(timer)
          reject(error)
        },
      })
      this.child.send({ id, command, args } satisfies RpcRequest)
    })
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    this.child.kill('SIGTERM')
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000)
    await this.exited
    clearTimeout(timer)
  }
}

/**
 * The helper side: answers the orchestrator's commands with `handlers`. A helper exits when its
 * parent goes away, so an interrupted bench leaves no process behind.
 */
export function serveCommands(
  handlers: Record<string, (args: never) => unknown>,
  /** Runs (for at most 5 s) before exiting when the parent goes away: remove what the helper made. */
  onParentGone: () => Promise<unknown> = async () => {},
): void {
  process.on('message', async (message: RpcRequest) => {
    const handler = handlers[message.command] ?? (message.command === 'ready' ? () => true : undefined)
    let response: RpcResponse
    try {
      if (!handler) throw new Error(`unknown command ${message.command}`)
      response = { id: message.id, ok: true, result: await handler(message.args as never) }
    } catch (error) {
      response = { id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) }
    }
    process.send?.(response)
  })
  process.on('disconnect', () => {
    const timer = setTimeout(() => process.exit(0), 5_000)
    onParentGone().finally(() => {
      clearTimeout(timer)
      process.exit(0)
    })
  })
}
