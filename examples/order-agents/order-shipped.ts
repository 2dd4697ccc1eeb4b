/**
 * The contract between the two agents: the `order.shipped` event. The fulfillment agent registers
 * this schema with Hookline, so a malformed shipment is refused at publish time (422) instead of
 * surprising every subscriber later.
 */

export const ORDER_SHIPPED = 'order.shipped'

export interface OrderShipped {
  order_id: string
  shipping_carrier: string
  tracking_number: string
  /** ISO 8601. */
  shipped_at: string
}

export const orderShippedSchema = {
  type: 'object',
  required: ['order_id', 'shipping_carrier', 'tracking_number', 'shipped_at'],
  properties: {
    order_id: { type: 'string', minLength: 1 },
    shipping_carrier: { type: 'string', minLength: 1 },
    tracking_number: { type: 'string', minLength: 1 },
    shipped_at: { type: 'string', format: 'date-time' },
  },
  additionalProperties: false,
}

/** What every Hookline webhook body looks like (the `webhook-id` header repeats `id`). */
export interface HooklineEvent<Data = unknown> {
  id: string
  type: string
  timestamp: string
  data: Data
}

// Subscribers check the shape even though Hookline validated it: the schema can evolve on the
// publisher's side before this subscriber is redeployed.
export function isOrderShipped(data: unknown): data is OrderShipped {
  if (typeof data !== 'object' || data === null) return false
  const fields = data as Record<string, unknown>
  return ['order_id', 'shipping_carrier', 'tracking_number', 'shipped_at'].every(
    (name) => typeof fields[name] === 'string',
  )
}
