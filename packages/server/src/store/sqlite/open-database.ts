import { mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'

/** Both `src/store/sqlite/` (tests) and `dist/store/sqlite/` (built) sit three levels below the package. */
const MIGRATIONS_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../../src/store/sqlite/migrations',
)

export type SqliteDatabase = Database.Database
export type Statement = Database.Statement

/**
 * Opens the database with the settings durability depends on: WAL so readers never block the
 * writer, and `synchronous = FULL` so every commit is fsynced before it returns (a 2xx means
 * "on disk"; throughput comes from committing many requests per transaction, not from this).
 */
export function openDatabase(path: string): SqliteDatabase {
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true })
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  db.pragma('foreign_keys = ON')
  // Every write in a group commit runs in its own savepoint; their statement journals would
  // otherwise go to temporary files, which cost more than the inserts themselves (≈25 µs per
  // write measured). They only serve rollbacks within a transaction: durability is the WAL's.
  db.pragma('temp_store = MEMORY')
  // Another process holding the file (a `hookline migrate` next to a server) waits, not fails.
  db.pragma('busy_timeout = 5000')
  return db
}

/**
 * Runs `run` (a transaction) with `synchronous = NORMAL`: its COMMIT is atomic and keeps the
 * database consistent but does not fsync; the next fsynced commit makes it durable too, and
 * until then an OS crash or power loss (not a process crash) may roll it back. Only for writes
 * whose loss means work is done again, never for anything acknowledged to a client.
 */
export function withoutFsync<T>(db: SqliteDatabase, run: () => T): T {
  // exec, not a cached prepared statement: SQLite applies this pragma when the statement is
  // compiled, so running a prepared one again changes nothing.
  db.exec('PRAGMA synchronous = NORMAL')
  try {
    return run()
  } finally {
    db.exec('PRAGMA synchronous = FULL')
  }
}

/** Applies the numbered migrations not yet applied, each in its own transaction; returns their names. */
export function migrate(db: SqliteDatabase): string[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)')
  const applied = new Set(
    (db.prepare('SELECT name FROM schema_migrations').all() as { name: string }[]).map((row) => row.name),
  )
  const files = readdirSync(MIGRATIONS_DIR)
    .filter((name) => /^\d{4}_[a-z0-9_]+\.sql$/.test(name))
    .sort()
  const newlyApplied: string[] = []
  for (const file of files) {
    if (applied.has(file)) continue
    const sql = readFileSync(resolve(MIGRATIONS_DIR, file), 'utf8')
    db.transaction(() => {
      db.exec(sql)
      db.prepare('INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)').run(file, Date.now())
    }).immediate()
    newlyApplied.push(file)
  }
  return newlyApplied
}
