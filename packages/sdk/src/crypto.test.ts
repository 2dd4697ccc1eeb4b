import { createHmac, randomBytes as nodeRandomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  type HashName,
  hmac,
  nodeCryptoForTests,
  nodeHmac,
  timingSafeEqual,
  webCryptoHmac,
} from './crypto.js'

describe('crypto', () => {
  it('uses node:crypto on Node, and both paths give the same MACs as createHmac', async () => {
    expect(nodeCryptoForTests).toBeDefined()
    const node = nodeCryptoForTests
    if (!node) return
    for (const [hash, name] of [
      ['SHA-1', 'sha1'],
      ['SHA-256', 'sha256'],
      ['SHA-512', 'sha512'],
    ] as Array<[HashName, string]>) {
      for (const length of [0, 1, 63, 64, 65, 1000]) {
        const key = new Uint8Array(nodeRandomBytes(32))
        const data = new Uint8Array(nodeRandomBytes(length))
        const oracle = new Uint8Array(createHmac(name, key).update(data).digest())
        const id = `test:${Buffer.from(key).toString('hex')}`
        expect(nodeHmac(node, hash, id, () => key, data)).toEqual(oracle)
        expect(await webCryptoHmac(hash, id, () => key, data)).toEqual(oracle)
        expect(await hmac(hash, id, () => key, data)).toEqual(oracle)
      }
    }
  })

  it('signs strings as UTF-8 on both paths', async () => {
    const key = new TextEncoder().encode('k')
    const oracle = new Uint8Array(createHmac('sha256', 'k').update('café ✓').digest())
    expect(await webCryptoHmac('SHA-256', 'utf8:k', () => key, 'café ✓')).toEqual(oracle)
    expect(await hmac('SHA-256', 'utf8:k', () => key, 'café ✓')).toEqual(oracle)
  })

  it('does not cache a key whose derivation failed', async () => {
    let calls = 0
    const failing = () => {
      calls++
      throw new Error('bad key')
    }
    await expect(webCryptoHmac('SHA-256', 'failing', failing, 'x')).rejects.toThrow('bad key')
    await expect(webCryptoHmac('SHA-256', 'failing', failing, 'x')).rejects.toThrow('bad key')
    expect(calls).toBe(2)
  })

  it('compares in constant time and fails on length mismatch', () => {
    expect(timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true)
    expect(timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false)
    expect(timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 3]))).toBe(false)
    expect(timingSafeEqual(new Uint8Array(), new Uint8Array())).toBe(true)
  })
})
