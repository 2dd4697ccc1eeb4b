/**
 * A RabbitMQ worker for a Hookline endpoint `amqp://…?exchange=hookline-events&routingKey={type}`:
 * a durable queue bound to the topic exchange, manual acknowledgements, and per message one of
 * ack (handled, or a duplicate), reject without requeue (failed verification) or nack with
 * requeue (the handler failed).
 *
 *   HOOKLINE_SECRET=whsec_… node --import tsx examples/queue-workers/amqp-worker.ts
 */

import { setTimeout as delay } from 'node:timers/promises'
import { fromAmqpMessage } from '@hookline/sdk'
import { type ConsumeMessage, connect } from 'amqplib'
import { env, envInteger, runWorker } from './run-worker.js'

const url = env('AMQP_URL', 'amqp://guest:guest@127.0.0.1:5672')
const exchange = env('AMQP_EXCHANGE', 'hookline-events')
const queue = env('AMQP_QUEUE', 'hookline-worker')
// Routing keys are event types: '#' takes every event, 'order.*' only order events.
const bindingKey = env('AMQP_BINDING_KEY', '#')
const prefetch = envInteger('AMQP_PREFETCH', 10)
// RabbitMQ redelivers a requeued message at once; a pause keeps a failing handler from spinning.
const requeueDelayMs = envInteger('AMQP_REQUEUE_DELAY_MS', 1_000)

await runWorker('amqp-worker', async ({ consume, log }, fail) => {
  const connection = await connect(url)
  connection.on('error', fail)
  connection.on('close', () => fail(new Error('connection to RabbitMQ closed')))
  const channel = await connection.createChannel()
  channel.on('error', fail)
  await channel.assertExchange(exchange, 'topic', { durable: true })
  await channel.assertQueue(queue, { durable: true })
  await channel.bindQueue(queue, exchange, bindingKey)
  await channel.prefetch(prefetch)

  const inFlight = new Set<Promise<void>>()
  async function handle(msg: ConsumeMessage): Promise<void> {
    const verdict = await consume(fromAmqpMessage(msg))
    if (verdict.action === 'ack') channel.ack(msg)
    // Dropped, or dead-lettered when the queue has an x-dead-letter-exchange.
    else if (verdict.action === 'reject') channel.reject(msg, false)
    else {
      await delay(requeueDelayMs)
      channel.nack(msg, false, true)
    }
  }
  const { consumerTag } = await channel.consume(
    queue,
    (msg) => {
      if (!msg) return fail(new Error(`RabbitMQ cancelled the consumer of ${queue}`))
      const handling = handle(msg).catch(fail)
      inFlight.add(handling)
      void handling.finally(() => inFlight.delete(handling))
    },
    { noAck: false },
  )
  log(`consuming queue ${queue} (bound to exchange ${exchange} with ${bindingKey}) on ${new URL(url).host}`)

  return async () => {
    await channel.cancel(consumerTag)
    await Promise.all(inFlight)
    connection.removeAllListeners('close')
    await channel.close()
    await connection.close()
  }
})
