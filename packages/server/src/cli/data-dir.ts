import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * The encryption key files of a data directory:
 * - `encryption.key`: the current key (seals new secrets);
 * - `encryption.key.next`: written by `rotate-encryption-key` before it re-seals anything;
 * - `encryption.key.old`: the key that was current before the last rotation.
 * Every file present can open secrets, so a rotation interrupted at any point loses nothing.
 */
const CURRENT = 'encryption.key'
const NEXT = 'encryption.key.next'
const OLD = 'encryption.key.old'

function readKey(path: string): Buffer {
  const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64')
  if (key.length !== 32) throw new Error(`${path} does not hold a 32-byte base64 key`)
  return key
}

function writeKey(path: string, key: Buffer): void {
  writeFileSync(path, `${key.toString('base64')}\n`, { mode: 0o600 })
  chmodSync(path, 0o600)
}

/**
 * Without HOOKLINE_ENCRYPTION_KEY, the current key is generated into the data directory on
 * first start (readable by the owner only) and reused afterwards; the other files, if present,
 * are returned after it. Losing the key makes stored secrets unreadable, so an existing file
 * is never overwritten here.
 */
export function loadOrCreateEncryptionKeys(dataDir: string): Buffer[] {
  mkdirSync(dataDir, { recursive: true })
  const current = join(dataDir, CURRENT)
  if (!existsSync(current)) {
    const key = randomBytes(32)
    writeFileSync(current, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' })
    chmodSync(current, 0o600)
  }
  return [current, join(dataDir, NEXT), join(dataDir, OLD)].filter((path) => existsSync(path)).map(readKey)
}

/** Step 1 of a rotation: the new key is on disk before any secret is sealed with it. */
export function stageNextKey(dataDir: string, key: Buffer): void {
  writeKey(join(dataDir, NEXT), key)
}

/** Step 3, after every secret is re-sealed and committed: the new key becomes current. */
export function promoteNextKey(dataDir: string): void {
  renameSync(join(dataDir, CURRENT), join(dataDir, OLD))
  renameSync(join(dataDir, NEXT), join(dataDir, CURRENT))
}
