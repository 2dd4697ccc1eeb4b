import { describe, expect, it } from 'vitest'
import { ConnectionPool } from './connection-pool.js'

interface FakeConnection {
  id: number
  closed: boolean
}

function pool() {
  let opened = 0
  const closed: number[] = []
  const connections = new ConnectionPool<FakeConnection>(async (connection) => {
    connection.closed = true
    closed.push(connection.id)
  })
  const open = async () => ({ id: ++opened, closed: false })
  return { connections, open, closed, opened: () => opened }
}

describe('ConnectionPool', () => {
  it('opens one connection per key for a burst of attempts', async () => {
    const { connections, open, opened } = pool()
    const all = await Promise.all([1, 2, 3].map(() => connections.acquire('a', open)))
    expect(new Set(all).size).toBe(1)
    expect(opened()).toBe(1)
    await connections.acquire('b', open)
    expect(opened()).toBe(2)
    expect(connections.size).toBe(2)
  })

  it('forgets a failed open and a discarded connection, so the next attempt opens anew', async () => {
    const { connections, open, opened } = pool()
    await expect(connections.acquire('a', async () => Promise.reject(new Error('refused')))).rejects.toThrow()
    await new Promise((resolve) => setImmediate(resolve))
    const first = await connections.acquire('a', open)
    connections.discard('a', { id: 99, closed: false }) // not the current one: ignored
    await new Promise((resolve) => setImmediate(resolve))
    expect(await connections.acquire('a', open)).toBe(first)
    connections.discard('a', first)
    await new Promise((resolve) => setImmediate(resolve))
    expect(await connections.acquire('a', open)).not.toBe(first)
    expect(opened()).toBe(2)
  })

  it('closes only the connections idle for long enough, and all of them on closeAll', async () => {
    const { connections, open, closed } = pool()
    await connections.acquire('old', open, 1_000)
    await connections.acquire('recent', open, 1_000)
    await connections.acquire('recent', open, 9_000)
    expect(await connections.closeIdle(5_000, 10_000)).toBe(1)
    expect(closed).toEqual([1])
    expect(connections.size).toBe(1)
    await connections.closeAll()
    expect(closed).toEqual([1, 2])
    expect(connections.size).toBe(0)
  })
})
