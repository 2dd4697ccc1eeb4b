/**
 * Scenario 1 of the seed article, end to end: the FulfillmentAgent ships an order and publishes
 * `order.shipped` through Hookline; the CustomerServiceAgent, subscribed to `order.*`, verifies
 * the webhook, updates its state and notifies the customer, without ever polling. Along the way
 * it shows the three things that make this safe: an idempotent publish, a duplicate delivery
 * ignored by `webhook-id`, and a forged webhook rejected.
 *
 * Run it with `npm run example:order-agents`. Exits 0 when the customer-service agent has seen
 * the shipment exactly once, non-zero with the step that failed otherwise.
 *
 * With `-- --stream`, the customer-service agent has no public URL at all: it follows Hookline's
 * event stream (Server-Sent Events) with a read-only API key instead of receiving webhooks.
 */

import { once } from 'node:events'
import { generateSecret, HooklineClient, sign } from '@hookline/sdk'
import { CustomerServiceAgent } from './customer-service-agent.js'
import { FulfillmentAgent } from './fulfillment-agent.js'
import { HooklineApi } from './hookline-api.js'
import { type HooklineProcess, startHookline } from './hookline-process.js'
import type { HooklineEvent, OrderShipped } from './order-shipped.js'

// Generous for a loaded 2-core CI machine: the whole run normally takes about three seconds.
const TIMEOUT_MS = 20_000

const shipment: OrderShipped = {
  order_id: 'ORD-12345',
  shipping_carrier: 'FedEx',
  tracking_number: 'TRK-67890',
  shipped_at: new Date().toISOString(),
}

const logger = (who: string) => (line: string) => console.log(`[${who}] ${line}`)
const say = logger('run')

let step = 'starting'
let hookline: HooklineProcess | undefined
let customerService: CustomerServiceAgent | undefined

let watchdog: NodeJS.Timeout | undefined
const timedOut = new Promise<never>((_, reject) => {
  watchdog = setTimeout(() => reject(new Error(`no result after ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS)
})

try {
  await Promise.race([process.argv.includes('--stream') ? runStreamScenario() : runScenario(), timedOut])
  clearTimeout(watchdog)
  await shutdown()
  const { shipmentsSeen, duplicatesIgnored, rejected } = customerService?.stats ?? {}
  console.log(
    `order-agents: OK: shipments seen: ${shipmentsSeen}, duplicates ignored: ${duplicatesIgnored}, ` +
      `forged webhooks rejected: ${rejected}`,
  )
} catch (error) {
  clearTimeout(watchdog)
  console.error(`order-agents: FAILED while ${step}: ${(error as Error).message ?? String(error)}`)
  const log = hookline?.logTail(15)
  if (log) console.error(`last lines of Hookline's log:\n${log}`)
  // A shutdown that hangs must not turn a clear failure into a hang.
  setTimeout(() => process.exit(1), 5_000).unref()
  await shutdown().catch(() => {})
  process.exit(1)
}

async function runScenario(): Promise<void> {
  step = 'starting Hookline'
  hookline = startHookline()
  const hooklineUrl = await hookline.listening
  say(`Hookline is listening on ${hooklineUrl}`)
  const api = new HooklineApi(hooklineUrl, hookline.apiKey)

  step = 'starting and subscribing the customer-service agent'
  customerService = new CustomerServiceAgent(logger('customer-service'))
  await customerService.start()
  const endpointId = await customerService.subscribe(api)

  step = 'declaring order.shipped'
  const fulfillment = new FulfillmentAgent(api, logger('fulfillment'))
  await fulfillment.declareEvents()

  step = 'publishing the shipment'
  // Listen before publishing: delivery on loopback can beat the publish call's own answer.
  const seen = once(customerService, 'shipment')
  const event = await fulfillment.publishShipment(shipment)
  // As if the first answer had been lost to a timeout and the fulfillment agent retried.
  const republished = await fulfillment.publishShipment(shipment)
  if (republished.id !== event.id) {
    throw new Error(`the same Idempotency-Key created two events: ${event.id} and ${republished.id}`)
  }

  step = 'waiting for the customer-service agent to see the shipment'
  await seen

  step = "reading Hookline's delivery log"
  const deliveryId = await settledDeliveryId(api, event.id, endpointId)

  step = 'redelivering the webhook (a duplicate)'
  // An operator's "resend" goes out with the same webhook-id, exactly like an automatic retry
  // after a response that never reached Hookline.
  const duplicate = once(customerService, 'duplicate')
  await api.request('POST', `/v1/deliveries/${deliveryId}/retry`)
  say(`asked Hookline to deliver ${event.id} once more`)
  await duplicate

  step = 'sending a forged webhook'
  const status = await sendForgedWebhook(customerService.url, event)
  if (status !== 401) throw new Error(`the forged webhook was answered ${status}, expected 401`)
  say('a webhook signed with the wrong secret was answered 401')

  step = "checking the customer-service agent's state"
  const order = customerService.orders.get(shipment.order_id)
  say(`customer-service state for ${shipment.order_id}: ${JSON.stringify(order)}`)
  const { shipmentsSeen, duplicatesIgnored } = customerService.stats
  if (order?.trackingNumber !== shipment.tracking_number || shipmentsSeen !== 1 || duplicatesIgnored < 1) {
    throw new Error(
      `expected the shipment seen once and a duplicate ignored: ${JSON.stringify(customerService.stats)}`,
    )
  }
}

/** The same story for an agent that cannot receive webhooks: it reads the event stream. */
async function runStreamScenario(): Promise<void> {
  step = 'starting Hookline'
  hookline = startHookline()
  const hooklineUrl = await hookline.listening
  say(`Hookline is listening on ${hooklineUrl}`)
  const api = new HooklineApi(hooklineUrl, hookline.apiKey)

  step = 'giving the customer-service agent a read-only key'
  // Least privilege: this key can read events, not publish them or change endpoints.
  const { key } = await api.request<{ key: string }>('POST', '/v1/api-keys', {
    name: 'customer-service agent (stream)',
    scope: 'read',
  })
  customerService = new CustomerServiceAgent(logger('customer-service'))
  const following = new AbortController()
  const seen = once(customerService, 'shipment')
  const streaming = customerService.followStream(
    new HooklineClient({ baseUrl: hooklineUrl, apiKey: key }),
    following.signal,
  )

  step = 'publishing the shipment'
  const fulfillment = new FulfillmentAgent(api, logger('fulfillment'))
  await fulfillment.declareEvents()
  // Give the stream a moment to connect; an event published before would be missed by a
  // brand-new consumer (a returning one passes lastEventId and misses nothing).
  await new Promise((resolve) => setTimeout(resolve, 300))
  const event = await fulfillment.publishShipment(shipment)
  const republished = await fulfillment.publishShipment(shipment)
  if (republished.id !== event.id) throw new Error('the same Idempotency-Key created two events')

  step = 'waiting for the customer-service agent to see the shipment on the stream'
  await seen
  following.abort()
  await streaming

  step = "checking the customer-service agent's state"
  const order = customerService.orders.get(shipment.order_id)
  say(`customer-service state for ${shipment.order_id}: ${JSON.stringify(order)}`)
  if (order?.trackingNumber !== shipment.tracking_number || customerService.stats.shipmentsSeen !== 1) {
    throw new Error(`expected the shipment seen once: ${JSON.stringify(customerService.stats)}`)
  }
}

/**
 * Waits until Hookline has recorded the outcome of the first attempt, then prints it. Polling is
 * fine here: this is an operator reading the log, not how the agents talk to each other.
 */
async function settledDeliveryId(api: HooklineApi, eventId: string, endpointId: string): Promise<string> {
  interface Delivery {
    id: string
    endpointId: string
    status: string
  }
  interface Attempt {
    status: string
    statusCode: number | null
    durationMs: number
  }
  for (;;) {
    const page = await api.request<{ data: Delivery[] }>('GET', `/v1/events/${eventId}/deliveries`)
    const delivery = page.data.find((candidate) => candidate.endpointId === endpointId)
    if (delivery && delivery.status !== 'pending') {
      const { attempts } = await api.request<{ attempts: Attempt[] }>('GET', `/v1/deliveries/${delivery.id}`)
      const lines = attempts.map(
        (a, i) => `attempt ${i + 1}: ${a.status}, HTTP ${a.statusCode}, ${a.durationMs} ms`,
      )
      say(`Hookline's log for delivery ${delivery.id} (${delivery.status}): ${lines.join('; ')}`)
      return delivery.id
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** What anyone who learns the webhook URL can do: post a well-formed event signed with their own key. */
async function sendForgedWebhook(url: string, genuine: HooklineEvent<OrderShipped>): Promise<number> {
  const body = JSON.stringify({
    ...genuine,
    id: 'evt_forged',
    data: { ...genuine.data, tracking_number: 'TRK-FORGED' },
  })
  const headers = await sign({
    scheme: 'standard-webhooks',
    secret: generateSecret(),
    payload: body,
    id: 'evt_forged',
  })
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body,
  })
  return response.status
}

async function shutdown(): Promise<void> {
  // Hookline first, while the agent can still answer the attempts it drains on SIGTERM.
  const code = await hookline?.stop()
  if (typeof code === 'number' && code !== 0) say(`warning: Hookline exited with code ${code} on SIGTERM`)
  await customerService?.close()
}
