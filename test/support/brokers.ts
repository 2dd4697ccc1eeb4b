import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, it } from 'vitest'

/**
 * Brokers for the queue-destination tests. The machine's own services (RabbitMQ 5672, NATS
 * 4222, Redis 6379) carry the everyday tests, each under names of its own. Tests that stop
 * and restart a broker, or need one with a password, start a private broker process instead,
 * on a free loopback port with its data in a temp dir, so they never disturb the shared ones.
 */

export const SHARED = {
  amqp: 'amqp://guest:guest@127.0.0.1:5672/%2F',
  nats: 'nats://127.0.0.1:4222',
  redis: 'redis://127.0.0.1:6379',
}

const run = promisify(execFile)

export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

async function waitForPort(port: number, open: boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if ((await portOpen(port)) === open) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${what} did not ${open ? 'start' : 'stop'} within ${timeoutMs} ms`)
}

/** A broker process of our own that can be stopped and started again on the same port and data. */
export interface PrivateBroker {
  port: number
  start(): Promise<void>
  stop(): Promise<void>
  cleanup(): Promise<void>
}

/** Redis with an append-only file fsynced on every write, so a restart keeps every entry. */
export function privateRedis(options: { password?: string } = {}): Promise<PrivateBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'hookline-redis-'))
  return processBroker('redis', dir, (port) => [
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--save',
      '',
      ...(options.password === undefined ? [] : ['--requirepass', options.password]),
    ],
  ])
}

/** nats-server with JetStream storing in its own directory. */
export function privateNats(options: { token?: string } = {}): Promise<PrivateBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'hookline-nats-'))
  return processBroker('nats', dir, (port) => [
    '/usr/sbin/nats-server',
    [
      '-a',
      '127.0.0.1',
      '-p',
      String(port),
      '-js',
      '-sd',
      dir,
      ...(options.token === undefined ? [] : ['--auth', options.token]),
    ],
  ])
}

async function processBroker(
  name: string,
  dir: string,
  command: (port: number) => [string, string[]],
): Promise<PrivateBroker> {
  const port = await freePort()
  let child: ChildProcess | null = null
  const broker: PrivateBroker = {
    port,
    async start() {
      const [file, args] = command(port)
      child = spawn(file, args, { stdio: 'ignore' })
      await waitForPort(port, true, 15_000, name)
    },
    async stop() {
      const running = child
      child = null
      if (!running || running.exitCode !== null) return
      const exited = new Promise((resolve) => running.once('exit', resolve))
      running.kill('SIGTERM')
      await exited
      await waitForPort(port, false, 15_000, name)
    },
    async cleanup() {
      await broker.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
  await broker.start()
  return broker
}

/**
 * A RabbitMQ node of our own (its own node name, ports, config and Mnesia directory). The
 * Debian scripts run the node as the rabbitmq user, so its directory is handed over to it.
 */
export async function privateRabbit(options: { user: string; password: string }): Promise<PrivateBroker> {
  const port = await freePort()
  const distPort = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'hookline-rabbit-'))
  const node = `hookline-test-${port}@localhost`
  mkdirSync(join(dir, 'mnesia'))
  mkdirSync(join(dir, 'log'))
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n')
  writeFileSync(
    join(dir, 'rabbitmq.conf'),
    [
      `listeners.tcp.local = 127.0.0.1:${port}`,
      'loopback_users = none',
      `default_user = ${options.user}`,
      `default_pass = ${options.password}`,
    ].join('\n'),
  )
  if (process.getuid?.() === 0) chownTree(dir, 'rabbitmq')
  const env = {
    ...process.env,
    RABBITMQ_NODENAME: node,
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_PID_FILE: join(dir, 'rabbit.pid'),
  }
  const broker: PrivateBroker = {
    port,
    async start() {
      await run('rabbitmq-server', ['-detached'], { env })
      await waitForPort(port, true, 60_000, 'rabbitmq')
    },
    async stop() {
      if (!(await portOpen(port))) return
      await run('rabbitmqctl', ['-n', node, 'stop'], { env })
      await waitForPort(port, false, 30_000, 'rabbitmq')
    },
    async cleanup() {
      await broker.stop().catch(() => {})
      rmSync(dir, { recursive: true, force: true })
    },
  }
  await broker.start()
  return broker
}

function chownTree(dir: string, user: string): void {
  const ids = userIds(user)
  if (ids === null) return
  for (const path of [
    dir,
    ...['mnesia', 'log', 'enabled_plugins', 'rabbitmq.conf'].map((f) => join(dir, f)),
  ]) {
    if (existsSync(path)) chownSync(path, ids.uid, ids.gid)
  }
}

function userIds(user: string): { uid: number; gid: number } | null {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const [name, , uid, gid] = line.split(':')
    if (name === user && uid !== undefined && gid !== undefined) return { uid: Number(uid), gid: Number(gid) }
  }
  return null
}

/**
 * Why the broker tests cannot run here (a shared broker is down, or a broker program to start
 * privately is missing), or null. `.ci/run` starts the machine's brokers when they are down.
 */
export async function brokersUnavailableReason(): Promise<string | null> {
  const missing: string[] = []
  for (const [name, port] of [
    ['RabbitMQ', 5672],
    ['NATS', 4222],
    ['Redis', 6379],
  ] as const) {
    if (!(await portOpen(port))) missing.push(`${name} on 127.0.0.1:${port}`)
  }
  for (const program of ['/usr/sbin/rabbitmq-server', '/usr/sbin/nats-server', '/usr/bin/redis-server']) {
    if (!existsSync(program)) missing.push(program)
  }
  return missing.length === 0 ? null : `not available: ${missing.join(', ')}`
}

/**
 * `describe` when the brokers are there; otherwise a skip with the reason outside CI, and a
 * failing test under CI (where their absence is a broken machine, not a choice).
 */
export async function describeBrokers(name: string, define: () => void): Promise<void> {
  const reason = await brokersUnavailableReason()
  if (reason === null) {
    describe(name, define)
  } else if (process.env.CI) {
    describe(name, () => {
      it('needs RabbitMQ, NATS and Redis (CI is set, so this fails instead of skipping)', () => {
        throw new Error(reason)
      })
    })
  } else {
    // Outside CI a developer without the brokers still gets a green suite, with the reason
    // printed; under CI (the branch before) the same absence is a failure, and .ci/run starts them.
    console.warn(`[hookline] skipping "${name}": ${reason}`)
    describe.skip(name, () => {
      it('needs the brokers', () => {})
    })
  }
}
