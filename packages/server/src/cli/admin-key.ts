import { generateApiKey } from '../http/auth.js'
import type { Store } from '../store/store.js'

/**
 * With no HOOKLINE_API_KEY and no key stored yet, creates the admin key. Returns it so that it
 * can be printed once; only its hash is stored, so it can never be shown again.
 */
export async function ensureAdminKey(store: Store, envKey: string | null): Promise<string | null> {
  if (envKey !== null) return null
  if ((await store.countApiKeys()) > 0) return null
  const { token, hash, prefix } = generateApiKey()
  // Atomic: of several processes starting together on one empty database, one makes the key.
  const created = await store.createFirstApiKey({
    hash,
    prefix,
    name: 'admin (generated on first start)',
    scope: 'admin',
  })
  return created ? token : null
}
