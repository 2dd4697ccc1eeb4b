import { createHmac } from 'node:crypto'

/**
 * The payloads every system under test gets: one order-shaped object of about 300 bytes. `n`
 * comes first in `data` so a sink can read the sequence number without parsing the body.
 */
export function orderData(n: number): Record<string, unknown> {
  return {
    n,
    order_id: `ORD-${String(n).padStart(8, '0')}`,
    customer_id: 'cus_9s6XKzkNRiz8i3',
    status: 'shipped',
    amount_cents: 4999 + (n % 100),
    currency: 'usd',
    items: [
      { sku: 'SKU-RED-M', quantity: 2, unit_cents: 1999 },
      { sku: 'SKU-BLUE-L', quantity: 1, unit_cents: 1001 },
    ],
    tracking_number: `TRK-${String(n * 7919).padStart(10, '0')}`,
    carrier: 'ups',
  }
}

/** A `POST /v1/events` body (also what the no-op server and the BullMQ enqueue endpoint get). */
export function publishBody(type: string, n: number): string {
  return JSON.stringify({ type, data: orderData(n) })
}

/** The body Hookline would deliver for event `n`: what the undici and BullMQ senders post. */
export function eventBody(type: string, n: number, timestampMs: number): { id: string; body: string } {
  const id = `evt_bench${String(n).padStart(17, '0')}`
  const body = JSON.stringify({
    id,
    type,
    timestamp: new Date(timestampMs).toISOString(),
    data: orderData(n),
  })
  return { id, body }
}

/** Reads `n` back out of a delivered body without JSON.parse (the sink must stay cheap). */
export function sequenceOf(body: string): number | null {
  const match = /"data":\{"n":(\d+)/.exec(body)
  return match ? Number(match[1]) : null
}

/** Standard Webhooks headers for `body`, signed with a `whsec_<base64>` secret. */
export function standardWebhooksHeaders(
  secret: string,
  id: string,
  body: string,
  timestampSeconds: number,
): Record<string, string> {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64')
  const signature = createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': `v1,${signature}`,
  }
}

/** A Stripe event body as Stripe posts it; `id` is unique per `n`, so none is a duplicate. */
export function stripeEventBody(n: number, runTag: string): string {
  return JSON.stringify({
    id: `evt_${runTag}${String(n).padStart(10, '0')}`,
    object: 'event',
    api_version: '2024-06-20',
    created: Math.floor(Date.now() / 1000),
    type: 'payment_intent.succeeded',
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    data: { object: { id: `pi_${runTag}${n}`, object: 'payment_intent', amount: 4999, currency: 'usd' } },
  })
}

/** A fixed secret shared by the bench's endpoints and senders (never a real one). */
export const BENCH_SECRET = `whsec_${Buffer.from('hookline-bench-secret-0123456789').toString('base64')}`
export const BENCH_STRIPE_SECRET = 'whsec_hookline_bench_stripe_secret_0123456789'
