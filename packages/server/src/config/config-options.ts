import { DEFAULT_RETRY_SCHEDULE, parseRetrySchedule } from '../core/retry-schedule.js'
import { parseDurationMs, parseSizeBytes } from '../core/units.js'
import { parseCidr } from '../delivery/network-guard.js'

/**
 * Every setting of `hookline serve`: its flag, its environment variable, its default and how a
 * raw string becomes a value. The help text and the loader are both generated from this table,
 * so they cannot drift apart.
 */

export type DatabaseLocation = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string }

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

/** Which parts of Hookline a process runs; several processes can share one PostgreSQL database. */
export const ROLES = ['all', 'api', 'worker'] as const
export type Role = (typeof ROLES)[number]

export interface OptionSpec<T> {
  flag: string
  env: string
  /** Raw default, parsed like any user value; undefined means "no value". */
  defaultValue: string | undefined
  boolean?: boolean
  help: string
  /** Returns the value or throws an Error whose message says what is wrong (never the value if secret). */
  parse: (raw: string) => T
  secret?: boolean
}

function option<T>(spec: OptionSpec<T>): OptionSpec<T> {
  return spec
}

function positiveDuration(raw: string): number {
  const ms = parseDurationMs(raw)
  if (ms === null || ms <= 0) throw new Error('expected a positive duration such as 15s, 500ms or 2m')
  return ms
}

function parseBoolean(raw: string): boolean {
  const value = raw.trim().toLowerCase()
  if (['true', '1', 'yes', 'on'].includes(value)) return true
  if (['false', '0', 'no', 'off'].includes(value)) return false
  throw new Error('expected true or false')
}

function parsePort(raw: string): number {
  if (!/^\d+$/.test(raw.trim())) throw new Error('expected a port number between 0 and 65535')
  const port = Number(raw)
  if (port > 65535) throw new Error('expected a port number between 0 and 65535')
  return port
}

function parseDatabaseUrl(raw: string): DatabaseLocation {
  if (raw.startsWith('sqlite:')) {
    const path = raw.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '')
    if (path === '') throw new Error('expected sqlite:PATH, for example sqlite:./.hookline/hookline.db')
    return { kind: 'sqlite', path }
  }
  if (raw.startsWith('postgres://') || raw.startsWith('postgresql://')) return { kind: 'postgres', url: raw }
  throw new Error('expected sqlite:PATH or postgres://…')
}

/** One key, or `new,old` while secrets sealed with the old key are being re-sealed. */
function parseEncryptionKeys(raw: string): Buffer[] {
  return raw.split(',').map((part) => {
    const key = Buffer.from(part.trim(), 'base64')
    if (key.length !== 32) throw new Error('expected 32 bytes encoded as base64 (openssl rand -base64 32)')
    return key
  })
}

function parseApiKey(raw: string): string {
  if (raw.trim().length < 16) throw new Error('an API key must be at least 16 characters long')
  return raw.trim()
}

export const SERVE_OPTIONS = {
  port: option({
    flag: 'port',
    env: 'HOOKLINE_PORT',
    defaultValue: '8787',
    help: 'port to listen on (0 picks a free one)',
    parse: parsePort,
  }),
  host: option({
    flag: 'host',
    env: 'HOOKLINE_HOST',
    defaultValue: '127.0.0.1',
    help: 'address to listen on',
    parse: (raw) => {
      if (raw.trim() === '') throw new Error('expected a host name or address')
      return raw.trim()
    },
  }),
  databaseUrl: option({
    flag: 'database-url',
    env: 'HOOKLINE_DATABASE_URL',
    defaultValue: 'sqlite:./.hookline/hookline.db',
    help: 'sqlite:PATH or postgres://…',
    parse: parseDatabaseUrl,
    secret: true,
  }),
  apiKey: option({
    flag: 'api-key',
    env: 'HOOKLINE_API_KEY',
    defaultValue: undefined,
    help: 'admin bearer key (default: generated on first start, printed once, stored hashed)',
    parse: parseApiKey,
    secret: true,
  }),
  retryScheduleMs: option({
    flag: 'retry-schedule',
    env: 'HOOKLINE_RETRY_SCHEDULE',
    defaultValue: DEFAULT_RETRY_SCHEDULE,
    help: 'delays before each attempt, comma-separated',
    parse: parseRetrySchedule,
  }),
  allowPrivateNetworks: option({
    flag: 'allow-private-networks',
    env: 'HOOKLINE_ALLOW_PRIVATE_NETWORKS',
    defaultValue: 'false',
    boolean: true,
    help: 'allow endpoints on loopback and private ranges (development, tests)',
    parse: parseBoolean,
  }),
  allowedNetworks: option({
    flag: 'allowed-networks',
    env: 'HOOKLINE_ALLOWED_NETWORKS',
    defaultValue: '',
    help: 'comma-separated CIDRs endpoints may reach despite the private-network guard (10.1.0.0/16,…)',
    parse: (raw): string[] => {
      const cidrs = raw
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== '')
      for (const cidr of cidrs) parseCidr(cidr)
      return cidrs
    },
  }),
  requireHttps: option({
    flag: 'require-https',
    env: 'HOOKLINE_REQUIRE_HTTPS',
    defaultValue: 'false',
    boolean: true,
    help: 'refuse endpoints (and attempts) that are not https://',
    parse: parseBoolean,
  }),
  encryptionKeys: option({
    flag: 'encryption-key',
    env: 'HOOKLINE_ENCRYPTION_KEY',
    defaultValue: undefined,
    help: 'base64 key for secrets at rest; new,old during a rotation (default: generated into the data directory)',
    parse: parseEncryptionKeys,
    secret: true,
  }),
  deliveryTimeoutMs: option({
    flag: 'delivery-timeout',
    env: 'HOOKLINE_DELIVERY_TIMEOUT',
    defaultValue: '15s',
    help: 'per-attempt timeout',
    parse: positiveDuration,
  }),
  maxPayloadBytes: option({
    flag: 'max-payload',
    env: 'HOOKLINE_MAX_PAYLOAD',
    defaultValue: '1mb',
    help: 'body limit for publish and ingest',
    parse: (raw) => {
      const bytes = parseSizeBytes(raw)
      if (bytes === null || bytes < 1024)
        throw new Error('expected a size of at least 1kb, such as 512kb or 1mb')
      return bytes
    },
  }),
  logLevel: option({
    flag: 'log-level',
    env: 'HOOKLINE_LOG_LEVEL',
    defaultValue: 'info',
    help: `log level: ${LOG_LEVELS.join(', ')}`,
    parse: (raw): LogLevel => {
      const level = raw.trim().toLowerCase()
      if (!(LOG_LEVELS as readonly string[]).includes(level))
        throw new Error(`expected one of ${LOG_LEVELS.join(', ')}`)
      return level as LogLevel
    },
  }),
  disableFailingAfterMs: option({
    flag: 'disable-failing-after',
    env: 'HOOKLINE_DISABLE_FAILING_AFTER',
    defaultValue: '5d',
    help: 'disable an endpoint that has failed without a success for this long',
    parse: positiveDuration,
  }),
  dedupeTtlMs: option({
    flag: 'dedupe-ttl',
    env: 'HOOKLINE_DEDUPE_TTL',
    defaultValue: '7d',
    help: 'how long inbound dedupe keys are remembered (providers retry for days)',
    parse: positiveDuration,
  }),
  rateLimitPerSecond: option({
    flag: 'rate-limit',
    env: 'HOOKLINE_RATE_LIMIT',
    defaultValue: '5000',
    help: 'management API requests per second per API key in each process (0: no limit)',
    parse: (raw) => {
      const n = Number(raw)
      if (!Number.isInteger(n) || n < 0)
        throw new Error('expected a whole number of requests per second (0: no limit)')
      return n
    },
  }),
  deliveryConcurrency: option({
    flag: 'delivery-concurrency',
    env: 'HOOKLINE_DELIVERY_CONCURRENCY',
    defaultValue: '128',
    help: 'attempts in flight at once in this process',
    parse: (raw) => {
      const n = Number(raw)
      if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new Error('expected an integer from 1 to 10000')
      return n
    },
  }),
  role: option({
    flag: 'role',
    env: 'HOOKLINE_ROLE',
    defaultValue: 'all',
    help: 'api: HTTP API only; worker: dispatcher with /healthz, /readyz, /metrics; all: both',
    parse: (raw): Role => {
      const role = raw.trim().toLowerCase()
      if (!(ROLES as readonly string[]).includes(role)) throw new Error(`expected one of ${ROLES.join(', ')}`)
      return role as Role
    },
  }),
  retentionMs: option({
    flag: 'retention',
    env: 'HOOKLINE_RETENTION',
    defaultValue: '30d',
    help: 'delete finished deliveries, their attempts and events older than this (off: keep all)',
    parse: (raw): number | null => (raw.trim().toLowerCase() === 'off' ? null : positiveDuration(raw)),
  }),
} as const

export type ServeOptionName = keyof typeof SERVE_OPTIONS
