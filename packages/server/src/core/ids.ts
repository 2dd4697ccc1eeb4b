import { randomBytes } from 'node:crypto'

/**
 * Prefixed, time-sortable ids (`evt_01J…`): 48 bits of milliseconds and 80 random bits in
 * Crockford base32, like a ULID. Ids made in the same millisecond by one process still sort in
 * creation order because the random part is incremented instead of redrawn.
 */
export type IdPrefix = 'evt' | 'et' | 'ep' | 'dlv' | 'att' | 'src' | 'key' | 'pol'

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

let lastMs = -1
let lastRandom = new Uint8Array(10)

export function newId(prefix: IdPrefix, nowMs: number = Date.now()): string {
  if (nowMs === lastMs) {
    incrementInPlace(lastRandom)
  } else {
    lastMs = nowMs
    lastRandom = new Uint8Array(randomBytes(10))
  }
  return `${prefix}_${encodeTime(nowMs)}${encodeRandom(lastRandom)}`
}

function encodeTime(ms: number): string {
  let out = ''
  let rest = ms
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[rest % 32] + out
    rest = Math.floor(rest / 32)
  }
  return out
}

export function encodeRandom(bytes: Uint8Array): string {
  // 80 bits -> 16 base32 characters, five bits at a time, most significant first. Plain
  // numbers, not a BigInt: this runs for every event, delivery and attempt.
  let out = ''
  let buffer = 0
  let buffered = 0
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xfff
    buffered += 8
    while (buffered >= 5) {
      buffered -= 5
      out += ALPHABET[(buffer >> buffered) & 31]
    }
  }
  return out
}

function incrementInPlace(bytes: Uint8Array): void {
  for (let i = bytes.length - 1; i >= 0; i--) {
    const next = (bytes[i] ?? 0) + 1
    bytes[i] = next & 0xff
    if (next <= 0xff) return
  }
}
