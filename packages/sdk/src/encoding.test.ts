import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  base64Decode,
  base64Encode,
  base64UrlEncode,
  hexDecode,
  hexEncode,
  payloadBytes,
  payloadText,
  prefixedPayload,
} from './encoding.js'

describe('encoding', () => {
  it('base64 and hex agree with Buffer for every length 0..64', () => {
    for (let length = 0; length <= 64; length++) {
      const bytes = new Uint8Array(randomBytes(length))
      const buffer = Buffer.from(bytes)
      expect(base64Encode(bytes)).toBe(buffer.toString('base64'))
      expect(base64UrlEncode(bytes)).toBe(buffer.toString('base64url'))
      expect(hexEncode(bytes)).toBe(buffer.toString('hex'))
      expect(base64Decode(buffer.toString('base64'))).toEqual(bytes)
      expect(base64Decode(buffer.toString('base64url'))).toEqual(bytes)
      expect(hexDecode(buffer.toString('hex').toUpperCase())).toEqual(bytes)
    }
  })

  it('rejects malformed input with undefined instead of throwing', () => {
    for (const bad of ['a', 'ab=c', 'abc===', 'ab!d', 'é', 'abcde']) expect(base64Decode(bad)).toBeUndefined()
    for (const bad of ['abc', 'zz', '0x', 'é1']) expect(hexDecode(bad)).toBeUndefined()
  })

  it('turns every payload shape into the same bytes', () => {
    const text = '{"note":"café ✓"}'
    const bytes = new TextEncoder().encode(text)
    expect(payloadBytes(text)).toEqual(bytes)
    expect(payloadBytes(bytes.buffer)).toEqual(bytes)
    expect(new Uint8Array(payloadBytes(Buffer.from(text)))).toEqual(bytes)
    expect(payloadText(bytes)).toBe(text)
    expect(prefixedPayload('a.', text)).toBe(`a.${text}`)
    expect(prefixedPayload('a.', bytes)).toEqual(new TextEncoder().encode(`a.${text}`))
  })
})
