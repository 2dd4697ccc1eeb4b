import {
  type HmacSchemeOptions,
  SCHEME_NAMES,
  type SchemeName,
  type VerifyOptions,
  verify,
  WebhookVerificationError,
} from '@hookline/sdk'
import { CommandFailure, UsageError } from '../cli-errors.js'
import { listOption, type OptionValues, stringOption } from '../client-options.js'
import type { CommandGroup, RunContext } from '../command-runner.js'
import { parseCapturedRequest } from './captured-request.js'
import { readStdin } from './read-input.js'
import { diagnose } from './verify-diagnosis.js'

/**
 * `hookline verify`: checks a captured request with the SDK's `verify` (the same code the server
 * and receivers run) and says in plain words why it passes or fails. Exit 0 pass, 1 fail.
 */

const COMMAND = 'verify'

const CHOICES: Record<string, readonly string[]> = {
  algorithm: ['sha256', 'sha512', 'sha1'],
  encoding: ['hex', 'base64'],
  'secret-encoding': ['utf8', 'hex', 'base64'],
}

function choice(values: OptionValues, name: string): string | undefined {
  const value = stringOption(values, name)
  const allowed = CHOICES[name] ?? []
  if (value !== undefined && !allowed.includes(value)) {
    throw new UsageError(`--${name}: "${value}" is not one of ${allowed.join(', ')}`, COMMAND)
  }
  return value
}

function hmacOptions(values: OptionValues): HmacSchemeOptions {
  const options: HmacSchemeOptions = {}
  const header = stringOption(values, 'header')
  if (header !== undefined) options.header = header
  const algorithm = choice(values, 'algorithm')
  if (algorithm !== undefined) options.algorithm = algorithm as NonNullable<HmacSchemeOptions['algorithm']>
  const encoding = choice(values, 'encoding')
  if (encoding !== undefined) options.encoding = encoding as NonNullable<HmacSchemeOptions['encoding']>
  const prefix = stringOption(values, 'prefix')
  if (prefix !== undefined) options.prefix = prefix
  const timestampHeader = stringOption(values, 'timestamp-header')
  if (timestampHeader !== undefined) options.timestampHeader = timestampHeader
  const idHeader = stringOption(values, 'id-header')
  if (idHeader !== undefined) options.idHeader = idHeader
  const template = stringOption(values, 'template')
  if (template !== undefined) options.template = template
  const secretEncoding = choice(values, 'secret-encoding')
  if (secretEncoding !== undefined) {
    options.secretEncoding = secretEncoding as NonNullable<HmacSchemeOptions['secretEncoding']>
  }
  return options
}

/** `--now`: unix seconds or ISO 8601, to check an old capture; the current time otherwise. */
function nowSeconds(values: OptionValues): number {
  const text = stringOption(values, 'now')
  if (text === undefined) return Math.floor(Date.now() / 1000)
  if (/^\d+$/.test(text)) return Number(text)
  const ms = Date.parse(text)
  if (Number.isNaN(ms)) throw new UsageError(`--now: "${text}" is neither unix seconds nor ISO 8601`, COMMAND)
  return Math.floor(ms / 1000)
}

/** Everything but the request: checked before stdin is read, so a typo fails at once. */
function optionsFromFlags(values: OptionValues, now: number): Omit<VerifyOptions, 'payload' | 'headers'> {
  const scheme = stringOption(values, 'scheme')
  if (scheme === undefined || !SCHEME_NAMES.includes(scheme as SchemeName)) {
    throw new UsageError(`--scheme must be one of ${SCHEME_NAMES.join(', ')}`, COMMAND)
  }
  const secrets = listOption(values, 'secret')
  if (secrets.length === 0) throw new UsageError('--secret is required (repeat it to try several)', COMMAND)
  const options: Omit<VerifyOptions, 'payload' | 'headers'> = {
    ...hmacOptions(values),
    scheme: scheme as SchemeName,
    secret: secrets,
    now,
  }
  const url = stringOption(values, 'url')
  if (url !== undefined) options.url = url
  const tolerance = stringOption(values, 'tolerance')
  if (tolerance !== undefined) {
    const seconds = Number(tolerance)
    if (!Number.isInteger(seconds) || seconds < 0) {
      throw new UsageError(`--tolerance: "${tolerance}" is not a whole number of seconds`, COMMAND)
    }
    options.toleranceSeconds = seconds
  }
  return options
}

async function run({ values, output, json, io }: RunContext): Promise<number> {
  if (io.stdin.isTTY) {
    throw new UsageError('pipe the captured request into stdin: hookline verify … < request.http', COMMAND)
  }
  const now = nowSeconds(values)
  const flags = optionsFromFlags(values, now)
  const raw = await readStdin(io.stdin)
  if (raw.length === 0) {
    throw new CommandFailure(
      'stdin is empty: expected a captured request (request line, headers, a blank line, the body)',
    )
  }
  const request = parseCapturedRequest(raw)
  if (flags.scheme === 'twilio' && flags.url === undefined) {
    const host = request.headers.host
    const guess = host && request.target ? ` (probably https://${host}${request.target})` : ''
    throw new UsageError(`--url is required for twilio: the public URL Twilio called${guess}`, COMMAND)
  }
  const options: VerifyOptions = { ...flags, payload: request.body, headers: request.headers }
  const scheme = options.scheme
  try {
    const verified = await verify(options)
    if (json) {
      output.json({ valid: true, scheme, ...verified, bodyBytes: request.body.length, notes: request.notes })
      return 0
    }
    output.line(`${output.paint('PASS', 'green')}  signature verified (${scheme})`)
    const pairs: Array<[string, string]> = []
    if (verified.id !== undefined) pairs.push(['id', verified.id])
    if (verified.timestamp !== undefined) {
      const window = options.toleranceSeconds ?? 300
      const signedAt = new Date(verified.timestamp * 1000).toISOString()
      const age = now - verified.timestamp
      const relative = age >= 0 ? `${age} s old` : `${-age} s in the future`
      pairs.push(['timestamp', `${signedAt} (${relative}; the window is ${window} s)`])
    }
    pairs.push(['body', `${request.body.length} bytes`])
    for (const note of request.notes) pairs.push(['note', note])
    output.fields(pairs)
    return 0
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(error.message, COMMAND)
    if (!(error instanceof WebhookVerificationError)) throw error
    const diagnosis = await diagnose(error, request, options, now)
    if (json) {
      output.json({ valid: false, scheme, ...diagnosis, notes: request.notes })
      return 1
    }
    output.line(`${output.paint('FAIL', 'red')}  ${diagnosis.reason}`)
    for (const detail of [...diagnosis.details, ...request.notes.map((note) => `note: ${note}`)]) {
      output.line(`  ${detail}`)
    }
    if (diagnosis.hint) output.line(output.paint(`Hint: ${diagnosis.hint}`, 'dim'))
    return 1
  }
}

export const verifyCommand: CommandGroup = {
  name: 'verify',
  summary: 'check a captured webhook request (offline) and say why it passes or fails',
  subcommands: [
    {
      name: '',
      summary: 'check a captured request',
      args: '',
      minArgs: 0,
      maxArgs: 0,
      description:
        'Reads a captured HTTP request from stdin (request line, headers, a blank line, then the body\n' +
        'exactly as received) and verifies its signature with the SDK. It says why it fails: which\n' +
        'header is missing or malformed, how far the timestamp is outside the window, or that the\n' +
        'signature does not match (and whether a trailing newline, line endings or re-formatted JSON\n' +
        'explain it). A Content-Length header trims what an editor appended; chunked bodies are\n' +
        'decoded. Needs no server. Exits 0 when it passes, 1 when it fails, 2 on wrong options.',
      options: {
        scheme: { type: 'string' },
        secret: { type: 'string', multiple: true },
        url: { type: 'string' },
        tolerance: { type: 'string' },
        now: { type: 'string' },
        header: { type: 'string' },
        algorithm: { type: 'string' },
        encoding: { type: 'string' },
        prefix: { type: 'string' },
        'timestamp-header': { type: 'string' },
        'id-header': { type: 'string' },
        template: { type: 'string' },
        'secret-encoding': { type: 'string' },
      },
      optionHelp: [
        `  --scheme S           ${SCHEME_NAMES.join(', ')} (required)`,
        '  --secret X           the signing secret (required; repeat it to try several, as during a rotation)',
        '  --url URL            the public URL the request was sent to (required for twilio, which signs it)',
        '  --tolerance SECONDS  timestamp window in both directions (default 300)',
        '  --now TIME           check as of this time: unix seconds or ISO 8601 (default: now)',
        'Options of the generic hmac scheme:',
        '  --header NAME        the signature header (default x-webhook-signature)',
        '  --algorithm A        sha256 (default), sha512 or sha1',
        '  --encoding E         hex (default) or base64',
        '  --prefix P           text before the signature, e.g. sha256=',
        '  --timestamp-header N a unix-seconds header, then required and checked against the window',
        '  --id-header NAME     a message id header (printed on success)',
        '  --template T         the signed content, e.g. {timestamp}.{body} (placeholders {id} {timestamp} {url} {body})',
        '  --secret-encoding E  utf8 (default), hex or base64',
      ].join('\n'),
      examples: [
        'hookline verify --scheme standard-webhooks --secret whsec_… < request.http',
        'hookline verify --scheme github --secret "$GITHUB_WEBHOOK_SECRET" --json < push.http',
        'hookline verify --scheme hmac --secret s3cret --header X-Acme-Signature --prefix sha256= < acme.http',
      ],
      server: false,
      run,
    },
  ],
}
