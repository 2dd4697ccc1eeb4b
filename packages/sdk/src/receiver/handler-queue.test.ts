import { describe, expect, it } from 'vitest'
import { HandlerQueue } from './handler-queue.js'

describe('HandlerQueue', () => {
  it('never runs more than `concurrency` handlers at once', async () => {
    let running = 0
    let peak = 0
    const done: number[] = []
    const queue = new HandlerQueue<number>(
      async (item) => {
        running++
        peak = Math.max(peak, running)
        await new Promise((resolve) => setTimeout(resolve, 5))
        running--
        done.push(item)
      },
      () => undefined,
      { concurrency: 3 },
    )
    for (let i = 0; i < 20; i++) expect(queue.push(i)).toBe(true)
    await queue.idle()
    expect(peak).toBe(3)
    expect(done.sort((a, b) => a - b)).toEqual([...Array(20).keys()])
  })

  it('retries with the configured delays, then reports the last error once', async () => {
    const attempts: Array<{ attempt: number; at: number }> = []
    const failures: Array<{ error: unknown; attempts: number }> = []
    const start = Date.now()
    const queue = new HandlerQueue<string>(
      async (_item, attempt) => {
        attempts.push({ attempt, at: Date.now() - start })
        throw new Error(`boom ${attempt}`)
      },
      (error, _item, attemptCount) => failures.push({ error, attempts: attemptCount }),
      { maxAttempts: 3, retryDelayMs: (attempt) => attempt * 20 },
    )
    queue.push('x')
    await queue.idle()
    expect(attempts.map((entry) => entry.attempt)).toEqual([1, 2, 3])
    expect(attempts[2]?.at).toBeGreaterThanOrEqual(55)
    expect(failures).toHaveLength(1)
    expect(failures[0]?.error).toMatchObject({ message: 'boom 3' })
    expect(failures[0]?.attempts).toBe(3)
  })

  it('succeeds on a retry without reporting', async () => {
    const failures: unknown[] = []
    let calls = 0
    const queue = new HandlerQueue<string>(
      async () => {
        calls++
        if (calls === 1) throw new Error('transient')
      },
      (error) => failures.push(error),
      { retryDelayMs: 1 },
    )
    queue.push('x')
    await queue.idle()
    expect(calls).toBe(2)
    expect(failures).toEqual([])
  })

  it('refuses work beyond maxQueued, counting running and retrying items', async () => {
    let release: () => void = () => undefined
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const queue = new HandlerQueue<number>(
      () => gate,
      () => undefined,
      { concurrency: 1, maxQueued: 2 },
    )
    expect(queue.push(1)).toBe(true)
    expect(queue.push(2)).toBe(true)
    expect(queue.push(3)).toBe(false)
    expect(queue.size).toBe(2)
    release()
    await queue.idle()
    expect(queue.size).toBe(0)
    expect(queue.push(4)).toBe(true)
    await queue.idle()
  })

  it('survives a throwing error reporter', async () => {
    const queue = new HandlerQueue<number>(
      async () => {
        throw new Error('handler')
      },
      () => {
        throw new Error('reporter')
      },
      { maxAttempts: 1 },
    )
    queue.push(1)
    await expect(queue.idle()).resolves.toBeUndefined()
  })

  it('validates its options', () => {
    expect(
      () =>
        new HandlerQueue(
          async () => undefined,
          () => undefined,
          { concurrency: 0 },
        ),
    ).toThrow(TypeError)
    expect(
      () =>
        new HandlerQueue(
          async () => undefined,
          () => undefined,
          { maxAttempts: 1.5 },
        ),
    ).toThrow(TypeError)
  })
})
