/**
 * `sign`: the headers a sender attaches to a webhook, for any scheme.
 */

import { InvalidSecretError } from './errors.js'
import { getScheme } from './schemes/registry.js'
import { toUnixSeconds } from './time.js'
import type { HmacSchemeOptions, SecretInput, SignOptions } from './types.js'

/** Secrets as a non-empty array of non-empty strings; `InvalidSecretError` otherwise. */
export function secretList(secret: SecretInput): readonly string[] {
  const secrets = typeof secret === 'string' ? [secret] : secret
  if (!Array.isArray(secrets) || secrets.length === 0) throw new InvalidSecretError('no secret given')
  for (const item of secrets) {
    if (typeof item !== 'string' || item === '')
      throw new InvalidSecretError('a secret must be a non-empty string')
  }
  return secrets
}

export function hmacOptions(options: HmacSchemeOptions): HmacSchemeOptions {
  const { header, algorithm, encoding, prefix, timestampHeader, idHeader, template, secretEncoding } = options
  const picked: HmacSchemeOptions = {}
  if (header !== undefined) picked.header = header
  if (algorithm !== undefined) picked.algorithm = algorithm
  if (encoding !== undefined) picked.encoding = encoding
  if (prefix !== undefined) picked.prefix = prefix
  if (timestampHeader !== undefined) picked.timestampHeader = timestampHeader
  if (idHeader !== undefined) picked.idHeader = idHeader
  if (template !== undefined) picked.template = template
  if (secretEncoding !== undefined) picked.secretEncoding = secretEncoding
  return picked
}

/**
 * Signs a webhook and returns the headers to send with it (lower-case names). With several
 * secrets, schemes that carry several signatures (Standard Webhooks, Stripe) sign with each; the
 * others sign with the first. The `payload` must be the exact bytes you send.
 *
 * @example
 * ```ts
 * const body = JSON.stringify({ type: 'order.shipped', data: { id: 'ord_1' } })
 * const headers = await sign({ scheme: 'standard-webhooks', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', payload: body, id: 'evt_1' })
 * await fetch(url, { method: 'POST', body, headers: { ...headers, 'content-type': 'application/json' } })
 * ```
 */
export async function sign(options: SignOptions): Promise<Record<string, string>> {
  const scheme = getScheme(options.scheme)
  return scheme.sign({
    secrets: secretList(options.secret),
    payload: options.payload,
    id: options.id,
    timestampSeconds: toUnixSeconds(options.timestamp),
    url: options.url,
    params: options.params,
    options: hmacOptions(options),
  })
}
