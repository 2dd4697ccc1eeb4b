/**
 * HMAC, SHA-256 and Ed25519 for every runtime. Web Crypto (`globalThis.crypto.subtle`) is the
 * portable path; on Node (and Bun/Deno, which emulate it) HMAC and SHA-256 use `node:crypto`,
 * reached through `process.getBuiltinModule` so nothing is imported statically and bundlers for
 * other runtimes see no Node dependency. The reason is speed: Node runs each Web Crypto call as
 * a thread-pool job, about 12,000 HMACs per second per core against 150,000 synchronously, and a
 * sender signs every attempt. Imported keys are cached in a small LRU for the same reason.
 */

import type * as NodeCryptoModule from 'node:crypto'
import { base64Decode, concatBytes } from './encoding.js'

type Subtle = typeof globalThis.crypto.subtle
type ImportedKey = Awaited<ReturnType<Subtle['importKey']>>
type NodeCrypto = Pick<typeof NodeCryptoModule, 'createHmac' | 'createHash' | 'createSecretKey'>
type NodeSecretKey = ReturnType<NodeCrypto['createSecretKey']>

export type HashName = 'SHA-1' | 'SHA-256' | 'SHA-512'

const nodeHashNames: Record<HashName, string> = { 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-512': 'sha512' }

function loadNodeCrypto(): NodeCrypto | undefined {
  const runtime = globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
  try {
    const module = runtime.process?.getBuiltinModule?.('node:crypto') as Partial<NodeCrypto> | undefined
    if (module?.createHmac && module.createHash && module.createSecretKey) return module as NodeCrypto
  } catch {
    // An emulated `process` without the module: Web Crypto it is.
  }
  return undefined
}

const nodeCrypto = loadNodeCrypto()
const textEncoder = new TextEncoder()

function subtle(): Subtle {
  const webCrypto = globalThis.crypto
  if (!webCrypto?.subtle)
    throw new Error('Web Crypto (globalThis.crypto.subtle) is not available on this runtime')
  return webCrypto.subtle
}

// Web Crypto's BufferSource type is stricter than Uint8Array<ArrayBufferLike> in recent TS libs.
type Bytes = Uint8Array<ArrayBuffer>
function bytes(data: Uint8Array): Bytes {
  return data as Bytes
}

/**
 * A small LRU map. Keys are cache ids built from secrets, so it is never iterated, logged or
 * exported; 512 entries cover a busy sender's live endpoints without growing without bound.
 */
class KeyCache<V> {
  readonly #entries = new Map<string, V>()
  readonly #maxEntries: number

  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries
  }

  get(id: string, load: () => V): V {
    const hit = this.#entries.get(id)
    if (hit !== undefined) {
      this.#entries.delete(id)
      this.#entries.set(id, hit)
      return hit
    }
    const loaded = load()
    this.#entries.set(id, loaded)
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next()
      if (!oldest.done) this.#entries.delete(oldest.value)
    }
    return loaded
  }

  delete(id: string): void {
    this.#entries.delete(id)
  }
}

const webKeys = new KeyCache<Promise<ImportedKey>>(512)
const nodeKeys = new KeyCache<NodeSecretKey>(512)

function cachedWebKey(id: string, load: () => Promise<ImportedKey>): Promise<ImportedKey> {
  const key = webKeys.get(id, load)
  // A failed import must not stay cached; the caller still sees the rejection.
  key.catch(() => webKeys.delete(id))
  return key
}

/**
 * HMAC of `data` with a key identified by `cacheId` (which must encode how `keyBytes` derive from
 * the secret, e.g. `whsec:<secret>`) and produced by `keyBytes` on a cache miss.
 */
export async function hmac(
  hash: HashName,
  cacheId: string,
  keyBytes: () => Uint8Array,
  data: Uint8Array | string,
): Promise<Uint8Array> {
  if (nodeCrypto) return nodeHmac(nodeCrypto, hash, cacheId, keyBytes, data)
  return webCryptoHmac(hash, cacheId, keyBytes, data)
}

export function nodeHmac(
  node: NodeCrypto,
  hash: HashName,
  cacheId: string,
  keyBytes: () => Uint8Array,
  data: Uint8Array | string,
): Uint8Array {
  const key = nodeKeys.get(cacheId, () => node.createSecretKey(keyBytes()))
  // Strings go to node:crypto as they are: it encodes UTF-8 faster than TextEncoder.
  const mac = node.createHmac(nodeHashNames[hash], key).update(data).digest()
  // A plain view, not a Buffer: callers and tests see one type on every runtime.
  return new Uint8Array(mac.buffer, mac.byteOffset, mac.length)
}

export async function webCryptoHmac(
  hash: HashName,
  cacheId: string,
  keyBytes: () => Uint8Array,
  data: Uint8Array | string,
): Promise<Uint8Array> {
  const key = await cachedWebKey(`hmac:${hash}:${cacheId}`, async () =>
    subtle().importKey('raw', bytes(keyBytes()), { name: 'HMAC', hash }, false, ['sign']),
  )
  const message = typeof data === 'string' ? textEncoder.encode(data) : data
  return new Uint8Array(await subtle().sign('HMAC', key, bytes(message)))
}

/** `node:crypto` when the runtime has it (exported for tests that compare both paths). */
export const nodeCryptoForTests = nodeCrypto

export async function sha256(data: Uint8Array): Promise<Uint8Array> {
  if (nodeCrypto) return new Uint8Array(nodeCrypto.createHash('sha256').update(data).digest())
  return new Uint8Array(await subtle().digest('SHA-256', bytes(data)))
}

/**
 * Compares two byte strings in time that depends only on their lengths (which are public: every
 * signature of a scheme has the same length).
 */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0)
  return diff === 0
}

/** {@link timingSafeEqual} for ASCII signature strings (hex or base64). */
export function timingSafeEqualText(a: string, b: string): boolean {
  return timingSafeEqual(textEncoder.encode(a), textEncoder.encode(b))
}

export function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length)
  globalThis.crypto.getRandomValues(out)
  return out
}

// PKCS#8 wrapping of a 32-byte Ed25519 seed (RFC 8410): the only private-key form every runtime imports.
const ED25519_PKCS8_PREFIX = new Uint8Array([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
])

export async function ed25519Sign(
  cacheId: string,
  seed: () => Uint8Array,
  data: Uint8Array,
): Promise<Uint8Array> {
  const key = await cachedWebKey(`ed25519-private:${cacheId}`, async () =>
    subtle().importKey(
      'pkcs8',
      bytes(concatBytes(ED25519_PKCS8_PREFIX, seed())),
      { name: 'Ed25519' },
      false,
      ['sign'],
    ),
  )
  return new Uint8Array(await subtle().sign('Ed25519', key, bytes(data)))
}

export async function ed25519Verify(
  cacheId: string,
  publicKey: () => Uint8Array,
  signature: Uint8Array,
  data: Uint8Array,
): Promise<boolean> {
  const key = await cachedWebKey(`ed25519-public:${cacheId}`, async () =>
    subtle().importKey('raw', bytes(publicKey()), { name: 'Ed25519' }, false, ['verify']),
  )
  return subtle().verify('Ed25519', key, bytes(signature), bytes(data))
}

/** The 32-byte public key of a 32-byte Ed25519 seed. */
export async function ed25519PublicKey(seed: Uint8Array): Promise<Uint8Array> {
  const privateKey = await subtle().importKey(
    'pkcs8',
    bytes(concatBytes(ED25519_PKCS8_PREFIX, seed)),
    { name: 'Ed25519' },
    true,
    ['sign'],
  )
  const jwk = await subtle().exportKey('jwk', privateKey)
  const x = jwk.x
  if (!x) throw new Error('Web Crypto did not export the Ed25519 public key')
  const decoded = base64Decode(x)
  if (!decoded) throw new Error('Web Crypto exported a malformed Ed25519 public key')
  return decoded
}

/** A fresh Ed25519 key pair as raw bytes: a 32-byte seed and the 32-byte public key. */
export async function ed25519GenerateKeyPair(): Promise<{ seed: Uint8Array; publicKey: Uint8Array }> {
  const seed = randomBytes(32)
  return { seed, publicKey: await ed25519PublicKey(seed) }
}
