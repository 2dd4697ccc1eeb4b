/**
 * Scheme name → implementation. The only place that lists them, so adding a scheme is one file
 * plus one line here.
 */

import { UnsupportedSchemeError } from '../errors.js'
import type { SchemeName } from '../types.js'
import { github } from './github.js'
import { genericHmac } from './hmac.js'
import type { WebhookScheme } from './scheme.js'
import { shopify } from './shopify.js'
import { slack } from './slack.js'
import { standardWebhooks } from './standard-webhooks.js'
import { stripe } from './stripe.js'
import { twilio } from './twilio.js'

const schemes: Record<SchemeName, WebhookScheme> = {
  'standard-webhooks': standardWebhooks,
  stripe,
  github,
  shopify,
  slack,
  twilio,
  hmac: genericHmac,
}

/**
 * Every scheme name `sign` and `verify` accept.
 *
 * @example
 * ```ts
 * if (!SCHEME_NAMES.includes(input as SchemeName)) throw new Error('unknown scheme')
 * ```
 */
export const SCHEME_NAMES: readonly SchemeName[] = Object.freeze(Object.keys(schemes) as SchemeName[])

/** The implementation of a scheme; `UnsupportedSchemeError` for an unknown name. */
export function getScheme(name: unknown): WebhookScheme {
  const scheme =
    typeof name === 'string' && Object.hasOwn(schemes, name) ? schemes[name as SchemeName] : undefined
  if (!scheme) throw new UnsupportedSchemeError(name)
  return scheme
}
