import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { expectVerificationError } from '../../test/helpers.js'
import { sign } from '../sign.js'
import { verify } from '../verify.js'

const secret = 'hush_shopify_client_secret'
const payload = '{"id":820982911946154508,"email":"jon@doe.ca","note":"café"}'
// Shopify documents the signature as base64(HMAC-SHA256(client secret, raw body)); node:crypto is the oracle.
const expected = createHmac('sha256', secret).update(payload).digest('base64')

describe('shopify', () => {
  it('signs base64 HMAC-SHA256 over the raw body', async () => {
    const headers = await sign({
      scheme: 'shopify',
      secret,
      payload,
      id: 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
    })
    expect(headers).toEqual({
      'x-shopify-hmac-sha256': expected,
      'x-shopify-webhook-id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
    })
  })

  it('verifies and returns the webhook id as idempotency key', async () => {
    const result = await verify({
      scheme: 'shopify',
      secret,
      payload: new TextEncoder().encode(payload),
      headers: new Headers({ 'X-Shopify-Hmac-Sha256': expected, 'X-Shopify-Webhook-Id': 'wh-1' }),
    })
    expect(result).toEqual({ id: 'wh-1' })
  })

  it('is case-sensitive for base64 and rejects tampering', async () => {
    const base = { scheme: 'shopify', secret, payload } as const
    const flipped = expected.replace(/[a-z]/, (c) => c.toUpperCase())
    await expectVerificationError(
      verify({ ...base, headers: { 'x-shopify-hmac-sha256': flipped } }),
      'bad_signature',
      [secret, expected],
    )
    await expectVerificationError(
      verify({
        ...base,
        payload: payload.replace('jon', 'eve'),
        headers: { 'x-shopify-hmac-sha256': expected },
      }),
      'bad_signature',
    )
    await expectVerificationError(verify({ ...base, headers: {} }), 'missing_header')
  })
})
