import { closeSync, fdatasync, fdatasyncSync, openSync } from 'node:fs'
import type { SqliteDatabase } from './open-database.js'

interface PendingWrite {
  // biome-ignore lint/suspicious/noExplicitAny: each write has its own result type
  run: () => any
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
}

/** A committed batch waiting for the fsync that makes it durable. */
interface CommittedBatch {
  writes: PendingWrite[]
  outcomes: { ok: boolean; value: unknown }[]
  startedMs: number
}

export interface WriteBatcherOptions {
  /**
   * The database's WAL file. Commits run with `synchronous = NORMAL` (no fsync inside COMMIT)
   * and the batcher fdatasyncs this file off the event loop before acknowledging anything.
   * Null (an in-memory database) acknowledges at commit.
   */
  walPath: string | null
  /** Called once a batch is durable, with its size and the time from commit start to durable. */
  afterDurable?: (batchSize: number, durationMs: number) => void
}

/**
 * Group commit. Every write is queued; on the next turn of the event loop all queued writes run
 * in one transaction, and their promises resolve only once that transaction is on disk. Under
 * load one commit acknowledges hundreds of requests, so durability costs one fsync per batch
 * instead of one per request.
 *
 * The fsync does not block the event loop: COMMIT appends the batch to the WAL (the page
 * cache), then `fdatasync` of the WAL file runs on libuv's thread pool while the next requests
 * are parsed and the next batch commits. Batches that commit while an fsync is in flight share
 * the next one. This is the durability of `synchronous = FULL` (a 2xx means the WAL frames of
 * the commit are on disk), without the event loop waiting for the disk: a process crash loses
 * nothing committed (it is in the page cache), and an OS crash loses only commits that were
 * never acknowledged.
 *
 * Each write runs inside its own savepoint: a write that throws (a constraint, a missing row)
 * rolls back alone and rejects its own promise, and the rest of the batch still commits.
 */
export class WriteBatcher {
  private queue: PendingWrite[] = []
  private scheduled = false
  private closed = false
  private readonly inSavepoint: (run: () => unknown) => unknown
  private readonly afterDurable: (batchSize: number, durationMs: number) => void
  private walFd: number | null = null
  private syncing = false
  private awaitingSync: CommittedBatch[] = []

  constructor(
    private readonly db: SqliteDatabase,
    private readonly options: WriteBatcherOptions,
  ) {
    this.inSavepoint = db.transaction((run: () => unknown) => run())
    this.afterDurable = options.afterDurable ?? (() => {})
  }

  write<T>(run: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the store is closed'))
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, resolve: resolve as (value: unknown) => void, reject })
      if (!this.scheduled) {
        this.scheduled = true
        setImmediate(() => this.flush())
      }
    })
  }

  /** Commits everything queued now; its promises resolve once the commit is durable. */
  flush(): void {
    this.scheduled = false
    const writes = this.queue
    if (writes.length === 0) return
    this.queue = []
    const outcomes: { ok: boolean; value: unknown }[] = []
    const startedMs = performance.now()
    try {
      this.db
        .transaction(() => {
          for (const write of writes) {
            try {
              outcomes.push({ ok: true, value: this.inSavepoint(write.run) })
            } catch (error) {
              outcomes.push({ ok: false, value: error })
            }
          }
        })
        .immediate()
    } catch (error) {
      // The commit itself failed (disk full, I/O error): nothing in the batch is durable.
      for (const write of writes) write.reject(error)
      return
    }
    this.awaitingSync.push({ writes, outcomes, startedMs })
    if (!this.closed) this.sync()
  }

  /** Commits what is queued and makes everything committed durable before returning. */
  close(): void {
    this.closed = true
    this.flush()
    const batches = this.awaitingSync
    this.awaitingSync = []
    let failure: unknown = null
    try {
      if (batches.length > 0 && this.openWal() !== null) fdatasyncSync(this.walFd as number)
    } catch (error) {
      failure = error
    }
    this.settle(batches, failure)
    // An fsync still in flight uses the descriptor: it is closed when that one returns.
    if (!this.syncing) this.closeWal()
  }

  private closeWal(): void {
    if (this.walFd !== null) closeSync(this.walFd)
    this.walFd = null
  }

  /** One fdatasync at a time; batches committed meanwhile wait for the next one together. */
  private sync(): void {
    if (this.syncing || this.awaitingSync.length === 0) return
    let fd: number | null
    try {
      fd = this.openWal()
    } catch (error) {
      const batches = this.awaitingSync
      this.awaitingSync = []
      this.settle(batches, error)
      return
    }
    const batches = this.awaitingSync
    this.awaitingSync = []
    if (fd === null) {
      this.settle(batches, null)
      return
    }
    this.syncing = true
    fdatasync(fd, (error) => {
      this.syncing = false
      // A failed fsync means the commit may not be on disk: the requests get an error, never
      // a 2xx (the rows may still be there after a restart, which retries with keys tolerate).
      this.settle(batches, error)
      if (this.closed) this.closeWal()
      else this.sync()
    })
  }

  private settle(batches: CommittedBatch[], failure: unknown): void {
    const now = performance.now()
    for (const { writes, outcomes, startedMs } of batches) {
      writes.forEach((write, i) => {
        const outcome = outcomes[i]
        if (failure) write.reject(failure)
        else if (outcome?.ok) write.resolve(outcome.value)
        else write.reject(outcome?.value)
      })
      if (!failure) this.afterDurable(writes.length, now - startedMs)
    }
  }

  /**
   * The WAL file, opened on first use (SQLite creates it with the first write). SQLite keeps
   * this file (same inode) while any connection is open, truncating or rewriting it in place.
   */
  private openWal(): number | null {
    if (this.options.walPath === null) return null
    if (this.walFd === null) this.walFd = openSync(this.options.walPath, 'r+')
    return this.walFd
  }
}
