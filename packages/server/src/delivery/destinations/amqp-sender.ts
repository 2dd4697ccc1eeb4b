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

/** A connection and its confirm channel. A channel the broker closed is reopened on demand. */
interface AmqpLink {
  model: ChannelModel
  channel: Promise<ConfirmChannel> | null
  /** Keys of messages the broker returned as unroutable, until their confirm arrives. */
  returned: Set<string>
  /** Why the broker closed the last channel (a missing exchange, say): the real reason. */
  channelError: Error | null
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
    let link: AmqpLink | null = null
    try {
      link = await this.link(destination)
      const channel = await this.channel(link)
      const returnKey = `${message.eventId}\u0000${destination.exchange}\u0000${routingKey}`
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
      const cause = link?.channelError ?? error
      return failed(describeBrokerError('amqp', cause, destination.address), since(started))
    }
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
      const link: AmqpLink = { model, channel: null, returned: new Set(), channelError: null }
      // An 'error' without a listener would crash the process; 'close' always follows it.
      model.on('error', () => {})
      model.on('close', () => this.pool.discard(key, link))
      return link
    })
  }

  private channel(link: AmqpLink): Promise<ConfirmChannel> {
    if (link.channel) return link.channel
    const opening = link.model.createConfirmChannel().then((channel) => {
      link.channelError = null
      channel.on('error', (error: Error) => {
        link.channelError = error
      })
      channel.on('close', () => {
        if (link.channel === opening) link.channel = null
      })
      channel.on('return', (returned: Message) => {
        const { exchange, routingKey } = returned.fields
        link.returned.add(`${returned.properties.messageId}\u0000${exchange}\u0000${routingKey}`)
      })
      return channel
    })
    link.channel = opening
    opening.catch(() => {
      if (link.channel === opening) link.channel = null
    })
    return opening
  }
}
