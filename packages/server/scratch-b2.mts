import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { createSecretCipher } from './src/store/secret-cipher.ts'
import { openPostgresStore } from './src/store/postgres/postgres-store.ts'
const c = new pg.Client('postgres://postgres@127.0.0.1/postgres'); await c.connect()
await c.query('DROP DATABASE IF EXISTS hl_bench WITH (FORCE)'); await c.query('CREATE DATABASE hl_bench')
const url = 'postgres://postgres@127.0.0.1/hl_bench'
const sizes: number[] = []
const store = await openPostgresStore({ connectionString: url, cipher: createSecretCipher([randomBytes(32)]), metrics: { storeCommit: (n: number, ms: number) => sizes.push(n), eventAccepted() {}, inboundDuplicate() {}, inboundRejected() {}, attemptFinished() {} } as any })
await store.createEndpoint({ url: 'https://x.example.com', secret: 'whsec_x' })
for (const withRead of [false, true]) {
  sizes.length = 0
  let n = 0
  const deadline = Date.now() + 3000
  await Promise.all(Array.from({ length: 64 }, async () => {
    while (Date.now() < deadline) { if (withRead) await store.getEventType('a.b'); await store.publish({ type: 'a.b', data: { n } }); n++ }
  }))
  console.log(withRead ? 'read+publish' : 'publish', (n / 3).toFixed(0), '/s; batches', sizes.length, 'avg size', (sizes.reduce((a, b) => a + b, 0) / sizes.length).toFixed(1))
}
await store.close()
await c.query('DROP DATABASE hl_bench'); await c.end()
