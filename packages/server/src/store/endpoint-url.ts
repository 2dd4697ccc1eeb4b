import { hasCredentials, redactUrl } from '../core/destination-url.js'
import type { SecretCipher } from './secret-cipher.js'

/**
 * How an endpoint URL is stored: in clear when it carries no credentials; otherwise the
 * `url` column holds the redacted form (what every reader but the dispatcher sees) and
 * `url_sealed` the whole URL, encrypted. Shared by both backends.
 */
export function urlColumns(url: string, cipher: SecretCipher): { url: string; urlSealed: string | null } {
  if (!hasCredentials(url)) return { url, urlSealed: null }
  return { url: redactUrl(url), urlSealed: cipher.seal(url) }
}

/** The URL to deliver to: the sealed original when there is one. */
export function deliveryUrl(url: string, urlSealed: string | null, cipher: SecretCipher): string {
  return urlSealed === null ? url : cipher.open(urlSealed)
}

/**
 * A PATCH may send back the redacted URL it read (`amqp://user:***@…`) along with other
 * changes: that means "keep the URL", not "set the password to ***".
 */
export function isUrlChange(patchUrl: string | undefined, storedUrl: string): patchUrl is string {
  return patchUrl !== undefined && patchUrl !== storedUrl
}
