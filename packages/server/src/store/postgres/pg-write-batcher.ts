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
 * a batch of publishes costs two statements instead of two per publish.
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

export type GroupRunner<I, O> = (tx: BatchTx, inputs: I[]) => Promise<O[]>

interface PendingWrite {
  /** False for writes whose loss in a crash only means work is done again. */
  fsync: boolean
  run?: (tx: BatchTx) => Promise<unknown>
  group?: { runner: GroupRunner<unknown, unknown>; input: unknown }
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
  /** Set when its group failed: it runs on its own until the batch commits. */
  alone: boolean
}

type Attempt =
  | { kind: 'committed'; values: Map<PendingWrite, unknown> }
  | { kind: 'write-failed'; unit: PendingWrite[]; error: unknown }
  | { kind: 'batch-failed'; error: unknown; commitSent: boolean }

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
    runner: GroupRunner<I, O>,
    input: I,
    options: { fsync: boolean } = { fsync: true },
  ): Promise<O> {
    return this.enqueue<O>({
      group: { runner: runner as GroupRunner<unknown, unknown>, input },
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
    const started = performance.now()
    while (live.length > 0) {
      const attempt = await this.attempt(live)
      if (attempt.kind === 'committed') {
        for (const write of live) write.resolve(attempt.values.get(write))
        this.options.afterCommit(live.length, performance.now() - started)
        return
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
  const outputs = await runner(
    tx,
    unit.map((write) => write.group?.input),
  )
  unit.forEach((write, i) => {
    values.set(write, outputs[i])
  })
}
