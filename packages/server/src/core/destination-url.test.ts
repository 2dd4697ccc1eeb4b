import { describe, expect, it } from 'vitest'
import {
  expandTemplate,
  hasCredentials,
  InvalidDestinationError,
  isEncrypted,
  parseDestination,
  redactUrl,
} from './destination-url.js'

describe('parseDestination', () => {
  it('reads an AMQP URL with vhost, exchange and routing key', () => {
    const destination = parseDestination(
      'amqp://guest:guest@127.0.0.1:5672/%2F?exchange=events&routingKey=orders.{type}',
    )
    expect(destination).toMatchObject({
      kind: 'amqp',
      address: { host: '127.0.0.1', port: 5672, tls: false, username: 'guest', password: 'guest' },
      vhost: '/',
      exchange: 'events',
      routingKey: 'orders.{type}',
      heartbeatSeconds: null,
    })
  })

  it('defaults AMQP to the default exchange with the event type as routing key, amqps to 5671', () => {
    expect(parseDestination('amqps://mq.example.com')).toMatchObject({
      kind: 'amqp',
      address: { host: 'mq.example.com', port: 5671, tls: true, username: null, password: null },
      vhost: '/',
      exchange: '',
      routingKey: '{type}',
    })
    expect(parseDestination('amqp://mq.example.com/staging')).toMatchObject({ vhost: 'staging' })
  })

  it('reads a NATS subject from the path and a token from the user name', () => {
    expect(parseDestination('nats://tok3n@127.0.0.1:4222/orders.{type}')).toMatchObject({
      kind: 'nats',
      address: { host: '127.0.0.1', port: 4222, tls: false, username: 'tok3n', password: null },
      subject: 'orders.{type}',
    })
    expect(parseDestination('nats://nats.example.com/a.b?tls=true')).toMatchObject({
      address: { tls: true, port: 4222 },
    })
  })

  it('reads a Redis database, stream and length cap, with a default stream name', () => {
    expect(
      parseDestination('redis://:pw@127.0.0.1:6379/2?stream=events-{type}&maxlen=1000000'),
    ).toMatchObject({
      kind: 'redis',
      address: { host: '127.0.0.1', port: 6379, password: 'pw', username: null },
      db: 2,
      stream: 'events-{type}',
      maxLength: 1_000_000,
    })
    expect(parseDestination('rediss://cache.example.com')).toMatchObject({
      address: { tls: true },
      db: 0,
      stream: 'hookline-events',
      maxLength: null,
    })
  })

  it('canonicalises odd IPv4 spellings and brackets, so the SSRF guard sees the real address', () => {
    expect(parseDestination('redis://0x7f.1:6379')).toMatchObject({ address: { host: '127.0.0.1' } })
    expect(parseDestination('nats://[::1]:4222/a')).toMatchObject({ address: { host: '::1' } })
  })

  it('keeps http(s) URLs whole, with the parts a request needs', () => {
    expect(parseDestination('https://hooks.example.com/in?x=1')).toEqual({
      kind: 'http',
      url: 'https://hooks.example.com/in?x=1',
      origin: 'https://hooks.example.com',
      path: '/in?x=1',
      hostname: 'hooks.example.com',
      tls: true,
    })
    expect(parseDestination('http://user:pw@[::1]:8080')).toMatchObject({
      origin: 'http://[::1]:8080',
      path: '/',
      hostname: '[::1]',
      tls: false,
    })
  })

  it.each([
    ['not a url', /not a valid URL/],
    ['ftp://files.example.com', /must be an http/],
    ['kafka://broker:9092/topic', /must be an http/],
    ['https://hooks.example.com/#x', /fragment/],
    ['nats://127.0.0.1:4222', /needs a subject/],
    ['nats://127.0.0.1:4222/orders.*', /wildcards/],
    ['nats://127.0.0.1:4222/orders..x', /dot-separated/],
    ['nats://127.0.0.1:4222/a?tls=yes', /tls must be true or false/],
    ['amqp://127.0.0.1?exchange=e&routingKey={tenant}', /unknown placeholder \{tenant\}/],
    ['amqp://127.0.0.1?exchange=e&routingKey=a}', /unbalanced/],
    ['amqp://127.0.0.1?exchange={type}', /placeholders/],
    ['amqp://127.0.0.1?exchnage=e', /unknown parameter "exchnage"/],
    ['amqp://127.0.0.1?exchange=a&exchange=b', /repeats/],
    ['amqp://127.0.0.1?heartbeat=-1', /heartbeat must be a whole number/],
    ['redis://127.0.0.1/99', /database number/],
    ['redis://127.0.0.1?stream=', /stream must not be empty/],
    ['redis://127.0.0.1?maxlen=0', /maxlen/],
  ])('refuses %s', (url, reason) => {
    expect(() => parseDestination(url)).toThrow(InvalidDestinationError)
    expect(() => parseDestination(url)).toThrow(reason)
  })
})

describe('destination helpers', () => {
  it('expands {type} and {id} and nothing else', () => {
    expect(expandTemplate('x.{type}.{id}.{type}', { type: 'order.shipped', id: 'evt_1' })).toBe(
      'x.order.shipped.evt_1.order.shipped',
    )
  })

  it('redacts passwords and lone user names (tokens), and finds credentials', () => {
    expect(redactUrl('amqp://guest:guest@127.0.0.1:5672/%2F?exchange=e')).toBe(
      'amqp://guest:***@127.0.0.1:5672/%2F?exchange=e',
    )
    expect(redactUrl('nats://s3cr3t-token@127.0.0.1:4222/a')).toBe('nats://***@127.0.0.1:4222/a')
    expect(redactUrl('redis://:pw@127.0.0.1:6379/0')).toBe('redis://:***@127.0.0.1:6379/0')
    expect(redactUrl('https://hooks.example.com/in')).toBe('https://hooks.example.com/in')
    expect(hasCredentials('https://user:pw@hooks.example.com/')).toBe(true)
    expect(hasCredentials('redis://127.0.0.1:6379')).toBe(false)
  })

  it('knows which transports are encrypted', () => {
    expect(isEncrypted(parseDestination('amqps://mq.example.com'))).toBe(true)
    expect(isEncrypted(parseDestination('amqp://mq.example.com'))).toBe(false)
    expect(isEncrypted(parseDestination('nats://n.example.com/a?tls=true'))).toBe(true)
    expect(isEncrypted(parseDestination('https://h.example.com'))).toBe(true)
  })
})
