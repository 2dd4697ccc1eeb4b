import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Checkpointer } from './checkpointer.js'
import { openDatabase } from './open-database.js'

describe('Checkpointer', () => {
  let dir: string

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hookline-checkpointer-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('reports a worker that could not start, so the serving connection checkpoints again', async () => {
    const stopped = new Promise<unknown>((resolve) => {
      new Checkpointer(join(dir, 'missing.db'), resolve)
    })
    // The error crosses the thread boundary as a plain object that keeps SQLite's code.
    expect(await stopped).toMatchObject({ code: 'SQLITE_CANTOPEN' })
  })

  it('does not report a stop that close() asked for', async () => {
    const db = openDatabase(join(dir, 'ok.db'))
    let stopped = false
    const checkpointer = new Checkpointer(join(dir, 'ok.db'), () => {
      stopped = true
    })
    await checkpointer.close()
    db.close()
    expect(stopped).toBe(false)
  })
})
