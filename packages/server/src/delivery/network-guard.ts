import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { BlockList, isIP } from 'node:net'

/**
 * Outbound requests must not reach the gateway's own network (loopback, private ranges, cloud
 * metadata at 169.254.169.254, …) unless the operator allows it. Two checks:
 * - an IP-literal host is checked before connecting (`checkUrlHost`);
 * - a host name is resolved once by `pinnedLookup`, every resolved address is checked, and
 *   the connection goes to the vetted address itself, so DNS rebinding cannot swap it.
 * The WHATWG URL parser already turns odd IPv4 spellings (`2130706433`, `0x7f.1`) into the
 * dotted form, so only canonical addresses reach these checks.
 */

const FORBIDDEN_V4: [string, number][] = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4], // includes 255.255.255.255
]

const FORBIDDEN_V6: [string, number][] = [
  ['::', 128],
  ['::1', 128],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
]

const forbidden = new BlockList()
for (const [network, prefix] of FORBIDDEN_V4) forbidden.addSubnet(network, prefix, 'ipv4')
for (const [network, prefix] of FORBIDDEN_V6) forbidden.addSubnet(network, prefix, 'ipv6')

/**
 * The operator's exceptions: everything (`HOOKLINE_ALLOW_PRIVATE_NETWORKS`), specific networks
 * (`HOOKLINE_ALLOWED_NETWORKS`), and whether plain http is refused (`HOOKLINE_REQUIRE_HTTPS`).
 */
export interface NetworkPolicy {
  allowPrivateNetworks: boolean
  allowedNetworks: readonly string[]
  requireHttps: boolean
}

export const STRICT_POLICY: NetworkPolicy = {
  allowPrivateNetworks: false,
  allowedNetworks: [],
  requireHttps: false,
}

/** Parses `10.1.0.0/16` or `fd00::/8`; throws with a reason on anything else. */
export function parseCidr(text: string): { network: string; prefix: number; family: 'ipv4' | 'ipv6' } {
  const [network = '', prefixText = ''] = text.trim().split('/')
  const family = isIP(network)
  const prefix = Number(prefixText)
  const max = family === 4 ? 32 : 128
  if (family === 0 || !/^\d{1,3}$/.test(prefixText) || prefix > max) {
    throw new Error(`"${text}" is not a network in CIDR notation, such as 10.1.0.0/16`)
  }
  return { network, prefix, family: family === 4 ? 'ipv4' : 'ipv6' }
}

/** Decides per address, with the policy's exceptions applied before the forbidden ranges. */
export class AddressGuard {
  private readonly allowed = new BlockList()

  constructor(private readonly policy: NetworkPolicy) {
    for (const cidr of policy.allowedNetworks) {
      const { network, prefix, family } = parseCidr(cidr)
      this.allowed.addSubnet(network, prefix, family)
    }
  }

  get requireHttps(): boolean {
    return this.policy.requireHttps
  }

  isForbidden(address: string): boolean {
    if (this.policy.allowPrivateNetworks) return false
    const family = isIP(address)
    if (family !== 0) {
      const bare = address.split('%')[0] ?? address
      if (this.allowed.check(bare, family === 4 ? 'ipv4' : 'ipv6')) return false
      const embedded = family === 6 ? embeddedIPv4(bare) : null
      if (embedded !== null && this.allowed.check(embedded, 'ipv4')) return false
    }
    return isForbiddenAddress(address)
  }

  /** Checks an IP-literal host (URL `hostname`, IPv6 in brackets); names go to the lookup check. */
  checkUrlHost(hostname: string): void {
    const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname
    if (isIP(bare) !== 0 && this.isForbidden(bare)) throw new ForbiddenAddressError()
  }

  /**
   * A \`lookup\` for net/tls connect options: resolves once, refuses if ANY resolved address is
   * forbidden (an attacker controls which one a client would pick), and hands the vetted
   * addresses to the socket so the connection uses exactly what was checked.
   */
  readonly lookup = (
    hostname: string,
    options: { all?: boolean | undefined; family?: number | string | undefined },
    callback: LookupCallback,
  ) => {
    const family =
      options.family === 4 || options.family === 'IPv4'
        ? 4
        : options.family === 6 || options.family === 'IPv6'
          ? 6
          : 0
    dnsLookup(hostname, { all: true, family }, (error, addresses) => {
      if (error) return callback(error, [])
      if (addresses.length === 0 || addresses.some((entry) => this.isForbidden(entry.address))) {
        return callback(new ForbiddenAddressError(), [])
      }
      if (options.all) return callback(null, addresses)
      const first = addresses[0] as LookupAddress
      return callback(null, first.address, first.family)
    })
  }
}

/** True when `address` (an IP literal, IPv6 without brackets) is in a forbidden range. */
export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address)
  if (family === 4) return forbidden.check(address, 'ipv4')
  if (family !== 6) return true // not an address at all: refuse rather than guess
  const embedded = embeddedIPv4(address)
  if (embedded !== null) return forbidden.check(embedded, 'ipv4')
  return forbidden.check(address, 'ipv6')
}

/**
 * IPv6 forms that carry an IPv4 address: IPv4-mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::/96`
 * and 6to4 `2002:AABB:CCDD::/16`. These are judged by the IPv4 address inside, which is how
 * SSRF guards in other webhook senders were bypassed (`::ffff:127.0.0.1`).
 */
function embeddedIPv4(address: string): string | null {
  const words = expandIPv6(address)
  if (words === null) return null
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`
  const [w0, w1, w2, w3, w4, w5, w6, w7] = words as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  if (w0 === 0 && w1 === 0 && w2 === 0 && w3 === 0 && w4 === 0 && w5 === 0xffff) return v4(w6, w7)
  if (w0 === 0x64 && w1 === 0xff9b && w2 === 0 && w3 === 0 && w4 === 0 && w5 === 0) return v4(w6, w7)
  if (w0 === 0x2002) return v4(w1, w2)
  return null
}

/** Eight 16-bit words of an IPv6 address, or null. Handles `::` and a dotted IPv4 tail. */
function expandIPv6(address: string): number[] | null {
  let text = address.toLowerCase()
  const zone = text.indexOf('%')
  if (zone >= 0) text = text.slice(0, zone)
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (tail?.[1]) {
    const octets = tail[1].split('.').map(Number) as [number, number, number, number]
    const hi = ((octets[0] << 8) | octets[1]).toString(16)
    const lo = ((octets[2] << 8) | octets[3]).toString(16)
    text = `${text.slice(0, -tail[1].length)}${hi}:${lo}`
  }
  const [head, rest] = text.split('::') as [string, string | undefined]
  const headWords = head === '' ? [] : head.split(':')
  const restWords = rest === undefined || rest === '' ? [] : rest.split(':')
  const missing = 8 - headWords.length - restWords.length
  if (missing < 0 || (rest === undefined && missing !== 0)) return null
  const words = [...headWords, ...Array<string>(missing).fill('0'), ...restWords].map((w) =>
    Number.parseInt(w, 16),
  )
  return words.length === 8 && words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffff) ? words : null
}

export class ForbiddenAddressError extends Error {
  readonly code = 'ssrf_blocked'
  constructor() {
    // The address is not named: error texts end up in attempt logs that users can read.
    super('the destination resolves to a private, loopback or reserved address')
  }
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void
