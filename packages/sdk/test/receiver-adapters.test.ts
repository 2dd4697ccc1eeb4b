import { once } from 'node:events'
import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createReceiver, generateSecret, type Receiver, sign, type WebhookEvent } from '../src/index.js'

// Every server listens on an ephemeral port of the loopback address only.
const HOST = '127.0.0.1'

interface Harness {
  name: string
  start(receiver: Receiver): Promise<{ url: string; close(): Promise<void> }>
}

async function listenNode(server: http.Server, path: string) {
  server.listen(0, HOST)
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://${HOST}:${port}${path}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

const harnesses: Harness[] = [
  {
    name: 'node:http',
    start: (receiver) => listenNode(http.createServer(receiver.node), '/'),
  },
  {
    name: 'Express',
    start: (receiver) => {
      const app = express()
      app.post('/webhooks', receiver.node)
      app.use(express.json())
      return listenNode(http.createServer(app), '/webhooks')
    },
  },
  {
    name: 'Express with express.raw()',
    start: (receiver) => {
      const app = express()
      app.use('/hooks', express.raw({ type: '*/*', limit: '10mb' }))
      app.post('/hooks/in', receiver.node)
      return listenNode(http.createServer(app), '/hooks/in')
    },
  },
  {
    name: 'Fastify',
    start: async (receiver) => {
      const app = Fastify()
      app.post('/json', async (request) => request.body)
      await app.register(receiver.fastify, { prefix: '/hooks', path: '/in' })
      await app.listen({ port: 0, host: HOST })
      const { port } = app.server.address() as AddressInfo
      return { url: `http://${HOST}:${port}/hooks/in`, close: () => app.close() }
    },
  },
  {
    name: 'Hono (@hono/node-server)',
    start: async (receiver) => {
      const app = new Hono()
      app.post('/webhooks', (c) => receiver.fetch(c.req.raw))
      const server = serve({ fetch: app.fetch, port: 0, hostname: HOST })
      await once(server, 'listening')
      const { port } = server.address() as AddressInfo
      return {
        url: `http://${HOST}:${port}/webhooks`,
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
      }
    },
  },
]

for (const harness of harnesses) {
  describe(`receiver on ${harness.name}`, () => {
    const secret = generateSecret()
    const handled: WebhookEvent[] = []
    const receiver = createReceiver({
      scheme: 'standard-webhooks',
      secret,
      maxBodyBytes: 64 * 1024,
      handler: (event) => {
        handled.push(event)
      },
    })
    let server: { url: string; close(): Promise<void> }

    beforeAll(async () => {
      server = await harness.start(receiver)
    })
    afterAll(async () => {
      await server.close()
    })

    async function post(body: string, headers: Record<string, string>) {
      const response = await fetch(server.url, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', ...headers },
      })
      return { status: response.status, body: (await response.json()) as Record<string, unknown> }
    }

    it('verifies the raw body, answers 200 and hands the parsed event to the handler', async () => {
      // Odd spacing and key order: any re-serialisation of the JSON would break the signature.
      const body = '{ "type":"order.shipped",  "data": {"b":2,"a":"café"} }'
      const headers = await sign({ scheme: 'standard-webhooks', secret, payload: body, id: 'evt_adapter_1' })
      expect(await post(body, headers)).toEqual({ status: 200, body: { ok: true } })
      await receiver.idle()
      expect(handled).toHaveLength(1)
      expect(handled[0]?.id).toBe('evt_adapter_1')
      expect(handled[0]?.payload).toEqual({ type: 'order.shipped', data: { b: 2, a: 'café' } })
      expect(new TextDecoder().decode(handled[0]?.rawBody)).toBe(body)
      expect(handled[0]?.headers['webhook-id']).toBe('evt_adapter_1')
    })

    it('acknowledges a redelivery without handling it twice', async () => {
      const body = '{"type":"order.paid"}'
      const headers = await sign({ scheme: 'standard-webhooks', secret, payload: body, id: 'evt_adapter_2' })
      expect((await post(body, headers)).body).toEqual({ ok: true })
      const again = await sign({ scheme: 'standard-webhooks', secret, payload: body, id: 'evt_adapter_2' })
      expect(await post(body, again)).toEqual({ status: 200, body: { ok: true, duplicate: true } })
      await receiver.idle()
      expect(handled.filter((event) => event.id === 'evt_adapter_2')).toHaveLength(1)
    })

    it('answers 401 with the code for a bad signature or a tampered body', async () => {
      const body = '{"type":"order.refunded"}'
      const headers = await sign({ scheme: 'standard-webhooks', secret, payload: body, id: 'evt_adapter_3' })
      const tampered = await post('{"type":"order.refunded!"}', headers)
      expect(tampered.status).toBe(401)
      expect(tampered.body).toMatchObject({ status: 401, code: 'bad_signature' })
      expect(JSON.stringify(tampered.body)).not.toContain(secret.slice(6))
      const missing = await post(body, {})
      expect(missing).toMatchObject({ status: 401, body: { code: 'missing_header' } })
      await receiver.idle()
      expect(handled.some((event) => event.id === 'evt_adapter_3')).toBe(false)
    })

    it('refuses bodies above maxBodyBytes with 413', async () => {
      const body = JSON.stringify({ blob: 'x'.repeat(70 * 1024) })
      const headers = await sign({ scheme: 'standard-webhooks', secret, payload: body })
      const response = await fetch(server.url, { method: 'POST', body, headers })
      expect(response.status).toBe(413)
    })
  })
}

describe('receiver behind express.json()', () => {
  it('explains that the raw body is gone instead of failing verification', async () => {
    const secret = generateSecret()
    const receiver = createReceiver({ scheme: 'standard-webhooks', secret, handler: () => undefined })
    const app = express()
    app.use(express.json())
    app.post('/webhooks', receiver.node)
    const server = await listenNode(http.createServer(app), '/webhooks')
    try {
      const body = '{"a":1}'
      const headers = await sign({ scheme: 'standard-webhooks', secret, payload: body })
      const response = await fetch(server.url, {
        method: 'POST',
        body,
        headers: { ...headers, 'content-type': 'application/json' },
      })
      expect(response.status).toBe(500)
      expect(await response.json()).toMatchObject({ code: 'body_unavailable' })
    } finally {
      await server.close()
    }
  })
})
