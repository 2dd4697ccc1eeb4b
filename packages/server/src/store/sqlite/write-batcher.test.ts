import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openDatabase, type SqliteDatabase } from './open-database.js'
import { WriteBatcher } from './write-batcher.js'

describe('WriteBatcher', () => {
  let dir: string
  let db: SqliteDatabase
  let batcher: WriteBatcher
  const synchronous = () => db.pragma('synchronous', { simple: true })

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hookline-batcher-'))
    db = openDatabase(join(dir, 'batch.db'))
    db.exec('CREATE TABLE t (n INTEGER PRIMARY KEY)')
    batcher = new WriteBatcher(db)
  })
  afterEach(async () => {
    batcher.close()
    db.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('commits queued writes together; a failing write rolls back alone', async () => {
    const insert = (n: number) => () => db.prepare('INSERT INTO t (n) VALUES (?)').run(n).changes
    const results = await Promise.allSettled([
      batcher.write(insert(1)),
      batcher.write(insert(1)), // primary key conflict
      batcher.write(insert(2)),
    ])
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect(db.prepare('SELECT n FROM t ORDER BY n').pluck().all()).toEqual([1, 2])
  })

  it('fsyncs a batch unless every write in it was queued without fsync', async () => {
    const FULL = 2
    const NORMAL = 1
    expect(synchronous()).toBe(FULL)
    // Only relaxed writes: the commit runs at NORMAL (no fsync), and FULL is back afterwards.
    expect(await batcher.write(synchronous, { fsync: false })).toBe(NORMAL)
    expect(synchronous()).toBe(FULL)
    // One durable write in the batch makes the whole commit durable.
    const mixed = await Promise.all([
      batcher.write(synchronous, { fsync: false }),
      batcher.write(synchronous),
    ])
    expect(mixed).toEqual([FULL, FULL])
    expect(await batcher.write(synchronous)).toBe(FULL)
  })

  it('restores FULL after a relaxed batch whose commit fails', async () => {
    db.exec(
      'CREATE TABLE parent (id INTEGER PRIMARY KEY); CREATE TABLE child (p INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)',
    )
    // A deferred foreign key fails at COMMIT, so the whole batch fails.
    const failing = batcher.write(() => db.prepare('INSERT INTO child (p) VALUES (42)').run(), {
      fsync: false,
    })
    await expect(failing).rejects.toThrow(/FOREIGN KEY/)
    expect(synchronous()).toBe(2)
  })
})
