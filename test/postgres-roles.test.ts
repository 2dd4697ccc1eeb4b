import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'
import { CLI, eventually, GatewayProcess, TEST_API_KEY } from './support/gateway-process.js'
import { describePostgres, TestDatabase } from './support/postgres.js'
import { Sink } from './support/sink.js'

const run = promisify(execFile)

/** `--role api|worker` split one gateway over processes; `hookline migrate` prepares the database. */
await describePostgres('roles and migrations on PostgreSQL', 'roles', (database) => {
  it('lets api processes accept and worker processes deliver', async () => {
    const sink = await Sink.start()
    const env = {
      HOOKLINE_DATABASE_URL: database().url,
      HOOKLINE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      HOOKLINE_LOG_LEVEL: 'warn',
    }
    const api = await GatewayProcess.start({ env: { ...env, HOOKLINE_ROLE: 'api' } })
    let worker: GatewayProcess | null = null
    try {
      expect(api.output).toContain('role:     api')
      await api.api('POST', '/v1/endpoints', { url: `${sink.url}/hook` })
      const published = await api.api('POST', '/v1/events', { type: 'roles.test', data: {} })
      expect(published.status).toBe(202)
      // The api process has no dispatcher: the event waits for a worker.
      await new Promise((resolve) => setTimeout(resolve, 1_500))
      expect(sink.received).toHaveLength(0)

      worker = await GatewayProcess.start({ args: ['--role', 'worker'], env })
      expect(worker.output).toContain('role:     worker')
      expect(worker.output).not.toContain('openapi.json')
      await eventually(async () => sink.received.length === 1)
      expect(sink.received[0]?.headers['webhook-id']).toBe(published.body.id)

      const second = await api.api('POST', '/v1/events', { type: 'roles.test', data: {} })
      await eventually(async () => sink.received.length === 2)
      expect(sink.received[1]?.headers['webhook-id']).toBe(second.body.id)

      // A worker serves health and metrics, not the API.
      expect((await fetch(`${worker.url}/healthz`)).status).toBe(200)
      expect((await fetch(`${worker.url}/readyz`)).status).toBe(200)
      const apiCall = await fetch(`${worker.url}/v1/events`, {
        headers: { authorization: `Bearer ${TEST_API_KEY}` },
      })
      expect(apiCall.status).toBe(404)
    } finally {
      await worker?.cleanup()
      await api.cleanup()
      await sink.close()
    }
  })

  it('applies migrations explicitly with hookline migrate', async () => {
    const fresh = await TestDatabase.create('migrate')
    try {
      const cli = (args: string[]) =>
        run(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '' } })
      const applied = await cli(['migrate', '--database-url', fresh.url])
      expect(applied.stdout).toMatch(/^applied 0001_init\.sql, 0002_sources\.sql(, \d{4}_\w+\.sql)*\n$/)
      expect((await cli(['migrate', '--database-url', fresh.url])).stdout).toBe('database is up to date\n')
      const tables = await fresh.query<{ name: string }>(
        "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'",
      )
      expect(tables.map((table) => table.name)).toEqual(expect.arrayContaining(['events', 'deliveries']))
    } finally {
      await fresh.drop()
    }
  })
})
