import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const KEY_FILE = 'encryption.key'

/**
 * The key that seals secrets at rest. Without HOOKLINE_ENCRYPTION_KEY, one is generated into
 * the data directory on first start (readable by the owner only) and reused afterwards. Losing
 * it makes stored endpoint secrets unreadable, so it is never regenerated over an existing one.
 */
export function loadOrCreateEncryptionKey(dataDir: string): Buffer {
  mkdirSync(dataDir, { recursive: true })
  const path = join(dataDir, KEY_FILE)
  if (existsSync(path)) {
    const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64')
    if (key.length !== 32) throw new Error(`${path} does not hold a 32-byte base64 key`)
    return key
  }
  const key = randomBytes(32)
  writeFileSync(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' })
  chmodSync(path, 0o600)
  return key
}
