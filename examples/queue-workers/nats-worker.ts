/**
 * A NATS JetStream worker for a Hookline endpoint `nats://…/hookline.{type}`: it makes sure a
 * stream holds the `hookline.>` subjects and that a durable pull consumer exists, then per
 * message acks (handled, or a duplicate), terms (failed verification: never redelivered) or naks
 * (the handler failed: redelivered after a pause).
 *
 *   HOOKLINE_SECRET=whsec_… node --import tsx examples/queue-workers/nats-worker.ts
 */

import { fromNatsMessage } from '@hookline/sdk'
import {
  AckPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import { env, envInteger, runWorker } from './run-worker.js'

const servers = env('NATS_URL', 'nats://127.0.0.1:4222')
const streamName = env('NATS_STREAM', 'HOOKLINE')
const subjects = env('NATS_SUBJECTS', 'hookline.>')
const durableName = env('NATS_CONSUMER', 'hookline-worker')
// JetStream waits this long before redelivering a nak'ed message: a failing handler does not spin.
const nakDelayMs = envInteger('NATS_NAK_DELAY_MS', 2_000)

function isNotFound(error: unknown, code: number): boolean {
  return error instanceof JetStreamApiError && error.code === code
}

/** Creates the stream and the durable consumer unless they exist; existing ones are left as they are. */
async function ensureStreamAndConsumer(jsm: JetStreamManager, log: (line: string) => void): Promise<void> {
  try {
    await jsm.streams.info(streamName)
  } catch (error) {
    if (!isNotFound(error, JetStreamApiCodes.StreamNotFound)) throw error
    await jsm.streams.add({ name: streamName, subjects: [subjects] })
    log(`created stream ${streamName} for ${subjects}`)
  }
  try {
    await jsm.consumers.info(streamName, durableName)
  } catch (error) {
    if (!isNotFound(error, JetStreamApiCodes.ConsumerNotFound)) throw error
    await jsm.consumers.add(streamName, { durable_name: durableName, ack_policy: AckPolicy.Explicit })
    log(`created durable consumer ${durableName}`)
  }
}

await runWorker('nats-worker', async ({ consume, log }, fail) => {
  const connection = await connect({ servers })
  await ensureStreamAndConsumer(await jetstreamManager(connection), log)
  const consumer = await jetstream(connection).consumers.get(streamName, durableName)
  const messages = await consumer.consume({ max_messages: 10 })
  log(`consuming ${streamName}/${durableName} on ${servers}`)

  // One message at a time: the loop ends once `messages.close()` is called and the one in hand
  // is settled.
  const loop = (async () => {
    for await (const msg of messages) {
      const verdict = await consume(fromNatsMessage(msg))
      if (verdict.action === 'ack') msg.ack()
      // No reason text: older servers (2.9.x) do not recognise "+TERM <reason>" and leave the
      // message pending, to be redelivered after ack_wait.
      else if (verdict.action === 'reject') msg.term()
      else msg.nak(nakDelayMs)
    }
  })()
  loop.catch(fail)
  void connection.closed().then((error) => {
    if (error) fail(error)
  })

  return async () => {
    await messages.close()
    await loop
    await connection.drain()
  }
})
