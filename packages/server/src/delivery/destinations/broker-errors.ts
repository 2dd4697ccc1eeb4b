import type { BrokerAddress } from '../../core/destination-url.js'
import { ForbiddenAddressError } from '../network-guard.js'

/** Broker errors end up in the attempt log; keep them short. */
const MAX_ERROR_LENGTH = 300

export class BrokerTimeoutError extends Error {
  constructor(what: string) {
    super(`timeout: ${what}`)
  }
}

/** Rejects with BrokerTimeoutError after `ms` unless `promise` settles first. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BrokerTimeoutError(what)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/**
 * A reason for the attempt log in the same words as HTTP failures where they apply (refused,
 * timeout, dns, ssrf_blocked), otherwise the broker's own message, prefixed with the broker's
 * name. The credentials of the destination are cut out of it whatever the library wrote.
 */
export function describeBrokerError(broker: string, error: unknown, address: BrokerAddress): string {
  if (error instanceof ForbiddenAddressError) return 'ssrf_blocked: destination address is not allowed'
  if (error instanceof BrokerTimeoutError) return error.message
  const code = (error as { code?: unknown }).code
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused'
    case 'ECONNRESET':
    case 'EPIPE':
      return 'connection reset'
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'dns lookup failed'
    case 'ETIMEDOUT':
      return 'timeout: connect'
    case 'ssrf_blocked':
      return 'ssrf_blocked: destination address is not allowed'
  }
  const message = error instanceof Error ? error.message : String(error)
  return scrub(`${broker}: ${message}`, address).slice(0, MAX_ERROR_LENGTH)
}

function scrub(text: string, address: BrokerAddress): string {
  let result = text
  for (const secret of [address.password, address.username]) {
    if (secret && secret.length >= 3) result = result.split(secret).join('***')
  }
  return result
}
