/**
 * Byte helpers that work on every runtime (no `Buffer`): UTF-8, hex and base64 (standard and URL
 * alphabets). Decoders return `undefined` on malformed input instead of throwing, so callers turn
 * bad input into their own error codes.
 */

const textEncoder = new TextEncoder()
const textDecoder = new TextDecoder()

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const HEX_DIGITS = '0123456789abcdef'

const base64Values = new Int16Array(128).fill(-1)
for (let i = 0; i < BASE64_ALPHABET.length; i++) base64Values[BASE64_ALPHABET.charCodeAt(i)] = i
// Decoding accepts the URL-safe alphabet too: both appear in the wild for the same secret.
base64Values['-'.charCodeAt(0)] = 62
base64Values['_'.charCodeAt(0)] = 63

const hexByte: string[] = []
for (let i = 0; i < 256; i++) hexByte.push((HEX_DIGITS[i >> 4] ?? '') + (HEX_DIGITS[i & 15] ?? ''))

/** Raw body as accepted by `sign` and `verify`. */
export type Payload = string | Uint8Array | ArrayBuffer

export function utf8Encode(text: string): Uint8Array {
  return textEncoder.encode(text)
}

export function utf8Decode(bytes: Uint8Array): string {
  return textDecoder.decode(bytes)
}

/** The payload as bytes, without copying when it already is a `Uint8Array` (a `Buffer` included). */
export function payloadBytes(payload: Payload): Uint8Array {
  if (typeof payload === 'string') return textEncoder.encode(payload)
  if (payload instanceof Uint8Array) return payload
  return new Uint8Array(payload)
}

/** The payload as text (UTF-8), for schemes that parse it (form parameters, JSON ids). */
export function payloadText(payload: Payload): string {
  return typeof payload === 'string' ? payload : textDecoder.decode(payloadBytes(payload))
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0
  for (const part of parts) length += part.length
  const out = new Uint8Array(length)
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

/**
 * `prefix` followed by the payload: a string when the payload is one (HMAC encodes it as UTF-8),
 * bytes otherwise, so binary bodies are signed byte for byte.
 */
export function prefixedPayload(prefix: string, payload: Payload): Uint8Array | string {
  if (typeof payload === 'string') return prefix + payload
  return concatBytes(textEncoder.encode(prefix), payloadBytes(payload))
}

/** Content as bytes (UTF-8 for text). */
export function contentBytes(content: Uint8Array | string): Uint8Array {
  return typeof content === 'string' ? textEncoder.encode(content) : content
}

export function hexEncode(bytes: Uint8Array): string {
  let out = ''
  for (const byte of bytes) out += hexByte[byte]
  return out
}

/** Decodes hex in either case; `undefined` for odd length or a non-hex character. */
export function hexDecode(text: string): Uint8Array | undefined {
  if (text.length % 2 !== 0) return undefined
  const out = new Uint8Array(text.length / 2)
  for (let i = 0; i < out.length; i++) {
    const high = hexValue(text.charCodeAt(i * 2))
    const low = hexValue(text.charCodeAt(i * 2 + 1))
    if (high < 0 || low < 0) return undefined
    out[i] = (high << 4) | low
  }
  return out
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48
  if (code >= 97 && code <= 102) return code - 87
  if (code >= 65 && code <= 70) return code - 55
  return -1
}

/** Standard base64 with `=` padding (RFC 4648 §4). */
export function base64Encode(bytes: Uint8Array): string {
  let out = ''
  let i = 0
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0)
    out += char(n >> 18) + char(n >> 12) + char(n >> 6) + char(n)
  }
  const rest = bytes.length - i
  if (rest === 1) {
    const n = (bytes[i] ?? 0) << 16
    out += `${char(n >> 18) + char(n >> 12)}==`
  } else if (rest === 2) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8)
    out += `${char(n >> 18) + char(n >> 12) + char(n >> 6)}=`
  }
  return out
}

function char(sextet: number): string {
  return BASE64_ALPHABET[sextet & 63] ?? ''
}

/** URL-safe base64 without padding (RFC 4648 §5), as JWK wants. */
export function base64UrlEncode(bytes: Uint8Array): string {
  return base64Encode(bytes).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')
}

/**
 * Decodes base64 in the standard or URL alphabet, padding optional; `undefined` for any other
 * character or an impossible length.
 */
export function base64Decode(text: string): Uint8Array | undefined {
  let end = text.length
  while (end > 0 && text.charCodeAt(end - 1) === 61 /* = */) end--
  if (text.length - end > 2) return undefined
  if (end % 4 === 1) return undefined
  if (text.length !== end && text.length % 4 !== 0) return undefined
  const out = new Uint8Array(Math.floor((end * 3) / 4))
  let buffer = 0
  let bits = 0
  let o = 0
  for (let i = 0; i < end; i++) {
    const code = text.charCodeAt(i)
    const value = code < 128 ? (base64Values[code] ?? -1) : -1
    if (value < 0) return undefined
    buffer = ((buffer << 6) | value) & 0xffffff
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out[o++] = (buffer >> bits) & 0xff
    }
  }
  return out
}
