import { randomBytes } from 'node:crypto'
import { spawn } from 'node:child_process'
import { Pool as UPool } from 'undici'
import pg from 'pg'
const db = process.argv[2] ?? 'pg'
const procs = Number(process.argv[3] ?? 1)
const c = new pg.Client('postgres://postgres@127.0.0.1/postgres'); await c.connect()
await c.query('DROP DATABASE IF EXISTS hl_load WITH (FORCE)'); await c.query('CREATE DATABASE hl_load')
const key = randomBytes(32).toString('base64')
const urls: string[] = []
const children: any[] = []
for (let p = 0; p < procs; p++) {
  const child = spawn(process.execPath, ['packages/server/dist/cli/main.js', 'serve'], { env: { PATH: process.env.PATH, HOOKLINE_PORT: '0', HOOKLINE_API_KEY: 'load-test-key-0123456789', HOOKLINE_ENCRYPTION_KEY: key, HOOKLINE_LOG_LEVEL: 'warn', HOOKLINE_ALLOW_PRIVATE_NETWORKS: 'true', HOOKLINE_ROLE: 'api',
    HOOKLINE_DATABASE_URL: db === 'pg' ? 'postgres://postgres@127.0.0.1/hl_load' : `sqlite:/tmp/hl-load-${Date.now()}/h.db` }, stdio: ['ignore', 'pipe', 'inherit'] })
  children.push(child)
  urls.push(await new Promise<string>((resolve) => { let out = ''; child.stdout.on('data', (d: Buffer) => { out += d; const m = /listening on (\S+)/.exec(out); if (m) resolve(m[1]) }) }))
}
const auth = { authorization: 'Bearer load-test-key-0123456789', 'content-type': 'application/json' }
const pools = urls.map((u) => new UPool(u, { connections: 32 }))
await fetch(`${urls[0]}/v1/endpoints`, { method: 'POST', headers: auth, body: JSON.stringify({ url: 'http://127.0.0.1:9/x' }) })
const deadline = Date.now() + 6000
let ok = 0, bad = 0
const lat: number[] = []
await Promise.all(Array.from({ length: 64 }, async (_, w) => {
  const pool = pools[w % pools.length]
  while (Date.now() < deadline) {
    const t = performance.now()
    const r = await pool.request({ path: '/v1/events', method: 'POST', headers: auth, body: JSON.stringify({ type: 'load.test', data: { w, n: ok } }) })
    await r.body.text()
    lat.push(performance.now() - t)
    if (r.statusCode === 202) ok++; else bad++
  }
}))
lat.sort((a, b) => a - b)
console.log(`${db} x${procs}: ${(ok / 6).toFixed(0)} publishes/s, bad ${bad}, p50 ${lat[Math.floor(lat.length / 2)]?.toFixed(1)}ms p99 ${lat[Math.floor(lat.length * 0.99)]?.toFixed(1)}ms`)
for (const p of pools) await p.close()
for (const ch of children) ch.kill('SIGKILL')
await c.query('DROP DATABASE hl_load WITH (FORCE)'); await c.end()
