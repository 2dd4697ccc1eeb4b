/**
 * One suite every scheme runs: the properties that must hold whatever the wire format.
 */

import { describe, expect, it } from 'vitest'
import { expectVerificationError } from '../../test/helpers.js'
import { generateKeyPair, generateSecret } from '../secrets.js'
import { sign } from '../sign.js'
import type { SignOptions, VerifyOptions } from '../types.js'
import { verify } from '../verify.js'

interface SchemeCase {
  name: string
  base: Omit<SignOptions, 'payload' | 'secret'>
  secret: () => Promise<{ signWith: string; verifyWith: string }>
  wrongSecret: string
  hasTimestamp: boolean
}

const symmetric = (secret: string) => async () => ({ signWith: secret, verifyWith: secret })

const cases: SchemeCase[] = [
  {
    name: 'standard-webhooks v1',
    base: { scheme: 'standard-webhooks', id: 'msg_contract' },
    secret: symmetric(generateSecret()),
    wrongSecret: generateSecret(),
    hasTimestamp: true,
  },
  {
    name: 'standard-webhooks v1a',
    base: { scheme: 'standard-webhooks', id: 'msg_contract' },
    secret: async () => {
      const { secretKey, publicKey } = await generateKeyPair()
      return { signWith: secretKey, verifyWith: publicKey }
    },
    wrongSecret: (await generateKeyPair()).publicKey,
    hasTimestamp: true,
  },
  {
    name: 'stripe',
    base: { scheme: 'stripe' },
    secret: symmetric('whsec_contract_stripe'),
    wrongSecret: 'whsec_other',
    hasTimestamp: true,
  },
  {
    name: 'github',
    base: { scheme: 'github', id: 'delivery-1' },
    secret: symmetric('gh-secret'),
    wrongSecret: 'x',
    hasTimestamp: false,
  },
  {
    name: 'shopify',
    base: { scheme: 'shopify', id: 'wh-1' },
    secret: symmetric('shp-secret'),
    wrongSecret: 'x',
    hasTimestamp: false,
  },
  {
    name: 'slack',
    base: { scheme: 'slack' },
    secret: symmetric('slack-secret'),
    wrongSecret: 'x',
    hasTimestamp: true,
  },
  {
    name: 'twilio',
    base: { scheme: 'twilio', url: 'https://example.com/hook?bodySHA256=placeholder' },
    secret: symmetric('twilio-token'),
    wrongSecret: 'x',
    hasTimestamp: false,
  },
  {
    name: 'hmac',
    base: {
      scheme: 'hmac',
      header: 'X-Sig',
      prefix: 'sha512=',
      algorithm: 'sha512',
      timestampHeader: 'X-Ts',
    },
    secret: symmetric('generic-secret'),
    wrongSecret: 'x',
    hasTimestamp: true,
  },
]

const NOW = 1_750_000_000

/** Twilio signs the body's hash into the URL; every other scheme signs the body directly. */
async function prepared(
  scheme: SchemeCase,
  payload: string | Uint8Array,
): Promise<Omit<SignOptions, 'secret'>> {
  if (scheme.base.scheme !== 'twilio') return { ...scheme.base, payload }
  const { createHash } = await import('node:crypto')
  const hash = createHash('sha256').update(payload).digest('hex')
  return { ...scheme.base, payload, url: `https://example.com/hook?bodySHA256=${hash}` }
}

for (const scheme of cases) {
  describe(`scheme contract: ${scheme.name}`, () => {
    async function signed(payload: string | Uint8Array) {
      const { signWith, verifyWith } = await scheme.secret()
      const options = await prepared(scheme, payload)
      const headers = await sign({ ...options, secret: signWith, timestamp: NOW })
      const verifyOptions: VerifyOptions = { ...options, secret: verifyWith, headers, now: NOW }
      return { headers, verifyOptions, signWith, verifyWith }
    }

    it('round-trips strings, bytes, empty and 5 MB bodies', async () => {
      for (const payload of [
        '{"a":"café ✓"}',
        new TextEncoder().encode('{"b":1}'),
        '',
        'x'.repeat(5 << 20),
      ]) {
        const { verifyOptions } = await signed(payload)
        await expect(verify(verifyOptions)).resolves.toBeDefined()
      }
    })

    it('verifies with upper-cased header names, padded values and a rotation list', async () => {
      const { verifyOptions, headers, verifyWith } = await signed('{"a":1}')
      const shouted = Object.fromEntries(
        Object.entries(headers).map(([name, value]) => [name.toUpperCase(), ` ${value} `]),
      )
      await expect(
        verify({ ...verifyOptions, headers: shouted, secret: [scheme.wrongSecret, verifyWith] }),
      ).resolves.toBeDefined()
    })

    it('rejects a tampered body and a wrong secret with bad_signature, leaking neither', async () => {
      const { verifyOptions, headers, signWith, verifyWith } = await signed('{"amount":100}')
      const leaks = [signWith, verifyWith, ...Object.values(headers).filter((value) => value.length > 20)]
      await expectVerificationError(
        verify({ ...verifyOptions, payload: '{"amount":900}' }),
        'bad_signature',
        leaks,
      )
      await expectVerificationError(
        verify({ ...verifyOptions, secret: scheme.wrongSecret }),
        'bad_signature',
        leaks,
      )
    })

    it('rejects a request without its headers with missing_header', async () => {
      const { verifyOptions } = await signed('{}')
      await expectVerificationError(verify({ ...verifyOptions, headers: {} }), 'missing_header')
    })

    if (scheme.hasTimestamp) {
      it('accepts ±300 s and rejects ±301 s', async () => {
        const { verifyOptions } = await signed('{}')
        for (const now of [NOW - 300, NOW + 300])
          await expect(verify({ ...verifyOptions, now })).resolves.toBeDefined()
        for (const now of [NOW - 301, NOW + 301]) {
          await expectVerificationError(verify({ ...verifyOptions, now }), 'timestamp_out_of_range')
        }
      })
    }
  })
}
