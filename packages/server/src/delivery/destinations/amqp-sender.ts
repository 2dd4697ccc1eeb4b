import amqp, { type ChannelModel, type ConfirmChannel, type Message } from 'amqplib'
import { type AmqpDestination, expandTemplate } from '../../core/destination-url.js'
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

const DEFAULT_HEARTBEAT_SECONDS = 30

/**
 * A connection with one confirm channel per exchange. RabbitMQ closes a channel on a publish to
 * a missing exchange, failing everything in flight on it; separate channels keep one endpoint's
 * bad exchange from failing another endpoint's publishes. A closed channel reopens on demand.
 */
interface AmqpLink {
  model: ChannelModel
  channels: Map<string, ExchangeChannel>
  /** Keys of messages the broker returned as unroutable, until their confirm arrives. */
  returned: Set<string>
}

interface ExchangeChannel {
  channel: Promise<ConfirmChannel>
  /** Why the broker closed it (a missing exchange, say): publishes in flight only see "closed". */
  error: Error | null
}

/**
 * RabbitMQ (AMQP 0-9-1): publishes each event as a persistent message with publisher
 * confirms. Success is the broker's ack, which for a persistent message to a durable queue
 * means written to disk. Messages are `mandatory`: one that no queue receives comes back
 * (basic.return, before the ack) and counts as a failed attempt, so a missing binding is
 * retried and visible instead of silently dropped.
 */
export class AmqpSender implements DestinationSender<AmqpDestination> {
  private readonly pool = new ConnectionPool<AmqpLink>((link) => link.model.close())

  constructor(private readonly options: { guard: AddressGuard; timeoutMs: number }) {}

  async send(destination: AmqpDestination, message: OutboundMessage): Promise<SendResult> {
    const started = performance.now()
    const routingKey = expandTemplate(destination.routingKey, {
      type: message.eventType,
      id: message.eventId,
    })
    let exchangeChannel: ExchangeChannel | null = null
    let link: AmqpLink | null = null
    const returnKey = `${message.eventId}\u0000${destination.exchange}\u0000${routingKey}`
    try {
      link = await this.link(destination)
      exchangeChannel = this.channel(link, destination.exchange)
      const channel = await exchangeChannel.channel
      await withTimeout(
        new Promise<void>((resolve, reject) => {
          channel.publish(
            destination.exchange,
            routingKey,
            Buffer.from(message.body),
            {
              persistent: true,
              mandatory: true,
              contentType: 'application/json',
              messageId: message.eventId,
              type: message.eventType,
              timestamp: message.timestampSeconds,
              appId: 'hookline',
              headers: { ...message.headers, 'content-type': 'application/json', ...message.signature },
            },
            (error: unknown) => (error ? reject(error) : resolve()),
          )
        }),
        this.options.timeoutMs,
        'no publisher confirm from RabbitMQ',
      )
      if (link.returned.delete(returnKey)) {
        const exchange =
          destination.exchange === '' ? 'the default exchange' : `exchange "${destination.exchange}"`
        return failed(
          `unroutable: no queue is bound to ${exchange} for routing key "${routingKey}"`,
          since(started),
        )
      }
      return acknowledged(
        `confirmed by RabbitMQ: ${destination.exchange === '' ? 'default exchange' : `exchange "${destination.exchange}"`}, routing key "${routingKey}"`,
        since(started),
      )
    } catch (error) {
      // Publishes pending when the broker closes a channel fail with "channel closed"; the
      // reason came separately, as the channel's error.
      const cause = exchangeChannel?.error ?? error
      return failed(describeBrokerError('amqp', cause, destination.address), since(started))
    } finally {
      // A return whose confirm never came (a timeout) must not stay behind.
      link?.returned.delete(returnKey)
    }
  }

  closeIdle(idleMs: number): Promise<number> {
    return this.pool.closeIdle(idleMs)
  }

  close(): Promise<void> {
    return this.pool.closeAll()
  }

  private link(destination: AmqpDestination): Promise<AmqpLink> {
    const key = JSON.stringify([destination.address.key, destination.vhost, destination.heartbeatSeconds])
    return this.pool.acquire(key, async () => {
      const { address } = destination
      const connectTo = await resolveGuardedHost(this.options.guard, address.host)
      const servername = tlsServername(address.host)
      const model = await withTimeout(
        amqp.connect(
          {
            protocol: address.tls ? 'amqps' : 'amqp',
            hostname: connectTo,
            port: address.port,
            ...(address.username === null ? {} : { username: address.username }),
            ...(address.password === null ? {} : { password: address.password }),
            vhost: destination.vhost,
            heartbeat: destination.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS,
          },
          {
            timeout: this.options.timeoutMs,
            noDelay: true,
            ...(servername === undefined ? {} : { servername }),
            clientProperties: { connection_name: 'hookline' },
          },
        ),
        this.options.timeoutMs,
        'connecting to RabbitMQ',
      )
      const link: AmqpLink = { model, channels: new Map(), returned: new Set() }
      // An 'error' without a listener would crash the process; 'close' always follows it.
      model.on('error', () => {})
      model.on('close', () => this.pool.discard(key, link))
      return link
    })
  }

  private channel(link: AmqpLink, exchange: string): ExchangeChannel {
    const existing = link.channels.get(exchange)
    if (existing) return existing
    const entry: ExchangeChannel = {
      error: null,
      channel: link.model.createConfirmChannel().then((channel) => {
        channel.on('error', (error: Error) => {
          entry.error = error
        })
        channel.on('close', () => {
          if (link.channels.get(exchange) === entry) link.channels.delete(exchange)
        })
        channel.on('return', (returned: Message) => {
          const { exchange, routingKey } = returned.fields
          link.returned.add(`${returned.properties.messageId}\u0000${exchange}\u0000${routingKey}`)
        })
        return channel
      }),
    }
    link.channels.set(exchange, entry)
    entry.channel.catch(() => {
      if (link.channels.get(exchange) === entry) link.channels.delete(exchange)
    })
    return entry
  }
}
