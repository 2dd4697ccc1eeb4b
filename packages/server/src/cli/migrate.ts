import type { Config } from '../config/load-config.js'
import { migrate, openDatabase } from '../store/sqlite/open-database.js'

/** `hookline migrate`: applies pending migrations and reports them. */
export async function migrateCommand(config: Readonly<Config>): Promise<void> {
  if (config.database.kind !== 'sqlite') {
    throw new Error(
      'this build of Hookline supports sqlite: databases only; PostgreSQL support is not included yet',
    )
  }
  const db = openDatabase(config.database.path)
  try {
    const applied = migrate(db)
    process.stdout.write(
      applied.length === 0 ? 'database is up to date\n' : `applied ${applied.join(', ')}\n`,
    )
  } finally {
    db.close()
  }
}
