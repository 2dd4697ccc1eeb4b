import { expect } from 'vitest'
import { WebhookVerificationError, type WebhookVerificationErrorCode } from '../src/errors.js'

/** Awaits a promise that must reject with a `WebhookVerificationError` of `code`, and returns it. */
export async function expectVerificationError(
  promise: Promise<unknown>,
  code: WebhookVerificationErrorCode,
  mustNotContain: readonly string[] = [],
): Promise<WebhookVerificationError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(WebhookVerificationError)
  const verificationError = error as WebhookVerificationError
  expect(verificationError.code).toBe(code)
  for (const text of mustNotContain) {
    expect(verificationError.message).not.toContain(text)
    expect(String(verificationError.stack)).not.toContain(text)
  }
  return verificationError
}

/** The unix seconds of now, fixed for a test. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000)
}
