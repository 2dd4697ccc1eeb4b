import {
  type Destination,
  InvalidDestinationError,
  isEncrypted,
  parseDestination,
} from '../core/destination-url.js'
import { ValidationError } from '../core/errors.js'
import type { AddressGuard } from '../delivery/network-guard.js'

/** Headers Hookline sets itself; an endpoint may not override them. */
const RESERVED_HEADERS = new Set([
  'content-type',
  'content-length',
  'host',
  'connection',
  'transfer-encoding',
  'user-agent',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  // Redis stream entries carry the body in this field; JetStream dedupes on this header.
  'body',
  'nats-msg-id',
])

/**
 * Checks what the JSON Schema cannot: the URL parses into a destination (http(s) or a broker,
 * with every broker parameter valid), its transport is encrypted when HOOKLINE_REQUIRE_HTTPS is
 * set, and (unless private networks are allowed) it does not name a forbidden address
 * literally. Host names are checked again after DNS resolution at every attempt.
 */
export function checkEndpointUrl(url: string, guard: AddressGuard): void {
  const invalid = (message: string) => new ValidationError('invalid endpoint', [{ path: '/url', message }])
  let destination: Destination
  try {
    destination = parseDestination(url)
  } catch (error) {
    if (error instanceof InvalidDestinationError) throw invalid(error.message)
    throw error
  }
  if (guard.requireHttps && !isEncrypted(destination)) {
    throw invalid(
      'must use an encrypted transport (https://, amqps://, rediss:// or nats://…?tls=true) because HOOKLINE_REQUIRE_HTTPS is set',
    )
  }
  try {
    guard.checkUrlHost(destination.kind === 'http' ? new URL(url).hostname : destination.address.host)
  } catch {
    throw invalid(
      'points to a loopback, private or reserved address (allow it with HOOKLINE_ALLOWED_NETWORKS or HOOKLINE_ALLOW_PRIVATE_NETWORKS)',
    )
  }
}

export function checkEndpointHeaders(headers: Record<string, string> | undefined): void {
  if (headers === undefined) return
  const errors = Object.keys(headers)
    .filter((name) => RESERVED_HEADERS.has(name.toLowerCase()))
    .map((name) => ({ path: `/headers/${name}`, message: 'is set by Hookline and cannot be overridden' }))
  if (errors.length > 0) throw new ValidationError('invalid endpoint headers', errors)
}
