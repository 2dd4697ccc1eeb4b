/**
 * Twilio: `X-Twilio-Signature: <base64 HMAC-SHA1>` keyed with the auth token, over the full
 * request URL followed by every form parameter as `name + value`, names sorted (a repeated name
 * contributes each distinct value, sorted). For JSON bodies Twilio puts `bodySHA256=<hex SHA-256
 * of the body>` in the URL and signs the URL alone. `X-Twilio-Webhooks-Signature-Settings:
 * algorithm=HMAC_SHA256` switches to SHA-256. Like Twilio's own validator, the URL is tried with
 * and without its default port, and as `new URL()` normalises it. No timestamp;
 * `I-Twilio-Idempotency-Token` is the idempotency key.
 */

import { type HashName, hmac, sha256, timingSafeEqualText } from '../crypto.js'
import { base64Encode, hexEncode, payloadBytes, payloadText, utf8Encode } from '../encoding.js'
import { MalformedHeaderError, SignatureMismatchError } from '../errors.js'
import { parseFormParams } from '../form.js'
import type { FormParams, VerifiedWebhook } from '../types.js'
import { requireHeader, type WebhookScheme } from './scheme.js'

const SIGNATURE_HEADER = 'x-twilio-signature'
const SETTINGS_HEADER = 'x-twilio-webhooks-signature-settings'
const ID_HEADER = 'i-twilio-idempotency-token'

/** The string Twilio signs: the URL, then `name + value` for each parameter in sorted order. */
export function twilioSignedContent(url: string, params: FormParams): string {
  let content = url
  for (const name of Object.keys(params).sort()) {
    const value = params[name]
    if (typeof value === 'string') content += name + value
    else if (value) for (const item of [...new Set(value)].sort()) content += name + item
  }
  return content
}

function hashOf(settings: string | undefined): HashName {
  for (const part of (settings ?? '').split(',')) {
    const [key, value] = part.split('=').map((text) => text.trim())
    if (key !== 'algorithm' || !value) continue
    if (value.toUpperCase() === 'HMAC_SHA256') return 'SHA-256'
    if (value.toUpperCase() === 'HMAC_SHA1') return 'SHA-1'
    throw new MalformedHeaderError(SETTINGS_HEADER, 'unsupported algorithm')
  }
  return 'SHA-1'
}

async function twilioSignature(hash: HashName, secret: string, content: string): Promise<string> {
  return base64Encode(await hmac(hash, `utf8:${secret}`, () => utf8Encode(secret), content))
}

const URL_PARTS = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i

/** The URL with and without its default port, as received and as `new URL()` normalises it. */
function urlCandidates(url: string): string[] {
  const candidates = new Set<string>()
  const addVariants = (candidate: string) => {
    const match = URL_PARTS.exec(candidate)
    if (!match) {
      candidates.add(candidate)
      return
    }
    const [prefix, scheme = '', authority = ''] = match
    const rest = candidate.slice(prefix.length)
    const at = authority.lastIndexOf('@')
    const userInfo = authority.slice(0, at + 1)
    const hostAndPort = authority.slice(at + 1)
    const colon = hostAndPort.indexOf(':', hostAndPort.lastIndexOf(']') + 1)
    const host = colon === -1 ? hostAndPort : hostAndPort.slice(0, colon)
    const defaultPort = scheme.toLowerCase() === 'https://' ? ':443' : ':80'
    candidates.add(scheme + userInfo + host + rest)
    candidates.add(colon === -1 ? scheme + userInfo + host + defaultPort + rest : candidate)
  }
  addVariants(url)
  try {
    addVariants(new URL(url).toString())
  } catch {
    // Not a parseable URL: only the text as received can match.
  }
  return [...candidates]
}

function bodyHashParam(url: string): string | undefined {
  try {
    return new URL(url).searchParams.get('bodySHA256') ?? undefined
  } catch {
    return undefined
  }
}

function requireUrl(url: string | undefined): string {
  if (!url)
    throw new TypeError('Twilio signatures cover the request URL: pass `url` (the public URL Twilio called)')
  return url
}

export const twilio: WebhookScheme = {
  name: 'twilio',

  async sign(context) {
    const url = requireUrl(context.url)
    const hash: HashName = context.options.algorithm === 'sha256' ? 'SHA-256' : 'SHA-1'
    const params = url.includes('bodySHA256')
      ? {}
      : (context.params ?? parseFormParams(payloadText(context.payload)))
    const [secret = ''] = context.secrets
    const headers: Record<string, string> = {
      [SIGNATURE_HEADER]: await twilioSignature(hash, secret, twilioSignedContent(url, params)),
    }
    if (hash === 'SHA-256') headers[SETTINGS_HEADER] = 'algorithm=HMAC_SHA256'
    if (context.id !== undefined) headers[ID_HEADER] = context.id
    return headers
  },

  async verify(context) {
    const url = requireUrl(context.url)
    const received = requireHeader(context.header, SIGNATURE_HEADER)
    const hash = hashOf(context.header(SETTINGS_HEADER))
    const bodyHash = url.includes('bodySHA256') ? bodyHashParam(url) : undefined
    const params = bodyHash !== undefined ? {} : parseFormParams(payloadText(context.payload))
    let matched = false
    for (const secret of context.secrets) {
      for (const candidate of urlCandidates(url)) {
        const expected = await twilioSignature(hash, secret, twilioSignedContent(candidate, params))
        matched = timingSafeEqualText(expected, received) || matched
      }
    }
    if (matched && bodyHash !== undefined) {
      const actual = hexEncode(await sha256(payloadBytes(context.payload)))
      matched = timingSafeEqualText(actual, bodyHash.toLowerCase())
    }
    if (!matched) throw new SignatureMismatchError()
    const result: VerifiedWebhook = {}
    const id = context.header(ID_HEADER)
    if (id !== undefined) result.id = id
    return result
  },
}
