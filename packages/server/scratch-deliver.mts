import { randomBytes } from 'node:crypto'
import { spawn } from 'node:child_process'
import { createServer } from 'node:http'
import { Pool as UPool } from 'undici'
import pg from 'pg'
const db = process.argv[2] ?? 'pg'
const procs = Number(process.argv[3] ?? 1)
const N = 10000
const c = new pg.Client('postgres://postgres@127.0.0.1/postgres'); await c.connect()
await c.query('DROP DATABASE IF EXISTS hl_load WITH (FORCE)'); await c.query('CREATE DATABASE hl_load')
let got = 0
const sink = createServer((req, res) => { req.resume(); req.on('end', () => { got++; res.writeHead(204).end() }) })
await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r))
const sinkUrl = `http://127.0.0.1:${(sink.address() as any).port}/hook`
const key = randomBytes(32).toString('base64')
const dir = `/tmp/hl-deliver-${Date.now()}`
const env = (role: string) => ({ PATH: process.env.PATH, HOOKLINE_PORT: '0', HOOKLINE_API_KEY: 'load-test-key-0123456789', HOOKLINE_ENCRYPTION_KEY: key, HOOKLINE_LOG_LEVEL: 'warn', HOOKLINE_ALLOW_PRIVATE_NETWORKS: 'true', HOOKLINE_ROLE: role,
    HOOKLINE_DATABASE_URL: db === 'pg' ? 'postgres://postgres@127.0.0.1/hl_load' : `sqlite:${dir}/h.db` })
async function start(role: string) {
  const child = spawn(process.execPath, ['packages/server/dist/cli/main.js', 'serve'], { env: env(role) as any, stdio: ['ignore', 'pipe', 'inherit'] })
  const url = await new Promise<string>((resolve) => { let out = ''; child.stdout!.on('data', (d: Buffer) => { out += d; const m = /listening on (\S+)/.exec(out); if (m) resolve(m[1]!) }) })
  return { child, url }
}
// Publish with an api-only process first, so delivery is measured on its own afterwards.
const api = await start('api')
const auth = { authorization: 'Bearer load-test-key-0123456789', 'content-type': 'application/json' }
await fetch(`${api.url}/v1/endpoints`, { method: 'POST', headers: auth, body: JSON.stringify({ url: sinkUrl }) })
const pool = new UPool(api.url, { connections: 32 })
let n = 0
let t = performance.now()
await Promise.all(Array.from({ length: 64 }, async () => { while (n < N) { n++; const r = await pool.request({ path: '/v1/events', method: 'POST', headers: auth, body: '{"type":"load.test","data":{"x":1}}' }); await r.body.text() } }))
const publishS = (performance.now() - t) / 1000
await pool.close()
api.child.kill('SIGKILL')
t = performance.now()
const workers = await Promise.all(Array.from({ length: procs }, () => start('worker')))
while (got < N) await new Promise((r) => setTimeout(r, 20))
const deliverS = (performance.now() - t) / 1000
console.log(`${db} publish ${(N / publishS).toFixed(0)}/s (1 api process); delivery with ${procs} worker(s) ${(N / deliverS).toFixed(0)}/s incl. startup`)
for (const w of workers) w.child.kill('SIGKILL')
sink.close()
await c.query('DROP DATABASE hl_load WITH (FORCE)'); await c.end()
