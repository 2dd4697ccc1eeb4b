import { describe, expect, it } from 'vitest'
import { headerReader } from './headers.js'

describe('headerReader', () => {
  it('reads Node-style, mixed-case and Fetch headers alike', () => {
    for (const headers of [
      { 'webhook-id': ' abc ' },
      { 'Webhook-ID': 'abc' },
      new Headers({ 'WEBHOOK-ID': 'abc' }),
      { 'webhook-id': ['abc'] },
    ]) {
      expect(headerReader(headers)('Webhook-Id')).toBe('abc')
    }
  })

  it('treats empty, whitespace-only and absent headers as missing, and joins repeats', () => {
    const header = headerReader({ a: '', b: '   ', c: undefined, d: ['x', 'y'], e: 42 })
    expect(header('a')).toBeUndefined()
    expect(header('b')).toBeUndefined()
    expect(header('c')).toBeUndefined()
    expect(header('missing')).toBeUndefined()
    expect(header('d')).toBe('x, y')
    expect(header('e')).toBe('42')
  })

  it('does not read inherited properties as headers', () => {
    expect(headerReader({})('constructor')).toBeUndefined()
    expect(headerReader({})('toString')).toBeUndefined()
  })
})
