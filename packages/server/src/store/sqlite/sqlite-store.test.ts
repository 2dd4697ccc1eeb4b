import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createSecretCipher } from '../secret-cipher.js'
import { runStoreContract } from '../store.contract.js'
import { openSqliteStore } from './sqlite-store.js'

runStoreContract('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hookline-store-'))
  const store = openSqliteStore({
    path: join(dir, 'hookline.db'),
    cipher: createSecretCipher(randomBytes(32)),
  })
  return {
    store,
    cleanup: async () => {
      await store.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
})

/** What only a file-backed store can show: what is on disk after close, and in what form. */
describe('sqlite store on disk', () => {
  let dir: string
  let path: string
  const key = randomBytes(32)

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hookline-store-'))
    path = join(dir, 'hookline.db')
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('keeps writes that were still queued at close for the next process', async () => {
    const store = openSqliteStore({ path, cipher: createSecretCipher(key) })
    const published = store.publish({ type: 'order.shipped', data: { n: 1 }, idempotencyKey: 'k1' })
    await store.close()
    const { event } = await published

    const reopened = openSqliteStore({ path, cipher: createSecretCipher(key) })
    try {
      expect(await reopened.getEvent(event.id)).toEqual(event)
      expect(await reopened.publish({ type: 'order.shipped', data: { n: 2 }, idempotencyKey: 'k1' })).toEqual(
        {
          event,
          created: false,
        },
      )
    } finally {
      await reopened.close()
    }
  })

  it('stores endpoint secrets sealed: not in the file, and unreadable with another key', async () => {
    const secret = 'whsec_dGhpcy1zZWNyZXQtbXVzdC1ub3QtbGVhaw=='
    const store = openSqliteStore({ path, cipher: createSecretCipher(key) })
    const endpoint = await store.createEndpoint({ url: 'https://hooks.example.com/in', secret })
    await store.close()
    // close() checkpoints the WAL into the main file, so the file holds every committed byte.
    const bytes = await readFile(path)
    expect(bytes.includes(endpoint.id)).toBe(true)
    expect(bytes.includes(secret)).toBe(false)
    expect(bytes.includes('dGhpcy1zZWNyZXQtbXVzdC1ub3QtbGVhaw')).toBe(false)

    const wrongKey = openSqliteStore({ path, cipher: createSecretCipher(randomBytes(32)) })
    try {
      await expect(wrongKey.getEndpointSecrets(endpoint.id)).rejects.toThrow()
    } finally {
      await wrongKey.close()
    }
  })

  it('checkpoints in the background: committed WAL frames reach the database file without a commit doing it', async () => {
    const store = openSqliteStore({ path, cipher: createSecretCipher(key), backgroundCheckpoints: true })
    try {
      let last = ''
      for (let i = 0; i < 20; i++)
        last = (await store.publish({ type: 'order.shipped', data: { i } })).event.id
      // Far below SQLite's in-line threshold (1,000 pages), and the store is still open: the
      // event reaches the database file itself (not just the WAL) only if the worker copied it.
      let inFile = false
      for (let tries = 0; tries < 100 && !inFile; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 20))
        inFile = (await readFile(path)).includes(last)
      }
      expect(inFile).toBe(true)

      // Idle, the worker checks less and less often; a later commit still gets copied.
      await new Promise((resolve) => setTimeout(resolve, 1_000))
      const later = (await store.publish({ type: 'order.shipped', data: { i: 20 } })).event.id
      inFile = false
      for (let tries = 0; tries < 100 && !inFile; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 20))
        inFile = (await readFile(path)).includes(later)
      }
      expect(inFile).toBe(true)
    } finally {
      await store.close()
    }
    // The worker's connection closed first, so ours could fold the WAL in and remove it.
    expect(existsSync(`${path}-wal`)).toBe(false)
    const reopened = openSqliteStore({ path, cipher: createSecretCipher(key) })
    try {
      expect((await reopened.listEvents({ limit: 50 })).data).toHaveLength(21)
    } finally {
      await reopened.close()
    }
  })
})
