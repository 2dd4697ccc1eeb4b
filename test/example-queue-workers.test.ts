import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { resolve } from 'node:path'
import { jetstreamManager } from '@nats-io/jetstream'
import { connect as connectNats } from '@nats-io/transport-node'
import amqp from 'amqplib'
import { Redis } from 'ioredis'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { describeBrokers, SHARED } from './support/brokers.js'
import { eventually, GatewayProcess } from './support/gateway-process.js'

/**
 * examples/queue-workers end to end: a real Hookline publishes into the machine's shared
 * RabbitMQ, NATS and Redis, and the example worker for each, run as the README runs it, verifies,
 * dedupes and handles what arrives. Every name on the brokers is unique to this run and removed
 * afterwards.
 */

const ROOT = resolve(import.meta.dirname, '..')
const run = randomBytes(4).toString('hex')
// Starting a worker compiles it with tsx first: seconds on a busy 2-core machine.
const READY_TIMEOUT_MS = 20_000
const SETTLE_TIMEOUT_MS = 15_000

type Kind = 'amqp' | 'nats' | 'redis'
type Api = GatewayProcess['api']

interface Broker {
  /** The worker's environment: where to consume from, under this run's names. */
  env: Record<string, string>
  /** The endpoint URL that publishes where the worker consumes. */
  endpointUrl: string
  /** Deletes what the worker declared (after it stopped, so nothing declares it again). */
  remove(): Promise<void>
}

function brokerFor(kind: Kind): Broker {
  const name = `hookline-test-${run}-qw-${kind}`
  if (kind === 'amqp') {
    return {
      env: { AMQP_URL: SHARED.amqp, AMQP_EXCHANGE: name, AMQP_QUEUE: name, AMQP_BINDING_KEY: '#' },
      endpointUrl: `${SHARED.amqp}?exchange=${name}&routingKey={type}`,
      async remove() {
        const connection = await amqp.connect(SHARED.amqp)
        const channel = await connection.createChannel()
        await channel.deleteQueue(name)
        await channel.deleteExchange(name)
        await connection.close()
      },
    }
  }
  if (kind === 'nats') {
    const stream = `HOOKLINE_TEST_${run}_QW`
    return {
      env: {
        NATS_URL: SHARED.nats,
        NATS_STREAM: stream,
        NATS_SUBJECTS: `${name}.>`,
        NATS_CONSUMER: `${name}-worker`,
      },
      endpointUrl: `${SHARED.nats}/${name}.{type}`,
      async remove() {
        const connection = await connectNats({ servers: SHARED.nats })
        // Deleting the stream deletes its consumers.
        await (await jetstreamManager(connection)).streams.delete(stream).catch(() => {})
        await connection.close()
      },
    }
  }
  return {
    env: {
      REDIS_URL: `${SHARED.redis}/0`,
      REDIS_STREAM: name,
      REDIS_GROUP: `${name}-group`,
      REDIS_CONSUMER: `${name}-worker`,
    },
    endpointUrl: `${SHARED.redis}/0?stream=${name}&maxlen=1000`,
    async remove() {
      const redis = new Redis(`${SHARED.redis}/0`)
      // The stream key holds the consumer group too.
      await redis.del(name)
      await redis.quit()
    },
  }
}

/** The example worker as a child process, as `node --import tsx examples/queue-workers/…` runs it. */
class WorkerProcess {
  output = ''
  readonly exited: Promise<number | null>

  constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    const append = (chunk: Buffer) => {
      this.output += chunk.toString('utf8')
    }
    child.stdout?.on('data', append)
    child.stderr?.on('data', append)
    this.exited = new Promise((resolvePromise) => child.once('exit', (code) => resolvePromise(code)))
  }

  static start(kind: Kind, env: Record<string, string>): WorkerProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', `examples/queue-workers/${kind}-worker.ts`], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    return new WorkerProcess(`${kind}-worker`, child)
  }

  ready(): Promise<void> {
    return this.until(() => this.output.includes(`${this.name}: ready\n`), READY_TIMEOUT_MS)
  }

  /** Waits until `check` holds for the output so far; a timeout or an early exit shows the output. */
  async until(check: () => boolean, timeoutMs = SETTLE_TIMEOUT_MS): Promise<void> {
    const exitedEarly = this.exited.then((code) => {
      throw new Error(`${this.name} exited with ${code}`)
    })
    // Handled by the race below; this keeps a later, normal exit from being an unhandled rejection.
    exitedEarly.catch(() => {})
    await Promise.race([eventually(async () => check(), timeoutMs), exitedEarly]).catch((error: Error) => {
      throw new Error(`${error.message}\n${this.name} output:\n${this.output}`)
    })
  }

  /** How many times the worker handled event `id`. */
  processed(id: string): number {
    return this.lines(new RegExp(`^${this.name}: processed ${id} `)).length
  }

  /** How many copies of event `id` it acknowledged without handling them again. */
  duplicates(id: string): number {
    return this.lines(new RegExp(`^${this.name}: duplicate ${id}: acknowledged, not handled again$`)).length
  }

  lines(pattern: RegExp): string[] {
    return this.output.split('\n').filter((line) => pattern.test(line))
  }

  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM')
    return this.exited
  }

  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL')
      await this.exited
    }
  }
}

/** How many messages a JetStream stream holds. */
async function natsStoredMessages(stream: string): Promise<number> {
  const connection = await connectNats({ servers: SHARED.nats })
  try {
    return (await (await jetstreamManager(connection)).streams.info(stream)).state.messages
  } finally {
    await connection.close()
  }
}

async function publish(api: Api, type: string, data: unknown) {
  const published = await api('POST', '/v1/events', { type, data })
  expect(published.status, JSON.stringify(published.body)).toBe(202)
  return published.body as { id: string; type: string }
}

interface Attempt {
  status: string
  error?: string | null
  responseBody?: string | null
}

async function deliveryDetail(api: Api, deliveryId: string) {
  const detail = await api('GET', `/v1/deliveries/${deliveryId}`)
  return detail.body as { id: string; eventId: string; status: string; attempts: Attempt[] }
}

await describeBrokers('examples/queue-workers against the shared brokers', () => {
  let gateway: GatewayProcess
  let worker: WorkerProcess | undefined
  let broker: Broker | undefined

  beforeEach(async () => {
    gateway = await GatewayProcess.start({ env: { HOOKLINE_DELIVERY_TIMEOUT: '5s' } })
  })
  afterEach(async () => {
    await worker?.kill()
    await gateway.cleanup()
    await broker?.remove()
    worker = undefined
    broker = undefined
  })

  it.each(['amqp', 'nats', 'redis'] as const)(
    '%s worker: handles each subscribed event once and a replayed delivery as a duplicate',
    async (kind) => {
      const api = gateway.api.bind(gateway)
      // Chosen here, as the README says, so the worker can start before the endpoint exists.
      const secret = `whsec_${randomBytes(24).toString('base64')}`
      broker = brokerFor(kind)
      worker = WorkerProcess.start(kind, { HOOKLINE_SECRET: secret, ...broker.env })
      await worker.ready()

      const created = await api('POST', '/v1/endpoints', {
        url: broker.endpointUrl,
        eventTypes: ['order.*'],
        secret,
      })
      expect(created.status, JSON.stringify(created.body)).toBe(201)
      const endpointId = created.body.id as string

      const events = [await publish(api, 'order.created', { order_id: `ORD-${run}` })]
      const filtered = await publish(api, 'invoice.paid', { invoice_id: `INV-${run}` })
      events.push(await publish(api, 'order.shipped', { order_id: `ORD-${run}`, carrier: 'ups' }))
      events.push(await publish(api, 'order.delivered', { order_id: `ORD-${run}` }))

      // Each subscribed event reaches the worker and is handled once, with its type.
      const w = worker
      await w.until(() => events.every((event) => w.processed(event.id) === 1))
      for (const event of events) {
        expect(
          w.lines(new RegExp(`^${w.name}: processed ${event.id} ${event.type} attempt=1 `)),
        ).toHaveLength(1)
      }
      // The filtered type never became a delivery of this endpoint.
      const deliveries = await eventually(async () => {
        const list = await api('GET', `/v1/deliveries?endpointId=${endpointId}&limit=100`)
        const data = list.body.data as { id: string; eventId: string; status: string }[]
        return data.length === events.length && data.every((d) => d.status === 'succeeded') ? data : undefined
      }, SETTLE_TIMEOUT_MS)
      expect(deliveries.map((d) => d.eventId).sort()).toEqual(events.map((e) => e.id).sort())

      // Replay one delivery: Hookline publishes the same event again, with the same webhook-id.
      const shipped = events[1] as { id: string }
      const replayed = deliveries.find((d) => d.eventId === shipped.id) as { id: string }
      expect((await api('POST', `/v1/deliveries/${replayed.id}/retry`)).status).toBe(202)
      const attempts = await eventually(async () => {
        const detail = await deliveryDetail(api, replayed.id)
        return detail.attempts.length === 2 && detail.status === 'succeeded' ? detail.attempts : undefined
      }, SETTLE_TIMEOUT_MS)
      expect(attempts[1]?.status).toBe('succeeded')

      if (kind === 'nats') {
        // Nats-Msg-Id is the event id: inside the stream's duplicate window JetStream
        // acknowledges the repeat without storing it, and the attempt says so.
        expect(attempts[1]?.responseBody).toMatch(
          /^JetStream ack: .*\(duplicate of a message already stored\)$/,
        )
        expect(await natsStoredMessages(broker.env.NATS_STREAM as string)).toBe(events.length)
      } else {
        await w.until(() => w.duplicates(shipped.id) === 1)
      }

      // SIGTERM: the worker finishes what it holds, closes its connections and exits 0.
      expect(await worker.stop(), worker.output).toBe(0)
      expect(worker.output).toContain(`${worker.name}: SIGTERM: stopping\n${worker.name}: stopped\n`)
      for (const event of events) expect(worker.processed(event.id)).toBe(1)
      expect(worker.output).not.toContain(filtered.id)
      // NATS: nothing new reached the worker; elsewhere exactly the one replayed copy did.
      expect(worker.duplicates(shipped.id)).toBe(kind === 'nats' ? 0 : 1)
      expect(worker.lines(/: (duplicate|rejected|handler failed)/)).toHaveLength(kind === 'nats' ? 0 : 1)
    },
  )
})
