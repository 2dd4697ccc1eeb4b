import { sign as octokitSign, verify as octokitVerify } from '@octokit/webhooks-methods'
import { describe, expect, it } from 'vitest'
import { expectVerificationError } from '../../test/helpers.js'
import { sign } from '../sign.js'
import { verify } from '../verify.js'

// The example in GitHub's "Validating webhook deliveries" documentation.
const vector = {
  secret: "It's a Secret to Everybody",
  payload: 'Hello, World!',
  signature: 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
}

describe('github', () => {
  it('signs the documented vector and sets the delivery id', async () => {
    const headers = await sign({
      scheme: 'github',
      secret: vector.secret,
      payload: vector.payload,
      id: 'd-1',
    })
    expect(headers).toEqual({ 'x-hub-signature-256': vector.signature, 'x-github-delivery': 'd-1' })
  })

  it('verifies the documented vector and returns the delivery id', async () => {
    const result = await verify({
      scheme: 'github',
      secret: vector.secret,
      payload: vector.payload,
      headers: {
        'X-Hub-Signature-256': vector.signature,
        'X-GitHub-Delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      },
    })
    expect(result).toEqual({ id: '72d3162e-cc78-11e3-81ab-4c9367dc0958' })
  })

  it('interoperates with @octokit/webhooks-methods both ways', async () => {
    const secret = 'mysecret'
    const payload = JSON.stringify({ action: 'opened', issue: { title: 'naïve ✓' } })
    const ours = await sign({ scheme: 'github', secret, payload })
    expect(await octokitVerify(secret, payload, ours['x-hub-signature-256'] ?? '')).toBe(true)
    const theirs = await octokitSign(secret, payload)
    await expect(
      verify({ scheme: 'github', secret, payload, headers: { 'x-hub-signature-256': theirs } }),
    ).resolves.toEqual({})
  })

  it('accepts upper-case hex and rotation lists', async () => {
    await expect(
      verify({
        scheme: 'github',
        secret: ['old', vector.secret],
        payload: vector.payload,
        headers: { 'x-hub-signature-256': `sha256=${vector.signature.slice(7).toUpperCase()}` },
      }),
    ).resolves.toEqual({})
  })

  it('reports stable codes without leaking', async () => {
    const base = { scheme: 'github', secret: vector.secret, payload: vector.payload } as const
    const leaks = [vector.secret, vector.signature.slice(7)]
    await expectVerificationError(verify({ ...base, headers: {} }), 'missing_header', leaks)
    await expectVerificationError(
      verify({ ...base, headers: { 'x-hub-signature-256': vector.signature.slice(7) } }),
      'malformed_header',
      leaks,
    )
    const headers = { 'x-hub-signature-256': vector.signature }
    await expectVerificationError(
      verify({ ...base, payload: 'Hello, World?', headers }),
      'bad_signature',
      leaks,
    )
    await expectVerificationError(verify({ ...base, secret: 'nope', headers }), 'bad_signature', leaks)
    await expectVerificationError(
      verify({ ...base, headers: { 'x-hub-signature-256': 'sha256=abc' } }),
      'bad_signature',
      leaks,
    )
  })
})
