/**
 * An endpoint's `url` names where its events go: an HTTP receiver, or a broker destination
 * (RabbitMQ exchange, NATS JetStream subject, Redis stream). This module reads such a URL into
 * a typed destination, checks it completely (so a bad URL is a 422 at create time, not a
 * failed attempt hours later), and redacts the credentials it may carry.
 *
 *   amqp(s)://user:pass@host:5672/vhost?exchange=events&routingKey={type}
 *   nats://[user:pass@|token@]host:4222/orders.{type}[?tls=true]
 *   redis(s)://[user:]pass@host:6379/0?stream=hookline-events&maxlen=1000000
 *
 * `{type}` and `{id}` in the routing key, subject and stream name expand per event.
 */

export type DestinationKind = 'http' | 'amqp' | 'nats' | 'redis'

/** Where a broker lives and how to log in: one pooled connection per distinct value. */
export interface BrokerAddress {
  /** Host as written (a name or a canonical IP literal, IPv6 without brackets). */
  host: string
  port: number
  tls: boolean
  username: string | null
  password: string | null
  /** A pool key: every field above (credentials included, it stays in memory). */
  key: string
}

export interface HttpDestination {
  kind: 'http'
  url: string
  /** `scheme://host[:port]`, without credentials: the connection pool to send through. */
  origin: string
  /** Path and query string as sent in the request line. */
  path: string
  /** Host as the URL parser canonicalised it (IPv6 in brackets), for the SSRF guard. */
  hostname: string
  tls: boolean
}

export interface AmqpDestination {
  kind: 'amqp'
  address: BrokerAddress
  vhost: string
  /** '' is the default exchange, where the routing key names the queue. */
  exchange: string
  routingKey: string
  heartbeatSeconds: number | null
}

export interface NatsDestination {
  kind: 'nats'
  address: BrokerAddress
  subject: string
}

export interface RedisDestination {
  kind: 'redis'
  address: BrokerAddress
  db: number
  stream: string
  /** Approximate cap on the stream's length (`XADD … MAXLEN ~ n`); null = unbounded. */
  maxLength: number | null
}

export type Destination = HttpDestination | AmqpDestination | NatsDestination | RedisDestination

export class InvalidDestinationError extends Error {}

const SCHEMES: Record<string, { kind: DestinationKind; tls: boolean; port: number }> = {
  'http:': { kind: 'http', tls: false, port: 80 },
  'https:': { kind: 'http', tls: true, port: 443 },
  'amqp:': { kind: 'amqp', tls: false, port: 5672 },
  'amqps:': { kind: 'amqp', tls: true, port: 5671 },
  'nats:': { kind: 'nats', tls: false, port: 4222 },
  'redis:': { kind: 'redis', tls: false, port: 6379 },
  'rediss:': { kind: 'redis', tls: true, port: 6379 },
}

/** Placeholders a template may use; anything else in braces is a mistake worth a 422. */
const PLACEHOLDER = /\{([^{}]*)\}/g
const KNOWN_PLACEHOLDERS = new Set(['type', 'id'])

/** Reads and checks a destination URL; throws InvalidDestinationError with a reason. */
export function parseDestination(text: string): Destination {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new InvalidDestinationError('is not a valid URL')
  }
  const scheme = SCHEMES[url.protocol]
  if (!scheme) {
    throw new InvalidDestinationError('must be an http(s)://, amqp(s)://, nats:// or redis(s):// URL')
  }
  if (url.hash !== '') throw new InvalidDestinationError('must not contain a #fragment')
  if (scheme.kind === 'http') {
    // Parsed once here so that an attempt does not parse the URL again. Credentials in the URL
    // are not sent (the origin leaves them out), as before.
    return {
      kind: 'http',
      url: text,
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      hostname: url.hostname,
      tls: scheme.tls,
    }
  }

  const address = brokerAddress(url, scheme.tls, scheme.port)
  const params = readParams(url, scheme.kind)
  switch (scheme.kind) {
    case 'amqp': {
      const vhost = url.pathname === '' || url.pathname === '/' ? '/' : decode(url.pathname.slice(1), 'vhost')
      const exchange = params.get('exchange') ?? ''
      const routingKey = params.get('routingKey') ?? '{type}'
      checkTemplate(routingKey, 'routingKey')
      if (exchange.includes('{')) throw new InvalidDestinationError('exchange cannot use placeholders')
      return {
        kind: 'amqp',
        address,
        vhost,
        exchange,
        routingKey,
        heartbeatSeconds: optionalInteger(params.get('heartbeat'), 'heartbeat', 0, 3600),
      }
    }
    case 'nats': {
      const subject = decode(url.pathname.replace(/^\//, ''), 'subject')
      if (subject === '') {
        throw new InvalidDestinationError(
          'needs a subject as its path, such as nats://host:4222/orders.{type}',
        )
      }
      if (
        /[\s*>]/.test(subject) ||
        subject.startsWith('.') ||
        subject.endsWith('.') ||
        subject.includes('..')
      ) {
        throw new InvalidDestinationError('subject must be dot-separated tokens without spaces or wildcards')
      }
      checkTemplate(subject, 'subject')
      return {
        kind: 'nats',
        address: params.get('tls') === 'true' ? withTls(address) : address,
        subject,
      }
    }
    case 'redis': {
      const dbText = url.pathname.replace(/^\//, '')
      const db = dbText === '' ? 0 : optionalInteger(dbText, 'database number (the path)', 0, 15)
      const stream = params.get('stream') ?? 'hookline-events'
      if (stream === '') throw new InvalidDestinationError('stream must not be empty')
      checkTemplate(stream, 'stream')
      return {
        kind: 'redis',
        address,
        db: db ?? 0,
        stream,
        maxLength: optionalInteger(params.get('maxlen'), 'maxlen', 1, Number.MAX_SAFE_INTEGER),
      }
    }
  }
}

/** Whether the transport is encrypted (what HOOKLINE_REQUIRE_HTTPS asks of every destination). */
export function isEncrypted(destination: Destination): boolean {
  return destination.kind === 'http' ? destination.tls : destination.address.tls
}

/** Fills `{type}` and `{id}` for one event. */
export function expandTemplate(template: string, event: { type: string; id: string }): string {
  return template.replace(PLACEHOLDER, (_, name: string) => (name === 'type' ? event.type : event.id))
}

/** True when the URL carries credentials, which must then be sealed at rest. */
export function hasCredentials(text: string): boolean {
  try {
    const url = new URL(text)
    return url.username !== '' || url.password !== ''
  } catch {
    return false
  }
}

/**
 * The URL with its credentials replaced by `***` (the user name stays when a password follows
 * it; a lone user name can be a token, as in nats://token@host, and is hidden). This is what
 * the API, the dashboard, logs and operational events show.
 */
export function redactUrl(text: string): string {
  try {
    const url = new URL(text)
    if (url.password !== '') url.password = '***'
    else if (url.username !== '') url.username = '***'
    return url.toString()
  } catch {
    return 'the configured URL'
  }
}

function brokerAddress(url: URL, tls: boolean, defaultPort: number): BrokerAddress {
  if (url.hostname === '') throw new InvalidDestinationError('needs a host')
  // Brokers' schemes are not "special" to the URL parser, so hosts are not canonicalised;
  // parsing the host again as an http host turns `0x7f.1` into 127.0.0.1 for the SSRF guard.
  let host: string
  try {
    host = new URL(`http://${url.host}`).hostname
  } catch {
    throw new InvalidDestinationError('has an invalid host')
  }
  if (host.startsWith('[')) host = host.slice(1, -1)
  const port = url.port === '' ? defaultPort : Number(url.port)
  const username = url.username === '' ? null : decode(url.username, 'user name')
  const password = url.password === '' ? null : decode(url.password, 'password')
  return {
    host,
    port,
    tls,
    username,
    password,
    key: JSON.stringify([host, port, tls, username, password]),
  }
}

function withTls(address: BrokerAddress): BrokerAddress {
  const { host, port, username, password } = address
  return { ...address, tls: true, key: JSON.stringify([host, port, true, username, password]) }
}

const ALLOWED_PARAMS: Record<Exclude<DestinationKind, 'http'>, string[]> = {
  amqp: ['exchange', 'routingKey', 'heartbeat'],
  nats: ['tls'],
  redis: ['stream', 'maxlen'],
}

/** Unknown or repeated query parameters are refused: a typo must not silently change routing. */
function readParams(url: URL, kind: Exclude<DestinationKind, 'http'>): Map<string, string> {
  const allowed = ALLOWED_PARAMS[kind]
  const params = new Map<string, string>()
  for (const [name, value] of url.searchParams) {
    if (!allowed.includes(name)) {
      throw new InvalidDestinationError(
        `has an unknown parameter "${name}" (${kind} destinations take ${allowed.join(', ')})`,
      )
    }
    if (params.has(name)) throw new InvalidDestinationError(`repeats the parameter "${name}"`)
    params.set(name, value)
  }
  if (kind === 'nats' && params.has('tls') && !['true', 'false'].includes(params.get('tls') ?? '')) {
    throw new InvalidDestinationError('tls must be true or false')
  }
  return params
}

function checkTemplate(template: string, name: string): void {
  for (const match of template.matchAll(PLACEHOLDER)) {
    if (!KNOWN_PLACEHOLDERS.has(match[1] ?? '')) {
      throw new InvalidDestinationError(
        `${name} uses an unknown placeholder ${match[0]} (use {type} or {id})`,
      )
    }
  }
  if (template.replace(PLACEHOLDER, '').match(/[{}]/)) {
    throw new InvalidDestinationError(`${name} has an unbalanced brace`)
  }
}

function optionalInteger(text: string | undefined, name: string, min: number, max: number): number | null {
  if (text === undefined) return null
  const value = Number(text)
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new InvalidDestinationError(`${name} must be a whole number from ${min} to ${max}`)
  }
  return value
}

function decode(text: string, name: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    throw new InvalidDestinationError(`has a badly escaped ${name}`)
  }
}
