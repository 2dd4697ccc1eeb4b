/**
 * The body as the handler sees it: JSON, form fields or text, chosen by `content-type` (JSON is
 * also recognised without one). Verification always ran on the raw bytes first.
 */

import { type Payload, payloadText } from '../encoding.js'
import { parseFormParams } from '../form.js'

/** `{ value }`, or `undefined` when a JSON body does not parse. */
export function parsePayload(body: Payload, contentType: string | undefined): { value: unknown } | undefined {
  const text = payloadText(body)
  const type = (contentType ?? '').toLowerCase()
  if (type.includes('application/x-www-form-urlencoded')) return { value: parseFormParams(text) }
  const looksJson = type.includes('json') || (type === '' && /^\s*[[{]/.test(text))
  if (!looksJson) return { value: text }
  try {
    return { value: JSON.parse(text) }
  } catch {
    return undefined
  }
}
