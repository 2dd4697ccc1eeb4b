import type { RequestValueRule, SourceScheme } from '../core/types.js'

/**
 * What each provider's webhooks look like: where the event type and the dedupe key are, and
 * which headers are worth keeping on the event (ids and topics, never signatures).
 */
export interface ProviderDefaults {
  /** Tried in order; the first that yields a value names the event. */
  eventType: RequestValueRule[]
  /** Tried in order; the first that yields a value is the dedupe key. */
  idempotencyKey: RequestValueRule[]
  keepHeaders: string[]
}

const CLOUDEVENTS_HEADERS = ['ce-id', 'ce-source', 'ce-type', 'ce-specversion', 'ce-subject', 'ce-time']

export const PROVIDER_DEFAULTS: Record<SourceScheme, ProviderDefaults> = {
  stripe: {
    eventType: [{ pointer: '/type' }],
    idempotencyKey: [{ pointer: '/id' }],
    keepHeaders: [],
  },
  github: {
    // `x-github-event` plus the body's `action` when present: github.pull_request.opened.
    eventType: [{ header: 'x-github-event' }],
    idempotencyKey: [{ header: 'x-github-delivery' }],
    keepHeaders: [
      'x-github-event',
      'x-github-delivery',
      'x-github-hook-id',
      'x-github-hook-installation-target-id',
      'x-github-hook-installation-target-type',
    ],
  },
  shopify: {
    eventType: [{ header: 'x-shopify-topic' }],
    idempotencyKey: [{ header: 'x-shopify-webhook-id' }, { header: 'x-shopify-event-id' }],
    keepHeaders: [
      'x-shopify-topic',
      'x-shopify-webhook-id',
      'x-shopify-event-id',
      'x-shopify-shop-domain',
      'x-shopify-api-version',
      'x-shopify-triggered-at',
    ],
  },
  'standard-webhooks': {
    eventType: [{ pointer: '/type' }],
    idempotencyKey: [{ header: 'webhook-id' }],
    keepHeaders: ['webhook-id', 'webhook-timestamp'],
  },
  slack: {
    // Events API bodies carry the inner event's type; slash commands are form posts.
    eventType: [{ pointer: '/event/type' }, { pointer: '/type' }, { pointer: '/command' }],
    idempotencyKey: [{ pointer: '/event_id' }, { pointer: '/trigger_id' }],
    keepHeaders: ['x-slack-request-timestamp', 'x-slack-retry-num', 'x-slack-retry-reason'],
  },
  twilio: {
    eventType: [{ pointer: '/MessageStatus' }, { pointer: '/CallStatus' }],
    idempotencyKey: [{ header: 'i-twilio-idempotency-token' }],
    keepHeaders: ['i-twilio-idempotency-token'],
  },
  hmac: { eventType: [{ pointer: '/type' }], idempotencyKey: [], keepHeaders: [] },
  none: { eventType: [{ pointer: '/type' }], idempotencyKey: [], keepHeaders: [] },
}

export const CLOUDEVENT_KEEP_HEADERS = CLOUDEVENTS_HEADERS

/** The fallback type when nothing names the event. */
export const DEFAULT_INBOUND_TYPE = 'received'
