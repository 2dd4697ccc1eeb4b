import { describe, expect, it } from 'vitest'
import { type AttemptContext, decideOutcome } from './delivery-outcome.js'

const NOW = 1_700_000_000_000
const SCHEDULE = [0, 5_000, 300_000, 1_800_000]
const DAY = 86_400_000

function context(overrides: Partial<AttemptContext>): AttemptContext {
  return {
    result: { kind: 'response', statusCode: 500 },
    attemptCount: 1,
    retryScheduleMs: SCHEDULE,
    finalAttempt: false,
    endpointFailingSinceMs: null,
    disableAfterMs: 5 * DAY,
    nowMs: NOW,
    random: () => 0.5,
    ...overrides,
  }
}

describe('decideOutcome', () => {
  it.each([200, 201, 204, 299])('treats %i as success', (statusCode) => {
    expect(decideOutcome(context({ result: { kind: 'response', statusCode } }))).toEqual({
      status: 'succeeded',
    })
  })

  it.each([301, 302, 307, 308, 400, 404, 500, 502])('retries %i on the schedule', (statusCode) => {
    expect(decideOutcome(context({ result: { kind: 'response', statusCode } }))).toEqual({
      status: 'pending',
      nextAttemptAtMs: NOW + 5_000,
    })
  })

  it('uses the delay that follows the attempt just made, with jitter', () => {
    expect(decideOutcome(context({ attemptCount: 2, random: () => 0 }))).toEqual({
      status: 'pending',
      nextAttemptAtMs: NOW + 240_000,
    })
  })

  it('retries network errors and timeouts', () => {
    expect(decideOutcome(context({ result: { kind: 'error', error: 'timeout' } })).status).toBe('pending')
  })

  it('is exhausted after the last scheduled attempt', () => {
    expect(decideOutcome(context({ attemptCount: 4 }))).toEqual({ status: 'exhausted' })
  })

  it('disables the endpoint on 410 Gone', () => {
    expect(decideOutcome(context({ result: { kind: 'response', statusCode: 410 } }))).toEqual({
      status: 'failed',
      disableEndpoint: 'gone',
    })
  })

  it('honours Retry-After on 429 and 503, capped at the longest scheduled delay', () => {
    for (const statusCode of [429, 503]) {
      expect(decideOutcome(context({ result: { kind: 'response', statusCode, retryAfter: '60' } }))).toEqual({
        status: 'pending',
        nextAttemptAtMs: NOW + 60_000,
      })
      expect(
        decideOutcome(context({ result: { kind: 'response', statusCode, retryAfter: '999999' } })),
      ).toEqual({
        status: 'pending',
        nextAttemptAtMs: NOW + 1_800_000,
      })
    }
    // Retry-After on other statuses is ignored; and it never adds attempts beyond the schedule.
    const other = decideOutcome(context({ result: { kind: 'response', statusCode: 500, retryAfter: '60' } }))
    expect(other).toEqual({ status: 'pending', nextAttemptAtMs: NOW + 5_000 })
    const last = decideOutcome(
      context({ attemptCount: 4, result: { kind: 'response', statusCode: 429, retryAfter: '1' } }),
    )
    expect(last).toEqual({ status: 'exhausted' })
  })

  it('disables an endpoint that has failed without a success for the configured period', () => {
    expect(decideOutcome(context({ endpointFailingSinceMs: NOW - 5 * DAY }))).toEqual({
      status: 'failed',
      disableEndpoint: 'failing',
    })
    expect(decideOutcome(context({ endpointFailingSinceMs: NOW - 5 * DAY + 1 })).status).toBe('pending')
    // A success resets nothing here: the store clears failingSince; a success is just a success.
    expect(
      decideOutcome(
        context({ endpointFailingSinceMs: NOW - 9 * DAY, result: { kind: 'response', statusCode: 200 } }),
      ),
    ).toEqual({ status: 'succeeded' })
  })

  it('gives a manual retry exactly one attempt', () => {
    expect(decideOutcome(context({ finalAttempt: true }))).toEqual({ status: 'failed' })
    expect(
      decideOutcome(context({ finalAttempt: true, result: { kind: 'response', statusCode: 202 } })),
    ).toEqual({
      status: 'succeeded',
    })
  })
})
