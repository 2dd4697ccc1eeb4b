import { type VerifyOptions, verify, type WebhookVerificationError } from '@hookline/sdk'
import type { CapturedRequest } from './captured-request.js'

/**
 * Why a captured request fails verification, in plain words. The SDK says what failed (its
 * `code`); this re-runs `verify` with one thing changed at a time (no window, no trailing
 * newline, compact JSON, …) to say what would have made it pass, so the user knows what to fix.
 */

export interface Diagnosis {
  code: string
  reason: string
  details: string[]
  hint?: string
}

/** The header each scheme signs into, to spot a request verified with the wrong --scheme. */
const SIGNATURE_HEADERS: ReadonlyArray<readonly [header: string, scheme: string]> = [
  ['webhook-signature', 'standard-webhooks'],
  ['svix-signature', 'standard-webhooks'],
  ['stripe-signature', 'stripe'],
  ['x-hub-signature-256', 'github'],
  ['x-shopify-hmac-sha256', 'shopify'],
  ['x-slack-signature', 'slack'],
  ['x-twilio-signature', 'twilio'],
]

/** "This request carries Stripe-Signature: try --scheme stripe", when another scheme fits. */
export function schemeSuggestion(request: CapturedRequest, scheme: string): string | undefined {
  for (const [header, candidate] of SIGNATURE_HEADERS) {
    if (candidate !== scheme && request.headers[header] !== undefined) {
      return `This request carries ${header}: try --scheme ${candidate}.`
    }
  }
  if (scheme === 'hmac') {
    const signatureHeader = Object.keys(request.headers).find((name) => /signature|hmac/.test(name))
    if (signatureHeader) return `It has a ${signatureHeader} header: try --header ${signatureHeader}.`
  }
  return undefined
}

async function passes(options: VerifyOptions) {
  try {
    return await verify(options)
  } catch {
    return undefined
  }
}

const sentence = (message: string) => message.charAt(0).toLowerCase() + message.slice(1)

/** Bodies that differ from the captured one in the ways captures usually get damaged. */
function bodyVariants(body: Uint8Array): Array<{ body: Uint8Array; fix: string }> {
  const text = Buffer.from(body).toString('utf8')
  const variants: Array<{ body: string; fix: string }> = []
  if (/\r?\n$/.test(text)) {
    variants.push({
      body: text.replace(/\r?\n$/, ''),
      fix: 'it passes without the newline at the end of the body: the capture added one (editors do)',
    })
  }
  if (text.includes('\r\n')) {
    variants.push({
      body: text.replace(/\r\n/g, '\n'),
      fix: 'it passes with LF line endings in the body: the capture converted them to CRLF',
    })
  } else if (text.includes('\n')) {
    variants.push({
      body: text.replace(/\n/g, '\r\n'),
      fix: 'it passes with CRLF line endings in the body: the capture converted them to LF',
    })
  }
  try {
    const compact = JSON.stringify(JSON.parse(text))
    if (compact !== text && compact !== text.trimEnd()) {
      variants.push({
        body: compact,
        fix: 'it passes with the JSON compacted: the body was re-formatted after it was signed',
      })
    }
  } catch {
    // Not JSON: nothing to compact.
  }
  return variants.map((variant) => ({ body: new Uint8Array(Buffer.from(variant.body)), fix: variant.fix }))
}

async function diagnoseTimestamp(
  error: Error,
  options: VerifyOptions,
  nowSeconds: number,
): Promise<Diagnosis> {
  const toleranceSeconds = options.toleranceSeconds ?? 300
  const details: string[] = []
  // Without a window, verify returns the signed timestamp and tells whether the signature holds.
  const unbounded = await passes({ ...options, toleranceSeconds: Number.MAX_SAFE_INTEGER })
  let reason = sentence(error.message)
  let hint = 'A replayed request, an old capture or a clock far off.'
  if (unbounded?.timestamp !== undefined) {
    const ageSeconds = nowSeconds - unbounded.timestamp
    reason =
      ageSeconds > 0
        ? `timestamp is ${ageSeconds} s old; the window is ${toleranceSeconds} s`
        : `timestamp is ${-ageSeconds} s in the future; the window is ${toleranceSeconds} s`
    details.push(
      `signed at ${new Date(unbounded.timestamp * 1000).toISOString()} (unix ${unbounded.timestamp})`,
    )
    details.push('the signature itself is valid')
    hint += ` To check an old capture anyway, pass --now ${unbounded.timestamp} (or --tolerance ${Math.abs(ageSeconds)}).`
  } else {
    details.push('the signature does not match either (checked without the window)')
  }
  return { code: 'timestamp_out_of_range', reason, details, hint }
}

async function diagnoseSignature(request: CapturedRequest, options: VerifyOptions): Promise<Diagnosis> {
  const secrets = typeof options.secret === 'string' ? 1 : options.secret.length
  const details = [
    `checked ${request.body.length} body bytes against ${secrets} secret${secrets === 1 ? '' : 's'}`,
  ]
  for (const variant of bodyVariants(request.body)) {
    if (await passes({ ...options, payload: variant.body })) {
      return {
        code: 'bad_signature',
        reason: 'signature mismatch: the body was changed',
        details: [...details, variant.fix],
      }
    }
  }
  let hint =
    'Check the secret (for a Hookline endpoint: `hookline endpoints secret ep_…`) and that the body is byte for byte what was sent.'
  if (options.scheme === 'twilio')
    hint = `Twilio signs the URL too: check --url is exactly the URL it called. ${hint}`
  const suggestion = schemeSuggestion(request, options.scheme)
  if (suggestion) hint = `${suggestion} ${hint}`
  return {
    code: 'bad_signature',
    reason: 'signature mismatch: no signature matches this body and secret',
    details,
    hint,
  }
}

const SECRET_FORMATS: Record<string, string> = {
  'standard-webhooks':
    'Standard Webhooks secrets are whsec_ followed by base64 (or whsk_/whpk_ Ed25519 keys).',
  hmac: 'With --secret-encoding hex or base64 the secret must be valid in that encoding.',
}

/** Explains a verification failure; `error` is what `verify` threw for `options`. */
export async function diagnose(
  error: WebhookVerificationError,
  request: CapturedRequest,
  options: VerifyOptions,
  nowSeconds: number,
): Promise<Diagnosis> {
  const present = Object.keys(request.headers)
  switch (error.code) {
    case 'missing_header': {
      const name = /header (\S+)$/i.exec(error.message)?.[1]
      return {
        code: error.code,
        reason: name ? `header ${name} is missing` : sentence(error.message),
        details: [`headers present: ${present.length > 0 ? present.join(', ') : 'none'}`],
        hint:
          schemeSuggestion(request, options.scheme) ??
          'Capture the request with all its headers (e.g. your receiver logging the raw request).',
      }
    }
    case 'malformed_header': {
      const diagnosis: Diagnosis = { code: error.code, reason: sentence(error.message), details: [] }
      const suggestion = schemeSuggestion(request, options.scheme)
      if (suggestion) diagnosis.hint = suggestion
      return diagnosis
    }
    case 'timestamp_out_of_range':
      return diagnoseTimestamp(error, options, nowSeconds)
    case 'bad_signature':
      return diagnoseSignature(request, options)
    default: {
      const diagnosis: Diagnosis = { code: error.code, reason: sentence(error.message), details: [] }
      const format = SECRET_FORMATS[options.scheme]
      if (error.code === 'invalid_secret' && format) diagnosis.hint = format
      return diagnosis
    }
  }
}
