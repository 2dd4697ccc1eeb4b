import type { Config } from '../config/load-config.js'
import { PgDatabase } from '../store/postgres/pg-database.js'
import { migratePostgres } from '../store/postgres/pg-migrate.js'
import { migrate, openDatabase } from '../store/sqlite/open-database.js'

/** `hookline migrate`: applies pending migrations and reports them. */
export async function migrateCommand(config: Readonly<Config>): Promise<void> {
  const applied =
    config.database.kind === 'sqlite'
      ? migrateSqlite(config.database.path)
      : await migratePg(config.database.url)
  process.stdout.write(applied.length === 0 ? 'database is up to date\n' : `applied ${applied.join(', ')}\n`)
}

function migrateSqlite(path: string): string[] {
  const db = openDatabase(path)
  try {
    return migrate(db)
  } finally {
    db.close()
  }
}

/** Under the same advisory lock as a starting server, so running it beside live processes is safe. */
async function migratePg(url: string): Promise<string[]> {
  const db = new PgDatabase({ connectionString: url, poolSize: 1, applicationName: 'hookline-migrate' })
  try {
    return await migratePostgres(db)
  } finally {
    await db.close()
  }
}
