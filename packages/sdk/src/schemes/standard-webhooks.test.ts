import { Webhook as StandardWebhook } from 'standardwebhooks'
import { Webhook as SvixWebhook } from 'svix'
import { describe, expect, it } from 'vitest'
import { WebhookVerificationError } from '../errors.js'
import { generateKeyPair, generateSecret } from '../secrets.js'
import { sign } from '../sign.js'
import { verify } from '../verify.js'

// The vector published in the Standard Webhooks reference libraries' tests.
const vector = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  payload: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
}

const vectorHeaders = {
  'webhook-id': vector.id,
  'webhook-timestamp': String(vector.timestamp),
  'webhook-signature': vector.signature,
}

async function verifyError(promise: Promise<unknown>): Promise<WebhookVerificationError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(WebhookVerificationError)
  return error as WebhookVerificationError
}

describe('standard-webhooks', () => {
  it('signs the published vector byte for byte', async () => {
    const headers = await sign({ scheme: 'standard-webhooks', ...vector })
    expect(headers).toEqual(vectorHeaders)
  })

  it('verifies the published vector and returns id and timestamp', async () => {
    const result = await verify({
      scheme: 'standard-webhooks',
      secret: vector.secret,
      payload: vector.payload,
      headers: vectorHeaders,
      now: vector.timestamp,
    })
    expect(result).toEqual({ id: vector.id, timestamp: vector.timestamp })
  })

  it('signs bytes exactly like the equivalent string', async () => {
    const fromBytes = await sign({
      scheme: 'standard-webhooks',
      ...vector,
      payload: new TextEncoder().encode(vector.payload),
    })
    expect(fromBytes['webhook-signature']).toBe(vector.signature)
  })

  it('accepts a Date timestamp and defaults to now', async () => {
    const withDate = await sign({
      scheme: 'standard-webhooks',
      ...vector,
      timestamp: new Date(vector.timestamp * 1000),
    })
    expect(withDate['webhook-timestamp']).toBe(String(vector.timestamp))
    const before = Math.floor(Date.now() / 1000)
    const withNow = await sign({ scheme: 'standard-webhooks', secret: vector.secret, payload: 'x' })
    expect(Number(withNow['webhook-timestamp'])).toBeGreaterThanOrEqual(before)
    expect(withNow['webhook-id']).toMatch(/^msg_[0-9a-f]{24}$/)
  })

  it('signs once per secret, space-separated, and each secret verifies alone', async () => {
    const newSecret = generateSecret()
    const headers = await sign({ scheme: 'standard-webhooks', ...vector, secret: [newSecret, vector.secret] })
    const signatures = headers['webhook-signature']?.split(' ') ?? []
    expect(signatures).toHaveLength(2)
    expect(signatures[1]).toBe(vector.signature)
    for (const secret of [newSecret, vector.secret]) {
      await expect(
        verify({
          scheme: 'standard-webhooks',
          secret,
          payload: vector.payload,
          headers,
          now: vector.timestamp,
        }),
      ).resolves.toEqual({ id: vector.id, timestamp: vector.timestamp })
    }
  })

  it('passes when any of several secrets matches (rotation on the receiving side)', async () => {
    const result = await verify({
      scheme: 'standard-webhooks',
      secret: [generateSecret(), vector.secret],
      payload: vector.payload,
      headers: vectorHeaders,
      now: vector.timestamp,
    })
    expect(result.id).toBe(vector.id)
  })

  it('reads headers in any case, from a Headers object, and with surrounding whitespace', async () => {
    const base = {
      scheme: 'standard-webhooks',
      secret: vector.secret,
      payload: vector.payload,
      now: vector.timestamp,
    } as const
    await expect(
      verify({
        ...base,
        headers: {
          'Webhook-Id': vector.id,
          'WEBHOOK-TIMESTAMP': ` ${vector.timestamp} `,
          'webhook-Signature': `  v0,bm90LWEtc2lnbmF0dXJl   ${vector.signature}  `,
        },
      }),
    ).resolves.toEqual({ id: vector.id, timestamp: vector.timestamp })
    await expect(verify({ ...base, headers: new Headers(vectorHeaders) })).resolves.toEqual({
      id: vector.id,
      timestamp: vector.timestamp,
    })
  })

  it('accepts the svix-* header aliases', async () => {
    const result = await verify({
      scheme: 'standard-webhooks',
      secret: vector.secret,
      payload: vector.payload,
      headers: {
        'svix-id': vector.id,
        'svix-timestamp': String(vector.timestamp),
        'svix-signature': vector.signature,
      },
      now: vector.timestamp,
    })
    expect(result.id).toBe(vector.id)
  })

  describe('timestamp window (300 s both ways)', () => {
    const at = (now: number, toleranceSeconds?: number) =>
      verify({
        scheme: 'standard-webhooks',
        secret: vector.secret,
        payload: vector.payload,
        headers: vectorHeaders,
        now,
        ...(toleranceSeconds === undefined ? {} : { toleranceSeconds }),
      })

    it('accepts timestamps just inside the window on both sides', async () => {
      await expect(at(vector.timestamp + 300)).resolves.toBeDefined()
      await expect(at(vector.timestamp - 300)).resolves.toBeDefined()
    })

    it('rejects timestamps just outside the window on both sides', async () => {
      expect((await verifyError(at(vector.timestamp + 301))).code).toBe('timestamp_out_of_range')
      expect((await verifyError(at(vector.timestamp - 301))).code).toBe('timestamp_out_of_range')
    })

    it('honours toleranceSeconds and a Date for now', async () => {
      expect((await verifyError(at(vector.timestamp + 11, 10))).code).toBe('timestamp_out_of_range')
      await expect(
        verify({
          scheme: 'standard-webhooks',
          secret: vector.secret,
          payload: vector.payload,
          headers: vectorHeaders,
          now: new Date((vector.timestamp + 10) * 1000),
        }),
      ).resolves.toBeDefined()
    })
  })

  describe('failures carry stable codes and never leak secrets or signatures', () => {
    const base = {
      scheme: 'standard-webhooks',
      secret: vector.secret,
      payload: vector.payload,
      now: vector.timestamp,
    } as const

    const cases: Array<[string, Partial<VerifyInputs>, string]> = [
      ['missing id', { headers: { ...vectorHeaders, 'webhook-id': undefined } }, 'missing_header'],
      [
        'missing timestamp',
        { headers: { ...vectorHeaders, 'webhook-timestamp': undefined } },
        'missing_header',
      ],
      ['missing signature', { headers: { ...vectorHeaders, 'webhook-signature': '' } }, 'missing_header'],
      [
        'non-numeric timestamp',
        { headers: { ...vectorHeaders, 'webhook-timestamp': '16142x' } },
        'malformed_header',
      ],
      [
        'signature without version',
        { headers: { ...vectorHeaders, 'webhook-signature': 'abc' } },
        'malformed_header',
      ],
      ['tampered body', { payload: `${vector.payload} ` }, 'bad_signature'],
      ['tampered id', { headers: { ...vectorHeaders, 'webhook-id': 'msg_other' } }, 'bad_signature'],
      ['wrong secret', { secret: 'whsec_dGhpcyBpcyBub3QgdGhlIHJpZ2h0IGtleQ==' }, 'bad_signature'],
      [
        'truncated signature',
        { headers: { ...vectorHeaders, 'webhook-signature': 'v1,g0hM9SsE' } },
        'bad_signature',
      ],
      [
        'only unknown versions',
        { headers: { ...vectorHeaders, 'webhook-signature': 'v2,abc' } },
        'bad_signature',
      ],
      ['secret that is not base64', { secret: 'whsec_!!!not base64!!!' }, 'invalid_secret'],
      ['empty secret list', { secret: [] }, 'invalid_secret'],
      ['unknown scheme', { scheme: 'carrier-pigeon' }, 'unsupported_scheme'],
    ]

    for (const [name, override, code] of cases) {
      it(`${name} → ${code}`, async () => {
        const options = { ...base, headers: vectorHeaders, ...override } as Parameters<typeof verify>[0]
        const error = await verifyError(verify(options))
        expect(error.code).toBe(code)
        expect(error.message).not.toContain('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')
        expect(error.message).not.toContain('g0hM9SsE+OTPJTGt')
        expect(error.message).not.toContain('!!!not base64!!!')
      })
    }
  })

  it('handles empty and huge bodies', async () => {
    for (const payload of ['', 'x'.repeat(5 * 1024 * 1024)]) {
      const headers = await sign({ scheme: 'standard-webhooks', secret: vector.secret, payload, id: 'msg_1' })
      await expect(
        verify({ scheme: 'standard-webhooks', secret: vector.secret, payload, headers }),
      ).resolves.toEqual({
        id: 'msg_1',
        timestamp: Number(headers['webhook-timestamp']),
      })
    }
  })

  describe('interop', () => {
    const secret = generateSecret()
    const payload = JSON.stringify({ type: 'order.shipped', data: { id: 'ord_1', note: 'café ✓' } })

    it('our signature passes standardwebhooks and svix', async () => {
      const headers = await sign({ scheme: 'standard-webhooks', secret, payload, id: 'evt_interop' })
      expect(new StandardWebhook(secret).verify(payload, headers)).toEqual(JSON.parse(payload))
      expect(new SvixWebhook(secret).verify(payload, headers)).toEqual(JSON.parse(payload))
    })

    it('their signatures pass our verify', async () => {
      const now = new Date()
      const timestamp = String(Math.floor(now.getTime() / 1000))
      for (const signature of [
        new StandardWebhook(secret).sign('evt_a', now, payload),
        new SvixWebhook(secret).sign('evt_a', now, payload),
      ]) {
        const headers = {
          'webhook-id': 'evt_a',
          'webhook-timestamp': timestamp,
          'webhook-signature': signature,
        }
        await expect(verify({ scheme: 'standard-webhooks', secret, payload, headers })).resolves.toEqual({
          id: 'evt_a',
          timestamp: Number(timestamp),
        })
      }
    })
  })

  describe('v1a (Ed25519)', () => {
    it('signs with whsk_ and verifies with whpk_ beside a v1 signature', async () => {
      const { secretKey, publicKey } = await generateKeyPair()
      expect(secretKey).toMatch(/^whsk_/)
      expect(publicKey).toMatch(/^whpk_/)
      const headers = await sign({
        scheme: 'standard-webhooks',
        ...vector,
        secret: [secretKey, vector.secret],
      })
      const [asymmetric, symmetric] = headers['webhook-signature']?.split(' ') ?? []
      expect(asymmetric).toMatch(/^v1a,[A-Za-z0-9+/]{86}==$/)
      expect(symmetric).toBe(vector.signature)
      const base = {
        scheme: 'standard-webhooks',
        payload: vector.payload,
        headers,
        now: vector.timestamp,
      } as const
      await expect(verify({ ...base, secret: publicKey })).resolves.toEqual({
        id: vector.id,
        timestamp: vector.timestamp,
      })
      await expect(verify({ ...base, secret: secretKey })).resolves.toBeDefined()
      const other = await generateKeyPair()
      expect((await verifyError(verify({ ...base, secret: other.publicKey }))).code).toBe('bad_signature')
      expect((await verifyError(verify({ ...base, payload: 'tampered', secret: publicKey }))).code).toBe(
        'bad_signature',
      )
    })

    it('accepts a 32-byte seed as whsk_ and rejects signing with a public key', async () => {
      const { secretKey, publicKey } = await generateKeyPair()
      const seedOnly = `whsk_${Buffer.from(secretKey.slice(5), 'base64').subarray(0, 32).toString('base64')}`
      const headers = await sign({ scheme: 'standard-webhooks', ...vector, secret: seedOnly })
      await expect(
        verify({
          scheme: 'standard-webhooks',
          secret: publicKey,
          payload: vector.payload,
          headers,
          now: vector.timestamp,
        }),
      ).resolves.toBeDefined()
      const error = await verifyError(sign({ scheme: 'standard-webhooks', ...vector, secret: publicKey }))
      expect(error.code).toBe('invalid_secret')
      expect(error.message).not.toContain(publicKey.slice(5))
    })
  })
})

interface VerifyInputs {
  scheme: string
  secret: string | string[]
  payload: string
  headers: Record<string, string | undefined>
}
