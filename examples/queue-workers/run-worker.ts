/**
 * What the three workers share: settings from the environment, the `@hookline/sdk` consumer that
 * verifies and dedupes, the application's handler (one printed line per event), the lines for
 * acknowledged duplicates and rejected messages, and a clean stop on SIGTERM or SIGINT.
 */

import {
  createMessageConsumer,
  headerReader,
  isInvalidMessageError,
  type MessageConsumer,
  type WebhookEvent,
  type WebhookEventRecord,
  type WebhookMessage,
} from '@hookline/sdk'

/** What a worker learns about each message, to act on it with its broker. */
export type Verdict =
  /** Handled now, or handled before (a redelivery): acknowledge. */
  | { action: 'ack' }
  /** Failed verification or not JSON: no redelivery can fix it, so drop or dead-letter it. */
  | { action: 'reject' }
  /** The handler failed: let the broker deliver it again. */
  | { action: 'retry' }

export interface WorkerContext {
  /** Verifies, dedupes and runs the handler; says what to tell the broker. Never throws. */
  consume(message: WebhookMessage): Promise<Verdict>
  log(line: string): void
}

/** Stops taking messages, lets the ones in hand finish, and closes the connections. */
export type StopWorker = () => Promise<void>

// Past this, a stop that hangs (a handler stuck on I/O) ends the process anyway.
const STOP_TIMEOUT_MS = 10_000

/** An environment variable, or `fallback` when it is unset or empty. */
export function env(name: string, fallback: string): string {
  const value = process.env[name]
  return value === undefined || value === '' ? fallback : value
}

/** A positive integer environment variable; an invalid value stops the worker with its name. */
export function envInteger(name: string, fallback: number): number {
  const value = Number(env(name, String(fallback)))
  if (!Number.isInteger(value) || value < 0) {
    console.error(`${name} must be a non-negative integer`)
    process.exit(2)
  }
  return value
}

/**
 * The application: here it prints one line per event. `SIMULATE_FAILURES=N` makes it throw the
 * first N times it sees each event, to watch the broker redeliver.
 */
function createHandler(log: (line: string) => void): (event: WebhookEvent<WebhookEventRecord>) => void {
  const simulatedFailures = envInteger('SIMULATE_FAILURES', 0)
  const failuresById = new Map<string, number>()
  return (event) => {
    const id = event.id ?? 'unknown'
    const failures = failuresById.get(id) ?? 0
    if (failures < simulatedFailures) {
      failuresById.set(id, failures + 1)
      throw new Error(`simulated failure ${failures + 1} of ${simulatedFailures}`)
    }
    failuresById.delete(id)
    const { type, data } = event.payload
    log(`processed ${id} ${type} attempt=${event.attempt} data=${JSON.stringify(data)}`)
  }
}

function verdictFor(consumer: MessageConsumer, log: (line: string) => void) {
  return async (message: WebhookMessage): Promise<Verdict> => {
    const id = headerReader(message.headers)('webhook-id') ?? 'without webhook-id'
    try {
      if ((await consumer.consume(message)) === 'duplicate')
        log(`duplicate ${id}: acknowledged, not handled again`)
      return { action: 'ack' }
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      if (isInvalidMessageError(error)) {
        log(`rejected message ${id}: ${(error as { code: string }).code}`)
        return { action: 'reject' }
      }
      log(`handler failed for ${id} (${reason}): leaving it to the broker to redeliver`)
      return { action: 'retry' }
    }
  }
}

/**
 * Runs a worker: reads `HOOKLINE_SECRET`, calls `start` (connect, declare, consume), prints
 * `<name>: ready` once it consumes, and calls the returned stop function on SIGTERM or SIGINT.
 * A failure to start, or a lost connection (`fail`), ends the process with status 1.
 */
export async function runWorker(
  name: string,
  start: (context: WorkerContext, fail: (error: unknown) => void) => Promise<StopWorker>,
): Promise<void> {
  const log = (line: string) => console.log(`${name}: ${line}`)
  const fail = (error: unknown) => {
    console.error(`${name}: ${error instanceof Error ? error.message : String(error)}`)
    process.exit(1)
  }
  const secret = process.env.HOOKLINE_SECRET
  if (!secret) {
    console.error(`${name}: set HOOKLINE_SECRET to the endpoint's whsec_… signing secret`)
    process.exit(2)
  }
  let consumer: MessageConsumer
  try {
    consumer = createMessageConsumer({ secret, handler: createHandler(log) })
  } catch (error) {
    return fail(error)
  }
  let stopping = false
  let stop: StopWorker
  try {
    stop = await start({ consume: verdictFor(consumer, log), log }, (error) => {
      if (!stopping) fail(error)
    })
  } catch (error) {
    return fail(error)
  }
  log('ready')
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return
    stopping = true
    log(`${signal}: stopping`)
    setTimeout(() => fail(new Error('did not stop in time')), STOP_TIMEOUT_MS).unref()
    // Nothing else is left running once stop() resolves, so the process ends by itself.
    stop().then(() => log('stopped'), fail)
  }
  process.once('SIGTERM', onSignal)
  process.once('SIGINT', onSignal)
}
