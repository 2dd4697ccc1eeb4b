import { Redis } from 'ioredis'
import { expandTemplate, type RedisDestination } from '../../core/destination-url.js'
import type { AddressGuard } from '../network-guard.js'
import { describeBrokerError, withTimeout } from './broker-errors.js'
import { ConnectionPool } from './connection-pool.js'
import { resolveGuardedHost, tlsServername } from './guarded-host.js'
import {
  acknowledged,
  type DestinationSender,
  failed,
  type OutboundMessage,
  type SendResult,
  since,
} from './outbound.js'

/**
 * Redis Streams: one `XADD` per event, fields `webhook-id`, `webhook-timestamp`,
 * `webhook-signature`, `content-type`, the endpoint's headers, and `body` last. Success is the
 * entry id Redis returns; how durable that is depends on the server's own persistence
 * (appendonly/appendfsync), which docs/destinations.md points out. Commands are never queued
 * while disconnected: an attempt to a Redis that is away fails now and is retried on schedule.
 */
export class RedisSender implements DestinationSender<RedisDestination> {
  private readonly pool = new ConnectionPool<Redis>(async (client) => {
    client.disconnect()
  })

  constructor(private readonly options: { guard: AddressGuard; timeoutMs: number }) {}

  async send(destination: RedisDestination, message: OutboundMessage): Promise<SendResult> {
    const started = performance.now()
    const stream = expandTemplate(destination.stream, { type: message.eventType, id: message.eventId })
    try {
      const client = await this.client(destination)
      const fields: string[] = []
      for (const [name, value] of Object.entries({
        ...message.signature,
        'content-type': 'application/json',
        ...message.headers,
      })) {
        fields.push(name, value)
      }
      fields.push('body', message.body)
      const cap = destination.maxLength === null ? [] : ['MAXLEN', '~', String(destination.maxLength)]
      const entryId = await withTimeout(
        client.xadd(stream, ...cap, '*', ...fields),
        this.options.timeoutMs,
        'no reply from Redis',
      )
      return acknowledged(`XADD to stream "${stream}": entry ${entryId}`, since(started))
    } catch (error) {
      return failed(describeBrokerError('redis', error, destination.address), since(started))
    }
  }

  closeIdle(idleMs: number): Promise<number> {
    return this.pool.closeIdle(idleMs)
  }

  close(): Promise<void> {
    return this.pool.closeAll()
  }

  private client(destination: RedisDestination): Promise<Redis> {
    const { address } = destination
    const key = JSON.stringify([address.key, destination.db])
    return this.pool.acquire(key, async () => {
      const connectTo = await resolveGuardedHost(this.options.guard, address.host)
      const servername = tlsServername(address.host)
      const client = new Redis({
        host: connectTo,
        port: address.port,
        db: destination.db,
        ...(address.username === null ? {} : { username: address.username }),
        ...(address.password === null ? {} : { password: address.password }),
        ...(address.tls ? { tls: servername === undefined ? {} : { servername } } : {}),
        connectionName: 'hookline',
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        connectTimeout: this.options.timeoutMs,
      })
      // Errors reach the command that hit them; an unhandled 'error' event would crash. The
      // socket's error (refused, reset) is kept: a failed connect only says "Connection is closed".
      let socketError: unknown = null
      client.on('error', (error: unknown) => {
        socketError = error
      })
      client.on('end', () => this.pool.discard(key, client))
      try {
        await withTimeout(client.connect(), this.options.timeoutMs, 'connecting to Redis')
      } catch (error) {
        client.disconnect()
        throw socketError ?? error
      }
      return client
    })
  }
}
