/**
 * The FulfillmentAgent ships orders and says so once, to Hookline. It does not know who listens:
 * adding a subscriber (billing, analytics, another agent) changes nothing here.
 */

import type { HooklineApi } from './hookline-api.js'
import { type HooklineEvent, ORDER_SHIPPED, type OrderShipped, orderShippedSchema } from './order-shipped.js'

export class FulfillmentAgent {
  constructor(
    private readonly hookline: HooklineApi,
    private readonly log: (line: string) => void,
  ) {}

  /** Registers the event it publishes, with its schema: the catalog subscribers read. */
  async declareEvents(): Promise<void> {
    await this.hookline.request('POST', '/v1/event-types', {
      name: ORDER_SHIPPED,
      description: 'An order left the warehouse; carries the carrier and tracking number.',
      schema: orderShippedSchema,
    })
    this.log(`declared ${ORDER_SHIPPED} with its JSON Schema`)
  }

  /**
   * Publishes the shipment. The Idempotency-Key is derived from the order, not random, so a retry
   * of this call (after a timeout, a crash, a redeploy) returns the original event instead of
   * notifying every subscriber a second time.
   */
  async publishShipment(shipment: OrderShipped): Promise<HooklineEvent<OrderShipped>> {
    const { body: event, headers } = await this.hookline.send<HooklineEvent<OrderShipped>>(
      'POST',
      '/v1/events',
      { type: ORDER_SHIPPED, data: shipment },
      { 'idempotency-key': `${ORDER_SHIPPED}:${shipment.order_id}` },
    )
    if (headers.get('idempotent-replayed') === 'true') {
      this.log(
        `${shipment.order_id} was already published as ${event.id}: Hookline returned it, no new event`,
      )
    } else {
      this.log(`published ${ORDER_SHIPPED} for ${shipment.order_id}: Hookline event ${event.id}`)
    }
    return event
  }
}
