/**
 * Shopify: `X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256 of the raw body>`, key = the app's client
 * secret as UTF-8. No timestamp; `X-Shopify-Webhook-Id` is the idempotency key.
 */

import { fixedHmacScheme } from './hmac.js'

export const shopify = fixedHmacScheme('shopify', {
  header: 'x-shopify-hmac-sha256',
  algorithm: 'sha256',
  encoding: 'base64',
  idHeader: 'x-shopify-webhook-id',
})
