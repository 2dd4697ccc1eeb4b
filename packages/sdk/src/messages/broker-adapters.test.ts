import { Webhook as StandardWebhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import { expectVerificationError } from '../../test/helpers.js'
import { generateSecret } from '../secrets.js'
import { sign } from '../sign.js'
import { type AmqpMessageLike, fromAmqpMessage } from './amqp.js'
import { isInvalidMessageError } from './message-errors.js'
import { fromNatsMessage, type NatsHeadersLike } from './nats.js'
import { fromRedisEntry } from './redis.js'
import { verifyMessage } from './verify-message.js'

const secret = generateSecret()
const id = 'evt_2xk9QmV7'
const body = JSON.stringify({
  id,
  type: 'order.shipped',
  timestamp: '2026-01-01T00:00:00.000Z',
  data: { order_id: 'ORD-12345' },
})
const bytes = () => Buffer.from(body)

/** The headers of the message contract: the HTTP ones plus a custom endpoint header. */
async function contractHeaders(): Promise<Record<string, string>> {
  const signed = await sign({ scheme: 'standard-webhooks', secret, payload: body, id })
  return { ...signed, 'content-type': 'application/json', 'x-tenant': 'acme' }
}

// The shape amqplib delivers, with header values as it may decode them.
function amqpMessage(
  headers: Record<string, unknown>,
  extra: Partial<AmqpMessageLike> = {},
): AmqpMessageLike {
  return {
    content: bytes(),
    fields: { redelivered: false },
    properties: { contentType: 'application/json', messageId: id, headers },
    ...extra,
  }
}

// NATS `MsgHdrs`: exact-match get() that answers '' when absent.
function natsHeaders(entries: Record<string, string>): NatsHeadersLike {
  const map = new Map(Object.entries(entries))
  return { get: (name) => map.get(name) ?? '', keys: () => [...map.keys()] }
}

describe('fromAmqpMessage', () => {
  it('verifies header values delivered as strings, Buffers or numbers', async () => {
    const headers = await contractHeaders()
    const decoded = {
      'webhook-id': Buffer.from(id),
      'webhook-timestamp': Number(headers['webhook-timestamp']),
      'webhook-signature': Buffer.from(headers['webhook-signature'] ?? ''),
      'x-tenant': 'acme',
      'x-death': [{ count: 1, reason: 'rejected' }],
    }
    for (const variant of [headers, decoded]) {
      const event = await verifyMessage({ ...fromAmqpMessage(amqpMessage(variant)), secret })
      expect(event.id).toBe(id)
      expect(event.headers['x-tenant']).toBe('acme')
      expect(event.headers['content-type']).toBe('application/json')
      expect(event.headers['x-death']).toBeUndefined()
    }
  })

  it('takes webhook-id from messageId when the header is absent, and passes standardwebhooks', async () => {
    const { 'webhook-id': _id, ...rest } = await contractHeaders()
    const message = fromAmqpMessage(amqpMessage(rest))
    expect((await verifyMessage({ ...message, secret })).id).toBe(id)
    const text = message.headers as Record<string, string>
    expect(new StandardWebhook(secret).verify(body, text)).toEqual(JSON.parse(body))
  })

  it('counts attempts from x-delivery-count, else from redelivered', async () => {
    const headers = await contractHeaders()
    expect(fromAmqpMessage(amqpMessage(headers)).attempt).toBe(1)
    expect(fromAmqpMessage(amqpMessage(headers, { fields: { redelivered: true } })).attempt).toBe(2)
    expect(fromAmqpMessage(amqpMessage({ ...headers, 'x-delivery-count': 4 })).attempt).toBe(5)
  })

  it('rejects a tampered content', async () => {
    const message = amqpMessage(await contractHeaders(), { content: Buffer.from(body.replace('ORD', 'XXX')) })
    await expectVerificationError(verifyMessage({ ...fromAmqpMessage(message), secret }), 'bad_signature')
  })
})

describe('fromNatsMessage', () => {
  it('verifies NATS headers in any case, with the JetStream delivery count', async () => {
    const headers = await contractHeaders()
    const msg = {
      data: new Uint8Array(bytes()),
      headers: natsHeaders({
        'Webhook-Id': id,
        'Webhook-Timestamp': headers['webhook-timestamp'] ?? '',
        'Webhook-Signature': headers['webhook-signature'] ?? '',
        'Nats-Msg-Id': id,
        'X-Tenant': 'acme',
      }),
      info: { deliveryCount: 2 },
    }
    const event = await verifyMessage({ ...fromNatsMessage(msg), secret })
    expect(event.id).toBe(id)
    expect(event.attempt).toBe(2)
    expect(event.headers['x-tenant']).toBe('acme')
    // The MsgHdrs themselves work too: the reader finds names in another case.
    expect((await verifyMessage({ headers: msg.headers, body: msg.data, secret })).id).toBe(id)
  })

  it('takes webhook-id from Nats-Msg-Id when absent, and has no attempt without JetStream info', async () => {
    const { 'webhook-id': _id, ...rest } = await contractHeaders()
    const message = fromNatsMessage({ data: bytes(), headers: natsHeaders({ ...rest, 'Nats-Msg-Id': id }) })
    expect(message.attempt).toBeUndefined()
    expect((await verifyMessage({ ...message, secret })).id).toBe(id)
  })

  it('fails a message without headers as missing_header', async () => {
    const error = await expectVerificationError(
      verifyMessage({ ...fromNatsMessage({ data: bytes() }), secret }),
      'missing_header',
    )
    expect(isInvalidMessageError(error)).toBe(true)
  })
})

describe('fromRedisEntry', () => {
  async function fields(): Promise<string[]> {
    // XADD order: webhook-id, webhook-timestamp, webhook-signature, content-type, custom…, body.
    return [...Object.entries(await contractHeaders()).flat(), 'body', body]
  }

  it('verifies an ioredis [id, [field, value, …]] entry, as strings or Buffers', async () => {
    const flat = await fields()
    for (const entry of [
      ['1767225600000-0', flat] as const,
      [Buffer.from('1767225600000-0'), flat.map((value) => Buffer.from(value))] as const,
    ]) {
      const message = fromRedisEntry(entry)
      expect(message.headers).not.toHaveProperty('body')
      const event = await verifyMessage({ ...message, secret })
      expect(event.id).toBe(id)
      expect(event.headers['x-tenant']).toBe('acme')
      expect(event.payload.data).toEqual({ order_id: 'ORD-12345' })
    }
  })

  it('verifies a fields object, a node-redis { id, message } entry and a bare field list', async () => {
    const flat = await fields()
    const record = Object.fromEntries(
      Array.from({ length: flat.length / 2 }, (_, i) => flat.slice(i * 2, i * 2 + 2)),
    )
    for (const entry of [record, { id: '1-0', message: record }, flat]) {
      expect((await verifyMessage({ ...fromRedisEntry(entry), secret })).id).toBe(id)
    }
  })

  it('takes the last body field, so an endpoint header called body stays a header', async () => {
    const flat = await fields()
    const message = fromRedisEntry(['1-0', ['body', 'custom', ...flat]])
    expect((message.headers as Record<string, string>).body).toBe('custom')
    expect((await verifyMessage({ ...message, secret })).id).toBe(id)
  })

  it('fails an entry without a body field as an invalid message', async () => {
    const flat = (await fields()).slice(0, -2)
    let error: unknown
    try {
      fromRedisEntry(['1-0', flat])
    } catch (caught) {
      error = caught
    }
    expect((error as { code?: string }).code).toBe('missing_header')
    expect(isInvalidMessageError(error)).toBe(true)
  })

  it('rejects a body changed in the stream', async () => {
    const flat = await fields()
    flat[flat.length - 1] = body.replace('12345', '99999')
    await expectVerificationError(
      verifyMessage({ ...fromRedisEntry(['1-0', flat]), secret }),
      'bad_signature',
    )
  })
})
