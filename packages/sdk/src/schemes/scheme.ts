/**
 * The internal contract every scheme implements, and the checks they share. `sign` and `verify`
 * normalise their input once (secrets to an array, time to unix seconds, headers to a reader)
 * so a scheme only deals with its own wire format.
 */

import type { Payload } from '../encoding.js'
import { MalformedHeaderError, MissingHeaderError, TimestampOutOfRangeError } from '../errors.js'
import type { HeaderReader } from '../headers.js'
import type { FormParams, HmacSchemeOptions, SchemeName, VerifiedWebhook } from '../types.js'

export interface SignContext {
  /** At least one secret; the first is the current one (single-signature schemes use only it). */
  secrets: readonly string[]
  payload: Payload
  id: string | undefined
  timestampSeconds: number
  url: string | undefined
  params: FormParams | undefined
  options: HmacSchemeOptions
}

export interface VerifyContext {
  secrets: readonly string[]
  payload: Payload
  header: HeaderReader
  url: string | undefined
  toleranceSeconds: number
  nowSeconds: number
  options: HmacSchemeOptions
}

export interface WebhookScheme {
  readonly name: SchemeName
  sign(context: SignContext): Promise<Record<string, string>>
  /** Resolves for an authentic webhook; throws `WebhookVerificationError` otherwise. */
  verify(context: VerifyContext): Promise<VerifiedWebhook>
}

/**
 * Signature entries considered per header. Rotation needs two; the cap stops a forged header
 * with thousands of entries from costing thousands of HMACs or Ed25519 checks.
 */
export const MAX_SIGNATURES_PER_HEADER = 10

/** The Standard Webhooks, Stripe and Slack window: five minutes. */
export const DEFAULT_TOLERANCE_SECONDS = 300

export function requireHeader(header: HeaderReader, name: string): string {
  const value = header(name)
  if (value === undefined) throw new MissingHeaderError(name)
  return value
}

/** Parses a unix-seconds header value; anything but plain digits is malformed. */
export function parseUnixSeconds(headerName: string, value: string): number {
  if (!/^\d{1,12}$/.test(value)) throw new MalformedHeaderError(headerName, 'timestamp is not unix seconds')
  return Number(value)
}

/** Rejects timestamps more than `toleranceSeconds` in the past or in the future. */
export function checkTimestamp(timestampSeconds: number, context: VerifyContext): void {
  const skewSeconds = context.nowSeconds - timestampSeconds
  if (Math.abs(skewSeconds) > context.toleranceSeconds) {
    throw new TimestampOutOfRangeError(skewSeconds, context.toleranceSeconds)
  }
}

/** A fresh random id for schemes that sign one, e.g. `msg_3f9a…`. */
export function randomMessageId(prefix: string): string {
  const random = new Uint8Array(12)
  globalThis.crypto.getRandomValues(random)
  let out = prefix
  for (const byte of random) out += byte.toString(16).padStart(2, '0')
  return out
}

/** The `id` field of a JSON body (Stripe events, Slack `event_id`), without failing on non-JSON. */
export function jsonStringField(text: string, field: string): string | undefined {
  if (!text.startsWith('{')) return undefined
  try {
    const value: unknown = JSON.parse(text)
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const fieldValue = (value as Record<string, unknown>)[field]
      if (typeof fieldValue === 'string' && fieldValue !== '') return fieldValue
    }
  } catch {
    // Not JSON: the scheme simply has no id for this message.
  }
  return undefined
}
