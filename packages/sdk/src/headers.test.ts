import { describe, expect, it } from 'vitest'
import { headerReader, headersToRecord } from './headers.js'

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

// NATS `MsgHdrs` matches names exactly and answers '' for an absent one.
class ExactMatchHeaders {
  readonly #values = new Map<string, string[]>()
  constructor(entries: Record<string, string>) {
    for (const [name, value] of Object.entries(entries)) this.#values.set(name, [value])
  }
  get(name: string): string {
    return this.#values.get(name)?.[0] ?? ''
  }
  keys(): string[] {
    return [...this.#values.keys()]
  }
}

describe('headerReader over message headers', () => {
  it('reads bytes, numbers and strings as amqplib hands them back', () => {
    const header = headerReader({
      'webhook-id': Buffer.from('evt_1'),
      'Webhook-Timestamp': 1767225600,
      'webhook-signature': new TextEncoder().encode(' v1,abc '),
      'x-death': [{ count: 1 }] as never,
      'x-list': ['a', Buffer.from('b'), 3],
    })
    expect(header('webhook-id')).toBe('evt_1')
    expect(header('webhook-timestamp')).toBe('1767225600')
    expect(header('WEBHOOK-SIGNATURE')).toBe('v1,abc')
    expect(header('x-death')).toBeUndefined()
    expect(header('x-list')).toBe('a, b, 3')
  })

  it('reads a flat [name, value, …] list in any case, joining repeated names', () => {
    const header = headerReader(['Webhook-Id', 'evt_1', 'x-a', '1', 'X-A', Buffer.from('2'), 'dangling'])
    expect(header('webhook-id')).toBe('evt_1')
    expect(header('x-a')).toBe('1, 2')
    expect(header('dangling')).toBeUndefined()
    expect(header('constructor')).toBeUndefined()
    expect(header('__proto__')).toBeUndefined()
  })

  it('finds a name in another case when get() matches exactly', () => {
    const header = headerReader(new ExactMatchHeaders({ 'Webhook-Id': 'evt_1', 'nats-msg-id': 'evt_1' }))
    expect(header('webhook-id')).toBe('evt_1')
    expect(header('Nats-Msg-Id')).toBe('evt_1')
    expect(header('missing')).toBeUndefined()
  })
})

describe('headersToRecord', () => {
  it('lower-cases names and keeps text from every shape', () => {
    const expected = { 'webhook-id': 'evt_1', 'x-n': '2' }
    expect(headersToRecord({ 'Webhook-Id': Buffer.from('evt_1'), 'X-N': 2, 'x-empty': '' })).toEqual(expected)
    expect(headersToRecord(['Webhook-Id', 'evt_1', 'x-n', '2'])).toEqual(expected)
    expect(headersToRecord(new Headers({ 'Webhook-Id': 'evt_1', 'x-n': '2' }))).toEqual(expected)
    expect(headersToRecord(new ExactMatchHeaders({ 'Webhook-Id': 'evt_1', 'X-N': '2' }))).toEqual(expected)
  })

  it('returns an ordinary object even for hostile names', () => {
    const record = headersToRecord(['__proto__', 'x', 'constructor', 'y'])
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype)
    expect(Object.hasOwn(record, '__proto__')).toBe(true)
    expect(record.constructor).toBe('y')
  })
})
