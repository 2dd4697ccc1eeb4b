/**
 * The CustomerServiceAgent learns about shipments the moment they happen instead of asking the
 * fulfillment agent "has order X shipped yet?" in a loop. Its webhook handler follows the
 * receiving pattern of the seed article: verify → dedupe → enqueue → 2xx → process.
 */

import { EventEmitter } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type HooklineClient, type VerifiedWebhook, verify, WebhookVerificationError } from '@hookline/sdk'
import type { HooklineApi } from './hookline-api.js'
import { type HooklineEvent, isOrderShipped, ORDER_SHIPPED } from './order-shipped.js'

export const WEBHOOK_PATH = '/webhooks/order-shipped'
const MAX_BODY_BYTES = 1024 * 1024

/** What customer service knows about an order: enough to answer "where is my parcel?". */
export interface OrderRecord {
  orderId: string
  status: 'shipped'
  carrier: string
  trackingNumber: string
  shippedAt: string
  customerNotified: boolean
}

interface AgentEvents {
  shipment: [order: OrderRecord]
  duplicate: [webhookId: string]
  rejected: [code: string]
}

export class CustomerServiceAgent extends EventEmitter<AgentEvents> {
  readonly orders = new Map<string, OrderRecord>()
  readonly stats = { shipmentsSeen: 0, duplicatesIgnored: 0, rejected: 0 }
  url = ''
  // In production this lives in the agent's database, written in the same transaction as the
  // state it protects, and kept at least as long as a sender may redeliver (days, not minutes).
  private readonly handledWebhookIds = new Set<string>()
  private secret: string | undefined
  private readonly server: Server

  constructor(private readonly log: (line: string) => void) {
    super()
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        this.log(`handler failed: ${(error as Error).message}`)
        if (!response.headersSent) reply(response, 500)
      })
    })
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    const { port } = this.server.address() as AddressInfo
    this.url = `http://127.0.0.1:${port}${WEBHOOK_PATH}`
    this.log(`listening on ${this.url}`)
  }

  /**
   * Subscribes to every `order.*` event. Hookline answers with the endpoint's signing secret
   * (`whsec_…`): whoever holds it can forge webhooks to this agent, so keep it like a password
   * (here it never leaves memory).
   */
  async subscribe(hookline: HooklineApi): Promise<string> {
    const endpoint = await hookline.request<{ id: string; secret: string }>('POST', '/v1/endpoints', {
      url: this.url,
      eventTypes: ['order.*'],
      description: 'CustomerServiceAgent: tells customers where their parcel is',
    })
    this.secret = endpoint.secret
    this.log(`subscribed to order.* as endpoint ${endpoint.id}`)
    return endpoint.id
  }

  /**
   * The other way to hear about shipments, for an agent with no public URL (behind NAT, on a
   * laptop): follow Hookline's event stream with a read-only API key. The API key authenticates
   * Hookline, so there is no signature to check; the stream resumes after a disconnect from
   * the last event it delivered, and the event id still guards against acting twice.
   */
  async followStream(client: HooklineClient, signal: AbortSignal): Promise<void> {
    this.log('following the order.* event stream (no public URL needed)')
    for await (const event of client.stream({ types: ['order.*'], signal })) {
      if (this.handledWebhookIds.has(event.id)) {
        this.stats.duplicatesIgnored += 1
        this.emit('duplicate', event.id)
        continue
      }
      this.handledWebhookIds.add(event.id)
      this.process(event.id, event as HooklineEvent)
    }
  }

  async close(): Promise<void> {
    // Hookline keeps connections alive between deliveries; close() alone would wait for them.
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'POST' || request.url !== WEBHOOK_PATH) return reply(response, 404)
    // Not subscribed yet, so no secret to check against: 503 makes a sender retry later.
    if (this.secret === undefined) return reply(response, 503)

    // The signature covers the exact bytes sent, so verify the raw body, never re-serialised JSON.
    const rawBody = await readRawBody(request, MAX_BODY_BYTES)
    if (rawBody === undefined) return reply(response, 413)
    let verified: VerifiedWebhook
    try {
      verified = await verify({
        scheme: 'standard-webhooks',
        secret: this.secret,
        payload: rawBody,
        headers: request.headers,
      })
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error
      this.stats.rejected += 1
      this.log(`rejected a webhook that failed verification (${error.code})`)
      this.emit('rejected', error.code)
      return reply(response, 401, { error: error.code })
    }
    const webhookId = verified.id
    // Standard Webhooks signs `webhook-id`, so an authentic request always carries one.
    if (webhookId === undefined) return reply(response, 400)

    // Hookline delivers at least once: a retry after a lost response, or a redelivery an operator
    // asked for, arrives with the same webhook-id. Acting on it again would notify the customer twice.
    if (this.handledWebhookIds.has(webhookId)) {
      this.stats.duplicatesIgnored += 1
      this.log(`webhook-id ${webhookId} already handled: duplicate ignored`)
      this.emit('duplicate', webhookId)
      // Still a 2xx: an error would make the sender keep retrying something already done.
      return reply(response, 200, { duplicate: true })
    }

    let event: HooklineEvent
    try {
      event = JSON.parse(rawBody) as HooklineEvent
    } catch {
      return reply(response, 400)
    }
    this.handledWebhookIds.add(webhookId)
    // Answer before working: a slow handler makes the sender time out and retry. A real agent
    // would put the event on a durable queue here so that a crash after the 2xx loses nothing.
    reply(response, 204)
    setImmediate(() => this.process(webhookId, event))
  }

  private process(webhookId: string, event: HooklineEvent): void {
    if (event.type !== ORDER_SHIPPED || !isOrderShipped(event.data)) {
      this.log(`${event.type} (${webhookId}) is not something customer service acts on`)
      return
    }
    const shipment = event.data
    const order: OrderRecord = {
      orderId: shipment.order_id,
      status: 'shipped',
      carrier: shipment.shipping_carrier,
      trackingNumber: shipment.tracking_number,
      shippedAt: shipment.shipped_at,
      customerNotified: true,
    }
    this.orders.set(order.orderId, order)
    this.stats.shipmentsSeen += 1
    this.log(
      `${order.orderId} shipped with ${order.carrier}, tracking ${order.trackingNumber} ` +
        `(webhook-id ${webhookId}): customer notified`,
    )
    this.emit('shipment', order)
  }
}

function reply(response: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    response.writeHead(status).end()
    return
  }
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
}

/** The body as sent, or undefined when it is larger than `limitBytes`. */
async function readRawBody(request: IncomingMessage, limitBytes: number): Promise<string | undefined> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limitBytes) return undefined
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}
