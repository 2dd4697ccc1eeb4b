import type { Config } from '../config/load-config.js'
import { type Metrics, NO_METRICS } from '../core/metrics.js'
import { openPostgresStore } from '../store/postgres/postgres-store.js'
import { createSecretCipher, type SecretCipher } from '../store/secret-cipher.js'
import { openSqliteStore } from '../store/sqlite/sqlite-store.js'
import type { Store } from '../store/store.js'
import { loadOrCreateEncryptionKeys } from './data-dir.js'

/** The configured keys, or the data directory's key files (created on first start). */
export function encryptionKeys(config: Pick<Config, 'encryptionKeys' | 'dataDir'>): Buffer[] {
  return config.encryptionKeys ?? loadOrCreateEncryptionKeys(config.dataDir)
}

/**
 * Picks the backend named by HOOKLINE_DATABASE_URL. Async because PostgreSQL connects and
 * migrates (under an advisory lock) before the store can be used.
 */
export async function openStore(
  config: Pick<Config, 'database' | 'encryptionKeys' | 'dataDir'>,
  metrics: Metrics = NO_METRICS,
  cipher: SecretCipher = createSecretCipher(encryptionKeys(config)),
): Promise<Store> {
  if (config.database.kind === 'sqlite')
    return openSqliteStore({ path: config.database.path, cipher, metrics, backgroundCheckpoints: true })
  return openPostgresStore({ connectionString: config.database.url, cipher, metrics })
}
