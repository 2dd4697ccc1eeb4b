/**
 * Standard Webhooks 1.0 (also what Svix sends): `webhook-id`, `webhook-timestamp` and a
 * space-separated `webhook-signature` list of `v1,<base64 HMAC-SHA256>` (key: the base64 after
 * `whsec_`) and `v1a,<base64 Ed25519>` (keys `whsk_`/`whpk_`), all over `id.timestamp.body`.
 * Svix's `svix-*` header names are accepted as aliases when verifying.
 */

import { ed25519PublicKey, ed25519Sign, ed25519Verify, hmac, timingSafeEqualText } from '../crypto.js'
import { base64Decode, base64Encode, contentBytes, prefixedPayload } from '../encoding.js'
import { InvalidSecretError, MalformedHeaderError, SignatureMismatchError } from '../errors.js'
import type { HeaderReader } from '../headers.js'
import {
  checkTimestamp,
  MAX_SIGNATURES_PER_HEADER,
  parseUnixSeconds,
  randomMessageId,
  requireHeader,
  type VerifyContext,
  type WebhookScheme,
} from './scheme.js'

export const SYMMETRIC_PREFIX = 'whsec_'
export const SECRET_KEY_PREFIX = 'whsk_'
export const PUBLIC_KEY_PREFIX = 'whpk_'

/** The HMAC key bytes of a `whsec_…` secret (the prefix is optional, as in the reference libraries). */
export function symmetricKeyBytes(secret: string): Uint8Array {
  const encoded = secret.startsWith(SYMMETRIC_PREFIX) ? secret.slice(SYMMETRIC_PREFIX.length) : secret
  const key = base64Decode(encoded)
  if (!key || key.length === 0)
    throw new InvalidSecretError('a Standard Webhooks secret is base64 after whsec_')
  return key
}

/** The 32-byte seed of a `whsk_` key, stored either as the seed or as seed + public key (64 bytes). */
function secretKeySeed(secret: string): Uint8Array {
  const key = base64Decode(secret.slice(SECRET_KEY_PREFIX.length))
  if (!key || (key.length !== 32 && key.length !== 64)) {
    throw new InvalidSecretError('a whsk_ key is 32 or 64 base64-encoded bytes')
  }
  return key.subarray(0, 32)
}

async function publicKeyOf(secret: string): Promise<Uint8Array> {
  if (secret.startsWith(PUBLIC_KEY_PREFIX)) {
    const key = base64Decode(secret.slice(PUBLIC_KEY_PREFIX.length))
    if (key?.length !== 32) throw new InvalidSecretError('a whpk_ key is 32 base64-encoded bytes')
    return key
  }
  const raw = base64Decode(secret.slice(SECRET_KEY_PREFIX.length))
  if (raw?.length === 64) return raw.subarray(32)
  return ed25519PublicKey(secretKeySeed(secret))
}

function header(reader: HeaderReader, name: 'id' | 'timestamp' | 'signature'): string {
  return reader(`webhook-${name}`) ?? reader(`svix-${name}`) ?? requireHeader(reader, `webhook-${name}`)
}

interface ParsedSignature {
  version: string
  value: string
}

function parseSignatures(value: string): ParsedSignature[] {
  const parsed: ParsedSignature[] = []
  for (const token of value.split(/\s+/, MAX_SIGNATURES_PER_HEADER)) {
    const comma = token.indexOf(',')
    if (comma <= 0 || comma === token.length - 1) continue
    parsed.push({ version: token.slice(0, comma), value: token.slice(comma + 1) })
  }
  if (parsed.length === 0)
    throw new MalformedHeaderError('webhook-signature', 'expected "v1,<signature>" entries')
  return parsed
}

async function matchesAny(
  secret: string,
  signatures: ParsedSignature[],
  content: Uint8Array | string,
): Promise<boolean> {
  if (secret.startsWith(SECRET_KEY_PREFIX) || secret.startsWith(PUBLIC_KEY_PREFIX)) {
    const candidates = signatures.filter((signature) => signature.version === 'v1a')
    if (candidates.length === 0) return false
    const publicKey = await publicKeyOf(secret)
    for (const candidate of candidates) {
      const signature = base64Decode(candidate.value)
      if (signature?.length !== 64) continue
      if (await ed25519Verify(secret, () => publicKey, signature, contentBytes(content))) return true
    }
    return false
  }
  const candidates = signatures.filter((signature) => signature.version === 'v1')
  if (candidates.length === 0) return false
  const expected = base64Encode(
    await hmac('SHA-256', `whsec:${secret}`, () => symmetricKeyBytes(secret), content),
  )
  let matched = false
  // Compare against every candidate so timing does not reveal which entry matched.
  for (const candidate of candidates) matched = timingSafeEqualText(expected, candidate.value) || matched
  return matched
}

export const standardWebhooks: WebhookScheme = {
  name: 'standard-webhooks',

  async sign(context) {
    const id = context.id ?? randomMessageId('msg_')
    const timestamp = String(context.timestampSeconds)
    const content = prefixedPayload(`${id}.${timestamp}.`, context.payload)
    const signatures = await Promise.all(
      context.secrets.map(async (secret) => {
        if (secret.startsWith(PUBLIC_KEY_PREFIX))
          throw new InvalidSecretError('a whpk_ public key cannot sign')
        if (secret.startsWith(SECRET_KEY_PREFIX)) {
          return `v1a,${base64Encode(await ed25519Sign(secret, () => secretKeySeed(secret), contentBytes(content)))}`
        }
        const mac = await hmac('SHA-256', `whsec:${secret}`, () => symmetricKeyBytes(secret), content)
        return `v1,${base64Encode(mac)}`
      }),
    )
    return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signatures.join(' ') }
  },

  async verify(context: VerifyContext) {
    const id = header(context.header, 'id')
    const timestampHeader = header(context.header, 'timestamp')
    const signatureHeader = header(context.header, 'signature')
    const timestamp = parseUnixSeconds('webhook-timestamp', timestampHeader)
    const signatures = parseSignatures(signatureHeader)
    checkTimestamp(timestamp, context)
    const content = prefixedPayload(`${id}.${timestampHeader}.`, context.payload)
    for (const secret of context.secrets) {
      if (await matchesAny(secret, signatures, content)) return { id, timestamp }
    }
    throw new SignatureMismatchError()
  },
}
