import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto'

/**
 * Secrets at rest (endpoint signing secrets, source verifiers) are sealed with AES-256-GCM: a
 * database dump alone does not reveal them. The AES key is derived with HKDF-SHA256 from the
 * operator's master key, so the master key is never used directly and other uses can derive
 * keys of their own. Format: `v1.<key id>.` + base64 of iv (12 bytes) ‖ tag (16) ‖ ciphertext;
 * the key id names which master key sealed a value, which is what makes rotation possible.
 */
export interface SecretCipher {
  seal(plaintext: string): string
  open(sealed: string): string
  /** True when `sealed` was sealed with the current (first) key. */
  isCurrent(sealed: string): boolean
}

const HKDF_INFO = 'hookline secrets at rest v1'

interface DerivedKey {
  id: string
  key: Buffer
}

function derive(master: Buffer): DerivedKey {
  if (master.length !== 32) throw new Error('an encryption key must be 32 bytes')
  const key = Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), HKDF_INFO, 32))
  // The id is a hash of the derived key: it identifies the key without revealing it.
  const id = createHash('sha256').update('hookline key id').update(key).digest('hex').slice(0, 8)
  return { id, key }
}

/** Seals with the first key; opens values sealed with any of them (rotation in progress). */
export function createSecretCipher(masterKeys: Buffer | readonly Buffer[]): SecretCipher {
  const keys = (Buffer.isBuffer(masterKeys) ? [masterKeys] : masterKeys).map(derive)
  const current = keys[0]
  if (current === undefined) throw new Error('at least one encryption key is needed')
  return {
    seal(plaintext) {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', current.key, iv)
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
      return `v1.${current.id}.${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64')}`
    },
    open(sealed) {
      const [version, keyId, payload] = sealed.split('.')
      if (version !== 'v1' || keyId === undefined || payload === undefined)
        throw new Error('unknown secret format')
      const match = keys.find((key) => key.id === keyId)
      if (!match) {
        throw new Error(
          `a stored secret was sealed with another encryption key (key id ${keyId}); ` +
            'start with the key it was sealed with (HOOKLINE_ENCRYPTION_KEY or the data directory)',
        )
      }
      const raw = Buffer.from(payload, 'base64')
      const decipher = createDecipheriv('aes-256-gcm', match.key, raw.subarray(0, 12))
      decipher.setAuthTag(raw.subarray(12, 28))
      // A tampered value fails here (GCM authentication), never with silently garbled secrets.
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')
    },
    isCurrent(sealed) {
      return sealed.startsWith(`v1.${current.id}.`)
    },
  }
}
