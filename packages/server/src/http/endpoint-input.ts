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
])

/**
 * Checks what the JSON Schema cannot: the URL parses, uses http(s), and (unless private
 * networks are allowed) does not name a forbidden address literally. Host names are checked
 * again after DNS resolution at every attempt, by the sender.
 */
export function checkEndpointUrl(url: string, guard: AddressGuard): void {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new ValidationError('invalid endpoint', [{ path: '/url', message: 'is not a valid URL' }])
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ValidationError('invalid endpoint', [
      { path: '/url', message: 'must be an http:// or https:// URL' },
    ])
  }
  if (parsed.hash !== '') {
    throw new ValidationError('invalid endpoint', [{ path: '/url', message: 'must not contain a #fragment' }])
  }
  if (guard.requireHttps && parsed.protocol !== 'https:') {
    throw new ValidationError('invalid endpoint', [
      { path: '/url', message: 'must be an https:// URL (HOOKLINE_REQUIRE_HTTPS is set)' },
    ])
  }
  try {
    guard.checkUrlHost(parsed.hostname)
  } catch {
    throw new ValidationError('invalid endpoint', [
      {
        path: '/url',
        message:
          'points to a loopback, private or reserved address (allow it with HOOKLINE_ALLOWED_NETWORKS or HOOKLINE_ALLOW_PRIVATE_NETWORKS)',
      },
    ])
  }
}

export function checkEndpointHeaders(headers: Record<string, string> | undefined): void {
  if (headers === undefined) return
  const errors = Object.keys(headers)
    .filter((name) => RESERVED_HEADERS.has(name.toLowerCase()))
    .map((name) => ({ path: `/headers/${name}`, message: 'is set by Hookline and cannot be overridden' }))
  if (errors.length > 0) throw new ValidationError('invalid endpoint headers', errors)
}
