import { readdirSync, readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { PgDatabase } from './pg-database.js'

/** Both `src/store/postgres/` (tests) and `dist/store/postgres/` (built) sit three levels below the package. */
const MIGRATIONS_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../../src/store/postgres/migrations',
)

/**
 * Key of the session advisory lock held while migrating: the first process to start applies
 * the migrations, the others wait for it and then find nothing left to do. Any constant works
 * as long as nothing else in the database uses the same one ('hook' in ASCII).
 */
const MIGRATION_LOCK_KEY = 0x686f6f6b

export function migrationFiles(): string[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((name) => /^\d{4}_[a-z0-9_]+\.sql$/.test(name))
    .sort()
}

/**
 * Applies the numbered migrations not yet applied, each in its own transaction, under an
 * advisory lock so that several processes starting together do not race; returns their names.
 */
export async function migratePostgres(db: PgDatabase): Promise<string[]> {
  const { client, release } = await db.connect()
  let failure: unknown
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY])
    try {
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)',
      )
      const { rows } = await client.query<{ name: string }>('SELECT name FROM schema_migrations')
      const applied = new Set(rows.map((row) => row.name))
      const newlyApplied: string[] = []
      for (const file of migrationFiles()) {
        if (applied.has(file)) continue
        const sql = readFileSync(resolve(MIGRATIONS_DIR, file), 'utf8')
        await client.query('BEGIN')
        try {
          await client.query(sql)
          await client.query('INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)', [
            file,
            Date.now(),
          ])
          await client.query('COMMIT')
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {})
          throw new Error(`migration ${file} failed: ${(error as Error).message}`, { cause: error })
        }
        newlyApplied.push(file)
      }
      return newlyApplied
    } finally {
      // A session lock outlives a failed transaction; give it back whatever happened.
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {})
    }
  } catch (error) {
    failure = error
    throw error
  } finally {
    release(failure)
  }
}
