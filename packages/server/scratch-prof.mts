import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { createSecretCipher } from './src/store/secret-cipher.ts'
import { openPostgresStore } from './src/store/postgres/postgres-store.ts'
const c = new pg.Client('postgres://postgres@127.0.0.1/postgres'); await c.connect()
await c.query('DROP DATABASE IF EXISTS hl_bench WITH (FORCE)'); await c.query('CREATE DATABASE hl_bench')
const url = 'postgres://postgres@127.0.0.1/hl_bench'
const store = await openPostgresStore({ connectionString: url, cipher: createSecretCipher([randomBytes(32)]) })
await store.createEndpoint({ url: 'https://x.example.com', secret: 'whsec_x' })
for (let i = 0; i < 5; i++) await Promise.all(Array.from({ length: 64 }, (_, n) => store.publish({ type: 'a.b', data: { n } })))
const orig = pg.Client.prototype.query
const log: string[] = []
;(pg.Client.prototype as any).query = function (...args: any[]) {
  const t = performance.now(); const text = typeof args[0] === 'string' ? args[0] : args[0].text
  const r = orig.apply(this, args as any) as any
  if (r && typeof r.then === 'function') r.then(() => log.push(`${(t - t0).toFixed(2)} +${(performance.now() - t).toFixed(2)}ms ${text.replace(/\s+/g, ' ').slice(0, 50)}`), () => {})
  return r
}
let t0 = performance.now()
for (let k = 0; k < 3; k++) {
  t0 = performance.now()
  await Promise.all(Array.from({ length: 64 }, (_, n) => store.publish({ type: 'a.b', data: { n } })))
  console.log('batch total', (performance.now() - t0).toFixed(2)); console.log(log.splice(0).join('\n'))
}
;(pg.Client.prototype as any).query = orig
await store.close()
await c.query('DROP DATABASE hl_bench'); await c.end()
