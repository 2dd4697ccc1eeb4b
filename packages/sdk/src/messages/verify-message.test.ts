import { Webhook as StandardWebhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import { expectVerificationError } from '../../test/helpers.js'
import { InvalidSecretError, UnparseableBodyError, type WebhookVerificationErrorCode } from '../errors.js'
import { generateSecret } from '../secrets.js'
import { sign } from '../sign.js'
import { isInvalidMessageError } from './message-errors.js'
import { type VerifyMessageOptions, verifyMessage } from './verify-message.js'

const secret = generateSecret()
const id = 'evt_2xk9QmV7'
// The body exactly as Hookline publishes it: the HTTP body of the same event.
const body = JSON.stringify({
  id,
  type: 'order.shipped',
  timestamp: '2026-01-01T00:00:00.000Z',
  data: { order_id: 'ORD-12345', tracking_number: 'TRK-67890' },
})

async function signed(options: { secret?: string | string[]; timestamp?: number } = {}) {
  return sign({
    scheme: 'standard-webhooks',
    secret: options.secret ?? secret,
    payload: body,
    id,
    ...options,
  })
}

describe('verifyMessage', () => {
  it('returns the parsed event with its id, timestamp, raw body and lower-cased headers', async () => {
    const headers: Record<string, string> = {
      ...(await signed()),
      'Content-Type': 'application/json',
      'X-Tenant': 'acme',
    }
    const event = await verifyMessage({ headers, body, secret, attempt: 3 })
    expect(event.id).toBe(id)
    expect(event.timestamp).toBe(Number(headers['webhook-timestamp']))
    expect(event.scheme).toBe('standard-webhooks')
    expect(event.payload.type).toBe('order.shipped')
    expect(event.payload.data).toEqual({ order_id: 'ORD-12345', tracking_number: 'TRK-67890' })
    expect(new TextDecoder().decode(event.rawBody)).toBe(body)
    expect(event.headers['x-tenant']).toBe('acme')
    expect(event.attempt).toBe(3)
  })

  it('accepts a body as bytes and headers as bytes, numbers, Headers or a flat list', async () => {
    const headers = await signed()
    const bytes = new TextEncoder().encode(body)
    const shapes = [
      headers,
      {
        'webhook-id': Buffer.from(id),
        'webhook-timestamp': Number(headers['webhook-timestamp']),
        'webhook-signature': Buffer.from(headers['webhook-signature'] ?? ''),
      },
      new Headers(headers),
      Object.entries(headers).flat(),
    ]
    for (const shape of shapes) {
      expect((await verifyMessage({ headers: shape, body: Buffer.from(bytes), secret })).id).toBe(id)
    }
  })

  it('verifies what the standardwebhooks library signed', async () => {
    const now = new Date()
    const headers = {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': new StandardWebhook(secret).sign(id, now, body),
    }
    expect((await verifyMessage({ headers, body, secret })).payload.id).toBe(id)
  })

  it('passes a rotated (two-signature) header with either secret', async () => {
    const previous = generateSecret()
    const headers = await signed({ secret: [secret, previous] })
    expect(headers['webhook-signature']?.split(' ')).toHaveLength(2)
    for (const candidate of [secret, previous, [generateSecret(), previous]]) {
      expect((await verifyMessage({ headers, body, secret: candidate })).id).toBe(id)
    }
  })

  it('rejects a tampered body, a wrong secret, a stale timestamp and a missing header by code', async () => {
    const headers = await signed()
    const tampered = body.replace('TRK-67890', 'TRK-00000')
    const stale = await signed({ timestamp: Math.floor(Date.now() / 1000) - 600 })
    const cases: [VerifyMessageOptions, WebhookVerificationErrorCode][] = [
      [{ headers, body: tampered, secret }, 'bad_signature'],
      [{ headers, body, secret: generateSecret() }, 'bad_signature'],
      [{ headers: stale, body, secret }, 'timestamp_out_of_range'],
      [{ headers, body, secret, now: Math.floor(Date.now() / 1000) + 301 }, 'timestamp_out_of_range'],
      [{ headers: { ...headers, 'webhook-id': undefined }, body, secret }, 'missing_header'],
      [{ headers: { ...headers, 'webhook-id': 'evt_other' }, body, secret }, 'bad_signature'],
    ]
    for (const [options, code] of cases) {
      const error = await expectVerificationError(verifyMessage(options), code, [
        secret,
        headers['webhook-signature'] ?? '',
      ])
      expect(isInvalidMessageError(error)).toBe(true)
    }
  })

  it('honours toleranceSeconds', async () => {
    const headers = await signed({ timestamp: Math.floor(Date.now() / 1000) - 600 })
    expect((await verifyMessage({ headers, body, secret, toleranceSeconds: 900 })).id).toBe(id)
  })

  it('throws UnparseableBodyError for an authentic body that is not JSON, without quoting it', async () => {
    const text = 'not json: secret-ish content'
    const headers = await sign({ scheme: 'standard-webhooks', secret, payload: text, id })
    const error = await verifyMessage({ headers, body: text, secret }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(UnparseableBodyError)
    expect((error as UnparseableBodyError).code).toBe('unparseable_body')
    expect((error as Error).message).not.toContain('secret-ish')
    expect(isInvalidMessageError(error)).toBe(true)
  })

  it('treats a malformed secret as misconfiguration, not as an invalid message', async () => {
    const error = await verifyMessage({ headers: await signed(), body, secret: 'whsec_!!!' }).catch(
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(InvalidSecretError)
    expect(isInvalidMessageError(error)).toBe(false)
    expect(isInvalidMessageError(new Error('handler failed'))).toBe(false)
  })
})
