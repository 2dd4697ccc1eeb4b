import type { QueryResultRow } from 'pg'
import {
  clientQueryable,
  type HeldConnection,
  isConnectionError,
  isRetryableConflict,
  type PgDatabase,
  type Queryable,
  StoreClosedError,
  unavailable,
} from './pg-database.js'

/**
 * Group commit for PostgreSQL. Writes are queued; on the next turn of the event loop all queued
 * writes run in one transaction on one connection, and only after COMMIT (which waits for the
 * WAL flush: synchronous_commit stays on) are their promises resolved. While a commit is under
 * way new writes queue up, so the batch grows with the load and one fsync acknowledges many
 * requests.
 *
 * There is no savepoint per write: in PostgreSQL every savepoint that writes is a
 * subtransaction, and more than 64 of them in one transaction slow down every other session's
 * snapshots. Instead a write that fails (a conflict, a bug) makes the whole transaction roll
 * back, that one write is rejected, and the rest run again in a fresh transaction. Writes are
 * functions of the database state, so running one again is safe; nothing is acknowledged
 * before the commit that holds it.
 *
 * Consecutive writes of the same group (publish) are handed to their runner together, so that
 * a batch of publishes costs two statements instead of two per publish. A batch made only of
 * one group's writes may skip the transaction altogether when the group can write them in one
 * statement that commits by itself (`ownCommit`): one round trip instead of BEGIN, statements
 * and COMMIT. Each round trip costs more than its latency on a busy machine: the backend it
 * wakes takes the sender's core while the event loop waits in `writev`.
 *
 * A batch made only of writes queued with `fsync: false` (the dispatcher's attempt records)
 * commits with `synchronous_commit = off`: atomic and consistent, flushed by PostgreSQL's WAL
 * writer a moment later, and lost only if PostgreSQL or its machine crashes first, which means
 * the delivery is sent again, as at-least-once delivery allows. Any other write in the batch
 * makes the whole commit wait for the flush.
 */

/** How many writes one transaction carries at most; the rest wait for the next one. */
const MAX_BATCH = 1_000
/** Deadlocks and serialization failures between processes: try the batch again this often. */
const MAX_CONFLICT_RETRIES = 3
/**
 * A dead connection can still sit in the pool right after pg_terminate_backend or a restart;
 * a batch that failed before COMMIT was sent is safe to run again on a fresh one.
 */
const MAX_CONNECTION_RETRIES = 2

/** node-postgres's message for a query it refused to send on a client whose connection failed. */
const NOT_SENT = /not queryable/i

/** Writes of one kind that run together: `writeGrouped` hands neighbours in a batch over at once. */
export interface WriteGroup<I, O> {
  /** Runs the inputs inside the batch's transaction, among writes of other kinds. */
  inTransaction(tx: BatchTx, inputs: I[]): Promise<O[]>
  /**
   * Runs the inputs without a transaction around them, when a batch holds nothing else: the
   * group writes through `tx.commit`, each such statement committing by itself, and must not
   * write anything that another statement would have to complete.
   */
  ownCommit?(tx: OwnCommitTx, inputs: I[]): Promise<O[]>
}

interface PendingWrite {
  /** False for writes whose loss in a crash only means work is done again. */
  fsync: boolean
  run?: (tx: BatchTx) => Promise<unknown>
  group?: { runner: WriteGroup<unknown, unknown>; input: unknown }
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
  /** Set when its group failed: it runs on its own until the batch commits. */
  alone: boolean
}

type Attempt =
  | { kind: 'committed'; values: Map<PendingWrite, unknown> }
  | { kind: 'write-failed'; unit: PendingWrite[]; error: unknown }
  | { kind: 'batch-failed'; error: unknown; commitSent: boolean }
  // A group's own commit went through and something failed after it: running it again could
  // write twice, so every write gets the error.
  | { kind: 'failed-after-commit'; error: unknown }
  | { kind: 'needs-transaction' }

/**
 * What a group's `ownCommit` runs on: reads, and statements that commit by themselves (no
 * BEGIN). The batcher needs to know which statements write to tell whether a failure left
 * anything behind.
 */
export class OwnCommitTx implements Queryable {
  /** A writing statement was sent: after a lost connection its outcome is unknown. */
  commitSent = false
  /** A writing statement completed (it may have written nothing, as a guarded insert can). */
  committed = false
  /** The first writing statement failed in PostgreSQL, which undid it: nothing stayed. */
  commitRejected = false

  constructor(
    private readonly target: Queryable,
    /** The payload for `pg_notify`, so that this process can tell its own notifications apart. */
    readonly notifyPayload: string,
  ) {}

  /** A statement that writes nothing. */
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[], name?: string) {
    return this.target.query<R>(text, values, name)
  }

  /**
   * The writing statement's outcome, unknown after a lost connection, was found out: nothing of
   * it stayed, so the batch may run again as if it had never been sent.
   */
  nothingStayed(): void {
    this.commitSent = false
  }

  /** A statement that writes and commits as it completes (NOTIFY through `pg_notify` in it). */
  async commit<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[], name?: string) {
    this.commitSent = true
    try {
      const rows = await this.target.query<R>(text, values, name)
      this.committed = true
      return rows
    } catch (error) {
      if (!isConnectionError(error)) this.commitRejected = !this.committed
      // node-postgres refuses a client whose connection already failed before sending anything:
      // a dead connection from the pool, worth another try on a fresh one.
      else if (error instanceof Error && NOT_SENT.test(error.message)) this.commitSent = false
      throw error
    }
  }
}

/**
 * Thrown by an `ownCommit` before it wrote anything, when it cannot do its work in one
 * statement after all: the batch then runs in a transaction as usual.
 */
export class NeedsTransaction extends Error {}

/** One transaction of the group commit, as the writes in it see it. */
export class BatchTx implements Queryable {
  /** Channels to NOTIFY on commit (deliveries became due, the catalog changed). */
  readonly notifications = new Set<string>()
  /** Events inserted so far: each gets the next rank, its place in the log within this transaction. */
  eventCount = 0
  private readonly memos = new Map<string, Promise<unknown>>()
  private readonly states = new Map<string, unknown>()
  private readonly hooks = new Map<string, () => Promise<void>>()

  constructor(private readonly target: Queryable) {}

  /** Tells every process listening on `channel`, once this transaction commits. */
  notify(channel: string): void {
    this.notifications.add(channel)
  }

  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[], name?: string) {
    return this.target.query<R>(text, values, name)
  }

  /** Loads once per transaction what many writes in it need (the fan-out targets). */
  memo<T>(key: string, load: () => Promise<T>): Promise<T> {
    let value = this.memos.get(key) as Promise<T> | undefined
    if (value === undefined) {
      value = load()
      this.memos.set(key, value)
    }
    return value
  }

  forget(key: string): void {
    this.memos.delete(key)
  }

  /** State that lives as long as this transaction (counters applied just before commit). */
  state<T>(key: string, init: () => T): T {
    if (!this.states.has(key)) this.states.set(key, init())
    return this.states.get(key) as T
  }

  /** Runs `run` once, just before COMMIT. */
  beforeCommit(key: string, run: () => Promise<void>): void {
    this.hooks.set(key, run)
  }

  async runBeforeCommit(): Promise<void> {
    for (const run of this.hooks.values()) await run()
  }
}

export interface BatcherOptions {
  /** The payload of this process's notifications, so that it can tell its own apart. */
  instanceId: string
  afterCommit: (batchSize: number, durationMs: number) => void
}

export class PgWriteBatcher {
  private queue: PendingWrite[] = []
  private draining: Promise<void> | null = null
  private closed = false

  constructor(
    private readonly db: PgDatabase,
    private readonly options: BatcherOptions,
  ) {}

  write<T>(run: (tx: BatchTx) => Promise<T>, options: { fsync: boolean } = { fsync: true }): Promise<T> {
    return this.enqueue<T>({ run, fsync: options.fsync })
  }

  /** Queues `input` for `runner`, which receives it together with its neighbours in the batch. */
  writeGrouped<I, O>(
    runner: WriteGroup<I, O>,
    input: I,
    options: { fsync: boolean } = { fsync: true },
  ): Promise<O> {
    return this.enqueue<O>({
      group: { runner: runner as WriteGroup<unknown, unknown>, input },
      fsync: options.fsync,
    })
  }

  private enqueue<T>(write: Pick<PendingWrite, 'run' | 'group' | 'fsync'>): Promise<T> {
    if (this.closed) return Promise.reject(new StoreClosedError())
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ ...write, resolve: resolve as (value: unknown) => void, reject, alone: false })
      this.draining ??= new Promise<void>((next) => setImmediate(next)).then(() => this.drain())
    })
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH)
      await this.commitBatch(batch)
    }
    this.draining = null
  }

  /** Commits everything queued, then refuses new writes. */
  async close(): Promise<void> {
    this.closed = true
    await this.draining
  }

  private async commitBatch(writes: PendingWrite[]): Promise<void> {
    let live = writes
    let conflictRetries = 0
    let connectionRetries = 0
    let ownCommit = true
    const started = performance.now()
    while (live.length > 0) {
      const group = ownCommit ? soleGroup(live) : null
      const attempt = group ? await this.attemptOwnCommit(group, live) : await this.attempt(live)
      if (attempt.kind === 'committed') {
        for (const write of live) write.resolve(attempt.values.get(write))
        this.options.afterCommit(live.length, performance.now() - started)
        return
      }
      if (attempt.kind === 'failed-after-commit') {
        for (const write of live) write.reject(attempt.error)
        return
      }
      if (attempt.kind === 'needs-transaction') {
        ownCommit = false
        continue
      }
      const { error } = attempt
      if (attempt.kind === 'write-failed' && !isConnectionError(error) && !isRetryableConflict(error)) {
        // The write's own fault (a conflict, a missing row, a bug): reject it alone. A group
        // cannot say which member failed, so its members first get a try on their own.
        const [first, ...others] = attempt.unit
        if (others.length > 0) {
          for (const write of attempt.unit) write.alone = true
        } else if (first) {
          first.reject(error)
          live = live.filter((write) => write !== first)
        }
        continue
      }
      if (isRetryableConflict(error) && conflictRetries < MAX_CONFLICT_RETRIES) {
        conflictRetries += 1
        continue
      }
      const commitSent = attempt.kind === 'batch-failed' && attempt.commitSent
      if (isConnectionError(error) && !commitSent && connectionRetries < MAX_CONNECTION_RETRIES) {
        connectionRetries += 1
        continue
      }
      // The database is away, or the connection died during COMMIT so that nobody can say
      // whether it committed: the client gets a 503 and may retry (idempotency keys make
      // that safe for publishes).
      const failure =
        error instanceof StoreClosedError || !isConnectionError(error) ? error : unavailable(error)
      for (const write of live) write.reject(failure)
      return
    }
  }

  /** One try at committing `writes`, all of `group`, through the group's own commit. */
  private async attemptOwnCommit(
    group: Required<WriteGroup<unknown, unknown>>,
    writes: PendingWrite[],
  ): Promise<Attempt> {
    let held: HeldConnection
    try {
      held = await this.db.connect()
    } catch (error) {
      return { kind: 'batch-failed', error, commitSent: false }
    }
    const tx = new OwnCommitTx(clientQueryable(held.client), this.options.instanceId)
    try {
      const outputs = await group.ownCommit(
        tx,
        writes.map((write) => write.group?.input),
      )
      held.release()
      return { kind: 'committed', values: new Map(writes.map((write, i) => [write, outputs[i]])) }
    } catch (error) {
      held.release(isConnectionError(error) ? error : undefined)
      if (isConnectionError(error)) return { kind: 'batch-failed', error, commitSent: tx.commitSent }
      if (error instanceof NeedsTransaction) return { kind: 'needs-transaction' }
      // Nothing was written, or PostgreSQL undid the only statement that wrote: as for a write
      // failing in a transaction.
      if (!tx.commitSent || tx.commitRejected) return { kind: 'write-failed', unit: writes, error }
      return { kind: 'failed-after-commit', error }
    }
  }

  /** One try at committing `writes` in one transaction. */
  private async attempt(writes: PendingWrite[]): Promise<Attempt> {
    let held: HeldConnection
    try {
      held = await this.db.connect()
    } catch (error) {
      return { kind: 'batch-failed', error, commitSent: false }
    }
    const { client } = held
    const tx = new BatchTx(clientQueryable(client))
    const values = new Map<PendingWrite, unknown>()
    let commitSent = false
    try {
      // One round trip either way; SET LOCAL lasts until this transaction ends.
      const relaxed = !writes.some((write) => write.fsync)
      await client.query(relaxed ? 'BEGIN; SET LOCAL synchronous_commit TO OFF' : 'BEGIN')
      for (const unit of units(writes)) {
        try {
          await runUnit(tx, unit, values)
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {})
          held.release(isConnectionError(error) ? error : undefined)
          return { kind: 'write-failed', unit, error }
        }
      }
      await tx.runBeforeCommit()
      commitSent = true
      // NOTIFY is transactional: other processes hear of the change only once it is committed.
      // Sent in one round trip with COMMIT (channel names are ours, the payload a UUID).
      const notices = [...tx.notifications].map(
        (channel) => `NOTIFY ${channel}, '${this.options.instanceId}'; `,
      )
      await client.query(`${notices.join('')}COMMIT`)
      held.release()
      return { kind: 'committed', values }
    } catch (error) {
      if (!commitSent || !isConnectionError(error)) await client.query('ROLLBACK').catch(() => {})
      held.release(isConnectionError(error) ? error : undefined)
      // Only a lost connection leaves the outcome of COMMIT unknown; any other error there
      // means the server rolled the transaction back.
      return { kind: 'batch-failed', error, commitSent: commitSent && isConnectionError(error) }
    }
  }
}

/** Consecutive writes of the same group form one unit; every other write is a unit of its own. */
function units(writes: PendingWrite[]): PendingWrite[][] {
  const result: PendingWrite[][] = []
  let current: PendingWrite[] | null = null
  for (const write of writes) {
    const head = current?.[0]
    if (current && head && write.group && !write.alone && head.group?.runner === write.group.runner) {
      current.push(write)
      continue
    }
    current = [write]
    result.push(current)
    if (!write.group || write.alone) current = null
  }
  return result
}

async function runUnit(tx: BatchTx, unit: PendingWrite[], values: Map<PendingWrite, unknown>): Promise<void> {
  const [first] = unit
  if (!first) return
  if (first.run) {
    values.set(first, await first.run(tx))
    return
  }
  const runner = first.group?.runner
  if (!runner) return
  const outputs = await runner.inTransaction(
    tx,
    unit.map((write) => write.group?.input),
  )
  unit.forEach((write, i) => {
    values.set(write, outputs[i])
  })
}

/** The group of every write in the batch, if they share one that can commit on its own. */
function soleGroup(writes: PendingWrite[]): Required<WriteGroup<unknown, unknown>> | null {
  const runner = writes[0]?.group?.runner
  if (runner?.ownCommit === undefined) return null
  for (const write of writes) {
    if (write.alone || write.group?.runner !== runner) return null
  }
  return runner as Required<WriteGroup<unknown, unknown>>
}
