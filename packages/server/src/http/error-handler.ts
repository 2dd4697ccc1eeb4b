import type { FastifyError, FastifyInstance } from 'fastify'
import { type FieldError, HooklineError, ValidationError } from '../core/errors.js'
import { problem, sendProblem } from './problem.js'
import { RateLimitedError } from './rate-limiter.js'

interface AjvError {
  instancePath?: string
  message?: string
  keyword?: string
  params?: Record<string, unknown>
}

/** Ajv's errors as `{path, message}` with JSON pointers that name the offending field. */
export function fieldErrors(errors: readonly AjvError[], prefix = ''): FieldError[] {
  return errors.map((error) => {
    let path = `${prefix}${error.instancePath ?? ''}`
    const params = error.params ?? {}
    if (error.keyword === 'required' && typeof params.missingProperty === 'string') {
      path += `/${params.missingProperty}`
    }
    if (error.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
      path += `/${params.additionalProperty}`
      return { path, message: 'unknown field' }
    }
    return { path: path === '' ? '/' : path, message: error.message ?? 'is invalid' }
  })
}

/**
 * The one place errors become responses. Known errors keep their status and message; anything
 * else is a 500 whose body says nothing about internals (the log has the stack).
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof RateLimitedError) reply.header('retry-after', String(error.retryAfterSeconds))
    if (error instanceof HooklineError) {
      const errors = error instanceof ValidationError ? error.errors : undefined
      return sendProblem(reply, problem(error.status, error.code, error.message, errors))
    }
    if (error.validation) {
      const context = error.validationContext ?? 'body'
      const prefix = context === 'body' ? '' : `${context}:`
      const errors = fieldErrors(error.validation as AjvError[], prefix)
      const status = context === 'body' ? 422 : 400
      return sendProblem(
        reply,
        problem(status, 'validation_failed', `the request ${context} is invalid`, errors),
      )
    }
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return sendProblem(
          reply,
          problem(413, 'payload_too_large', 'the request body exceeds the configured limit'),
        )
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return sendProblem(reply, problem(415, 'unsupported_media_type', 'send the body as application/json'))
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return sendProblem(reply, problem(400, 'invalid_json', 'the request body is not valid JSON'))
    }
    if (error instanceof SyntaxError || error.statusCode === 400) {
      return sendProblem(reply, problem(400, 'bad_request', 'the request could not be parsed'))
    }
    if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      return sendProblem(reply, problem(error.statusCode, 'bad_request', 'the request was rejected'))
    }
    request.log.error({ err: error }, 'unhandled error')
    return sendProblem(
      reply,
      problem(500, 'internal_error', 'an internal error occurred; see the server log'),
    )
  })

  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      problem(404, 'not_found', `no route for ${request.method} ${request.url.split('?')[0]}`),
    ),
  )
}
