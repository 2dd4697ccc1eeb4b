import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'

/**
 * Secrets at rest (endpoint signing secrets, later source secrets) are sealed with
 * AES-256-GCM: a database dump alone does not reveal them. Format: `v1.` + base64 of
 * iv (12 bytes) ‖ auth tag (16 bytes) ‖ ciphertext. The version prefix lets a later key
 * rotation tell old and new ciphertexts apart.
 */
export interface SecretCipher {
  seal(plaintext: string): string
  open(sealed: string): string
}

export function createSecretCipher(key: Buffer): SecretCipher {
  if (key.length !== 32) throw new Error('the encryption key must be 32 bytes')
  return {
    seal(plaintext) {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', key, iv)
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
      return `v1.${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64')}`
    },
    open(sealed) {
      if (!sealed.startsWith('v1.')) throw new Error('unknown secret format')
      const raw = Buffer.from(sealed.slice(3), 'base64')
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12))
      decipher.setAuthTag(raw.subarray(12, 28))
      // A wrong key fails here (GCM authentication), never with silently garbled secrets.
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')
    },
  }
}
