import { describe, expect, it, vi } from 'vitest'
import { expectVerificationError } from '../../test/helpers.js'
import { InvalidSecretError } from '../errors.js'
import type { WebhookEvent } from '../receiver/create-receiver.js'
import { type IdempotencyStore, MemoryIdempotencyStore } from '../receiver/idempotency-store.js'
import { generateSecret } from '../secrets.js'
import { sign } from '../sign.js'
import { createMessageConsumer } from './message-consumer.js'
import { isInvalidMessageError } from './message-errors.js'
import type { WebhookMessage } from './verify-message.js'

const secret = generateSecret()

/** A message in the contract format; each call is a new attempt (fresh timestamp and signature). */
async function message(id = 'evt_1', attempt?: number): Promise<WebhookMessage> {
  const body = JSON.stringify({
    id,
    type: 'order.shipped',
    timestamp: new Date().toISOString(),
    data: { n: 1 },
  })
  const headers = await sign({ scheme: 'standard-webhooks', secret, payload: body, id })
  return { headers: { ...headers, 'content-type': 'application/json' }, body, attempt }
}

describe('createMessageConsumer', () => {
  it('processes an event once and reports its redelivery as a duplicate', async () => {
    const seen: WebhookEvent[] = []
    const consumer = createMessageConsumer({ secret, handler: (event) => void seen.push(event) })
    expect(await consumer.consume(await message('evt_1', 1))).toBe('processed')
    expect(await consumer.consume(await message('evt_1', 2))).toBe('duplicate')
    expect(await consumer.consume(await message('evt_2'))).toBe('processed')
    expect(seen.map((event) => event.id)).toEqual(['evt_1', 'evt_2'])
    expect(seen[0]?.attempt).toBe(1)
    expect(seen[0]?.payload).toMatchObject({ id: 'evt_1', type: 'order.shipped' })
  })

  it('forgets the id when the handler throws and rethrows its error, so the redelivery runs again', async () => {
    const failure = new Error('database down')
    const handler = vi.fn().mockRejectedValueOnce(failure).mockResolvedValue(undefined)
    const consumer = createMessageConsumer({ secret, handler })
    const error = await consumer.consume(await message('evt_retry')).catch((caught: unknown) => caught)
    expect(error).toBe(failure)
    expect(isInvalidMessageError(error)).toBe(false)
    expect(await consumer.consume(await message('evt_retry'))).toBe('processed')
    expect(await consumer.consume(await message('evt_retry'))).toBe('duplicate')
    expect(handler).toHaveBeenCalledTimes(2)
  })

  it('treats a copy arriving while the handler runs as a duplicate', async () => {
    let finish: (() => void) | undefined
    const consumer = createMessageConsumer({
      secret,
      handler: () =>
        new Promise<void>((resolve) => {
          finish = resolve
        }),
    })
    const first = consumer.consume(await message('evt_slow'))
    await vi.waitFor(() => expect(finish).toBeDefined())
    expect(await consumer.consume(await message('evt_slow'))).toBe('duplicate')
    finish?.()
    expect(await first).toBe('processed')
  })

  it('rejects a forged message without running the handler or claiming its id', async () => {
    const handler = vi.fn()
    const consumer = createMessageConsumer({ secret, handler })
    const forged = await message('evt_forged')
    const error = await expectVerificationError(
      consumer.consume({ ...forged, body: String(forged.body).replace('"n":1', '"n":2') }),
      'bad_signature',
    )
    expect(isInvalidMessageError(error)).toBe(true)
    expect(handler).not.toHaveBeenCalled()
    expect(await consumer.consume(forged)).toBe('processed')
  })

  it('handles every delivery with idempotency: false', async () => {
    const handler = vi.fn()
    const consumer = createMessageConsumer({ secret, handler, idempotency: false })
    await consumer.consume(await message('evt_1'))
    expect(await consumer.consume(await message('evt_1'))).toBe('processed')
    expect(handler).toHaveBeenCalledTimes(2)
  })

  it('uses a given store with the receiver key format and TTL', async () => {
    const memory = new MemoryIdempotencyStore()
    const calls: string[] = []
    const store: IdempotencyStore = {
      claim: (key, ttlSeconds) => {
        calls.push(`claim ${key} ${ttlSeconds}`)
        return memory.claim(key, ttlSeconds)
      },
      release: (key) => {
        calls.push(`release ${key}`)
        memory.release(key)
      },
    }
    const consumer = createMessageConsumer({
      secret,
      idempotency: { store, ttlSeconds: 60 },
      handler: () => {
        throw new Error('no')
      },
    })
    await expect(consumer.consume(await message('evt_s'))).rejects.toThrow('no')
    expect(calls).toEqual(['claim standard-webhooks:evt_s 60', 'release standard-webhooks:evt_s'])
  })

  it('refuses a malformed secret at creation, before any message is lost to it', () => {
    expect(() => createMessageConsumer({ secret: 'whsec_!!!', handler: () => undefined })).toThrow(
      InvalidSecretError,
    )
    expect(() => createMessageConsumer({ secret: [], handler: () => undefined })).toThrow(InvalidSecretError)
  })
})
