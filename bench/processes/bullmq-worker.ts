/**
 * The alternative people write by hand, delivery side: a BullMQ worker that signs each event
 * with the `standardwebhooks` library and posts it with undici, as many jobs at once as
 * Hookline's dispatcher allows attempts in flight. A non-2xx answer fails the job (BullMQ retries it).
 */
import { Queue, Worker } from 'bullmq'
import { Webhook } from 'standardwebhooks'
import { Pool } from 'undici'
import { BENCH_SECRET, eventBody } from '../lib/bodies.js'
import { serveCommands } from '../lib/child.js'

const queueName = process.env.BENCH_QUEUE ?? 'hookline-bench'
const connection = {
  host: '127.0.0.1',
  port: Number(process.env.BENCH_REDIS_PORT ?? 6379),
  maxRetriesPerRequest: null,
}
const queue = new Queue(queueName, { connection })
const webhook = new Webhook(BENCH_SECRET)
let worker: Worker | null = null
let pool: Pool | null = null

interface BenchEvent {
  id: string
  type: string
  timestamp: string
  data: unknown
}

serveCommands(
  {
    /** Enqueues `count` events while no worker runs: the backlog the worker then drains. */
    seed: async (args: { count: number; type: string }) => {
      await queue.obliterate({ force: true })
      const now = Date.now()
      for (let start = 0; start < args.count; start += 1_000) {
        const jobs = []
        for (let n = start; n < Math.min(args.count, start + 1_000); n++) {
          const data = JSON.parse(eventBody(args.type, n, now).body) as BenchEvent
          jobs.push({
            name: 'event',
            data,
            opts: { attempts: 10, removeOnComplete: true, removeOnFail: 10_000 },
          })
        }
        await queue.addBulk(jobs)
      }
      return queue.getJobCounts()
    },
    start: (args: { url: string; path: string; concurrency: number; connections: number }) => {
      const sender = new Pool(args.url, { connections: args.connections, pipelining: 1 })
      pool = sender
      worker = new Worker<BenchEvent>(
        queueName,
        async (job) => {
          const body = JSON.stringify(job.data)
          const at = new Date()
          const signature = webhook.sign(job.data.id, at, body)
          const response = await sender.request({
            path: args.path,
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'webhook-id': job.data.id,
              'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
              'webhook-signature': signature,
            },
            body,
          })
          await response.body.dump()
          if (response.statusCode < 200 || response.statusCode >= 300)
            throw new Error(`HTTP ${response.statusCode}`)
        },
        { connection, concurrency: args.concurrency },
      )
      return true
    },
    stop: async () => {
      await worker?.close()
      await pool?.close()
      worker = null
      pool = null
      await queue.obliterate({ force: true })
      return true
    },
  },
  async () => {
    await worker?.close(true)
    await queue.obliterate({ force: true })
  },
)

process.on('SIGTERM', async () => {
  await worker?.close(true)
  await queue.close()
  process.exit(0)
})
