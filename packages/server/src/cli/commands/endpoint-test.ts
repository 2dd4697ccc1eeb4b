import { setTimeout as sleep } from 'node:timers/promises'
import type { Delivery, Endpoint, HooklineClient } from '@hookline/sdk'
import { matchesEventTypes } from '../../core/event-filter.js'
import { CommandFailure, UsageError } from '../cli-errors.js'
import { durationOption, stringOption } from '../client-options.js'
import type { Subcommand } from '../command-runner.js'
import { formatAgo, previewJson } from '../output.js'
import { type DeliveryView, describeAttempt } from './delivery-views.js'
import { readJsonData } from './read-input.js'

/**
 * `hookline endpoints test ID`: publish an event the endpoint subscribes to, wait for its first
 * attempt and print the outcome, so "does my receiver work?" is one command.
 */

const DEFAULT_TIMEOUT_MS = 30_000
// Fast enough to feel immediate on a local server, slow enough not to load it.
const POLL_INTERVAL_MS = 150

/** A type the endpoint receives: `hookline.test` when it takes all, else one from its list. */
export function testEventType(eventTypes: readonly string[] | null | undefined): string {
  const [first] = eventTypes ?? []
  if (first === undefined) return 'hookline.test'
  return first.endsWith('.*') ? `${first.slice(0, -2)}.test` : first
}

async function findDelivery(client: HooklineClient, eventId: string, endpointId: string) {
  const deliveries: Delivery[] = []
  for await (const delivery of client.paginate((page) =>
    client.events.deliveries(eventId, { limit: 250, ...page }),
  )) {
    deliveries.push(delivery)
  }
  return { mine: deliveries.find((delivery) => delivery.endpointId === endpointId), total: deliveries.length }
}

async function firstAttempt(
  client: HooklineClient,
  deliveryId: string,
  timeoutMs: number,
): Promise<DeliveryView> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const delivery: DeliveryView = await client.deliveries.get(deliveryId)
    if ((delivery.attempts?.length ?? 0) > 0) return delivery
    if (Date.now() >= deadline) {
      throw new CommandFailure(
        `no attempt within ${Math.round(timeoutMs / 1000)} s: delivery ${deliveryId} is still ${delivery.status}`,
        `Is the server's dispatcher running? Follow it: hookline deliveries show ${deliveryId}`,
      )
    }
    await sleep(POLL_INTERVAL_MS)
  }
}

export const endpointTestCommand: Subcommand = {
  name: 'test',
  summary: 'send a test event to an endpoint and show the attempt',
  args: 'ID',
  minArgs: 1,
  maxArgs: 1,
  server: true,
  description:
    'Publishes a test event of a type the endpoint receives (hookline.test when it receives all\n' +
    'types; the first of its types otherwise, "order.test" for "order.*"), waits for the first\n' +
    'attempt to this endpoint and prints it: result, HTTP status, latency, error and response.\n' +
    'It is an ordinary event: other endpoints subscribed to the same type receive it too.\n' +
    'Exits 0 when the attempt succeeded, 1 when it failed or did not happen in time.',
  options: { type: { type: 'string' }, data: { type: 'string' }, timeout: { type: 'string' } },
  optionHelp: [
    '  --type TYPE          the event type to send (must be one the endpoint receives)',
    '  --data JSON|@FILE    the payload (default: a small object naming the test)',
    '  --timeout DURATION   how long to wait for the attempt (default 30s)',
  ].join('\n'),
  examples: [
    'hookline endpoints test ep_01J…',
    'hookline endpoints test ep_01J… --type order.shipped --data @order.json',
  ],
  async run({ values, positionals, output, json, io, connect }) {
    const id = positionals[0] ?? ''
    const timeoutMs = durationOption(values, 'timeout', 'endpoints test') ?? DEFAULT_TIMEOUT_MS
    const dataText = stringOption(values, 'data')
    const data =
      dataText === undefined
        ? { test: true, message: 'sent by hookline endpoints test', endpointId: id }
        : await readJsonData(dataText, io.stdin, 'endpoints test')
    const { client } = connect()
    const endpoint: Endpoint & { disabledReason?: string | null } = await client.endpoints.get(id)
    if (endpoint.disabled) {
      throw new CommandFailure(
        `endpoint ${id} is disabled${endpoint.disabledReason ? ` (${endpoint.disabledReason})` : ''}: it gets no deliveries`,
        `Enable it first: hookline endpoints enable ${id}`,
      )
    }
    const type = stringOption(values, 'type') ?? testEventType(endpoint.eventTypes)
    if (!matchesEventTypes(endpoint.eventTypes ?? null, type)) {
      throw new UsageError(
        `endpoint ${id} does not receive ${type} (it receives ${(endpoint.eventTypes ?? []).join(', ')})`,
        'endpoints test',
      )
    }

    const progress = json ? undefined : output.progress(`sending ${type} to ${endpoint.url}`)
    let delivery: DeliveryView
    let fanOut: number
    const event = await client.events.publish({ type, data }).catch((error: unknown) => {
      progress?.stop()
      throw error
    })
    try {
      const { mine, total } = await findDelivery(client, event.id, id)
      if (!mine) {
        throw new CommandFailure(
          `event ${event.id} was published but no delivery to ${id} was created`,
          'Was the endpoint disabled or changed meanwhile? Check: hookline endpoints list',
        )
      }
      fanOut = total
      delivery = await firstAttempt(client, mine.id, timeoutMs)
    } finally {
      progress?.stop()
    }

    const [attempt] = delivery.attempts ?? []
    if (json) {
      output.json({ event, delivery })
      return attempt?.status === 'succeeded' ? 0 : 1
    }
    output.line(`Sent ${event.id} (${type}) to ${endpoint.url}`)
    if (attempt) output.line(`Attempt ${attempt.id}: ${describeAttempt(attempt, output)}`)
    if (attempt?.responseBody) output.line(`Response: ${previewJson(attempt.responseBody, 200)}`)
    if (fanOut > 1) output.line(`(${fanOut - 1} other endpoint(s) subscribed to ${type} received it too.)`)
    if (attempt?.status !== 'succeeded') {
      if (delivery.status === 'pending' && delivery.nextAttemptAt) {
        output.line(`Next attempt ${formatAgo(delivery.nextAttemptAt)}.`)
      }
      output.line(`Follow it: hookline deliveries show ${delivery.id}`)
      return 1
    }
    return 0
  },
}
