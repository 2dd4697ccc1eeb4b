import { describe, expect, it } from 'vitest'
import { diffPoll } from './poll-diff.js'

const item = (id: string, fingerprint: string) => ({ id, fingerprint, item: { id, fingerprint } })

describe('diffPoll', () => {
  it('only records a baseline on the first poll', () => {
    expect(diffPoll(null, [item('a', '1'), item('b', '1')])).toEqual({
      changes: [],
      state: { a: '1', b: '1' },
    })
  })

  it('reports new items and changed fingerprints, not unchanged ones', () => {
    const { changes, state } = diffPoll({ a: '1', b: '1' }, [item('a', '1'), item('b', '2'), item('c', '1')])
    expect(changes.map((c) => [c.itemId, c.change])).toEqual([
      ['b', 'changed'],
      ['c', 'appeared'],
    ])
    expect(state).toEqual({ a: '1', b: '2', c: '1' })
  })

  it('forgets vanished items and ignores a repeated id within one poll', () => {
    const { changes, state } = diffPoll({ a: '1', gone: '1' }, [item('a', '1'), item('a', '9')])
    expect(changes).toEqual([])
    expect(state).toEqual({ a: '1' })
  })

  it('treats ids like __proto__ as plain keys', () => {
    const { changes, state } = diffPoll({}, [item('__proto__', '1')])
    expect(changes).toHaveLength(1)
    expect(Object.keys(state)).toEqual(['__proto__'])
  })
})
