import { type ParseArgsConfig, parseArgs } from 'node:util'
import { HooklineClient } from '@hookline/sdk'
import { parseDurationMs } from '../core/units.js'
import { UsageError } from './cli-errors.js'

/**
 * Options shared by the commands that talk to a running server (`--url`, `--api-key`, `--json`),
 * and typed readers for parsed values. Flags win over HOOKLINE_URL / HOOKLINE_API_KEY, which win
 * over the default URL, as for `hookline serve`.
 */

export type OptionSpec = NonNullable<ParseArgsConfig['options']>
export type OptionValues = Record<string, string | boolean | Array<string | boolean> | undefined>

export const DEFAULT_URL = 'http://127.0.0.1:8787'

export const CONNECTION_OPTIONS = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
} as const satisfies OptionSpec

export const OUTPUT_OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpec

export const CONNECTION_HELP = `Connection:
  --url URL            the Hookline server (env HOOKLINE_URL; default ${DEFAULT_URL})
  --api-key KEY        an admin API key (env HOOKLINE_API_KEY)`

export const OUTPUT_HELP = `Output:
  --json               print JSON for scripts instead of tables
  -h, --help           show this help`

export interface ParsedArgs {
  values: OptionValues
  positionals: string[]
}

/** `parseArgs` in strict mode, with its errors ("Unknown option '--x'") as usage errors. */
export function parseCommandArgs(args: string[], options: OptionSpec, command: string): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals: true })
    return { values: values as OptionValues, positionals }
  } catch (error) {
    throw new UsageError((error as Error).message, command)
  }
}

export function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name]
  if (Array.isArray(value)) {
    const last = value[value.length - 1]
    return typeof last === 'string' ? last : undefined
  }
  return typeof value === 'string' ? value : undefined
}

/** Every value of a repeatable option; `splitCommas` also reads `--types a,b` as two values. */
export function listOption(values: OptionValues, name: string, splitCommas = false): string[] {
  const value = values[name]
  const raw = (Array.isArray(value) ? value : [value]).filter(
    (item): item is string => typeof item === 'string',
  )
  if (!splitCommas) return raw
  return raw.flatMap((item) => item.split(',').map((part) => part.trim())).filter((part) => part !== '')
}

export function booleanOption(values: OptionValues, name: string): boolean {
  return values[name] === true
}

const nonEmpty = (value: string | undefined) => (value === undefined || value === '' ? undefined : value)

/** The server URL from `--url`, HOOKLINE_URL or the default, without a trailing slash. */
export function resolveUrl(values: OptionValues, env: NodeJS.ProcessEnv): string {
  return (nonEmpty(stringOption(values, 'url')) ?? nonEmpty(env.HOOKLINE_URL) ?? DEFAULT_URL).replace(
    /\/+$/,
    '',
  )
}

export interface Connection {
  client: HooklineClient
  url: string
}

/** A client for the server named by the options; usage errors for a bad URL or no key. */
export function connect(values: OptionValues, env: NodeJS.ProcessEnv, command: string): Connection {
  const url = resolveUrl(values, env)
  let parsed: URL | undefined
  try {
    parsed = new URL(url)
  } catch {
    parsed = undefined
  }
  if (parsed?.protocol !== 'http:' && parsed?.protocol !== 'https:') {
    throw new UsageError(`--url / HOOKLINE_URL: "${url}" is not an http(s) URL`, command)
  }
  const apiKey = nonEmpty(stringOption(values, 'api-key')) ?? nonEmpty(env.HOOKLINE_API_KEY)
  if (apiKey === undefined) {
    throw new UsageError(
      'no API key: pass --api-key or set HOOKLINE_API_KEY (the admin key `hookline serve` printed on its first start)',
      command,
    )
  }
  // A person is waiting: one quick retry for a blip, not the SDK's default of three with backoff.
  const client = new HooklineClient({ baseUrl: url, apiKey, maxRetries: 1, retryBaseDelayMs: 200 })
  return { client, url }
}

/** `--limit N`: an integer from 1 to 250, the API's page bounds. */
export function limitOption(values: OptionValues, command: string): number | undefined {
  const text = stringOption(values, 'limit')
  if (text === undefined) return undefined
  const limit = Number(text)
  if (!Number.isInteger(limit) || limit < 1 || limit > 250) {
    throw new UsageError(`--limit: "${text}" is not a whole number from 1 to 250`, command)
  }
  return limit
}

/** A point in time: ISO 8601, or a duration ago (`90s`, `15m`, `2h`, `7d`). */
export function timeOption(values: OptionValues, name: string, command: string, nowMs = Date.now()) {
  const text = stringOption(values, name)
  if (text === undefined) return undefined
  const agoMs = /^\d/.test(text) && !text.includes('-') ? parseDurationMs(text) : null
  if (agoMs !== null) return new Date(nowMs - agoMs).toISOString()
  const ms = Date.parse(text)
  if (Number.isNaN(ms)) {
    throw new UsageError(
      `--${name}: "${text}" is neither an ISO 8601 time nor a duration such as 15m or 2h`,
      command,
    )
  }
  return new Date(ms).toISOString()
}

/** A duration option (`30s`, `2m`; a bare number is seconds) in milliseconds. */
export function durationOption(values: OptionValues, name: string, command: string): number | undefined {
  const text = stringOption(values, name)
  if (text === undefined) return undefined
  const ms = parseDurationMs(text)
  if (ms === null || ms <= 0)
    throw new UsageError(`--${name}: "${text}" is not a duration such as 30s or 2m`, command)
  return ms
}
