import { type SqliteDatabase, withoutFsync } from './open-database.js'

interface PendingWrite {
  // biome-ignore lint/suspicious/noExplicitAny: each write has its own result type
  run: () => any
  /** False for writes whose loss in an OS crash only means work is done again (sync-relaxed). */
  fsync: boolean
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
}

/**
 * Group commit. Every write is queued; on the next turn of the event loop all queued writes run
 * in one transaction with one fsync, and only then are their promises resolved. Under load a
 * single commit acknowledges hundreds of requests, so durability costs one fsync per batch
 * instead of one per request.
 *
 * Each write runs inside its own savepoint: a write that throws (a constraint, a missing row)
 * rolls back alone and rejects its own promise, and the rest of the batch still commits.
 *
 * A batch made only of writes queued with `fsync: false` commits without the fsync
 * (`synchronous = NORMAL`): still atomic and consistent, and durable with the next fsynced
 * commit, but an OS crash or power loss (not a process crash) may roll it back. The dispatcher's
 * bookkeeping is like that: a lost attempt record means the delivery is sent again, which
 * at-least-once delivery allows. A batch with any other write in it is fsynced as a whole.
 */
export class WriteBatcher {
  private queue: PendingWrite[] = []
  private scheduled = false
  private closed = false
  private readonly inSavepoint: (run: () => unknown) => unknown
  private readonly afterCommit: (batchSize: number, durationMs: number) => void

  constructor(
    private readonly db: SqliteDatabase,
    afterCommit: (batchSize: number, durationMs: number) => void = () => {},
  ) {
    this.inSavepoint = db.transaction((run: () => unknown) => run())
    this.afterCommit = afterCommit
  }

  write<T>(run: () => T, options: { fsync: boolean } = { fsync: true }): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the store is closed'))
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, fsync: options.fsync, resolve: resolve as (value: unknown) => void, reject })
      if (!this.scheduled) {
        this.scheduled = true
        setImmediate(() => this.flush())
      }
    })
  }

  /** Runs everything queued now; used by close() so nothing accepted is dropped. */
  flush(): void {
    this.scheduled = false
    const batch = this.queue
    if (batch.length === 0) return
    this.queue = []
    const outcomes: { ok: boolean; value: unknown }[] = []
    const started = performance.now()
    const commit = () =>
      this.db
        .transaction(() => {
          for (const write of batch) {
            try {
              outcomes.push({ ok: true, value: this.inSavepoint(write.run) })
            } catch (error) {
              outcomes.push({ ok: false, value: error })
            }
          }
        })
        .immediate()
    try {
      if (batch.some((write) => write.fsync)) commit()
      else withoutFsync(this.db, commit)
    } catch (error) {
      // The commit itself failed (disk full, I/O error): nothing in the batch is durable.
      for (const write of batch) write.reject(error)
      return
    }
    batch.forEach((write, i) => {
      const outcome = outcomes[i]
      if (outcome?.ok) write.resolve(outcome.value)
      else write.reject(outcome?.value)
    })
    this.afterCommit(batch.length, performance.now() - started)
  }

  close(): void {
    this.flush()
    this.closed = true
  }
}
