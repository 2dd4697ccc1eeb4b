import { execFile } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI, eventually, GatewayProcess } from './support/gateway-process.js'
import { closedPort, Sink } from './support/sink.js'

const run = promisify(execFile)

async function call(url: string, key: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await response.text()
  return { status: response.status, headers: response.headers, body: text === '' ? null : JSON.parse(text) }
}

describe('API keys and scopes', () => {
  let gateway: GatewayProcess
  beforeAll(async () => {
    gateway = await GatewayProcess.start()
  })
  afterAll(async () => {
    await gateway.cleanup()
  })

  it('creates scoped keys, enforces their scopes, lists them without tokens and revokes at once', async () => {
    const publisher = await gateway.api('POST', '/v1/api-keys', { name: 'orders service', scope: 'publish' })
    const reader = await gateway.api('POST', '/v1/api-keys', { name: 'dashboard', scope: 'read' })
    for (const created of [publisher, reader]) {
      expect(created.status).toBe(201)
      expect(created.body.key).toMatch(/^hl_[A-Za-z0-9_-]{43}$/)
      expect(created.body.prefix).toBe(created.body.key.slice(0, 10))
    }
    const publishKey = publisher.body.key as string
    const readKey = reader.body.key as string

    expect(
      (await call(gateway.url, publishKey, 'POST', '/v1/events', { type: 'scope.test', data: {} })).status,
    ).toBe(202)
    const denied = await call(gateway.url, publishKey, 'GET', '/v1/events')
    expect(denied).toMatchObject({ status: 403, body: { code: 'forbidden' } })
    expect(
      (await call(gateway.url, publishKey, 'POST', '/v1/endpoints', { url: 'http://127.0.0.1:1/x' })).status,
    ).toBe(403)
    expect(
      (await call(gateway.url, publishKey, 'POST', '/v1/api-keys', { name: 'escalate', scope: 'admin' }))
        .status,
    ).toBe(403)

    expect((await call(gateway.url, readKey, 'GET', '/v1/events')).status).toBe(200)
    expect(
      (await call(gateway.url, readKey, 'POST', '/v1/events', { type: 'scope.test', data: {} })).status,
    ).toBe(403)
    expect((await call(gateway.url, readKey, 'DELETE', `/v1/api-keys/${publisher.body.id}`)).status).toBe(403)

    const listed = await gateway.api('GET', '/v1/api-keys')
    expect(listed.body.data.map((key: { name: string }) => key.name)).toEqual(
      expect.arrayContaining(['orders service', 'dashboard']),
    )
    expect(JSON.stringify(listed.body)).not.toContain(publishKey)
    expect(JSON.stringify(listed.body)).not.toContain(readKey)

    const revoked = await gateway.api('DELETE', `/v1/api-keys/${reader.body.id}`)
    expect(revoked.body.revokedAt).toEqual(expect.any(String))
    expect((await call(gateway.url, readKey, 'GET', '/v1/events')).status).toBe(401)
    expect(gateway.output).not.toContain(publishKey)
    expect(gateway.output).not.toContain(readKey)
  })

  it('keeps __proto__ and constructor keys as plain data, delivered byte for byte', async () => {
    const sink = await Sink.start()
    try {
      const endpoint = await gateway.api('POST', '/v1/endpoints', {
        url: `${sink.url}/p`,
        eventTypes: ['proto.*'],
      })
      const body =
        '{"type":"proto.check","data":{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}}'
      const response = await fetch(`${gateway.url}/v1/events`, {
        method: 'POST',
        headers: { authorization: 'Bearer test-admin-key-0123456789', 'content-type': 'application/json' },
        body,
      })
      expect(response.status).toBe(202)
      await eventually(async () => sink.received.length === 1)
      const delivered = JSON.parse(sink.received[0]?.body ?? '{}', (key, value) =>
        key === '__proto__' ? { ...value } : value,
      )
      expect(sink.received[0]?.body).toContain(
        '"data":{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}',
      )
      expect(delivered.type).toBe('proto.check')
      // The server's own objects were not polluted: it still answers normally.
      expect((await gateway.api('GET', '/healthz')).body).toEqual({ status: 'ok' })
      await gateway.api('DELETE', `/v1/endpoints/${endpoint.body.id}`)
    } finally {
      await sink.close()
    }
  })
})

describe('rate limit and network policy', () => {
  it('answers 429 with Retry-After past the per-key rate', async () => {
    const gateway = await GatewayProcess.start({ env: { HOOKLINE_RATE_LIMIT: '5' } })
    try {
      const results = await Promise.all(Array.from({ length: 20 }, () => gateway.api('GET', '/v1/endpoints')))
      const limited = results.filter((r) => r.status === 429)
      expect(limited.length).toBeGreaterThanOrEqual(10)
      expect(limited[0]?.headers.get('retry-after')).toMatch(/^\d+$/)
      expect(limited[0]?.body).toMatchObject({ code: 'rate_limited', status: 429 })
      expect(results.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(5)
    } finally {
      await gateway.cleanup()
    }
  })

  it('allows exactly HOOKLINE_ALLOWED_NETWORKS and enforces HOOKLINE_REQUIRE_HTTPS', async () => {
    const sink = await Sink.start()
    const gateway = await GatewayProcess.start({
      env: { HOOKLINE_ALLOW_PRIVATE_NETWORKS: 'false', HOOKLINE_ALLOWED_NETWORKS: '127.0.0.0/8' },
    })
    const strict = await GatewayProcess.start({ env: { HOOKLINE_REQUIRE_HTTPS: 'true' } })
    try {
      expect((await gateway.api('POST', '/v1/endpoints', { url: `${sink.url}/ok` })).status).toBe(201)
      expect((await gateway.api('POST', '/v1/endpoints', { url: 'http://[::1]:1/x' })).status).toBe(422)
      expect((await gateway.api('POST', '/v1/endpoints', { url: 'http://10.0.0.1/x' })).status).toBe(422)
      await gateway.api('POST', '/v1/events', { type: 'net.ok', data: {} })
      await eventually(async () => sink.received.length === 1)

      const plain = await strict.api('POST', '/v1/endpoints', { url: `${sink.url}/plain` })
      expect(plain.status).toBe(422)
      expect(plain.body.errors[0].message).toContain('https')
    } finally {
      await Promise.all([gateway.cleanup(), strict.cleanup()])
      await sink.close()
    }
  })
})

describe('secrets at rest', () => {
  it('never writes secrets into the database file, and rotates the encryption key in place', async () => {
    const sink = await Sink.start()
    const first = await GatewayProcess.start({ env: { HOOKLINE_API_KEY: '' } })
    try {
      const adminKey = /(hl_[A-Za-z0-9_-]{43})/.exec(first.output)?.[1] as string
      const endpoint = await call(first.url, adminKey, 'POST', '/v1/endpoints', { url: `${sink.url}/r` })
      const sourceSecret = 'source-secret-value-1234567890'
      await call(first.url, adminKey, 'POST', '/v1/sources', {
        name: 'gh',
        verifier: { scheme: 'github', secret: sourceSecret },
      })
      // A poller whose URL and header carry credentials (its target need not answer here).
      const pollerPassword = 'poller-password-0987654321'
      const pollerToken = 'poller-token-1234509876'
      const closedPortNumber = await closedPort()
      const poller = await call(first.url, adminKey, 'POST', '/v1/pollers', {
        url: `http://status-bot:${pollerPassword}@127.0.0.1:${closedPortNumber}/status`,
        intervalSeconds: 1,
        headers: { authorization: `Bearer ${pollerToken}` },
        eventType: 'legacy.changed',
        idFrom: '/id',
      })
      expect(poller.status).toBe(201)
      expect(poller.body.url).toBe(`http://status-bot:***@127.0.0.1:${closedPortNumber}/status`)
      expect(await first.stop()).toBe(0)

      const database = () =>
        ['hookline.db', 'hookline.db-wal']
          .map((name) => join(first.dataDir, name))
          .filter((path) => existsSync(path))
          .map((path) => readFileSync(path).toString('latin1'))
          .join('')
      for (const secret of [endpoint.body.secret, sourceSecret, adminKey, pollerPassword, pollerToken])
        expect(database()).not.toContain(secret)

      const keyBefore = readFileSync(join(first.dataDir, 'encryption.key'), 'utf8')
      const rotated = await run(process.execPath, [CLI, 'rotate-encryption-key'], {
        env: {
          PATH: process.env.PATH ?? '',
          HOOKLINE_DATABASE_URL: `sqlite:${join(first.dataDir, 'hookline.db')}`,
        },
      })
      expect(rotated.stdout).toMatch(/^re-sealed 3 secrets/)
      expect(readFileSync(join(first.dataDir, 'encryption.key'), 'utf8')).not.toBe(keyBefore)
      expect(readFileSync(join(first.dataDir, 'encryption.key.old'), 'utf8')).toBe(keyBefore)
      // Everything was re-sealed: the server works with the new key alone.
      rmSync(join(first.dataDir, 'encryption.key.old'))

      const second = await GatewayProcess.start({ env: { HOOKLINE_API_KEY: '' }, dataDir: first.dataDir })
      try {
        const secret = await call(second.url, adminKey, 'GET', `/v1/endpoints/${endpoint.body.id}/secret`)
        expect(secret.body.secret).toBe(endpoint.body.secret)
        await call(second.url, adminKey, 'POST', '/v1/events', { type: 'rotated.key', data: {} })
        await eventually(async () => sink.received.length === 1)
        const request = sink.received[0]
        if (!request) throw new Error('not delivered')
        expect(() =>
          new Webhook(endpoint.body.secret).verify(request.body, request.headers as Record<string, string>),
        ).not.toThrow()
        // The poller runs under the new key (its headers and URL open): it reaches the closed
        // port and records that, rather than failing before the request.
        const startedAt = Date.now()
        const ran = await eventually(async () => {
          const current = await call(second.url, adminKey, 'GET', `/v1/pollers/${poller.body.id}`)
          return current.body.lastRunAt !== null && Date.parse(current.body.lastRunAt) >= startedAt
            ? current.body
            : undefined
        })
        expect(ran.lastError).toMatch(/ECONNREFUSED|connection refused/)
      } finally {
        await second.cleanup()
      }
    } finally {
      await first.cleanup()
      await sink.close()
    }
  })
})
