import { describe, expect, it, vi } from 'vitest'
import { generateSecret } from '../secrets.js'
import { sign } from '../sign.js'
import { createReceiver, type ReceiverRequest, type WebhookEvent } from './create-receiver.js'
import type { IdempotencyStore } from './idempotency-store.js'

const secret = generateSecret()
const url = 'http://127.0.0.1/webhooks'

async function signedRequest(
  body: string,
  id = 'evt_1',
  extra: Record<string, string> = {},
): Promise<ReceiverRequest> {
  const headers = await sign({ scheme: 'standard-webhooks', secret, payload: body, id })
  return { method: 'POST', url, headers: { 'content-type': 'application/json', ...headers, ...extra }, body }
}

function parse(body: string): Record<string, unknown> {
  return JSON.parse(body) as Record<string, unknown>
}

describe('createReceiver', () => {
  it('answers before the handler finishes, then runs it', async () => {
    let finish: () => void = () => undefined
    const started = vi.fn()
    const receiver = createReceiver({
      scheme: 'standard-webhooks',
      secret,
      handler: () => {
        started()
        return new Promise<void>((resolve) => {
          finish = resolve
        })
      },
    })
    const response = await receiver.receive(await signedRequest('{"a":1}'))
    expect(response.status).toBe(200)
    expect(parse(response.body)).toEqual({ ok: true })
    expect(started).toHaveBeenCalledOnce()
    let idle = false
    const waiting = receiver.idle().then(() => {
      idle = true
    })
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(idle).toBe(false)
    finish()
    await waiting
    expect(idle).toBe(true)
  })

  it('retries a failing handler and reports the final failure to onError with the event', async () => {
    const attempts: number[] = []
    const onError = vi.fn()
    const receiver = createReceiver({
      scheme: 'standard-webhooks',
      secret,
      queue: { maxAttempts: 2, retryDelayMs: 1 },
      onError,
      handler: (event: WebhookEvent) => {
        attempts.push(event.attempt)
        throw new Error('downstream unavailable')
      },
    })
    expect((await receiver.receive(await signedRequest('{}', 'evt_fail'))).status).toBe(200)
    await receiver.idle()
    expect(attempts).toEqual([1, 2])
    expect(onError).toHaveBeenCalledOnce()
    const [error, event] = onError.mock.calls[0] ?? []
    expect((error as Error).message).toBe('downstream unavailable')
    expect((event as WebhookEvent).id).toBe('evt_fail')
  })

  it('reports through console.error by default without crashing', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    try {
      const receiver = createReceiver({
        scheme: 'standard-webhooks',
        secret,
        queue: { maxAttempts: 1 },
        handler: () => Promise.reject(new Error('nope')),
      })
      await receiver.receive(await signedRequest('{}', 'evt_log'))
      await receiver.idle()
      expect(spy).toHaveBeenCalledOnce()
      expect(String(spy.mock.calls[0]?.[0])).toContain('evt_log')
      expect(String(spy.mock.calls[0]?.[0])).not.toContain(secret)
    } finally {
      spy.mockRestore()
    }
  })

  it('with queue: false, answers 500 on handler failure and accepts the redelivery', async () => {
    let fail = true
    const handled: string[] = []
    const receiver = createReceiver({
      scheme: 'standard-webhooks',
      secret,
      queue: false,
      onError: () => undefined,
      handler: (event: WebhookEvent) => {
        if (fail) throw new Error('first time fails')
        handled.push(event.id ?? '')
      },
    })
    const first = await receiver.receive(await signedRequest('{}', 'evt_inline'))
    expect(first.status).toBe(500)
    expect(parse(first.body).code).toBe('handler_failed')
    fail = false
    expect((await receiver.receive(await signedRequest('{}', 'evt_inline'))).status).toBe(200)
    expect(handled).toEqual(['evt_inline'])
  })

  it('answers 503 with Retry-After when the backlog is full, and accepts the webhook later', async () => {
    let release: () => void = () => undefined
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const receiver = createReceiver({
      scheme: 'standard-webhooks',
      secret,
      queue: { concurrency: 1, maxQueued: 1 },
      handler: () => gate,
    })
    expect((await receiver.receive(await signedRequest('{}', 'evt_a'))).status).toBe(200)
    const busy = await receiver.receive(await signedRequest('{}', 'evt_b'))
    expect(busy.status).toBe(503)
    expect(busy.headers['retry-after']).toBe('5')
    release()
    await receiver.idle()
    expect((await receiver.receive(await signedRequest('{}', 'evt_b'))).status).toBe(200)
    expect(parse((await receiver.receive(await signedRequest('{}', 'evt_b'))).body)).toEqual({
      ok: true,
      duplicate: true,
    })
  })

  it('uses a custom idempotency store, or none', async () => {
    const claimed: Array<[string, number]> = []
    const store: IdempotencyStore = {
      claim: async (key, ttlSeconds) => {
        claimed.push([key, ttlSeconds])
        return claimed.length === 1
      },
      release: () => undefined,
    }
    const handler = vi.fn()
    const withStore = createReceiver({ scheme: 'standard-webhooks', secret, idempotency: store, handler })
    await withStore.receive(await signedRequest('{}', 'evt_s'))
    const duplicate = await withStore.receive(await signedRequest('{}', 'evt_s'))
    expect(parse(duplicate.body).duplicate).toBe(true)
    expect(claimed[0]).toEqual(['standard-webhooks:evt_s', 7 * 24 * 3600])

    const withoutDedupe = createReceiver({ scheme: 'standard-webhooks', secret, idempotency: false, handler })
    await withoutDedupe.receive(await signedRequest('{}', 'evt_n'))
    await withoutDedupe.receive(await signedRequest('{}', 'evt_n'))
    await withoutDedupe.idle()
    await withStore.idle()
    expect(handler).toHaveBeenCalledTimes(3)
  })

  it('rejects unparseable JSON with 400 after verification', async () => {
    const receiver = createReceiver({ scheme: 'standard-webhooks', secret, handler: () => undefined })
    const response = await receiver.receive(await signedRequest('{"a":'))
    expect(response.status).toBe(400)
    expect(parse(response.body).code).toBe('unparseable_body')
  })

  it('answers 405 to other methods and the CloudEvents OPTIONS handshake', async () => {
    const receiver = createReceiver({ scheme: 'standard-webhooks', secret, handler: () => undefined })
    const get = await receiver.receive({ method: 'GET', url, headers: {}, body: '' })
    expect(get.status).toBe(405)
    expect(get.headers.allow).toBe('POST, OPTIONS')
    const options = await receiver.receive({
      method: 'OPTIONS',
      url,
      headers: { 'WebHook-Request-Origin': 'eventemitter.example.com' },
      body: '',
    })
    expect(options.status).toBe(200)
    expect(options.headers['webhook-allowed-origin']).toBe('eventemitter.example.com')
  })

  it('answers a signed Slack url_verification challenge without calling the handler', async () => {
    const handler = vi.fn()
    const receiver = createReceiver({ scheme: 'slack', secret: 'slack-signing-secret', handler })
    const body = JSON.stringify({ token: 't', challenge: 'c-123', type: 'url_verification' })
    const headers = await sign({ scheme: 'slack', secret: 'slack-signing-secret', payload: body })
    const response = await receiver.receive({ method: 'POST', url, headers, body })
    expect(response.status).toBe(200)
    expect(parse(response.body)).toEqual({ challenge: 'c-123' })
    const unsigned = await receiver.receive({ method: 'POST', url, headers: {}, body })
    expect(unsigned.status).toBe(401)
    await receiver.idle()
    expect(handler).not.toHaveBeenCalled()
  })

  it('verifies Twilio against publicUrl and parses the form body', async () => {
    const events: WebhookEvent[] = []
    const receiver = createReceiver({
      scheme: 'twilio',
      secret: 'auth-token',
      publicUrl: 'https://hooks.example.com',
      handler: (event: WebhookEvent) => {
        events.push(event)
      },
    })
    const body = 'From=%2B15551234567&Body=hello+world&MediaUrl=a&MediaUrl=b'
    const headers = await sign({
      scheme: 'twilio',
      secret: 'auth-token',
      payload: body,
      url: 'https://hooks.example.com/twilio/sms?x=1',
    })
    const response = await receiver.receive({
      method: 'POST',
      url: 'http://127.0.0.1:8080/twilio/sms?x=1',
      headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
      body,
    })
    expect(response.status).toBe(200)
    await receiver.idle()
    expect(events[0]?.payload).toEqual({ From: '+15551234567', Body: 'hello world', MediaUrl: ['a', 'b'] })
  })

  it('reports a misconfigured secret as 500 without exposing it', async () => {
    const onError = vi.fn()
    const receiver = createReceiver({
      scheme: 'standard-webhooks',
      secret: 'whsec_***not-base64***',
      onError,
      handler: () => undefined,
    })
    const response = await receiver.receive(await signedRequest('{}'))
    expect(response.status).toBe(500)
    expect(parse(response.body).code).toBe('invalid_secret')
    expect(response.body).not.toContain('not-base64')
    expect(onError).toHaveBeenCalledOnce()
  })

  it('fails fast on an unknown scheme or missing secret', () => {
    expect(() => createReceiver({ scheme: 'nope' as 'hmac', secret: 'x', handler: () => undefined })).toThrow(
      expect.objectContaining({ code: 'unsupported_scheme' }),
    )
    expect(() => createReceiver({ scheme: 'github', secret: [], handler: () => undefined })).toThrow(
      expect.objectContaining({ code: 'invalid_secret' }),
    )
  })
})
