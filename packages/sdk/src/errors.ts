/**
 * Every error the SDK throws on purpose extends {@link HooklineError}: a stable string `code` for
 * programs and an HTTP `status` for servers that map errors to responses. Messages never contain
 * secrets, signatures, tokens or payloads.
 */

/**
 * Base class of the SDK's errors.
 *
 * @example
 * ```ts
 * try {
 *   await verify({ scheme: 'github', secret, payload, headers })
 * } catch (error) {
 *   if (error instanceof HooklineError) console.log(error.code, error.status)
 * }
 * ```
 */
export class HooklineError extends Error {
  /** Stable, machine-readable reason (`bad_signature`, `http_error`, …). */
  readonly code: string
  /** The HTTP status a server should answer with for this failure. */
  readonly status: number

  constructor(code: string, status: number, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
    this.status = status
  }
}

/** Why a webhook failed verification. */
export type WebhookVerificationErrorCode =
  | 'missing_header'
  | 'malformed_header'
  | 'bad_signature'
  | 'timestamp_out_of_range'
  | 'invalid_secret'
  | 'unsupported_scheme'

// A configuration problem (bad secret, unknown scheme) is the receiver's fault, not the sender's.
const statusByCode: Record<WebhookVerificationErrorCode, number> = {
  missing_header: 401,
  malformed_header: 401,
  bad_signature: 401,
  timestamp_out_of_range: 401,
  invalid_secret: 500,
  unsupported_scheme: 500,
}

/**
 * Thrown by `verify` (and by `sign` for a bad secret or scheme). Check `code`, not the message.
 *
 * @example
 * ```ts
 * try {
 *   await verify({ scheme: 'standard-webhooks', secret, payload, headers })
 * } catch (error) {
 *   if (error instanceof WebhookVerificationError && error.code === 'timestamp_out_of_range') {
 *     // a replay, or a clock far off
 *   }
 * }
 * ```
 */
export class WebhookVerificationError extends HooklineError {
  declare readonly code: WebhookVerificationErrorCode

  constructor(code: WebhookVerificationErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, statusByCode[code], message, options)
  }
}

/**
 * A signature header is absent.
 *
 * @example
 * ```ts
 * if (error instanceof MissingHeaderError) console.log(error.code) // 'missing_header'
 * ```
 */
export class MissingHeaderError extends WebhookVerificationError {
  constructor(header: string) {
    super('missing_header', `Missing required header ${header}`)
  }
}

/**
 * A signature or timestamp header is present but cannot be parsed.
 *
 * @example
 * ```ts
 * if (error instanceof MalformedHeaderError) console.log(error.code) // 'malformed_header'
 * ```
 */
export class MalformedHeaderError extends WebhookVerificationError {
  constructor(header: string, reason: string) {
    super('malformed_header', `Malformed header ${header}: ${reason}`)
  }
}

/**
 * No signature matched any of the secrets.
 *
 * @example
 * ```ts
 * if (error instanceof SignatureMismatchError) console.log(error.code) // 'bad_signature'
 * ```
 */
export class SignatureMismatchError extends WebhookVerificationError {
  constructor(detail = 'No signature matches the payload and secret') {
    super('bad_signature', detail)
  }
}

/**
 * The signed timestamp is outside the tolerance window (in either direction).
 *
 * @example
 * ```ts
 * if (error instanceof TimestampOutOfRangeError) console.log(error.code) // 'timestamp_out_of_range'
 * ```
 */
export class TimestampOutOfRangeError extends WebhookVerificationError {
  constructor(skewSeconds: number, toleranceSeconds: number) {
    const direction = skewSeconds > 0 ? 'too old' : 'in the future'
    super(
      'timestamp_out_of_range',
      `Webhook timestamp is ${direction} by ${Math.abs(skewSeconds)} s (tolerance ${toleranceSeconds} s)`,
    )
  }
}

/**
 * The configured secret has the wrong format for the scheme (never quoted in the message).
 *
 * @example
 * ```ts
 * if (error instanceof InvalidSecretError) console.log(error.code) // 'invalid_secret'
 * ```
 */
export class InvalidSecretError extends WebhookVerificationError {
  constructor(reason: string, options?: { cause?: unknown }) {
    super('invalid_secret', `Invalid secret: ${reason}`, options)
  }
}

/**
 * The scheme name is not one the SDK knows.
 *
 * @example
 * ```ts
 * if (error instanceof UnsupportedSchemeError) console.log(error.code) // 'unsupported_scheme'
 * ```
 */
export class UnsupportedSchemeError extends WebhookVerificationError {
  constructor(scheme: unknown) {
    const shown = typeof scheme === 'string' ? JSON.stringify(scheme.slice(0, 40)) : typeof scheme
    super('unsupported_scheme', `Unsupported webhook scheme ${shown}`)
  }
}

/**
 * A broker message passed verification but its body is not JSON. Hookline never sends one; a
 * publisher holding the secret did. Not a verification failure, but no redelivery can fix it
 * either (`isInvalidMessageError` says `true`). The message text never quotes the body.
 *
 * @example
 * ```ts
 * if (error instanceof UnparseableBodyError) console.log(error.code) // 'unparseable_body'
 * ```
 */
export class UnparseableBodyError extends HooklineError {
  constructor() {
    super('unparseable_body', 400, 'Message body is not valid JSON')
  }
}

/** One field-level problem of a validation error (`errors` of a 422). */
export interface ApiFieldError {
  path: string
  message: string
}

/** The RFC 9457 problem details the Hookline API answers errors with. */
export interface ProblemDetails {
  type?: string
  title?: string
  status?: number
  detail?: string
  errors?: ApiFieldError[]
  [extension: string]: unknown
}

/**
 * The Hookline API answered with an error status. Carries the problem+json fields; `code` is
 * the problem's `code` extension when present, else `http_<status>`.
 *
 * @example
 * ```ts
 * try {
 *   await client.events.publish({ type: 'order.shipped', data: {} })
 * } catch (error) {
 *   if (error instanceof HooklineApiError && error.status === 422) console.log(error.errors)
 * }
 * ```
 */
export class HooklineApiError extends HooklineError {
  readonly type: string
  readonly title: string
  readonly detail: string | undefined
  readonly errors: ApiFieldError[]
  /** The full problem document, extensions included. */
  readonly problem: ProblemDetails

  constructor(status: number, problem: ProblemDetails) {
    const title = typeof problem.title === 'string' ? problem.title : `HTTP ${status}`
    const detail = typeof problem.detail === 'string' ? problem.detail : undefined
    const code = typeof problem.code === 'string' ? problem.code : `http_${status}`
    super(code, status, detail ? `${title}: ${detail}` : title)
    this.type = typeof problem.type === 'string' ? problem.type : 'about:blank'
    this.title = title
    this.detail = detail
    this.errors = Array.isArray(problem.errors) ? problem.errors : []
    this.problem = problem
  }
}

/**
 * The Hookline API could not be reached (connection refused, reset, DNS) or did not answer in
 * time (`code` `timeout`), after all retries.
 *
 * @example
 * ```ts
 * if (error instanceof HooklineNetworkError) console.log(error.code) // 'network_error' or 'timeout'
 * ```
 */
export class HooklineNetworkError extends HooklineError {
  constructor(code: 'network_error' | 'timeout', message: string, options?: { cause?: unknown }) {
    super(code, code === 'timeout' ? 504 : 502, message, options)
  }
}
