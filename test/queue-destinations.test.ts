import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { jetstreamManager } from '@nats-io/jetstream'
import { connect as connectNats, type NatsConnection } from '@nats-io/transport-node'
import amqp, { type ChannelModel } from 'amqplib'
import { Redis } from 'ioredis'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  describeBrokers,
  type PrivateBroker,
  privateNats,
  privateRabbit,
  privateRedis,
  SHARED,
} from './support/brokers.js'
import { CLI, eventually, GatewayProcess, TEST_API_KEY } from './support/gateway-process.js'
import { Sink } from './support/sink.js'

/**
 * Endpoints whose URL is a broker: RabbitMQ (publisher confirms), NATS JetStream (publish
 * acks) and Redis Streams (XADD). Everyday behaviour runs against the machine's shared
 * brokers under names unique to this run; outages and credentials use private broker
 * processes (support/brokers.ts) that the test can stop, restart and give passwords.
 */

const run = randomBytes(4).toString('hex')
const execFileAsync = promisify(execFile)

interface ReceivedMessage {
  body: string
  headers: Record<string, string>
}

type Api = GatewayProcess['api']

async function createEndpoint(api: Api, url: string, extra: Record<string, unknown> = {}) {
  const created = await api('POST', '/v1/endpoints', { url, ...extra })
  expect(created.status, JSON.stringify(created.body)).toBe(201)
  return created.body as { id: string; secret: string; url: string }
}

async function publish(api: Api, type: string, data: unknown = { n: 1 }) {
  const published = await api('POST', '/v1/events', { type, data })
  expect(published.status).toBe(202)
  return published.body as { id: string; type: string; timestamp: string; data: unknown }
}

async function deliveriesOf(api: Api, endpointId: string) {
  const list = await api('GET', `/v1/deliveries?endpointId=${endpointId}&limit=100`)
  return list.body.data as { id: string; eventId: string; status: string; lastError: string | null }[]
}

/** Every delivery of the endpoint settled as succeeded, `count` of them. */
function allSucceeded(api: Api, endpointId: string, count: number, timeoutMs = 20_000) {
  return eventually(async () => {
    const deliveries = await deliveriesOf(api, endpointId)
    return deliveries.length === count && deliveries.every((d) => d.status === 'succeeded')
      ? deliveries
      : undefined
  }, timeoutMs)
}

function verify(secret: string, message: ReceivedMessage) {
  return new Webhook(secret).verify(message.body, message.headers) as { id: string; type: string }
}

function textHeaders(headers: Record<string, unknown> | undefined): Record<string, string> {
  const result: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers ?? {})) result[name] = String(value)
  return result
}

// --- readers of what reached each broker --------------------------------------------------------

async function amqpQueue(url: string, exchange: string, bindingKey: string, durable: boolean) {
  const connection: ChannelModel = await amqp.connect(url)
  const channel = await connection.createChannel()
  await channel.assertExchange(exchange, 'topic', { durable })
  const queue = `hookline-test-${run}-${exchange}`
  await channel.assertQueue(queue, { durable, exclusive: false })
  await channel.bindQueue(queue, exchange, bindingKey)
  await connection.close()
  /** Drains the queue (messages are acked as read): what arrived since the last read. */
  const read = async () => {
    const reader = await amqp.connect(url)
    const ch = await reader.createChannel()
    const messages: (ReceivedMessage & { properties: Record<string, unknown>; routingKey: string })[] = []
    for (;;) {
      const message = await ch.get(queue, { noAck: true })
      if (message === false) break
      messages.push({
        body: message.content.toString('utf8'),
        headers: textHeaders(message.properties.headers),
        properties: message.properties as unknown as Record<string, unknown>,
        routingKey: message.fields.routingKey,
      })
    }
    await reader.close()
    return messages
  }
  const remove = async () => {
    const cleaner = await amqp.connect(url)
    const ch = await cleaner.createChannel()
    await ch.deleteQueue(queue)
    await ch.deleteExchange(exchange)
    await cleaner.close()
  }
  return { read, remove }
}

async function natsStream(servers: string, name: string, subjects: string[], token?: string) {
  const connection: NatsConnection = await connectNats({ servers, ...(token ? { token } : {}) })
  const jsm = await jetstreamManager(connection)
  await jsm.streams.add({ name, subjects })
  /** Every message in the stream, in order. */
  const read = async () => {
    const info = await jsm.streams.info(name)
    const messages: (ReceivedMessage & { subject: string })[] = []
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const stored = await jsm.streams.getMessage(name, { seq })
      if (!stored) continue
      const headers: Record<string, string> = {}
      for (const key of stored.header?.keys() ?? []) headers[key.toLowerCase()] = stored.header.get(key)
      messages.push({ body: new TextDecoder().decode(stored.data), headers, subject: stored.subject })
    }
    return messages
  }
  const remove = async () => {
    await jsm.streams.delete(name).catch(() => {})
    await connection.close()
  }
  return { read, remove, connection }
}

async function redisStream(url: string, stream: string) {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 })
  client.on('error', () => {})
  const read = async () => {
    if (client.status !== 'ready') await client.connect().catch(() => {})
    const entries = await client.xrange(stream, '-', '+')
    return entries.map(([, fields]) => {
      const headers: Record<string, string> = {}
      for (let i = 0; i + 1 < fields.length; i += 2) headers[fields[i] as string] = fields[i + 1] as string
      const { body = '', ...rest } = headers
      return { body, headers: rest, fields }
    })
  }
  const remove = async () => {
    await client.del(stream).catch(() => {})
    client.disconnect()
  }
  return { read, remove }
}

// --- the tests ------------------------------------------------------------------------------------

await describeBrokers('queue destinations on the shared brokers', () => {
  let gateway: GatewayProcess
  const cleanups: (() => Promise<void>)[] = []

  beforeAll(async () => {
    gateway = await GatewayProcess.start({
      env: { HOOKLINE_RETRY_SCHEDULE: '0,200ms,200ms', HOOKLINE_DELIVERY_TIMEOUT: '3s' },
    })
  })
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup().catch(() => {})
    await gateway.cleanup()
  })

  it('publishes each subscribed event into RabbitMQ, NATS JetStream and Redis, signed as over HTTP', async () => {
    const api = gateway.api.bind(gateway)
    const exchange = `hookline-test-${run}-events`
    const rabbit = await amqpQueue(SHARED.amqp, exchange, 'shop.#', false)
    const nats = await natsStream(SHARED.nats, `HOOKLINE_TEST_${run}`, [`hltest-${run}.>`])
    const redis = await redisStream(SHARED.redis, `hookline-test-${run}-shop.order.shipped`)
    const redisCreated = await redisStream(SHARED.redis, `hookline-test-${run}-shop.order.created`)
    cleanups.push(rabbit.remove, nats.remove, redis.remove, redisCreated.remove)

    const common = { eventTypes: ['shop.order.*'], headers: { 'x-tenant': 'acme' } }
    const toRabbit = await createEndpoint(
      api,
      `${SHARED.amqp}?exchange=${exchange}&routingKey=shop.{type}`,
      common,
    )
    const toNats = await createEndpoint(api, `${SHARED.nats}/hltest-${run}.{type}`, common)
    const toRedis = await createEndpoint(
      api,
      `${SHARED.redis}/0?stream=hookline-test-${run}-{type}&maxlen=1000`,
      common,
    )
    expect(toRabbit.url).toBe(
      `amqp://guest:***@127.0.0.1:5672/%2F?exchange=${exchange}&routingKey=shop.{type}`,
    )

    const created = await publish(api, 'shop.order.created', { orderId: 'ORD-1' })
    const shipped = await publish(api, 'shop.order.shipped', { orderId: 'ORD-1', carrier: 'ups' })
    await publish(api, 'shop.invoice.paid', { invoiceId: 'INV-1' }) // filtered out everywhere
    for (const endpoint of [toRabbit, toNats, toRedis]) await allSucceeded(api, endpoint.id, 2)

    const [rabbitMessages, natsMessages, redisShipped, redisCreatedEntries] = await Promise.all([
      rabbit.read(),
      nats.read(),
      redis.read(),
      redisCreated.read(),
    ])
    // RabbitMQ: body and signature as over HTTP, persistent, message id = event id, routing key expanded.
    expect(rabbitMessages.map((m) => verify(toRabbit.secret, m))).toEqual([created, shipped])
    expect(rabbitMessages.map((m) => m.routingKey)).toEqual([
      'shop.shop.order.created',
      'shop.shop.order.shipped',
    ])
    expect(rabbitMessages[1]?.properties).toMatchObject({
      messageId: shipped.id,
      deliveryMode: 2,
      contentType: 'application/json',
      type: 'shop.order.shipped',
    })
    expect(rabbitMessages[1]?.headers).toMatchObject({ 'webhook-id': shipped.id, 'x-tenant': 'acme' })

    // NATS: the subject carries the type, Nats-Msg-Id is the event id (server-side dedupe).
    expect(natsMessages.map((m) => verify(toNats.secret, m))).toEqual([created, shipped])
    expect(natsMessages.map((m) => m.subject)).toEqual([
      `hltest-${run}.shop.order.created`,
      `hltest-${run}.shop.order.shipped`,
    ])
    expect(natsMessages[0]?.headers).toMatchObject({ 'nats-msg-id': created.id, 'x-tenant': 'acme' })

    // Redis: one stream per type here ({type} in the stream name), fields with the body last.
    expect(redisShipped.map((m) => verify(toRedis.secret, m))).toEqual([shipped])
    expect(redisCreatedEntries.map((m) => verify(toRedis.secret, m))).toEqual([created])
    expect(redisShipped[0]?.fields.slice(0, 4)).toEqual([
      'webhook-id',
      shipped.id,
      'webhook-timestamp',
      expect.any(String),
    ])
    expect(redisShipped[0]?.fields.at(-2)).toBe('body')

    // The attempt log says what the broker acknowledged.
    const [delivery] = (await deliveriesOf(api, toNats.id)).filter((d) => d.eventId === shipped.id)
    const detail = await api('GET', `/v1/deliveries/${delivery?.id}`)
    expect(detail.body.attempts[0]).toMatchObject({ status: 'succeeded', statusCode: null })
    expect(detail.body.attempts[0].responseBody).toMatch(/^JetStream ack: stream "HOOKLINE_TEST_/)

    // Replay: a retry publishes the same event again, with the same webhook-id.
    const [redisDelivery] = (await deliveriesOf(api, toRedis.id)).filter((d) => d.eventId === shipped.id)
    expect((await api('POST', `/v1/deliveries/${redisDelivery?.id}/retry`)).status).toBe(202)
    await eventually(async () => (await redis.read()).length === 2)
    const replayed = await redis.read()
    expect(replayed.map((m) => verify(toRedis.secret, m).id)).toEqual([shipped.id, shipped.id])
  })

  it('hookline endpoints test prints what the broker acknowledged; list shows URLs redacted', async () => {
    const api = gateway.api.bind(gateway)
    const stream = `hookline-test-${run}-cli`
    const reader = await redisStream(SHARED.redis, stream)
    cleanups.push(reader.remove)
    const endpoint = await createEndpoint(
      api,
      `redis://:not-a-real-password@127.0.0.1:6379/0?stream=${stream}`,
      { eventTypes: ['never.*'] },
    )
    const cli = (...args: string[]) =>
      execFileAsync(process.execPath, [CLI, ...args, '--url', gateway.url, '--api-key', TEST_API_KEY], {
        env: { PATH: process.env.PATH ?? '' },
      })
    // The endpoint with a password only shows the redaction (the shared Redis has none); the
    // plain one receives the test event.
    const plain = await createEndpoint(api, `${SHARED.redis}/0?stream=${stream}`)
    const tested = await cli('endpoints', 'test', plain.id)
    expect(tested.stdout).toMatch(
      /succeeded: XADD to stream "hookline-test-[0-9a-f]+-cli": entry \d+-\d+ in \d+ ms/,
    )
    expect((await reader.read()).length).toBe(1)
    const listed = await cli('endpoints', 'list', '--json')
    const urls = (JSON.parse(listed.stdout) as { data: { id: string; url: string }[] }).data
    expect(urls.find((e) => e.id === endpoint.id)?.url).toBe(`redis://:***@127.0.0.1:6379/0?stream=${stream}`)
    expect(listed.stdout).not.toContain('not-a-real-password')
  })

  it('records why a broker refused, and retries on the schedule', async () => {
    const api = gateway.api.bind(gateway)
    const exchange = `hookline-test-${run}-unbound`
    const rabbit = await amqpQueue(SHARED.amqp, exchange, 'nothing.matches.this', false)
    cleanups.push(rabbit.remove)
    const cases = [
      { url: `${SHARED.amqp}?exchange=${exchange}`, error: /^unroutable: no queue is bound to exchange/ },
      { url: `${SHARED.amqp}?exchange=hookline-test-${run}-missing`, error: /no exchange/ },
      {
        url: `${SHARED.nats}/hltest-${run}-nostream.{type}`,
        error: /no JetStream stream captures this subject/,
      },
      { url: 'redis://127.0.0.1:1/0', error: /^connection refused$/ },
    ]
    const endpoints = []
    for (const { url } of cases) endpoints.push(await createEndpoint(api, url, { eventTypes: ['refused.*'] }))
    await publish(api, 'refused.test')
    for (const [index, endpoint] of endpoints.entries()) {
      const [delivery] = await eventually(async () => {
        const deliveries = await deliveriesOf(api, endpoint.id)
        return deliveries[0]?.status === 'exhausted' ? deliveries : undefined
      })
      const detail = await api('GET', `/v1/deliveries/${delivery?.id}`)
      expect(detail.body.attempts).toHaveLength(3)
      for (const attempt of detail.body.attempts) expect(attempt.error).toMatch(cases[index]?.error as RegExp)
    }
  })

  it('refuses broker URLs that cannot work, with the reason (422)', async () => {
    const api = gateway.api.bind(gateway)
    for (const [url, reason] of [
      ['nats://127.0.0.1:4222', /needs a subject/],
      ['amqp://127.0.0.1?exchange=e&routingKey={tenant}', /unknown placeholder/],
      ['redis://127.0.0.1?streams=x', /unknown parameter "streams"/],
      ['kafka://127.0.0.1:9092/orders', /must be an http/],
    ] as const) {
      const response = await api('POST', '/v1/endpoints', { url })
      expect(response.status).toBe(422)
      expect(response.body.errors[0]).toMatchObject({ path: '/url', message: expect.stringMatching(reason) })
    }
    const strict = await GatewayProcess.start({ env: { HOOKLINE_ALLOW_PRIVATE_NETWORKS: 'false' } })
    try {
      const response = await strict.api('POST', '/v1/endpoints', { url: 'redis://127.0.0.1:6379/0' })
      expect(response.status).toBe(422)
      expect(response.body.errors[0].message).toMatch(/loopback, private or reserved/)
      const byName = await strict.api('POST', '/v1/endpoints', { url: 'nats://localhost:4222/orders' })
      expect(byName.status).toBe(201) // names are checked after resolution, at every attempt
      await publish(strict.api.bind(strict), 'blocked.event')
      const [delivery] = await eventually(async () => {
        const deliveries = await deliveriesOf(strict.api.bind(strict), byName.body.id)
        return deliveries[0]?.lastError ? deliveries : undefined
      })
      expect(delivery?.lastError).toBe('ssrf_blocked: destination address is not allowed')
    } finally {
      await strict.cleanup()
    }
  })
})

await describeBrokers('queue destinations through broker outages, with credentials', () => {
  const password = `pw-${randomBytes(12).toString('hex')}`
  const natsToken = `tok-${randomBytes(12).toString('hex')}`
  let rabbit: PrivateBroker
  let nats: PrivateBroker
  let redis: PrivateBroker
  let gateway: GatewayProcess

  beforeAll(async () => {
    ;[rabbit, nats, redis] = await Promise.all([
      privateRabbit({ user: 'hookline', password }),
      privateNats({ token: natsToken }),
      privateRedis({ password }),
    ])
    gateway = await GatewayProcess.start({
      env: {
        // Room for a broker restart (RabbitMQ takes a few seconds) within the schedule.
        HOOKLINE_RETRY_SCHEDULE: ['0', '300ms', ...Array(40).fill('1s')].join(','),
        HOOKLINE_DELIVERY_TIMEOUT: '2s',
      },
    })
  }, 120_000)
  afterAll(async () => {
    await gateway?.cleanup()
    await Promise.allSettled([rabbit?.cleanup(), nats?.cleanup(), redis?.cleanup()])
  }, 60_000)

  const brokerUrls = () => ({
    amqp: `amqp://hookline:${password}@127.0.0.1:${rabbit.port}/%2F`,
    nats: `nats://${natsToken}@127.0.0.1:${nats.port}`,
    redis: `redis://:${password}@127.0.0.1:${redis.port}`,
  })

  /**
   * For each broker: events before, during and after an outage. HTTP deliveries go on while the
   * broker is down, and after the restart every event is in the broker (retries, not luck).
   */
  it.each(['amqp', 'nats', 'redis'] as const)(
    'loses nothing when %s is stopped mid-stream and restarted',
    async (kind) => {
      const api = gateway.api.bind(gateway)
      const urls = brokerUrls()
      const types = `outage${kind}.*`
      const reader =
        kind === 'amqp'
          ? await amqpQueue(urls.amqp, `outage-${run}`, '#', true)
          : kind === 'nats'
            ? await natsStream(`127.0.0.1:${nats.port}`, `OUTAGE_${run}`, [`outage-${run}.>`], natsToken)
            : await redisStream(urls.redis, `outage-${run}`)
      const url =
        kind === 'amqp'
          ? `${urls.amqp}?exchange=outage-${run}`
          : kind === 'nats'
            ? `${urls.nats}/outage-${run}.{type}`
            : `${urls.redis}/0?stream=outage-${run}`
      const broker = { amqp: rabbit, nats, redis }[kind]
      const endpoint = await createEndpoint(api, url, { eventTypes: [types] })
      const sink = await Sink.start()
      const httpEndpoint = await createEndpoint(api, `${sink.url}/hook`, { eventTypes: [types] })
      // Another broker (the machine's shared Redis, a different process) that stays up.
      const other = await redisStream(SHARED.redis, `outage-other-${run}-${kind}`)
      const otherEndpoint = await createEndpoint(
        api,
        `${SHARED.redis}/0?stream=outage-other-${run}-${kind}`,
        {
          eventTypes: [types],
        },
      )

      const published: string[] = []
      const publishSome = async (count: number) => {
        for (let i = 0; i < count; i++) published.push((await publish(api, `outage${kind}.tick`, { i })).id)
      }
      await publishSome(5)
      await allSucceeded(api, endpoint.id, 5)

      await broker.stop()
      await publishSome(10)
      // HTTP deliveries and other brokers are not held up by the broker being away...
      await eventually(async () => sink.received.length === 15)
      await eventually(async () => (await other.read()).length === 15)
      // ...while the broker's deliveries fail and wait for their retry.
      await eventually(async () => {
        const deliveries = await deliveriesOf(api, endpoint.id)
        return deliveries.some((d) => d.status === 'pending' && d.lastError !== null)
      })
      await broker.start()
      await publishSome(5)

      await allSucceeded(api, endpoint.id, 20, 60_000)
      await allSucceeded(api, httpEndpoint.id, 20)
      const messages =
        kind === 'amqp'
          ? await reader.read()
          : await eventually(async () => {
              const read = await reader.read()
              return read.length >= 20 ? read : undefined
            })
      const ids = new Set(messages.map((m) => verify(endpoint.secret, m).id))
      expect([...ids].sort()).toEqual([...published].sort())
      await allSucceeded(api, otherEndpoint.id, 20)
      await reader.remove()
      await other.remove()
      await sink.close()
    },
    120_000,
  )

  it('keeps broker credentials out of API answers, logs, errors and the database file', async () => {
    const api = gateway.api.bind(gateway)
    const urls = brokerUrls()
    const stream = `creds-${run}`
    const reader = await redisStream(urls.redis, stream)
    const rabbitReader = await amqpQueue(urls.amqp, `creds-${run}`, 'creds', true)
    const good = [
      await createEndpoint(api, `${urls.amqp}?exchange=creds-${run}&routingKey=creds`, {
        eventTypes: ['creds.*'],
      }),
      await createEndpoint(api, `${urls.redis}/0?stream=${stream}`, { eventTypes: ['creds.*'] }),
    ]
    const wrong = [
      await createEndpoint(api, `amqp://hookline:wrong-${password}@127.0.0.1:${rabbit.port}/%2F`, {
        eventTypes: ['creds.*'],
      }),
      await createEndpoint(api, `nats://wrong-${natsToken}@127.0.0.1:${nats.port}/creds.x`, {
        eventTypes: ['creds.*'],
      }),
      await createEndpoint(api, `redis://:wrong-${password}@127.0.0.1:${redis.port}/0?stream=x`, {
        eventTypes: ['creds.*'],
      }),
    ]
    const event = await publish(api, 'creds.check')
    for (const endpoint of good) await allSucceeded(api, endpoint.id, 1)
    expect((await rabbitReader.read()).map((m) => verify(good[0]?.secret as string, m).id)).toEqual([
      event.id,
    ])
    expect((await reader.read()).map((m) => verify(good[1]?.secret as string, m).id)).toEqual([event.id])
    for (const endpoint of wrong) {
      await eventually(async () => (await deliveriesOf(api, endpoint.id))[0]?.lastError)
    }
    const errors = (await Promise.all(wrong.map((e) => deliveriesOf(api, e.id)))).map((d) => d[0]?.lastError)
    expect(errors[0]).toMatch(/ACCESS_REFUSED|access refused/i)
    expect(errors[1]).toMatch(/authorization|auth/i)
    expect(errors[2]).toMatch(/WRONGPASS|invalid password|NOAUTH/i)

    const answers = JSON.stringify([
      (await api('GET', '/v1/endpoints?limit=100')).body,
      ...(await Promise.all([...good, ...wrong].map((e) => api('GET', `/v1/endpoints/${e.id}`)))).map(
        (r) => r.body,
      ),
      ...(await Promise.all(wrong.map((e) => deliveriesOf(api, e.id)))),
      good,
      wrong,
    ])
    expect(answers).toContain('***')
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text()
    await gateway.stop()
    const database = ['hookline.db', 'hookline.db-wal']
      .map((file) => join(gateway.dataDir, file))
      .filter((file) => existsSync(file))
      .map((file) => readFileSync(file).toString('latin1'))
      .join('')
    for (const [where, text] of Object.entries({ answers, logs: gateway.output, metrics, database })) {
      expect(text.includes(password), `password in ${where}`).toBe(false)
      expect(text.includes(natsToken), `token in ${where}`).toBe(false)
    }
    await reader.remove()
    await rabbitReader.remove()
  }, 60_000)
})
