/**
 * One error hierarchy for the server: a stable string `code` for programs and tests, an HTTP
 * `status` for the one place (http/error-handler.ts) that turns errors into problem+json.
 * Messages are shown to API clients, so they never contain secrets, signatures or payloads.
 */

export interface FieldError {
  /** JSON pointer into the request (`/data/order_id`), or the query parameter name. */
  path: string
  message: string
}

export class HooklineError extends Error {
  readonly code: string
  readonly status: number

  constructor(code: string, status: number, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
    this.status = status
  }
}

export class ValidationError extends HooklineError {
  readonly errors: FieldError[]

  constructor(message: string, errors: FieldError[], status = 422) {
    super('validation_failed', status, message)
    this.errors = errors
  }
}

export class NotFoundError extends HooklineError {
  constructor(what: string, id: string) {
    super('not_found', 404, `${what} ${JSON.stringify(id)} does not exist`)
  }
}

export class ConflictError extends HooklineError {
  constructor(message: string) {
    super('conflict', 409, message)
  }
}

export class UnauthorizedError extends HooklineError {
  constructor(message = 'a valid API key is required: send "Authorization: Bearer <key>"') {
    super('unauthorized', 401, message)
  }
}

/** The store is unreachable or refused the operation for a transient reason. */
export class UnavailableError extends HooklineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('unavailable', 503, message, options)
  }
}
