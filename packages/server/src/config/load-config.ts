import { dirname, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import {
  type DatabaseLocation,
  type LogLevel,
  type Role,
  SERVE_OPTIONS,
  type ServeOptionName,
} from './config-options.js'

export interface Config {
  port: number
  host: string
  database: DatabaseLocation
  /** Admin key from the environment; null means "generate one on first start". */
  apiKey: string | null
  retryScheduleMs: readonly number[]
  allowPrivateNetworks: boolean
  allowedNetworks: readonly string[]
  requireHttps: boolean
  /** 32-byte keys for secrets at rest (the first seals); null means "the data directory's key files". */
  encryptionKeys: Buffer[] | null
  deliveryTimeoutMs: number
  maxPayloadBytes: number
  logLevel: LogLevel
  disableFailingAfterMs: number
  deliveryConcurrency: number
  dedupeTtlMs: number
  role: Role
  /** How long history is kept; null keeps everything. */
  retentionMs: number | null
  rateLimitPerSecond: number
  /** Where generated files (the SQLite database, the encryption key) live. */
  dataDir: string
}

/** An invalid setting; the message names the flag and variable and says what was expected. */
export class ConfigError extends Error {
  override name = 'ConfigError'
}

type Env = Record<string, string | undefined>

/**
 * Flags over environment over defaults. Returns a frozen, validated object or throws a
 * ConfigError naming every invalid field (all at once, so a user fixes them in one go).
 */
export function loadConfig(env: Env, argv: readonly string[]): Readonly<Config> {
  const parseOptions: Record<string, { type: 'string' | 'boolean' }> = {}
  for (const spec of Object.values(SERVE_OPTIONS)) {
    parseOptions[spec.flag] = { type: spec.boolean ? 'boolean' : 'string' }
  }
  let flags: Record<string, string | boolean | undefined>
  try {
    flags = parseArgs({
      args: [...argv],
      options: parseOptions,
      strict: true,
      allowPositionals: false,
    }).values
  } catch (error) {
    throw new ConfigError((error as Error).message)
  }

  const problems: string[] = []
  const values: Partial<Record<ServeOptionName, unknown>> = {}
  for (const [name, spec] of Object.entries(SERVE_OPTIONS) as [
    ServeOptionName,
    (typeof SERVE_OPTIONS)[ServeOptionName],
  ][]) {
    const flagValue = flags[spec.flag]
    // An empty variable counts as unset, as in `HOOKLINE_API_KEY= npm start`.
    const fromEnv = env[spec.env] === '' ? undefined : env[spec.env]
    const raw = flagValue === undefined ? (fromEnv ?? spec.defaultValue) : String(flagValue)
    if (raw === undefined) {
      values[name] = null
      continue
    }
    try {
      values[name] = spec.parse(raw)
    } catch (error) {
      const shown = spec.secret ? '' : ` ${JSON.stringify(raw)}:`
      problems.push(`--${spec.flag} / ${spec.env}:${shown} ${(error as Error).message}`)
    }
  }
  if (problems.length > 0) throw new ConfigError(`invalid configuration\n  ${problems.join('\n  ')}`)

  const database = values.databaseUrl as DatabaseLocation
  const dataDir = database.kind === 'sqlite' ? dirname(resolve(database.path)) : resolve('.hookline')
  return Object.freeze({
    port: values.port as number,
    host: values.host as string,
    database,
    apiKey: values.apiKey as string | null,
    retryScheduleMs: Object.freeze(values.retryScheduleMs as number[]),
    allowPrivateNetworks: values.allowPrivateNetworks as boolean,
    allowedNetworks: Object.freeze(values.allowedNetworks as string[]),
    requireHttps: values.requireHttps as boolean,
    encryptionKeys: values.encryptionKeys as Buffer[] | null,
    deliveryTimeoutMs: values.deliveryTimeoutMs as number,
    maxPayloadBytes: values.maxPayloadBytes as number,
    logLevel: values.logLevel as LogLevel,
    disableFailingAfterMs: values.disableFailingAfterMs as number,
    deliveryConcurrency: values.deliveryConcurrency as number,
    dedupeTtlMs: values.dedupeTtlMs as number,
    role: values.role as Role,
    retentionMs: values.retentionMs as number | null,
    rateLimitPerSecond: values.rateLimitPerSecond as number,
    dataDir,
  })
}

/** The options section of `hookline serve --help`, generated from the same table. */
export function describeServeOptions(): string {
  return Object.values(SERVE_OPTIONS)
    .map((spec) => {
      const flag = spec.boolean ? `--${spec.flag}` : `--${spec.flag} <value>`
      const def = spec.defaultValue === undefined ? '' : ` (default: ${spec.defaultValue})`
      return `  ${flag.padEnd(34)}${spec.help}${def}\n  ${''.padEnd(34)}env ${spec.env}`
    })
    .join('\n')
}
