/**
 * The alternative people write by hand, publish side: an HTTP endpoint that takes the same
 * `{type, data}` body, makes it an event and enqueues it into BullMQ (Redis, which does not
 * fsync each write), answering 202 with the event.
 */
import { randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Queue } from 'bullmq'
import { serveCommands } from '../lib/child.js'

const queueName = process.env.BENCH_QUEUE ?? 'hookline-bench'
const connection = { host: '127.0.0.1', port: Number(process.env.BENCH_REDIS_PORT ?? 6379) }
const queue = new Queue(queueName, { connection })

const server = createServer((request, response) => {
  const chunks: Buffer[] = []
  request.on('data', (chunk: Buffer) => chunks.push(chunk))
  request.on('end', async () => {
    try {
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { type?: unknown; data?: unknown }
      if (typeof input.type !== 'string') {
        response.writeHead(422, { 'content-type': 'application/json' }).end('{"error":"type is required"}')
        return
      }
      const event = {
        id: `evt_${randomUUID()}`,
        type: input.type,
        timestamp: new Date().toISOString(),
        data: input.data,
      }
      await queue.add('event', event, {
        attempts: 10,
        backoff: { type: 'exponential', delay: 5_000 },
        removeOnComplete: true,
        removeOnFail: 10_000,
      })
      response.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify(event))
    } catch {
      response.writeHead(500).end()
    }
  })
})
server.keepAliveTimeout = 120_000
server.headersTimeout = 125_000
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

serveCommands(
  {
    url: () => url,
    counts: () => queue.getJobCounts(),
    /** Removes the queue and everything in it: each run starts from an empty Redis queue. */
    clear: async () => {
      await queue.obliterate({ force: true })
      return true
    },
  },
  () => queue.obliterate({ force: true }),
)

process.on('SIGTERM', async () => {
  server.close()
  await queue.close()
  process.exit(0)
})
