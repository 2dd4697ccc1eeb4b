import type { SecretCipher } from './secret-cipher.js'

/**
 * Sealed JSON values opened once and kept by their sealed text: a value that changes is
 * sealed anew (a new text), so nothing here can go stale. For what is opened on hot paths, such
 * as a source's verifier on every inbound request. Bounded: cleared when it grows past `limit`.
 */
export class SealedJsonCache<T> {
  private readonly opened = new Map<string, T>()

  constructor(
    private readonly cipher: SecretCipher,
    private readonly limit = 1000,
  ) {}

  open(sealed: string): T {
    let value = this.opened.get(sealed)
    if (value === undefined) {
      value = JSON.parse(this.cipher.open(sealed)) as T
      if (this.opened.size >= this.limit) this.opened.clear()
      this.opened.set(sealed, value)
    }
    return value
  }
}
