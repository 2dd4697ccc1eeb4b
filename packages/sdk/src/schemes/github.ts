/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`, key = the secret as
 * UTF-8. No timestamp; the delivery id (`X-GitHub-Delivery`) is the idempotency key.
 */

import { fixedHmacScheme } from './hmac.js'

export const github = fixedHmacScheme('github', {
  header: 'x-hub-signature-256',
  algorithm: 'sha256',
  encoding: 'hex',
  prefix: 'sha256=',
  idHeader: 'x-github-delivery',
})
