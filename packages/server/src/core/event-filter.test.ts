import { describe, expect, it } from 'vitest'
import { isValidEventTypeName, isValidEventTypePattern, matchesEventTypes } from './event-filter.js'

describe('matchesEventTypes', () => {
  it('matches everything when the endpoint has no filter', () => {
    expect(matchesEventTypes(null, 'order.shipped')).toBe(true)
  })

  it('matches exact names only exactly', () => {
    expect(matchesEventTypes(['order.shipped'], 'order.shipped')).toBe(true)
    expect(matchesEventTypes(['order.shipped'], 'order.shipped.late')).toBe(false)
    expect(matchesEventTypes(['order.shipped'], 'order')).toBe(false)
    expect(matchesEventTypes([], 'order.shipped')).toBe(false)
  })

  it('matches prefix.* at any depth below the prefix, never the prefix itself or a longer word', () => {
    const patterns = ['order.*']
    expect(matchesEventTypes(patterns, 'order.shipped')).toBe(true)
    expect(matchesEventTypes(patterns, 'order.item.added')).toBe(true)
    expect(matchesEventTypes(patterns, 'order')).toBe(false)
    expect(matchesEventTypes(patterns, 'orders.shipped')).toBe(false)
    expect(matchesEventTypes(patterns, 'invoice.order.paid')).toBe(false)
  })

  it('matches if any pattern matches', () => {
    expect(matchesEventTypes(['invoice.paid', 'order.*'], 'order.x')).toBe(true)
    expect(matchesEventTypes(['invoice.paid', 'order.*'], 'invoice.paid')).toBe(true)
    expect(matchesEventTypes(['invoice.paid', 'order.*'], 'invoice.voided')).toBe(false)
  })
})

describe('event type names and patterns', () => {
  it('accepts dotted names of letters, digits, _ and -', () => {
    for (const name of ['order', 'order.shipped', 'stripe.charge.succeeded', 'a_b-c.D9']) {
      expect(isValidEventTypeName(name)).toBe(true)
    }
    for (const name of [
      '',
      '.order',
      'order.',
      'order..x',
      'order shipped',
      'order.*',
      'ö',
      'x'.repeat(129),
    ]) {
      expect(isValidEventTypeName(name)).toBe(false)
    }
  })

  it('accepts a trailing .* only in patterns', () => {
    expect(isValidEventTypePattern('order.*')).toBe(true)
    expect(isValidEventTypePattern('order.shipped')).toBe(true)
    for (const pattern of ['*', '.*', 'order*', 'order.*.x', '*.shipped']) {
      expect(isValidEventTypePattern(pattern)).toBe(false)
    }
  })
})
