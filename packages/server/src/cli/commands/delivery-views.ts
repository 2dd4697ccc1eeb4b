import type { Attempt, Delivery } from '@hookline/sdk'
import { type Column, formatAge, type Output, statusColour } from '../output.js'

/** How deliveries and attempts look in every command that shows them. */

/** The server's delivery carries a summary of its last attempt beyond the SDK's type. */
export type DeliveryView = Delivery & {
  attemptCount?: number
  lastStatusCode?: number | null
  lastError?: string | null
}

/** "HTTP 500", "timeout", "HTTP 503: connection reset": the status and the error, said once. */
function result(statusCode: number | null | undefined, error: string | null | undefined): string {
  const status = statusCode == null ? undefined : `HTTP ${statusCode}`
  if (!error) return status ?? '-'
  if (status === undefined || error.startsWith(status)) return error
  return `${status}: ${error}`
}

const lastResult = (delivery: DeliveryView) => result(delivery.lastStatusCode, delivery.lastError)

export const deliveryColumns: ReadonlyArray<Column<DeliveryView>> = [
  { header: 'ID', value: (delivery) => delivery.id },
  { header: 'EVENT', value: (delivery) => delivery.eventId },
  { header: 'ENDPOINT', value: (delivery) => delivery.endpointId },
  {
    header: 'STATUS',
    value: (delivery) => delivery.status,
    colour: (delivery) => statusColour(delivery.status),
  },
  {
    header: 'ATTEMPTS',
    value: (delivery) => String(delivery.attemptCount ?? delivery.attempts?.length ?? '-'),
  },
  { header: 'LAST RESULT', value: lastResult, maxWidth: 40 },
  {
    header: 'NEXT ATTEMPT',
    value: (delivery) => (delivery.status === 'pending' ? formatAge(delivery.nextAttemptAt) : '-'),
  },
  { header: 'AGE', value: (delivery) => formatAge(delivery.createdAt) },
]

export const attemptColumns: ReadonlyArray<Column<Attempt>> = [
  { header: 'ATTEMPT', value: (attempt) => attempt.id },
  { header: 'AT', value: (attempt) => attempt.at },
  { header: 'RESULT', value: (attempt) => attempt.status, colour: (attempt) => statusColour(attempt.status) },
  { header: 'HTTP', value: (attempt) => (attempt.statusCode === null ? '-' : String(attempt.statusCode)) },
  { header: 'LATENCY', value: (attempt) => `${attempt.durationMs} ms` },
  {
    header: 'ERROR',
    // "HTTP 500" would repeat the HTTP column; "HTTP 302 (redirects are not followed)" would not.
    value: (attempt) => (attempt.error === `HTTP ${attempt.statusCode}` ? '' : (attempt.error ?? '')),
    maxWidth: 60,
  },
]

/**
 * "succeeded: HTTP 204 in 12 ms", "failed: timeout in 15000 ms", or for a broker destination
 * what it acknowledged ("succeeded: JetStream ack: stream "ORDERS", sequence 42 in 3 ms").
 */
export function describeAttempt(attempt: Attempt, output: Output): string {
  const outcome = result(attempt.statusCode, attempt.error)
  const status = output.paint(attempt.status, statusColour(attempt.status))
  const acknowledged =
    attempt.status === 'succeeded' && attempt.statusCode === null ? attempt.responseBody : null
  const said = outcome !== '-' ? outcome : (acknowledged ?? 'no response')
  return `${status}: ${said} in ${attempt.durationMs} ms`
}

/** The fields and attempts of one delivery, as `deliveries show` and `endpoints test` print it. */
export function printDelivery(delivery: DeliveryView, output: Output): void {
  output.line(`Delivery ${output.paint(delivery.id, 'bold')}`)
  const pairs: Array<[string, string]> = [
    ['status', output.paint(delivery.status, statusColour(delivery.status))],
    ['event', delivery.eventId],
    ['endpoint', delivery.endpointId],
  ]
  if (delivery.status === 'pending' && delivery.nextAttemptAt) {
    pairs.push(['next attempt', `${delivery.nextAttemptAt} (${formatAge(delivery.nextAttemptAt)})`])
  }
  if (delivery.createdAt) pairs.push(['created', delivery.createdAt])
  output.fields(pairs)
  const attempts = delivery.attempts ?? []
  output.line()
  if (attempts.length === 0) {
    output.line('No attempts yet.')
    return
  }
  output.table(attemptColumns, attempts)
  const last = attempts[attempts.length - 1]
  if (last?.responseBody) {
    output.line()
    output.line(`Response body of the last attempt (${last.responseBody.length} characters kept):`)
    output.line(last.responseBody)
  }
}
