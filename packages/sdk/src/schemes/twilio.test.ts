import twilioLibrary from 'twilio'
import { describe, expect, it } from 'vitest'
import { expectVerificationError } from '../../test/helpers.js'
import { sign } from '../sign.js'
import { verify } from '../verify.js'

// The example in Twilio's "Webhooks security" documentation.
const vector = {
  authToken: '12345',
  url: 'https://mycompany.com/myapp.php?foo=1&bar=2',
  params: {
    CallSid: 'CA1234567890ABCDE',
    Caller: '+12349013030',
    Digits: '1234',
    From: '+12349013030',
    To: '+18005551212',
  },
  signature: '0/KCTR6DLpKmkAf8muzZqo1nDgQ=',
}
const formBody = new URLSearchParams(vector.params).toString()

describe('twilio', () => {
  it('signs the documented example from params or from the form body', async () => {
    const fromParams = await sign({
      scheme: 'twilio',
      secret: vector.authToken,
      payload: '',
      url: vector.url,
      params: vector.params,
    })
    expect(fromParams).toEqual({ 'x-twilio-signature': vector.signature })
    const fromBody = await sign({
      scheme: 'twilio',
      secret: vector.authToken,
      payload: formBody,
      url: vector.url,
    })
    expect(fromBody['x-twilio-signature']).toBe(vector.signature)
  })

  it('verifies the documented example from the raw form body', async () => {
    const result = await verify({
      scheme: 'twilio',
      secret: vector.authToken,
      payload: formBody,
      url: vector.url,
      headers: { 'X-Twilio-Signature': vector.signature, 'I-Twilio-Idempotency-Token': 'tok-1' },
    })
    expect(result).toEqual({ id: 'tok-1' })
  })

  it('matches getExpectedTwilioSignature, including repeated and unicode parameters', async () => {
    const params = {
      Body: 'héllo + wörld',
      MediaUrl: ['https://b.example/2', 'https://a.example/1'],
      From: '+1',
    }
    const url = 'https://example.com/sms'
    const theirs = twilioLibrary.getExpectedTwilioSignature('token', url, params)
    const ours = await sign({ scheme: 'twilio', secret: 'token', payload: '', url, params })
    expect(ours['x-twilio-signature']).toBe(theirs)
    const body =
      'Body=h%C3%A9llo+%2B+w%C3%B6rld&MediaUrl=https%3A%2F%2Fb.example%2F2&MediaUrl=https%3A%2F%2Fa.example%2F1&From=%2B1'
    await expect(
      verify({
        scheme: 'twilio',
        secret: 'token',
        payload: body,
        url,
        headers: { 'x-twilio-signature': theirs },
      }),
    ).resolves.toEqual({})
  })

  it('our signature passes validateRequest, and the port variants match both ways', async () => {
    const ours = await sign({
      scheme: 'twilio',
      secret: 'token',
      payload: formBody,
      url: 'https://example.com:443/voice',
    })
    const signature = ours['x-twilio-signature'] ?? ''
    expect(
      twilioLibrary.validateRequest('token', signature, 'https://example.com:443/voice', vector.params),
    ).toBe(true)
    expect(
      twilioLibrary.validateRequest('token', signature, 'https://example.com/voice', vector.params),
    ).toBe(true)
    await expect(
      verify({
        scheme: 'twilio',
        secret: 'token',
        payload: formBody,
        url: 'https://example.com/voice',
        headers: { 'x-twilio-signature': signature },
      }),
    ).resolves.toEqual({})
  })

  it('handles the bodySHA256 variant for JSON bodies, both ways', async () => {
    const body = JSON.stringify({ ParticipantSid: 'PA123', Status: 'joined' })
    const { createHash } = await import('node:crypto')
    const url = `https://example.com/conference?bodySHA256=${createHash('sha256').update(body).digest('hex')}`
    const ours = await sign({ scheme: 'twilio', secret: 'token', payload: body, url })
    const signature = ours['x-twilio-signature'] ?? ''
    expect(twilioLibrary.validateRequestWithBody('token', signature, url, body)).toBe(true)
    const theirs = twilioLibrary.getExpectedTwilioSignature('token', url, {})
    const headers = { 'x-twilio-signature': theirs }
    await expect(verify({ scheme: 'twilio', secret: 'token', payload: body, url, headers })).resolves.toEqual(
      {},
    )
    await expectVerificationError(
      verify({ scheme: 'twilio', secret: 'token', payload: body.replace('joined', 'left'), url, headers }),
      'bad_signature',
    )
  })

  it('supports HMAC_SHA256 signature settings', async () => {
    const url = 'https://example.com/sms'
    const ours = await sign({
      scheme: 'twilio',
      secret: 'shared',
      payload: formBody,
      url,
      algorithm: 'sha256',
    })
    expect(ours['x-twilio-webhooks-signature-settings']).toBe('algorithm=HMAC_SHA256')
    const theirs = twilioLibrary.getExpectedTwilioSignature('shared', url, vector.params, 'HMAC_SHA256')
    expect(ours['x-twilio-signature']).toBe(theirs)
    await expect(
      verify({ scheme: 'twilio', secret: 'shared', payload: formBody, url, headers: ours }),
    ).resolves.toEqual({})
  })

  it('reports stable codes without leaking', async () => {
    const base = { scheme: 'twilio', secret: vector.authToken, payload: formBody, url: vector.url } as const
    const leaks = [vector.signature]
    await expectVerificationError(verify({ ...base, headers: {} }), 'missing_header')
    await expectVerificationError(
      verify({
        ...base,
        url: 'https://mycompany.com/other.php',
        headers: { 'x-twilio-signature': vector.signature },
      }),
      'bad_signature',
      leaks,
    )
    await expectVerificationError(
      verify({ ...base, secret: '54321', headers: { 'x-twilio-signature': vector.signature } }),
      'bad_signature',
      leaks,
    )
    await expectVerificationError(
      verify({
        ...base,
        headers: {
          'x-twilio-signature': vector.signature,
          'x-twilio-webhooks-signature-settings': 'algorithm=MD5',
        },
      }),
      'malformed_header',
    )
  })

  it('requires the url, as a programming error', async () => {
    await expect(
      verify({ scheme: 'twilio', secret: 'x', payload: '', headers: { 'x-twilio-signature': 'abc' } }),
    ).rejects.toThrow(TypeError)
  })
})
