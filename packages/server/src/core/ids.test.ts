import { describe, expect, it } from 'vitest'
import { newId } from './ids.js'

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
})
