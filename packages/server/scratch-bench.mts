import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { createSecretCipher } from './src/store/secret-cipher.ts'
import { openPostgresStore } from './src/store/postgres/postgres-store.ts'
const c = new pg.Client('postgres://postgres@127.0.0.1/postgres'); await c.connect()
await c.query('DROP DATABASE IF EXISTS hl_bench'); await c.query('CREATE DATABASE hl_bench')
const url = 'postgres://postgres@127.0.0.1/hl_bench'
const store = await openPostgresStore({ connectionString: url, cipher: createSecretCipher([randomBytes(32)]) })
await store.createEndpoint({ url: 'https://x.example.com', secret: 'whsec_x' })
let t = performance.now()
for (let i = 0; i < 50; i++) await store.publish({ type: 'a.b', data: { i } })
console.log('sequential publish ms each', ((performance.now() - t) / 50).toFixed(2))
t = performance.now()
for (let i = 0; i < 50; i++) await store.getEvent('evt_x')
console.log('sequential read ms each', ((performance.now() - t) / 50).toFixed(2))
t = performance.now()
await Promise.all(Array.from({ length: 5000 }, (_, i) => store.publish({ type: 'a.b', data: { i } })))
console.log('5000 concurrent publishes/s', (5000 / ((performance.now() - t) / 1000)).toFixed(0))
t = performance.now()
let n = 0
for (;;) { const c = await store.claimDue('w', 500, Date.now(), 60000); if (c.length === 0) break; n += c.length
  await Promise.all(c.map((d) => store.recordAttempt({ deliveryId: d.deliveryId, workerId: 'w', atMs: Date.now(), durationMs: 1, statusCode: 200, error: null, responseBody: null, outcome: { status: 'succeeded' } }))) }
console.log('claim+record per s', (n / ((performance.now() - t) / 1000)).toFixed(0), n)
await store.close()
await c.query('DROP DATABASE hl_bench'); await c.end()
