/**
 * Option types shared by `sign`, `verify` and the receiver.
 */

import type { Payload } from './encoding.js'
import type { HeadersInput } from './headers.js'

/** Every signature scheme the SDK implements. */
export type SchemeName = 'standard-webhooks' | 'stripe' | 'github' | 'shopify' | 'slack' | 'twilio' | 'hmac'

/** One secret, or several during a rotation (any one matching passes; `sign` signs with all it can). */
export type SecretInput = string | readonly string[]

/** Form parameters for Twilio: a value per name, or several for a repeated name. */
export type FormParams = Readonly<Record<string, string | readonly string[]>>

/** Algorithms of the generic `hmac` scheme. */
export type HmacAlgorithm = 'sha256' | 'sha512' | 'sha1'

/** Signature encodings of the generic `hmac` scheme. */
export type SignatureEncoding = 'hex' | 'base64'

/**
 * Options of the generic `hmac` scheme (ignored by the others). Defaults: header
 * `x-webhook-signature`, `sha256`, `hex`, no prefix, no timestamp, content `{body}` (or
 * `{timestamp}.{body}` when `timestampHeader` is set), secret used as its UTF-8 bytes.
 * Twilio reads `algorithm: 'sha256'` for HMAC_SHA256 signing.
 *
 * @example
 * ```ts
 * // "X-Acme-Signature: sha256=<hex>" over "<timestamp>.<body>"
 * await verify({
 *   scheme: 'hmac', secret, payload, headers,
 *   header: 'X-Acme-Signature', prefix: 'sha256=', timestampHeader: 'X-Acme-Timestamp',
 * })
 * ```
 */
export interface HmacSchemeOptions {
  /** Header carrying the signature. */
  header?: string
  algorithm?: HmacAlgorithm
  encoding?: SignatureEncoding
  /** Text before the signature in the header, e.g. `sha256=`. */
  prefix?: string
  /** Header carrying a unix-seconds timestamp; when set, it is required and checked against the window. */
  timestampHeader?: string
  /** Header carrying a message id (returned by `verify`, used for dedupe). */
  idHeader?: string
  /** Signed content with placeholders `{id}`, `{timestamp}`, `{url}` and `{body}` (the raw bytes). */
  template?: string
  /** How to turn the secret string into key bytes. */
  secretEncoding?: 'utf8' | 'hex' | 'base64'
}

/**
 * Input of `sign`.
 *
 * @example
 * ```ts
 * const options: SignOptions = { scheme: 'stripe', secret: 'whsec_…', payload: body, timestamp: new Date() }
 * ```
 */
export interface SignOptions extends HmacSchemeOptions {
  scheme: SchemeName
  secret: SecretInput
  /** The exact bytes that will be sent as the body. */
  payload: Payload
  /** Message id (Standard Webhooks `webhook-id`; generated when absent). */
  id?: string
  /** Unix seconds or a `Date`; defaults to now. */
  timestamp?: number | Date
  /** Full request URL (Twilio signs it). */
  url?: string
  /** Twilio form parameters; parsed from a form-encoded `payload` when absent. */
  params?: FormParams
}

/**
 * Input of `verify`.
 *
 * @example
 * ```ts
 * const options: VerifyOptions = { scheme: 'slack', secret, payload: rawBody, headers: request.headers }
 * ```
 */
export interface VerifyOptions extends HmacSchemeOptions {
  scheme: SchemeName
  secret: SecretInput
  /** The raw body exactly as received (never re-serialised JSON). */
  payload: Payload
  headers: HeadersInput
  /** Full public request URL (required by Twilio). */
  url?: string
  /** Allowed clock difference in both directions; 300 s by default for schemes with a timestamp. */
  toleranceSeconds?: number
  /** The current time (unix seconds or a `Date`), for deterministic tests. */
  now?: number | Date
}

/** What `verify` learned from an authentic webhook. */
export interface VerifiedWebhook {
  /** The provider's message id, when the scheme has one: the idempotency key. */
  id?: string
  /** The signed timestamp (unix seconds), when the scheme has one. */
  timestamp?: number
}
