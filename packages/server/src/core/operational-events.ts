/**
 * Operational events: what Hookline says about itself. They are published as ordinary events,
 * so an endpoint subscribes to them like to any other type (for example `delivery.*`).
 */
export const OPERATIONAL_EVENT_TYPES = {
  deliveryExhausted: 'delivery.exhausted',
  endpointDisabled: 'endpoint.disabled',
} as const

/** `data` of `delivery.exhausted`: a delivery used its whole retry schedule without success. */
export interface ExhaustedDeliveryData {
  deliveryId: string
  eventId: string
  eventType: string
  endpointId: string
  attemptCount: number
  lastStatusCode: number | null
  lastError: string | null
}

/** `data` of `endpoint.disabled`. */
export interface DisabledEndpointData {
  endpointId: string
  url: string
  /** `gone`: it answered 410; `failing`: no success for the configured period; `manual`: by the API. */
  reason: 'gone' | 'failing' | 'manual'
}
