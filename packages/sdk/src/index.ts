export type { Payload } from './encoding.js'
export {
  HooklineError,
  InvalidSecretError,
  MalformedHeaderError,
  MissingHeaderError,
  SignatureMismatchError,
  TimestampOutOfRangeError,
  UnsupportedSchemeError,
  WebhookVerificationError,
  type WebhookVerificationErrorCode,
} from './errors.js'
export { type HeaderReader, type HeadersInput, headerReader } from './headers.js'
export { SCHEME_NAMES } from './schemes/registry.js'
export { generateKeyPair, generateSecret, type WebhookKeyPair } from './secrets.js'
export { sign } from './sign.js'
export type {
  FormParams,
  HmacAlgorithm,
  HmacSchemeOptions,
  SchemeName,
  SecretInput,
  SignatureEncoding,
  SignOptions,
  VerifiedWebhook,
  VerifyOptions,
} from './types.js'
export { verify } from './verify.js'
