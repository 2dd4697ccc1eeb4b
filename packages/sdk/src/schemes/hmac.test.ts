import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { expectVerificationError } from '../../test/helpers.js'
import { sign } from '../sign.js'
import { verify } from '../verify.js'

// RFC 4231 test case 2 and RFC 2202 test case 2 ("Jefe" / "what do ya want for nothing?").
const rfc = {
  key: 'Jefe',
  data: 'what do ya want for nothing?',
  sha256: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
  sha512:
    '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737',
  sha1: 'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79',
}

describe('hmac (generic)', () => {
  it('matches the RFC 4231 / RFC 2202 vectors for every algorithm', async () => {
    for (const algorithm of ['sha256', 'sha512', 'sha1'] as const) {
      const headers = await sign({ scheme: 'hmac', secret: rfc.key, payload: rfc.data, algorithm })
      expect(headers).toEqual({ 'x-webhook-signature': rfc[algorithm] })
      await expect(
        verify({ scheme: 'hmac', secret: rfc.key, payload: rfc.data, algorithm, headers }),
      ).resolves.toEqual({})
    }
  })

  it('verifies the seed article example: hex SHA-256 of the body in a custom header', async () => {
    const payload = '{"event_type": "order.shipped", "order_id": "ORD-123"}'
    const signature = createHmac('sha256', 'my_super_secret_key').update(payload).digest('hex')
    const result = await verify({
      scheme: 'hmac',
      secret: 'my_super_secret_key',
      payload,
      header: 'X-Signature',
      headers: { 'x-signature': signature },
    })
    expect(result).toEqual({})
  })

  it('supports prefix, base64, a timestamp header, an id header and a template', async () => {
    const options = {
      scheme: 'hmac',
      secret: 'c2VjcmV0LWJ5dGVz',
      secretEncoding: 'base64',
      header: 'X-Acme-Signature',
      prefix: 'sha512=',
      algorithm: 'sha512',
      encoding: 'base64',
      timestampHeader: 'X-Acme-Timestamp',
      idHeader: 'X-Acme-Id',
      template: '{id}:{timestamp}:{body}',
    } as const
    const payload = new TextEncoder().encode('{"a":1}')
    const headers = await sign({ ...options, payload, id: 'm-1', timestamp: 1700000000 })
    const oracle = createHmac('sha512', Buffer.from('secret-bytes'))
      .update('m-1:1700000000:{"a":1}')
      .digest('base64')
    expect(headers).toEqual({
      'x-acme-signature': `sha512=${oracle}`,
      'x-acme-timestamp': '1700000000',
      'x-acme-id': 'm-1',
    })
    await expect(verify({ ...options, payload, headers, now: 1700000100 })).resolves.toEqual({
      id: 'm-1',
      timestamp: 1700000000,
    })
    await expectVerificationError(
      verify({ ...options, payload, headers, now: 1700000301 }),
      'timestamp_out_of_range',
    )
    await expectVerificationError(
      verify({ ...options, payload, headers: { ...headers, 'x-acme-id': 'm-2' }, now: 1700000000 }),
      'bad_signature',
    )
    await expectVerificationError(
      verify({
        ...options,
        payload,
        headers: { ...headers, 'x-acme-timestamp': undefined },
        now: 1700000000,
      }),
      'missing_header',
    )
  })

  it('reports a bad secret encoding as invalid_secret without quoting it', async () => {
    await expectVerificationError(
      sign({ scheme: 'hmac', secret: 'not-hex-zz-secret', secretEncoding: 'hex', payload: 'x' }),
      'invalid_secret',
      ['not-hex-zz-secret'],
    )
  })

  it('rejects wrong-length and wrong-prefix signatures with codes, never other errors', async () => {
    const base = { scheme: 'hmac', secret: rfc.key, payload: rfc.data, prefix: 'sha256=' } as const
    await expectVerificationError(
      verify({ ...base, headers: { 'x-webhook-signature': `sha256=${rfc.sha256.slice(2)}` } }),
      'bad_signature',
    )
    await expectVerificationError(
      verify({ ...base, headers: { 'x-webhook-signature': `sha256=${'é'.repeat(64)}` } }),
      'bad_signature',
    )
    await expectVerificationError(
      verify({ ...base, headers: { 'x-webhook-signature': rfc.sha256 } }),
      'malformed_header',
      [rfc.key],
    )
  })

  it('rejects invalid options as programming errors', async () => {
    await expect(
      sign({ scheme: 'hmac', secret: 'k', payload: 'x', template: '{timestamp}' }),
    ).rejects.toThrow(TypeError)
    await expect(
      sign({ scheme: 'hmac', secret: 'k', payload: 'x', algorithm: 'md5' as unknown as 'sha1' }),
    ).rejects.toThrow(TypeError)
  })
})
