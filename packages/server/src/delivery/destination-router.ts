import { type Destination, isEncrypted, parseDestination } from '../core/destination-url.js'
import { AmqpSender } from './destinations/amqp-sender.js'
import { NatsSender } from './destinations/nats-sender.js'
import { failed, type OutboundMessage, type SendResult } from './destinations/outbound.js'
import { RedisSender } from './destinations/redis-sender.js'
import { HttpSender } from './http-sender.js'
import type { AddressGuard } from './network-guard.js'

export interface DestinationRouterOptions {
  guard: AddressGuard
  timeoutMs: number
}

/** Parsed URLs kept for reuse; far more than any deployment has endpoints, still bounded. */
const PARSED_URL_CACHE_SIZE = 10_000

/** Broker connections unused this long are closed (their endpoint was deleted or changed). */
const BROKER_IDLE_MS = 5 * 60_000
const IDLE_SWEEP_MS = 60_000

/**
 * Sends one attempt to wherever the endpoint's URL points: an HTTP POST, or a publish into
 * RabbitMQ, NATS JetStream or a Redis stream. Each kind has its own sender and connections,
 * so a broker that is down slows only the attempts that go to it.
 */
export class DestinationRouter {
  private readonly http: HttpSender
  private readonly amqp: AmqpSender
  private readonly nats: NatsSender
  private readonly redis: RedisSender
  private readonly parsed = new Map<string, Destination | string>()
  private readonly sweep: NodeJS.Timeout

  constructor(private readonly options: DestinationRouterOptions) {
    this.http = new HttpSender({ timeoutMs: options.timeoutMs, guard: options.guard })
    this.amqp = new AmqpSender(options)
    this.nats = new NatsSender(options)
    this.redis = new RedisSender(options)
    this.sweep = setInterval(() => {
      for (const sender of [this.amqp, this.nats, this.redis])
        sender.closeIdle(BROKER_IDLE_MS).catch(() => {})
    }, IDLE_SWEEP_MS)
    this.sweep.unref()
  }

  async send(url: string, message: OutboundMessage): Promise<SendResult> {
    const destination = this.parse(url)
    if (typeof destination === 'string') return failed(`invalid url: ${destination}`, 0)
    if (destination.kind === 'http') {
      const headers: Record<string, string> = {
        ...message.headers,
        'user-agent': 'Hookline/0.1 (+https://github.com/hookline)',
        'content-type': 'application/json',
        ...message.signature,
      }
      return this.http.send(destination, headers, message.body)
    }
    if (this.options.guard.requireHttps && !isEncrypted(destination)) {
      return failed('https_required: the destination does not use an encrypted transport', 0)
    }
    switch (destination.kind) {
      case 'amqp':
        return this.amqp.send(destination, message)
      case 'nats':
        return this.nats.send(destination, message)
      case 'redis':
        return this.redis.send(destination, message)
    }
  }

  async close(): Promise<void> {
    clearInterval(this.sweep)
    await Promise.allSettled([this.http.close(), this.amqp.close(), this.nats.close(), this.redis.close()])
  }

  /** The destination, or why the URL is invalid (URLs are checked at create time already). */
  private parse(url: string): Destination | string {
    const known = this.parsed.get(url)
    if (known !== undefined) return known
    let destination: Destination | string
    try {
      destination = parseDestination(url)
    } catch (error) {
      destination = (error as Error).message
    }
    if (this.parsed.size >= PARSED_URL_CACHE_SIZE) this.parsed.clear()
    this.parsed.set(url, destination)
    return destination
  }
}
