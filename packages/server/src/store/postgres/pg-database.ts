import pg, { type PoolClient, type PoolConfig, type QueryResultRow } from 'pg'
import { UnavailableError } from '../../core/errors.js'

/**
 * The connection pool and the one place that tells "the database is away" (a restart, a
 * terminated backend, a network cut) from "this query is wrong". The first kind becomes
 * UnavailableError, which the HTTP layer answers with 503 and the dispatcher backs off from.
 */

/** A request must not hang while the database is down: give up on connecting after this long. */
const CONNECT_TIMEOUT_MS = 3_000

/** Enough for the group commit, claims, reads and retention of one process at the same time. */
const DEFAULT_POOL_SIZE = 10

/**
 * BIGINT (epoch ms, seq, counts) comes back as a string by default because it can exceed 2^53;
 * our values never do, and the store contract wants numbers as SQLite gives them.
 */
const INT8_OID = 20
const types: PoolConfig['types'] = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format ?? 'text')) as NonNullable<PoolConfig['types']>['getTypeParser'],
}

export interface PgConnectionOptions {
  connectionString: string
  /** Sent as `search_path`: tests give each store its own schema. */
  schema?: string | undefined
  poolSize?: number | undefined
  applicationName?: string | undefined
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password !== '') parsed.password = '***'
    return parsed.toString()
  } catch {
    return 'the configured URL'
  }
}

export function clientConfig(options: PgConnectionOptions): PoolConfig {
  return {
    connectionString: options.connectionString,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    keepAlive: true,
    application_name: options.applicationName ?? 'hookline',
    types,
    ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` }),
  }
}

/** SQLSTATEs that mean the connection or the server went away, not that the query was wrong. */
const UNAVAILABLE_CODES = new Set([
  '57P01', // admin_shutdown: pg_terminate_backend, fast shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up or shutting down
  '53300', // too_many_connections
  '53400', // configuration_limit_exceeded
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
])

/** Messages node-postgres uses for a connection that ended under it (they carry no code). */
const CONNECTION_MESSAGES =
  /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect|Client was closed/i

export function isConnectionError(error: unknown): boolean {
  if (error instanceof UnavailableError) return true
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown }
  if (typeof code === 'string' && (code.startsWith('08') || UNAVAILABLE_CODES.has(code))) return true
  return typeof message === 'string' && CONNECTION_MESSAGES.test(message)
}

/**
 * The backend itself was shut down (`pg_terminate_backend`, a server shutdown or crash) and said
 * so before it exited: whatever it was running either committed before or never will.
 */
export function isBackendShutdown(error: unknown): boolean {
  const { code } = (error ?? {}) as { code?: unknown }
  return code === '57P01' || code === '57P02'
}

/** Deadlocks and serialization failures: running the same transaction again is expected to work. */
export function isRetryableConflict(error: unknown): boolean {
  const { code } = (error ?? {}) as { code?: unknown }
  return code === '40P01' || code === '40001'
}

export function unavailable(cause: unknown): UnavailableError {
  return cause instanceof UnavailableError
    ? cause
    : new UnavailableError('the database is not reachable; try again shortly', { cause })
}

/** The store was closed: not an outage, so not a 503. */
export class StoreClosedError extends Error {
  constructor() {
    super('the store is closed')
  }
}

export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(
    text: string,
    values?: unknown[],
    name?: string,
  ): Promise<R[]>
}

/**
 * The pool with connection-loss handling. A statement retries once on a connection error:
 * right after `pg_terminate_backend` or a restart the pool may still hand out an idle
 * connection that is already dead. Only statements that are safe to repeat come here: reads,
 * and single-statement writes whose repetition is harmless (a claim that committed before its
 * answer was lost leaves a lease that runs out; renewals and retention are idempotent).
 * Request writes go through the group commit, which has its own rules.
 */
export class PgDatabase implements Queryable {
  readonly pool: pg.Pool
  private closed = false

  constructor(readonly options: PgConnectionOptions) {
    this.pool = new pg.Pool({
      ...clientConfig(options),
      max: options.poolSize ?? DEFAULT_POOL_SIZE,
      idleTimeoutMillis: 30_000,
    })
    // An idle connection that the server drops emits 'error' on the pool; without a listener
    // that would crash the process. The pool discards the connection by itself.
    this.pool.on('error', () => {})
  }

  async query<R extends QueryResultRow = QueryResultRow>(
    text: string,
    values: unknown[] = [],
    name?: string,
  ): Promise<R[]> {
    return this.onConnection(async (client) => {
      const result = await client.query<R>(name === undefined ? { text, values } : { text, values, name })
      return result.rows
    })
  }

  /**
   * One statement in a transaction of its own, under planner settings (`SET LOCAL …`) that
   * hold for it alone: for a statement whose only good plan must not hang on statistics, which
   * a fresh, restored or suddenly grown table lacks. Two more round trips than query().
   */
  async queryPlanned<R extends QueryResultRow = QueryResultRow>(
    settings: string,
    text: string,
    values: unknown[],
    name: string,
  ): Promise<R[]> {
    return this.onConnection(async (client) => {
      await client.query(`BEGIN; ${settings}`)
      try {
        const result = await client.query<R>({ text, values, name })
        await client.query('COMMIT')
        return result.rows
      } catch (error) {
        if (!isConnectionError(error)) await client.query('ROLLBACK').catch(() => {})
        throw error
      }
    })
  }

  /** Runs `work` on a pooled connection, once more on a fresh one if the first was dead. */
  private async onConnection<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      // Failing to connect at all (refused, timed out, database not accepting connections)
      // is UnavailableError from connect(): no point in trying again at once.
      const held = await this.connect()
      try {
        const result = await work(held.client)
        held.release()
        return result
      } catch (error) {
        const lost = isConnectionError(error)
        held.release(lost ? error : undefined)
        if (!lost) throw error
        if (attempt >= 1) throw unavailable(error)
      }
    }
  }

  /**
   * A connection of our own for a transaction. node-postgres emits 'error' on a checked-out
   * connection that dies between two queries, which would crash the process without a
   * listener; the listener lives exactly as long as we hold the connection.
   */
  async connect(): Promise<HeldConnection> {
    if (this.closed) throw new StoreClosedError()
    let client: PoolClient
    try {
      client = await this.pool.connect()
    } catch (error) {
      // Refused, timed out, or "database is not accepting connections": all mean "not now".
      throw unavailable(error)
    }
    let broken: unknown = null
    const onError = (error: unknown) => {
      broken = error
    }
    client.on('error', onError)
    return {
      client,
      release(error?: unknown) {
        client.removeListener('error', onError)
        // A connection that failed is destroyed rather than handed to the next caller.
        client.release(error !== undefined || broken !== null ? ((error ?? broken) as Error) : undefined)
      },
    }
  }

  get isClosed(): boolean {
    return this.closed
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.pool.end()
  }
}

export interface HeldConnection {
  client: PoolClient
  /** Returns the connection to the pool, or destroys it if it failed. */
  release(error?: unknown): void
}

/** Runs `text` on a connection we hold, with prepared-statement naming for hot queries. */
export function clientQueryable(client: PoolClient): Queryable {
  return {
    async query<R extends QueryResultRow = QueryResultRow>(
      text: string,
      values: unknown[] = [],
      name?: string,
    ) {
      const result = await client.query<R>(name === undefined ? { text, values } : { text, values, name })
      return result.rows
    },
  }
}
