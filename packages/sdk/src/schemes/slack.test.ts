import { describe, expect, it } from 'vitest'
import { expectVerificationError } from '../../test/helpers.js'
import { sign } from '../sign.js'
import { verify } from '../verify.js'

// The worked example in Slack's "Verifying requests from Slack" documentation.
const vector = {
  secret: '8f742231b10e8888abcd99yyyzzz85a5',
  timestamp: 1531420618,
  payload:
    'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
  signature: 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
}
const vectorHeaders = {
  'X-Slack-Signature': vector.signature,
  'X-Slack-Request-Timestamp': String(vector.timestamp),
}

describe('slack', () => {
  it('signs the documented example', async () => {
    const headers = await sign({ scheme: 'slack', ...vector })
    expect(headers).toEqual({
      'x-slack-signature': vector.signature,
      'x-slack-request-timestamp': String(vector.timestamp),
    })
  })

  it('verifies the documented example within the window', async () => {
    const base = {
      scheme: 'slack',
      secret: vector.secret,
      payload: vector.payload,
      headers: vectorHeaders,
    } as const
    await expect(verify({ ...base, now: vector.timestamp + 300 })).resolves.toEqual({
      timestamp: vector.timestamp,
    })
    await expect(verify({ ...base, now: vector.timestamp - 300 })).resolves.toBeDefined()
    await expectVerificationError(verify({ ...base, now: vector.timestamp + 301 }), 'timestamp_out_of_range')
    await expectVerificationError(verify({ ...base, now: vector.timestamp - 301 }), 'timestamp_out_of_range')
  })

  it('returns the Events API event_id as id', async () => {
    const payload = JSON.stringify({
      type: 'event_callback',
      event_id: 'Ev0PV52K25',
      event: { type: 'message' },
    })
    const headers = await sign({ scheme: 'slack', secret: vector.secret, payload })
    await expect(verify({ scheme: 'slack', secret: vector.secret, payload, headers })).resolves.toMatchObject(
      {
        id: 'Ev0PV52K25',
      },
    )
  })

  it('reports stable codes without leaking', async () => {
    const base = {
      scheme: 'slack',
      secret: vector.secret,
      payload: vector.payload,
      now: vector.timestamp,
    } as const
    const leaks = [vector.secret, vector.signature.slice(3)]
    await expectVerificationError(
      verify({ ...base, headers: { 'x-slack-signature': vector.signature } }),
      'missing_header',
      leaks,
    )
    await expectVerificationError(
      verify({ ...base, headers: { ...vectorHeaders, 'X-Slack-Request-Timestamp': 'yesterday' } }),
      'malformed_header',
    )
    await expectVerificationError(
      verify({
        ...base,
        headers: { ...vectorHeaders, 'X-Slack-Signature': vector.signature.replace('v0=', 'v1=') },
      }),
      'malformed_header',
      leaks,
    )
    await expectVerificationError(
      verify({ ...base, headers: vectorHeaders, payload: `${vector.payload}&x=1` }),
      'bad_signature',
      leaks,
    )
  })
})
