/**
 * Stripe: `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]`, each `v1` the HMAC-SHA256 of
 * `"<t>.<body>"` keyed with the whole `whsec_…` string as UTF-8 (not base64-decoded, unlike
 * Standard Webhooks). Other entries (`v0`, unknown schemes) are ignored. The event's JSON `id`
 * is the idempotency key.
 */

import { hmac, timingSafeEqualText } from '../crypto.js'
import { hexEncode, payloadText, prefixedPayload, utf8Encode } from '../encoding.js'
import { MalformedHeaderError, SignatureMismatchError } from '../errors.js'
import type { VerifiedWebhook } from '../types.js'
import {
  checkTimestamp,
  jsonStringField,
  MAX_SIGNATURES_PER_HEADER,
  parseUnixSeconds,
  requireHeader,
  type WebhookScheme,
} from './scheme.js'

const HEADER = 'stripe-signature'

async function signature(secret: string, content: Uint8Array | string): Promise<string> {
  return hexEncode(await hmac('SHA-256', `utf8:${secret}`, () => utf8Encode(secret), content))
}

function parseHeader(value: string): { timestampText: string; signatures: string[] } {
  let timestampText: string | undefined
  const signatures: string[] = []
  for (const item of value.split(',')) {
    const equals = item.indexOf('=')
    if (equals <= 0) continue
    const key = item.slice(0, equals).trim()
    const entry = item.slice(equals + 1).trim()
    if (key === 't') timestampText = entry
    else if (key === 'v1' && signatures.length < MAX_SIGNATURES_PER_HEADER)
      signatures.push(entry.toLowerCase())
  }
  if (timestampText === undefined || signatures.length === 0) {
    throw new MalformedHeaderError(HEADER, 'expected "t=<timestamp>,v1=<signature>"')
  }
  return { timestampText, signatures }
}

export const stripe: WebhookScheme = {
  name: 'stripe',

  async sign(context) {
    const timestamp = String(context.timestampSeconds)
    const content = prefixedPayload(`${timestamp}.`, context.payload)
    const signatures = await Promise.all(context.secrets.map((secret) => signature(secret, content)))
    return { [HEADER]: [`t=${timestamp}`, ...signatures.map((value) => `v1=${value}`)].join(',') }
  },

  async verify(context) {
    const { timestampText, signatures } = parseHeader(requireHeader(context.header, HEADER))
    const timestamp = parseUnixSeconds(HEADER, timestampText)
    checkTimestamp(timestamp, context)
    const content = prefixedPayload(`${timestampText}.`, context.payload)
    let matched = false
    for (const secret of context.secrets) {
      const expected = await signature(secret, content)
      for (const candidate of signatures) matched = timingSafeEqualText(expected, candidate) || matched
    }
    if (!matched) throw new SignatureMismatchError()
    const result: VerifiedWebhook = { timestamp }
    const id = jsonStringField(payloadText(context.payload), 'id')
    if (id !== undefined) result.id = id
    return result
  },
}
