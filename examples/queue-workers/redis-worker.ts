/**
 * A Redis Streams worker for a Hookline endpoint `redis://…/0?stream=hookline-events`: one
 * consumer of a consumer group (created with MKSTREAM when missing), reading with XREADGROUP and
 * XACKing each entry once it is handled, or a duplicate, or failed verification (kept would be
 * retried forever). An entry whose handler failed stays pending; the worker claims pending
 * entries idle for a while (XAUTOCLAIM), its own and those of consumers that died, and tries
 * them again.
 *
 *   HOOKLINE_SECRET=whsec_… node --import tsx examples/queue-workers/redis-worker.ts
 */

import { hostname } from 'node:os'
import { fromRedisEntry, type RedisStreamEntry, type WebhookMessage } from '@hookline/sdk'
import { Redis } from 'ioredis'
import { env, envInteger, runWorker, type Verdict } from './run-worker.js'

const url = env('REDIS_URL', 'redis://127.0.0.1:6379/0')
const stream = env('REDIS_STREAM', 'hookline-events')
const group = env('REDIS_GROUP', 'hookline-workers')
// Stable across restarts, so a restarted worker finds its own pending entries first.
const consumerName = env('REDIS_CONSUMER', `${hostname()}-worker`)
// '$': entries added after the group is created; '0': the whole stream as Redis still holds it.
const groupStart = env('REDIS_GROUP_START', '$')
const batchSize = envInteger('REDIS_BATCH', 10)
// A pending entry idle this long is retried: a failed handler, or a consumer that died mid-way.
const retryIdleMs = envInteger('REDIS_RETRY_IDLE_MS', 30_000)
const blockMs = 5_000

type Entry = [id: string, fields: string[]]

await runWorker('redis-worker', async ({ consume, log }, fail) => {
  // Blocking reads get their own connection, so that stopping can interrupt one at once.
  const redis = new Redis(url, { lazyConnect: true })
  const reader = redis.duplicate()
  redis.on('error', (error) => log(`redis: ${error.message}`))
  reader.on('error', (error) => log(`redis: ${error.message}`))
  await Promise.all([redis.connect(), reader.connect()])
  try {
    await redis.xgroup('CREATE', stream, group, groupStart, 'MKSTREAM')
    log(`created consumer group ${group} on ${stream}`)
  } catch (error) {
    if (!(error instanceof Error && error.message.startsWith('BUSYGROUP'))) throw error
  }

  let stopping = false

  /** How many times Redis has handed out the pending entry `id` (its attempt number). */
  async function deliveryCount(id: string): Promise<number | undefined> {
    const reply = (await redis.xpending(stream, group, id, id, 1)) as [string, string, number, number][]
    return reply[0]?.[3]
  }

  /** Handles `entries` in order; `retried` ones were delivered before (pending), so look up their attempt. */
  async function handle(entries: Entry[], retried: boolean): Promise<void> {
    for (const entry of entries) {
      let message: WebhookMessage | undefined
      try {
        message = fromRedisEntry(entry as RedisStreamEntry)
      } catch {
        // An entry without a body field is not a Hookline message.
        log(`rejected entry ${entry[0]}: no body field`)
      }
      if (message) message.attempt = retried ? await deliveryCount(entry[0]) : 1
      const verdict: Verdict = message ? await consume(message) : { action: 'reject' }
      // A failed handler leaves the entry pending: claimStale() hands it out again later.
      if (verdict.action !== 'retry') await redis.xack(stream, group, entry[0])
    }
  }

  /** Entries after `startId` among this consumer's pending ones, or new entries for `'>'`. */
  async function readEntries(startId: string): Promise<Entry[]> {
    const reply = (await reader.xreadgroup(
      'GROUP',
      group,
      consumerName,
      'COUNT',
      batchSize,
      'BLOCK',
      blockMs,
      'STREAMS',
      stream,
      startId,
    )) as [stream: string, entries: Entry[]][] | null
    return reply?.[0]?.[1] ?? []
  }

  /** Pending entries idle for `retryIdleMs`, now claimed by this consumer. */
  async function claimStale(): Promise<Entry[]> {
    const reply = (await redis.xautoclaim(
      stream,
      group,
      consumerName,
      retryIdleMs,
      '0-0',
      'COUNT',
      batchSize,
    )) as [next: string, entries: (Entry | null)[]]
    // Entries trimmed away (MAXLEN) while pending come back as null.
    return reply[1].filter((entry): entry is Entry => entry !== null)
  }

  const loop = (async () => {
    // This consumer's pending entries first (from before a restart), page by page, then new ones.
    let startId = '0'
    let lastClaimMs = 0
    while (!stopping) {
      if (Date.now() - lastClaimMs >= Math.min(retryIdleMs, blockMs)) {
        lastClaimMs = Date.now()
        await handle(await claimStale(), true)
      }
      let entries: Entry[]
      try {
        entries = await readEntries(startId)
      } catch (error) {
        if (stopping) break
        throw error
      }
      const retried = startId !== '>'
      if (retried) startId = entries.at(-1)?.[0] ?? '>'
      await handle(entries, retried)
    }
  })()
  loop.catch(fail)
  log(`consuming ${stream} as ${consumerName} in group ${group} on ${new URL(url).host}`)

  return async () => {
    stopping = true
    // Ends a blocked XREADGROUP now; an entry being handled still finishes and is acknowledged.
    reader.disconnect()
    await loop
    await redis.quit()
  }
})
