import type { FastifyReply } from 'fastify'
import type { FieldError } from '../core/errors.js'

/** RFC 9457 problem details, with Hookline's stable `code` and, for validation, `errors`. */
export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  code: string
  errors?: FieldError[]
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
}

export function problem(status: number, code: string, detail: string, errors?: FieldError[]): Problem {
  const body: Problem = {
    type: `urn:hookline:problem:${code}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    code,
  }
  if (errors !== undefined) body.errors = errors
  return body
}

export function sendProblem(reply: FastifyReply, body: Problem): FastifyReply {
  return reply.status(body.status).type('application/problem+json').send(body)
}
