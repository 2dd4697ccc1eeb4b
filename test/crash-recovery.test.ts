import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { CLI, eventually, GatewayProcess } from './support/gateway-process.js'
import { Sink } from './support/sink.js'

const run = promisify(execFile)

describe('durability and shutdown', () => {
  it('delivers every acknowledged event at least once across a SIGKILL mid-delivery', async () => {
    // A slow receiver keeps many attempts in flight when the process is killed.
    const answered = new Set<string>()
    const sink = await Sink.start(async (request, _index, response) => {
      await new Promise((r) => setTimeout(r, 1500))
      response.writeHead(200).end()
      answered.add(String(request.headers['webhook-id']))
    })
    const env = { HOOKLINE_DELIVERY_TIMEOUT: '3s', HOOKLINE_RETRY_SCHEDULE: '0,200ms,200ms,200ms,200ms' }
    const first = await GatewayProcess.start({ env })
    try {
      const endpoint = await first.api('POST', '/v1/endpoints', { url: `${sink.url}/hook` })
      expect(endpoint.status).toBe(201)

      const acknowledged: string[] = []
      await Promise.all(
        Array.from({ length: 200 }, async (_, i) => {
          const published = await first.api('POST', '/v1/events', { type: 'crash.test', data: { i } })
          if (published.status === 202) acknowledged.push(published.body.id)
        }),
      )
      expect(acknowledged).toHaveLength(200)
      await eventually(async () => sink.received.length > 0)
      await first.kill()
      // The kill landed while attempts were in flight: most were never answered, none recorded.
      expect(answered.size).toBeLessThan(200)

      const second = await GatewayProcess.start({ env, dataDir: first.dataDir })
      try {
        // Leases of the killed process run out (timeout + margin), then the new one takes over.
        await eventually(async () => {
          const delivered = new Set(sink.received.map((r) => r.headers['webhook-id']))
          return acknowledged.every((id) => delivered.has(id))
        }, 45_000)
        await eventually(async () => {
          const deliveries = await second.api('GET', '/v1/deliveries?status=succeeded&limit=250')
          return deliveries.body.data.length === 200
        })
      } finally {
        await second.cleanup()
      }
    } finally {
      await first.cleanup()
      await sink.close()
    }
  })

  it('shuts down on SIGTERM after finishing in-flight attempts, exiting 0', async () => {
    const sink = await Sink.start(async (_request, _index, response) => {
      await new Promise((r) => setTimeout(r, 300))
      response.writeHead(200).end()
    })
    const gateway = await GatewayProcess.start()
    try {
      await gateway.api('POST', '/v1/endpoints', { url: `${sink.url}/hook` })
      const published = await gateway.api('POST', '/v1/events', { type: 'term.test', data: {} })
      await eventually(async () => sink.received.length === 1)
      expect(await gateway.stop()).toBe(0)

      // The attempt that was in flight at SIGTERM was finished and recorded before exit.
      const restarted = await GatewayProcess.start({ dataDir: gateway.dataDir })
      try {
        const deliveries = await restarted.api('GET', `/v1/events/${published.body.id}/deliveries`)
        expect(deliveries.body.data[0]).toMatchObject({ status: 'succeeded', attemptCount: 1 })
      } finally {
        await restarted.cleanup()
      }
    } finally {
      await gateway.cleanup()
      await sink.close()
    }
  })
})

describe('hookline CLI', () => {
  const cli = (args: string[], env: Record<string, string> = {}) =>
    run(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env } }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    )

  it('rejects invalid configuration with a message naming the setting and a non-zero exit', async () => {
    const result = await cli(['serve', '--port', 'eighty'], {
      HOOKLINE_RETRY_SCHEDULE: '0,5 parsecs',
      HOOKLINE_ENCRYPTION_KEY: 'c2hvcnQ=',
    })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('--port / HOOKLINE_PORT: "eighty"')
    expect(result.stderr).toContain('HOOKLINE_RETRY_SCHEDULE')
    expect(result.stderr).toContain('HOOKLINE_ENCRYPTION_KEY')
    expect(result.stderr).not.toContain('c2hvcnQ=')
    const unknownFlag = await cli(['serve', '--prot', '1'])
    expect(unknownFlag.code).toBe(2)
    expect(unknownFlag.stderr).toContain("Unknown option '--prot'")
  })

  it('prints help for each command', async () => {
    const serveHelp = await cli(['serve', '--help'])
    expect(serveHelp.code).toBe(0)
    for (const name of [
      'HOOKLINE_PORT',
      'HOOKLINE_DATABASE_URL',
      'HOOKLINE_RETRY_SCHEDULE',
      '--allow-private-networks',
    ]) {
      expect(serveHelp.stdout).toContain(name)
    }
    expect((await cli(['--help'])).stdout).toContain('migrate')
    expect((await cli(['frobnicate'])).code).toBe(2)
  })

  it('generates the admin key on first start, prints it once, and accepts it afterwards', async () => {
    const first = await GatewayProcess.start({ env: { HOOKLINE_API_KEY: '' } })
    try {
      const key = /Admin API key[^\n]*\n\s*(hl_[A-Za-z0-9_-]{43})/.exec(first.output)?.[1]
      expect(key).toBeDefined()
      const call = (url: string, apiKey: string) =>
        fetch(`${url}/v1/endpoints`, { headers: { authorization: `Bearer ${apiKey}` } }).then((r) => r.status)
      expect(await call(first.url, key as string)).toBe(200)
      await first.stop()

      const second = await GatewayProcess.start({ env: { HOOKLINE_API_KEY: '' }, dataDir: first.dataDir })
      try {
        expect(second.output).not.toContain('Admin API key')
        expect(second.output).not.toContain(key)
        expect(await call(second.url, key as string)).toBe(200)
        expect(await call(second.url, `${key}x`)).toBe(401)
      } finally {
        await second.cleanup()
      }
    } finally {
      await first.cleanup()
    }
  })

  it('applies migrations explicitly with hookline migrate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hookline-migrate-'))
    try {
      const url = `sqlite:${join(dir, 'db.sqlite')}`
      const applied = await cli(['migrate', '--database-url', url])
      expect(applied).toMatchObject({
        code: 0,
        stdout: expect.stringMatching(/^applied 0001_init\.sql, 0002_sources\.sql(, \d{4}_\w+\.sql)*\n$/),
      })
      const again = await cli(['migrate', '--database-url', url])
      expect(again).toMatchObject({ code: 0, stdout: 'database is up to date\n' })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
