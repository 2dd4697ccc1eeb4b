import { isIP } from 'node:net'
import type { AddressGuard } from '../network-guard.js'

/**
 * Resolves a broker host once and checks it with the SSRF guard, returning the vetted address
 * to connect to (DNS cannot swap it between the check and the connect). Broker clients open
 * their own sockets, so the guard's `lookup` is used here rather than inside the socket.
 */
export function resolveGuardedHost(guard: AddressGuard, host: string): Promise<string> {
  if (isIP(host) !== 0) {
    guard.checkUrlHost(host.includes(':') ? `[${host}]` : host)
    return Promise.resolve(host)
  }
  return new Promise((resolve, reject) => {
    guard.lookup(host, { all: false }, (error, address) => {
      if (error) reject(error)
      else resolve(address as string)
    })
  })
}

/** `host:port` as broker clients want it, with IPv6 in brackets. */
export function hostPort(address: string, port: number): string {
  return isIP(address) === 6 ? `[${address}]:${port}` : `${address}:${port}`
}

/** TLS must verify the name the user wrote, not the address it resolved to. */
export function tlsServername(host: string): string | undefined {
  return isIP(host) === 0 ? host : undefined
}
