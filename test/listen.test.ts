import { spawn } from 'node:child_process'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI, eventually, GatewayProcess, TEST_API_KEY } from './support/gateway-process.js'
import { answer, Sink } from './support/sink.js'

describe('hookline listen --forward-to', () => {
  let gateway: GatewayProcess
  let local: Sink

  beforeAll(async () => {
    gateway = await GatewayProcess.start()
    // The developer's handler: fine for orders, broken for refunds.
    local = await Sink.start(async (request, _index, response) => {
      const type = JSON.parse(request.body).type as string
      response.writeHead(type === 'order.refunded' ? 500 : 200).end()
    })
  })
  afterAll(async () => {
    await gateway.cleanup()
    await local.close()
  })

  it('forwards matching events to a local URL, signed with the printed secret, one line each', async () => {
    const child = spawn(
      process.execPath,
      [CLI, 'listen', '--forward-to', `${local.url}/webhooks`, '--types', 'order.*', '--url', gateway.url],
      {
        env: { PATH: process.env.PATH ?? '', HOOKLINE_API_KEY: TEST_API_KEY },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8')
    })
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8')
    })
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)))
    try {
      const secret = await eventually(async () => /signing secret is (whsec_\S+)/.exec(output)?.[1])
      await new Promise((r) => setTimeout(r, 300)) // let the stream connect
      const shipped = await gateway.api('POST', '/v1/events', { type: 'order.shipped', data: { id: 1 } })
      await gateway.api('POST', '/v1/events', { type: 'invoice.paid', data: {} })
      const refunded = await gateway.api('POST', '/v1/events', { type: 'order.refunded', data: { id: 1 } })
      await eventually(async () => local.received.length === 2 && output.includes(refunded.body.id))

      const [first] = local.received
      if (!first) throw new Error('nothing forwarded')
      expect(first.path).toBe('/webhooks')
      const verified = new Webhook(secret).verify(first.body, first.headers as Record<string, string>)
      expect(verified).toMatchObject({ id: shipped.body.id, type: 'order.shipped', data: { id: 1 } })
      expect(local.received.map((r) => JSON.parse(r.body).type)).toEqual(['order.shipped', 'order.refunded'])
      expect(output).toMatch(new RegExp(`order\\.shipped\\s+${shipped.body.id}\\s+→ 200\\s+\\d+ ms`))
      expect(output).toMatch(new RegExp(`order\\.refunded\\s+${refunded.body.id}\\s+→ 500`))
      expect(output).not.toContain('invoice.paid')
    } finally {
      child.kill('SIGINT')
    }
    expect(await exited).toBe(0)
  })

  it('reports a local URL that refuses connections and keeps going', async () => {
    const dead = await Sink.start(answer(200))
    const deadUrl = `${dead.url}/gone`
    await dead.close()
    const child = spawn(
      process.execPath,
      [CLI, 'listen', '--forward-to', deadUrl, '--url', gateway.url, '--json'],
      {
        env: { PATH: process.env.PATH ?? '', HOOKLINE_API_KEY: TEST_API_KEY },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8')
    })
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)))
    try {
      await eventually(async () => output.includes('"ready":true'))
      await new Promise((r) => setTimeout(r, 300))
      const event = await gateway.api('POST', '/v1/events', { type: 'anything.at.all', data: {} })
      await eventually(async () => output.includes(event.body.id))
      const line = output.split('\n').find((text) => text.includes(event.body.id)) ?? '{}'
      expect(JSON.parse(line)).toMatchObject({ id: event.body.id, status: 'connection failed' })
    } finally {
      child.kill('SIGINT')
    }
    expect(await exited).toBe(0)
  })
})
