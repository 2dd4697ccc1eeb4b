import { type JetStreamClient, jetstream } from '@nats-io/jetstream'
import {
  connect,
  type NatsConnection,
  headers as natsHeaders,
  type TlsOptions,
} from '@nats-io/transport-node'
import { expandTemplate, type NatsDestination } from '../../core/destination-url.js'
import type { AddressGuard } from '../network-guard.js'
import { describeBrokerError, withTimeout } from './broker-errors.js'
import { ConnectionPool } from './connection-pool.js'
import { hostPort, resolveGuardedHost, tlsServername } from './guarded-host.js'
import {
  acknowledged,
  type DestinationSender,
  failed,
  type OutboundMessage,
  type SendResult,
  since,
} from './outbound.js'

interface NatsLink {
  connection: NatsConnection
  js: JetStreamClient
}

/**
 * NATS JetStream: publishes to the subject and waits for the stream's publish ack (stored,
 * and replicated when the stream is). `Nats-Msg-Id` is the event id, so a retry of an attempt
 * whose ack was lost is dropped by the server's duplicate window. The client's own reconnect
 * and cluster discovery are off: every (re)connect goes through the SSRF guard here, and a
 * server cannot advertise other addresses for Hookline to dial.
 */
export class NatsSender implements DestinationSender<NatsDestination> {
  private readonly pool = new ConnectionPool<NatsLink>((link) => link.connection.close())

  constructor(private readonly options: { guard: AddressGuard; timeoutMs: number }) {}

  async send(destination: NatsDestination, message: OutboundMessage): Promise<SendResult> {
    const started = performance.now()
    const subject = expandTemplate(destination.subject, { type: message.eventType, id: message.eventId })
    try {
      const link = await this.link(destination)
      const headers = natsHeaders()
      for (const [name, value] of Object.entries({
        ...message.headers,
        'content-type': 'application/json',
        ...message.signature,
      })) {
        headers.set(name, value)
      }
      const ack = await link.js.publish(subject, message.body, {
        msgID: message.eventId,
        headers,
        timeout: this.options.timeoutMs,
      })
      const duplicate = ack.duplicate ? ' (duplicate of a message already stored)' : ''
      return acknowledged(
        `JetStream ack: stream "${ack.stream}", sequence ${ack.seq}${duplicate}`,
        since(started),
      )
    } catch (error) {
      return failed(describeNatsError(error, destination), since(started))
    }
  }

  closeIdle(idleMs: number): Promise<number> {
    return this.pool.closeIdle(idleMs)
  }

  close(): Promise<void> {
    return this.pool.closeAll()
  }

  private link(destination: NatsDestination): Promise<NatsLink> {
    const { address } = destination
    return this.pool.acquire(address.key, async () => {
      const connectTo = await resolveGuardedHost(this.options.guard, address.host)
      const servername = tlsServername(address.host)
      const credentials =
        address.password !== null
          ? { user: address.username ?? '', pass: address.password }
          : address.username !== null
            ? { token: address.username }
            : {}
      const connection = await withTimeout(
        connect({
          servers: hostPort(connectTo, address.port),
          ...credentials,
          // The node transport merges these into tls.connect's options; its type omits servername.
          ...(address.tls ? { tls: (servername === undefined ? {} : { servername }) as TlsOptions } : {}),
          name: 'hookline',
          timeout: this.options.timeoutMs,
          reconnect: false,
          ignoreClusterUpdates: true,
          resolve: false,
          noEcho: true,
        }),
        this.options.timeoutMs,
        'connecting to NATS',
      )
      const link: NatsLink = { connection, js: jetstream(connection, { timeout: this.options.timeoutMs }) }
      connection.closed().then(
        () => this.pool.discard(address.key, link),
        () => this.pool.discard(address.key, link),
      )
      return link
    })
  }
}

/**
 * A JetStream publish that nobody answers (503 "no responders", which the client words as
 * "jetstream is not enabled") means that no stream captures the subject.
 */
function describeNatsError(error: unknown, destination: NatsDestination): string {
  const name = (error as { name?: unknown }).name
  const message = error instanceof Error ? error.message : ''
  if (name === 'NoRespondersError' || /no responders|jetstream is not enabled/i.test(message)) {
    return 'nats: no JetStream stream captures this subject (or JetStream is off on the server)'
  }
  if (name === 'TimeoutError' || /^timeout$/i.test(message)) return 'timeout: no JetStream ack'
  return describeBrokerError('nats', error, destination.address)
}
