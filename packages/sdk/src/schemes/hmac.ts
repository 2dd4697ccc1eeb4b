/**
 * The generic HMAC scheme of the seed article, and the engine behind every provider that signs
 * one HMAC in one header (GitHub, Shopify, Slack): a header name, an algorithm, an encoding, an
 * optional prefix (`sha256=`), an optional timestamp header, and a template for the signed
 * content in which `{body}` stands for the raw bytes.
 */

import { type HashName, hmac, timingSafeEqualText } from '../crypto.js'
import {
  base64Decode,
  base64Encode,
  concatBytes,
  hexDecode,
  hexEncode,
  type Payload,
  payloadBytes,
  utf8Encode,
} from '../encoding.js'
import { InvalidSecretError, MalformedHeaderError, SignatureMismatchError } from '../errors.js'
import type { HmacSchemeOptions, SchemeName, VerifiedWebhook } from '../types.js'
import {
  checkTimestamp,
  parseUnixSeconds,
  randomMessageId,
  requireHeader,
  type SignContext,
  type VerifyContext,
  type WebhookScheme,
} from './scheme.js'

const hashNames = { sha1: 'SHA-1', sha256: 'SHA-256', sha512: 'SHA-512' } as const satisfies Record<
  string,
  HashName
>

/** Fully resolved options: what a provider fixes, or what a user configured for `hmac`. */
export interface HmacConfig {
  header: string
  hash: HashName
  encoding: 'hex' | 'base64'
  prefix: string
  timestampHeader: string | undefined
  idHeader: string | undefined
  template: string
  secretEncoding: 'utf8' | 'hex' | 'base64'
}

const MAX_HEADER_NAME_LENGTH = 256

export function resolveHmacConfig(options: HmacSchemeOptions): HmacConfig {
  const algorithm = options.algorithm ?? 'sha256'
  const hash = Object.hasOwn(hashNames, algorithm) ? hashNames[algorithm] : undefined
  if (!hash) throw new TypeError('hmac algorithm must be sha256, sha512 or sha1')
  const encoding = options.encoding ?? 'hex'
  if (encoding !== 'hex' && encoding !== 'base64') throw new TypeError('hmac encoding must be hex or base64')
  const secretEncoding = options.secretEncoding ?? 'utf8'
  if (!['utf8', 'hex', 'base64'].includes(secretEncoding)) {
    throw new TypeError('hmac secretEncoding must be utf8, hex or base64')
  }
  const header = options.header ?? 'x-webhook-signature'
  for (const name of [header, options.timestampHeader, options.idHeader]) {
    if (name !== undefined && (name === '' || name.length > MAX_HEADER_NAME_LENGTH)) {
      throw new TypeError('hmac header names must be non-empty')
    }
  }
  const template = options.template ?? (options.timestampHeader ? '{timestamp}.{body}' : '{body}')
  if (!template.includes('{body}')) throw new TypeError('an hmac template must contain {body}')
  return {
    header: header.toLowerCase(),
    hash,
    encoding,
    prefix: options.prefix ?? '',
    timestampHeader: options.timestampHeader?.toLowerCase(),
    idHeader: options.idHeader?.toLowerCase(),
    template,
    secretEncoding,
  }
}

function keyBytes(secret: string, encoding: HmacConfig['secretEncoding']): Uint8Array {
  if (encoding === 'utf8') return utf8Encode(secret)
  const decoded = encoding === 'hex' ? hexDecode(secret) : base64Decode(secret)
  if (!decoded || decoded.length === 0) throw new InvalidSecretError(`the secret is not valid ${encoding}`)
  return decoded
}

interface TemplateValues {
  id: string | undefined
  timestamp: string | undefined
  url: string | undefined
}

/** The signed content: the template with its placeholders filled, `{body}` as the raw bytes. */
export function renderTemplate(
  template: string,
  values: TemplateValues,
  payload: Payload,
): Uint8Array | string {
  const fill = (text: string) =>
    text.replace(/\{(id|timestamp|url)\}/g, (_, name: keyof TemplateValues) => values[name] ?? '')
  const bodyAt = template.indexOf('{body}')
  const before = fill(template.slice(0, bodyAt))
  const after = fill(template.slice(bodyAt + '{body}'.length))
  if (typeof payload === 'string') return before + payload + after
  if (before === '' && after === '') return payloadBytes(payload)
  return concatBytes(utf8Encode(before), payloadBytes(payload), utf8Encode(after))
}

export async function hmacSignature(
  config: HmacConfig,
  secret: string,
  content: Uint8Array | string,
): Promise<string> {
  const mac = await hmac(
    config.hash,
    `${config.secretEncoding}:${secret}`,
    () => keyBytes(secret, config.secretEncoding),
    content,
  )
  return config.encoding === 'hex' ? hexEncode(mac) : base64Encode(mac)
}

/** Signs one HMAC with the first (current) secret: these headers carry a single signature. */
export async function signHmac(config: HmacConfig, context: SignContext): Promise<Record<string, string>> {
  const headers: Record<string, string> = {}
  const timestamp = config.timestampHeader ? String(context.timestampSeconds) : undefined
  const id = config.idHeader ? (context.id ?? randomMessageId('msg_')) : context.id
  const content = renderTemplate(config.template, { id, timestamp, url: context.url }, context.payload)
  const [secret = ''] = context.secrets
  headers[config.header] = config.prefix + (await hmacSignature(config, secret, content))
  if (config.timestampHeader && timestamp !== undefined) headers[config.timestampHeader] = timestamp
  if (config.idHeader && id !== undefined) headers[config.idHeader] = id
  return headers
}

/** Verifies one HMAC header against every secret; resolves with the id and timestamp it found. */
export async function verifyHmac(config: HmacConfig, context: VerifyContext): Promise<VerifiedWebhook> {
  const value = requireHeader(context.header, config.header)
  if (config.prefix && value.slice(0, config.prefix.length).toLowerCase() !== config.prefix.toLowerCase()) {
    throw new MalformedHeaderError(config.header, `expected the ${config.prefix} prefix`)
  }
  let received = value.slice(config.prefix.length).trim()
  // Hex is case-insensitive; base64 is not.
  if (config.encoding === 'hex') received = received.toLowerCase()

  const result: VerifiedWebhook = {}
  let timestampText: string | undefined
  if (config.timestampHeader) {
    timestampText = requireHeader(context.header, config.timestampHeader)
    result.timestamp = parseUnixSeconds(config.timestampHeader, timestampText)
    checkTimestamp(result.timestamp, context)
  }
  const id = config.idHeader ? context.header(config.idHeader) : undefined
  if (id !== undefined) result.id = id

  const content = renderTemplate(
    config.template,
    { id, timestamp: timestampText, url: context.url },
    context.payload,
  )
  let matched = false
  for (const secret of context.secrets) {
    matched = timingSafeEqualText(await hmacSignature(config, secret, content), received) || matched
  }
  if (!matched) throw new SignatureMismatchError()
  return result
}

/** A provider scheme that is the generic engine with fixed options. */
export function fixedHmacScheme(
  name: SchemeName,
  options: HmacSchemeOptions,
  messageId?: (context: VerifyContext) => string | undefined,
): WebhookScheme {
  const config = resolveHmacConfig(options)
  return {
    name,
    sign: (context) => signHmac(config, context),
    async verify(context) {
      const result = await verifyHmac(config, context)
      const id = result.id ?? messageId?.(context)
      return id === undefined ? result : { ...result, id }
    },
  }
}

/** `hmac`: the generic scheme, configured per call through `HmacSchemeOptions`. */
export const genericHmac: WebhookScheme = {
  name: 'hmac',
  sign: (context) => signHmac(resolveHmacConfig(context.options), context),
  verify: (context) => verifyHmac(resolveHmacConfig(context.options), context),
}
