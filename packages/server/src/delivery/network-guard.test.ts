import { describe, expect, it } from 'vitest'
import { AddressGuard, isForbiddenAddress, parseCidr, STRICT_POLICY } from './network-guard.js'

const strict = new AddressGuard(STRICT_POLICY)
const checkUrlHost = (host: string) => strict.checkUrlHost(host)

describe('isForbiddenAddress', () => {
  it.each([
    '0.0.0.0',
    '10.1.2.3',
    '100.64.0.1',
    '127.0.0.1',
    '127.255.255.254',
    '169.254.169.254',
    '172.16.0.1',
    '172.31.255.255',
    '192.0.0.8',
    '192.0.2.1',
    '192.88.99.1',
    '192.168.1.1',
    '198.18.0.1',
    '198.51.100.7',
    '203.0.113.9',
    '224.0.0.1',
    '240.0.0.1',
    '255.255.255.255',
    '::',
    '::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:169.254.169.254',
    '64:ff9b::10.0.0.1',
    '64:ff9b::a00:1',
    '2002:7f00:1::',
    '2002:c0a8:101::1',
    '100::1',
    '2001:db8::1',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    'fe80::1%eth0',
    'fec0::1',
    'ff02::1',
  ])('refuses %s', (address) => {
    expect(isForbiddenAddress(address)).toBe(true)
  })

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
    '2002:808:808::',
  ])('allows public %s', (address) => {
    expect(isForbiddenAddress(address)).toBe(false)
  })

  it('refuses anything that is not an address', () => {
    expect(isForbiddenAddress('localhost')).toBe(true)
    expect(isForbiddenAddress('')).toBe(true)
  })
})

describe('checkUrlHost', () => {
  // The WHATWG URL parser canonicalises odd IPv4 spellings before the check sees them.
  it.each([
    'http://2130706433/',
    'http://0x7f000001/',
    'http://0177.0.0.1/',
    'http://127.1/',
    'http://0x7f.1/',
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://169.254.169.254/latest/meta-data',
  ])('refuses %s', (url) => {
    expect(() => checkUrlHost(new URL(url).hostname)).toThrow(/private, loopback or reserved/)
  })

  it('lets host names through to the resolver check', () => {
    expect(() => checkUrlHost('example.com')).not.toThrow()
    expect(() => checkUrlHost('8.8.8.8')).not.toThrow()
  })
})

describe('AddressGuard exceptions', () => {
  it('lets HOOKLINE_ALLOWED_NETWORKS through and nothing else', () => {
    const guard = new AddressGuard({
      allowPrivateNetworks: false,
      allowedNetworks: ['10.1.0.0/16', 'fd00::/8'],
      requireHttps: false,
    })
    expect(guard.isForbidden('10.1.2.3')).toBe(false)
    expect(guard.isForbidden('::ffff:10.1.2.3')).toBe(false)
    expect(guard.isForbidden('fd12::1')).toBe(false)
    expect(guard.isForbidden('10.2.0.1')).toBe(true)
    expect(guard.isForbidden('127.0.0.1')).toBe(true)
    expect(guard.isForbidden('8.8.8.8')).toBe(false)
  })

  it('allows everything with HOOKLINE_ALLOW_PRIVATE_NETWORKS', () => {
    const guard = new AddressGuard({ allowPrivateNetworks: true, allowedNetworks: [], requireHttps: false })
    expect(guard.isForbidden('127.0.0.1')).toBe(false)
    expect(guard.isForbidden('169.254.169.254')).toBe(false)
  })

  it('refuses a name if any of its addresses is forbidden (the rebinding trick)', async () => {
    const result = await new Promise<{ error: unknown }>((resolve) =>
      strict.lookup('localhost', { all: true }, (error) => resolve({ error })),
    )
    expect((result.error as { code?: string }).code).toBe('ssrf_blocked')
  })

  it('parses CIDRs strictly', () => {
    expect(parseCidr('10.1.0.0/16')).toEqual({ network: '10.1.0.0', prefix: 16, family: 'ipv4' })
    for (const bad of ['10.1.0.0', '10.1.0.0/33', 'fd00::/129', 'example.com/8', '10.1.0.0/x']) {
      expect(() => parseCidr(bad)).toThrow(/CIDR/)
    }
  })
})
