/**
 * Slack: `X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:<timestamp>:<body>">` with the signing
 * secret as UTF-8, and `X-Slack-Request-Timestamp` checked against the five-minute window. The
 * Events API `event_id` in a JSON body is the idempotency key (slash commands have none).
 */

import { payloadText } from '../encoding.js'
import { fixedHmacScheme } from './hmac.js'
import { jsonStringField } from './scheme.js'

export const slack = fixedHmacScheme(
  'slack',
  {
    header: 'x-slack-signature',
    algorithm: 'sha256',
    encoding: 'hex',
    prefix: 'v0=',
    timestampHeader: 'x-slack-request-timestamp',
    template: 'v0:{timestamp}:{body}',
  },
  (context) => jsonStringField(payloadText(context.payload), 'event_id'),
)
