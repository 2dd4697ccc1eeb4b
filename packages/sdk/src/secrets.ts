/**
 * Fresh secrets in each scheme's customary format.
 */

import { ed25519GenerateKeyPair, randomBytes } from './crypto.js'
import { base64Encode, concatBytes, hexEncode } from './encoding.js'
import type { SchemeName } from './types.js'

/**
 * A new random signing secret: `whsec_` + base64 of 24 random bytes for Standard Webhooks (the
 * default) and Stripe, 32 random bytes as hex for the other schemes.
 *
 * @example
 * ```ts
 * const secret = generateSecret() // 'whsec_…'
 * const githubSecret = generateSecret('github') // 64 hex characters
 * ```
 */
export function generateSecret(scheme: SchemeName = 'standard-webhooks'): string {
  if (scheme === 'standard-webhooks' || scheme === 'stripe') return `whsec_${base64Encode(randomBytes(24))}`
  return hexEncode(randomBytes(32))
}

/** An Ed25519 key pair for Standard Webhooks `v1a` signatures. */
export interface WebhookKeyPair {
  /** `whsk_…`: signs; keep it like any secret. */
  secretKey: string
  /** `whpk_…`: verifies; safe to publish to receivers. */
  publicKey: string
}

/**
 * A new Ed25519 key pair for asymmetric Standard Webhooks signatures (`v1a`). The secret key is
 * serialised as seed + public key (64 bytes), the layout libsodium uses.
 *
 * @example
 * ```ts
 * const { secretKey, publicKey } = await generateKeyPair()
 * const headers = await sign({ scheme: 'standard-webhooks', secret: secretKey, payload: body })
 * await verify({ scheme: 'standard-webhooks', secret: publicKey, payload: body, headers })
 * ```
 */
export async function generateKeyPair(): Promise<WebhookKeyPair> {
  const { seed, publicKey } = await ed25519GenerateKeyPair()
  return {
    secretKey: `whsk_${base64Encode(concatBytes(seed, publicKey))}`,
    publicKey: `whpk_${base64Encode(publicKey)}`,
  }
}
