/**
 * `verify`: checks a received webhook against its scheme's signature and timestamp window.
 */

import { headerReader } from './headers.js'
import { getScheme } from './schemes/registry.js'
import { DEFAULT_TOLERANCE_SECONDS } from './schemes/scheme.js'
import { hmacOptions, secretList } from './sign.js'
import { toUnixSeconds } from './time.js'
import type { VerifiedWebhook, VerifyOptions } from './types.js'

/**
 * Verifies a webhook: resolves with its id and timestamp when authentic, throws
 * `WebhookVerificationError` (check its `code`) otherwise. Pass the raw body exactly as received;
 * with several secrets (rotation), any match passes. Timestamps are accepted within
 * `toleranceSeconds` (300) in both directions.
 *
 * @example
 * ```ts
 * const { id } = await verify({
 *   scheme: 'standard-webhooks',
 *   secret: process.env.WEBHOOK_SECRET!,
 *   payload: rawBody,
 *   headers: req.headers,
 * })
 * ```
 */
export async function verify(options: VerifyOptions): Promise<VerifiedWebhook> {
  const scheme = getScheme(options.scheme)
  const toleranceSeconds = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS
  if (!(toleranceSeconds >= 0)) throw new TypeError('toleranceSeconds must be a number >= 0')
  return scheme.verify({
    secrets: secretList(options.secret),
    payload: options.payload,
    header: headerReader(options.headers),
    url: options.url,
    toleranceSeconds,
    nowSeconds: toUnixSeconds(options.now),
    options: hmacOptions(options),
  })
}
