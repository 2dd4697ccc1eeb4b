import type { Config } from '../config/load-config.js'
import { type Metrics, NO_METRICS } from '../core/metrics.js'
import { createSecretCipher } from '../store/secret-cipher.js'
import { openSqliteStore } from '../store/sqlite/sqlite-store.js'
import type { Store } from '../store/store.js'
import { loadOrCreateEncryptionKey } from './data-dir.js'

/** Picks the backend named by HOOKLINE_DATABASE_URL. */
export function openStore(
  config: Pick<Config, 'database' | 'encryptionKey' | 'dataDir'>,
  metrics: Metrics = NO_METRICS,
): Store {
  const cipher = createSecretCipher(config.encryptionKey ?? loadOrCreateEncryptionKey(config.dataDir))
  if (config.database.kind === 'sqlite')
    return openSqliteStore({ path: config.database.path, cipher, metrics })
  throw new Error(
    'this build of Hookline supports sqlite: databases only; PostgreSQL support is not included yet',
  )
}
