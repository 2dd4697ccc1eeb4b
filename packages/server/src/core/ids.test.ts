import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { encodeRandom, newId } from './ids.js'

describe('newId', () => {
  it('makes prefixed 26-character Crockford base32 ids', () => {
    expect(newId('evt')).toMatch(/^evt_[0-9A-HJKMNP-TV-Z]{26}$/)
    expect(newId('dlv')).toMatch(/^dlv_/)
  })

  it('sorts by creation order, also within one millisecond', () => {
    const ids = [
      newId('evt', 1000),
      newId('evt', 1000),
      newId('evt', 1000),
      newId('evt', 1001),
      newId('evt', 2_000_000),
    ]
    expect([...ids].sort()).toEqual(ids)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('encodes the 80 random bits as 16 base32 characters, most significant first', () => {
    // The 80-bit number written out in base 32, digit by digit, as the reference.
    const reference = (bytes: Uint8Array) => {
      let n = 0n
      for (const b of bytes) n = (n << 8n) | BigInt(b)
      let out = ''
      for (let i = 0; i < 16; i++, n >>= 5n) out = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'[Number(n & 31n)] + out
      return out
    }
    const samples = [
      new Uint8Array(10),
      new Uint8Array(10).fill(0xff),
      Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
    ]
    for (let i = 0; i < 200; i++) samples.push(new Uint8Array(randomBytes(10)))
    for (const bytes of samples) expect(encodeRandom(bytes)).toBe(reference(bytes))
    expect(encodeRandom(new Uint8Array(10).fill(0xff))).toBe('ZZZZZZZZZZZZZZZZ')
  })
})
