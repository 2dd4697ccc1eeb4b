import { randomBytes } from 'node:crypto'
import { loadConfig } from '../config/load-config.js'
import { createSecretCipher } from '../store/secret-cipher.js'
import { promoteNextKey, stageNextKey } from './data-dir.js'
import { encryptionKeys, openStore } from './open-store.js'

export const ROTATE_HELP = `Usage: hookline rotate-encryption-key [--new-key BASE64] [serve options]

Re-seals every stored secret (endpoint signing secrets, source verifiers) with a new
encryption key, in one transaction. Stop the servers first; start them again with the new key.

  --new-key BASE64   the new 32-byte key (default: a random one)

Without HOOKLINE_ENCRYPTION_KEY the keys live in the data directory: the new key is written
there before anything is re-sealed and becomes encryption.key afterwards (the previous one is
kept as encryption.key.old until you delete it), so an interrupted rotation loses nothing.
With HOOKLINE_ENCRYPTION_KEY, the new key is printed: set it before the next start.`

/** `hookline rotate-encryption-key`. */
export async function rotateEncryptionKeyCommand(env: NodeJS.ProcessEnv, args: string[]): Promise<void> {
  const at = args.indexOf('--new-key')
  const given = at >= 0 ? args[at + 1] : undefined
  if (at >= 0 && given === undefined) throw new Error('--new-key needs a value')
  const rest = at >= 0 ? [...args.slice(0, at), ...args.slice(at + 2)] : args
  const config = loadConfig(env, rest)

  const newKey = given === undefined ? randomBytes(32) : Buffer.from(given, 'base64')
  if (newKey.length !== 32) throw new Error('--new-key must be 32 bytes encoded as base64')
  const oldKeys = encryptionKeys(config)
  const fromDataDir = config.encryptionKeys === null
  if (fromDataDir) stageNextKey(config.dataDir, newKey)

  const cipher = createSecretCipher([newKey, ...oldKeys])
  const store = await openStore(config, undefined, cipher)
  let count: number
  try {
    count = await store.resealSecrets((sealed) =>
      cipher.isCurrent(sealed) ? sealed : cipher.seal(cipher.open(sealed)),
    )
  } finally {
    await store.close()
  }

  if (fromDataDir) {
    promoteNextKey(config.dataDir)
    process.stdout.write(`re-sealed ${count} secrets; the new key is ${config.dataDir}/encryption.key\n`)
  } else {
    process.stdout.write(
      `re-sealed ${count} secrets with the new key. Before the next start, set\n` +
        `HOOKLINE_ENCRYPTION_KEY=${newKey.toString('base64')}\n`,
    )
  }
}
