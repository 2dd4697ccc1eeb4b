import Stripe from 'stripe'
import { describe, expect, it } from 'vitest'
import { expectVerificationError, nowSeconds } from '../../test/helpers.js'
import { sign } from '../sign.js'
import { verify } from '../verify.js'

const stripeClient = new Stripe('sk_test_not_used_for_network')
const secret = 'whsec_test_7mJuPfZsBzc3JkIfrWvEC8ZXNb0KnTmZ'
const payload = JSON.stringify(
  { id: 'evt_1NG8Du2eZvKYlo2CUI79vXWy', object: 'event', type: 'charge.succeeded' },
  null,
  2,
)

describe('stripe', () => {
  it('matches the HMAC-SHA256 of "t.body" keyed with the whole whsec_ string', async () => {
    // Independent oracle: what Stripe documents, computed with node:crypto.
    const { createHmac } = await import('node:crypto')
    const expected = createHmac('sha256', secret).update(`1700000000.${payload}`).digest('hex')
    const headers = await sign({ scheme: 'stripe', secret, payload, timestamp: 1700000000 })
    expect(headers).toEqual({ 'stripe-signature': `t=1700000000,v1=${expected}` })
  })

  it('produces exactly what stripe.webhooks.generateTestHeaderString produces', async () => {
    const timestamp = nowSeconds()
    const theirs = stripeClient.webhooks.generateTestHeaderString({ payload, secret, timestamp })
    const ours = await sign({ scheme: 'stripe', secret, payload, timestamp })
    expect(ours['stripe-signature']).toBe(theirs)
  })

  it('our signature passes stripe.webhooks.constructEvent, with one or two secrets', async () => {
    const ours = await sign({ scheme: 'stripe', secret: ['whsec_other', secret], payload })
    const event = stripeClient.webhooks.constructEvent(payload, ours['stripe-signature'] ?? '', secret)
    expect(event.id).toBe('evt_1NG8Du2eZvKYlo2CUI79vXWy')
    expect(ours['stripe-signature']?.match(/v1=/g)).toHaveLength(2)
  })

  it("Stripe's test header passes our verify and yields the event id", async () => {
    const header = stripeClient.webhooks.generateTestHeaderString({ payload, secret })
    const result = await verify({
      scheme: 'stripe',
      secret,
      payload,
      headers: { 'Stripe-Signature': header },
    })
    expect(result.id).toBe('evt_1NG8Du2eZvKYlo2CUI79vXWy')
    expect(result.timestamp).toBe(Number(header.split(',')[0]?.slice(2)))
  })

  it('accepts any matching v1 entry and ignores v0 and unknown entries', async () => {
    const timestamp = nowSeconds()
    const good = stripeClient.webhooks
      .generateTestHeaderString({ payload, secret, timestamp })
      .split('v1=')[1]
    const header = `t=${timestamp}, v0=${'0'.repeat(64)}, v1=${'a'.repeat(64)}, v1=${good?.toUpperCase()}, x9=zz`
    await expect(
      verify({ scheme: 'stripe', secret, payload, headers: { 'stripe-signature': header } }),
    ).resolves.toBeDefined()
  })

  it('checks the 300 s window on both sides', async () => {
    const timestamp = 1700000000
    const headers = await sign({ scheme: 'stripe', secret, payload, timestamp })
    const base = { scheme: 'stripe', secret, payload, headers } as const
    await expect(verify({ ...base, now: timestamp + 300 })).resolves.toBeDefined()
    await expect(verify({ ...base, now: timestamp - 300 })).resolves.toBeDefined()
    await expectVerificationError(verify({ ...base, now: timestamp + 301 }), 'timestamp_out_of_range')
    await expectVerificationError(verify({ ...base, now: timestamp - 301 }), 'timestamp_out_of_range')
  })

  it('reports stable codes without leaking secret or signature', async () => {
    const timestamp = nowSeconds()
    const headers = await sign({ scheme: 'stripe', secret, payload, timestamp })
    const signature = headers['stripe-signature']?.split('v1=')[1] ?? ''
    const leaks = [secret, signature]
    const base = { scheme: 'stripe', secret, payload } as const
    await expectVerificationError(verify({ ...base, headers: {} }), 'missing_header', leaks)
    await expectVerificationError(
      verify({ ...base, headers: { 'stripe-signature': 'garbage' } }),
      'malformed_header',
    )
    await expectVerificationError(
      verify({ ...base, headers: { 'stripe-signature': `t=${timestamp}` } }),
      'malformed_header',
    )
    await expectVerificationError(
      verify({ ...base, headers: { 'stripe-signature': `t=abc,v1=${signature}` } }),
      'malformed_header',
    )
    await expectVerificationError(
      verify({ ...base, payload: `${payload}\n`, headers }),
      'bad_signature',
      leaks,
    )
    await expectVerificationError(verify({ ...base, secret: 'whsec_wrong', headers }), 'bad_signature', leaks)
  })
})
