import { type CreateSourceInput, SCHEME_NAMES, type Source } from '@hookline/sdk'
import { UsageError } from '../cli-errors.js'
import { limitOption, listOption, type OptionValues, stringOption } from '../client-options.js'
import type { CommandGroup, Subcommand } from '../command-runner.js'
import { type Column, formatAge } from '../output.js'

/** `hookline sources …`: inbound channels that turn provider webhooks into events. */

/** How a source picks a value from a request: a header, or a JSON pointer into the body. */
type ValueRule = { header: string } | { pointer: string }

/** The server's source: its ingest path, counters and rules (the SDK types only part of it). */
type SourceView = Omit<Source, 'eventType' | 'idempotencyKey'> & {
  ingestPath?: string
  eventType?: ValueRule | null
  idempotencyKey?: ValueRule | null
  stats?: { accepted: number; duplicates: number; rejected: number; lastAcceptedAt: string | null }
}

/**
 * The SDK types `eventType` as a string; the API answers with a value rule ({header} or
 * {pointer}) and more fields. Read the answer as the API documents it.
 */
const asView = (source: Source) => source as unknown as SourceView

const describeRule = (rule: ValueRule | null | undefined) =>
  !rule ? 'the provider default' : 'header' in rule ? `header ${rule.header}` : `body ${rule.pointer}`

const withIngestUrl = (source: SourceView, url: string) => ({
  ...source,
  ingestUrl: `${url}${source.ingestPath ?? `/in/${source.name}`}`,
})

const list: Subcommand = {
  name: 'list',
  summary: 'list sources with their ingest URL and counters',
  args: '',
  minArgs: 0,
  maxArgs: 0,
  description:
    'Lists inbound sources, newest first: scheme, the URL providers post to, and how many requests\n' +
    'were accepted, dropped as duplicates and rejected. With --json each source also has "ingestUrl".',
  options: { limit: { type: 'string' }, cursor: { type: 'string' } },
  optionHelp: [
    '  --limit N            sources per page, 1 to 250 (default 50)',
    '  --cursor C           the page after the one that printed "More: … --cursor C"',
  ].join('\n'),
  examples: ['hookline sources list'],
  server: true,
  async run({ values, output, json, connect }) {
    const { client, url } = connect()
    const limit = limitOption(values, 'sources list')
    const cursor = stringOption(values, 'cursor')
    const page = await client.sources.list({
      ...(limit === undefined ? {} : { limit }),
      ...(cursor === undefined ? {} : { cursor }),
    })
    const sources = page.data.map((source) => withIngestUrl(asView(source), url))
    if (json) {
      output.json({ data: sources, nextCursor: page.nextCursor })
      return 0
    }
    if (sources.length === 0) {
      output.line('No sources. Add one: hookline sources create stripe --scheme stripe --secret whsec_…')
      return 0
    }
    const columns: ReadonlyArray<Column<(typeof sources)[number]>> = [
      { header: 'ID', value: (source) => source.id },
      { header: 'NAME', value: (source) => source.name },
      { header: 'SCHEME', value: (source) => source.verifier.scheme },
      { header: 'INGEST URL', value: (source) => source.ingestUrl, maxWidth: 60 },
      { header: 'ACCEPTED', value: (source) => String(source.stats?.accepted ?? '-') },
      { header: 'DUPLICATES', value: (source) => String(source.stats?.duplicates ?? '-') },
      {
        header: 'REJECTED',
        value: (source) => String(source.stats?.rejected ?? '-'),
        colour: (source) => ((source.stats?.rejected ?? 0) > 0 ? 'red' : undefined),
      },
      { header: 'LAST ACCEPTED', value: (source) => formatAge(source.stats?.lastAcceptedAt) },
    ]
    output.table(columns, sources)
    output.nextPage(page.nextCursor, `hookline sources list${limit ? ` --limit ${limit}` : ''}`)
    return 0
  },
}

/** `header:NAME` or a JSON pointer `/path` into the body. */
function valueRule(values: OptionValues, name: string): ValueRule | undefined {
  const text = stringOption(values, name)
  if (text === undefined) return undefined
  if (text.startsWith('header:') && text.length > 'header:'.length)
    return { header: text.slice('header:'.length) }
  if (text.startsWith('/')) return { pointer: text }
  throw new UsageError(
    `--${name}: "${text}" is neither header:NAME nor a JSON pointer such as /type`,
    'sources create',
  )
}

const VERIFIER_FLAGS: ReadonlyArray<readonly [flag: string, field: string]> = [
  ['header', 'header'],
  ['algorithm', 'algorithm'],
  ['encoding', 'encoding'],
  ['prefix', 'prefix'],
  ['timestamp-header', 'timestampHeader'],
  ['id-header', 'idHeader'],
  ['template', 'template'],
  ['secret-encoding', 'secretEncoding'],
  ['public-url', 'url'],
]

function verifierFrom(values: OptionValues): Record<string, unknown> {
  const scheme = stringOption(values, 'scheme')
  const schemes = [...SCHEME_NAMES, 'none']
  if (scheme === undefined || !schemes.includes(scheme)) {
    throw new UsageError(`--scheme must be one of ${schemes.join(', ')}`, 'sources create')
  }
  const [secret, ...previous] = listOption(values, 'secret')
  if (scheme !== 'none' && secret === undefined) {
    throw new UsageError(`--secret is required for scheme ${scheme}`, 'sources create')
  }
  const verifier: Record<string, unknown> = { scheme }
  if (secret !== undefined) verifier.secret = secret
  if (previous.length > 0) verifier.secrets = previous
  for (const [flag, field] of VERIFIER_FLAGS) {
    const value = stringOption(values, flag)
    if (value !== undefined) verifier[field] = value
  }
  const tolerance = stringOption(values, 'tolerance')
  if (tolerance !== undefined) {
    const seconds = Number(tolerance)
    if (!Number.isInteger(seconds) || seconds < 1) {
      throw new UsageError(`--tolerance: "${tolerance}" is not a whole number of seconds`, 'sources create')
    }
    verifier.toleranceSeconds = seconds
  }
  return verifier
}

const create: Subcommand = {
  name: 'create',
  summary: 'create a source; providers post to /in/NAME',
  args: 'NAME',
  minArgs: 1,
  maxArgs: 1,
  description:
    'Creates an inbound source: providers post to <url>/in/NAME, Hookline verifies each request with\n' +
    '--scheme and --secret, drops duplicates and stores it as an event of type "NAME.<provider type>".',
  options: {
    scheme: { type: 'string' },
    secret: { type: 'string', multiple: true },
    header: { type: 'string' },
    algorithm: { type: 'string' },
    encoding: { type: 'string' },
    prefix: { type: 'string' },
    'timestamp-header': { type: 'string' },
    'id-header': { type: 'string' },
    template: { type: 'string' },
    'secret-encoding': { type: 'string' },
    'public-url': { type: 'string' },
    tolerance: { type: 'string' },
    'event-type-from': { type: 'string' },
    'id-from': { type: 'string' },
  },
  optionHelp: [
    `  --scheme S           ${[...SCHEME_NAMES, 'none'].join(', ')} (required)`,
    '  --secret X           the signing secret (repeat during a rotation: any one matching passes)',
    '  --tolerance SECONDS  timestamp window in both directions (default 300)',
    '  --public-url URL     twilio: the public URL the provider calls (it is signed)',
    '  --event-type-from R  where the event type comes from: header:NAME or a JSON pointer such as /type',
    '  --id-from R          the dedupe key: header:NAME or a JSON pointer such as /id',
    'Options of the generic hmac scheme:',
    '  --header NAME        the signature header (default x-webhook-signature)',
    '  --algorithm A        sha256 (default), sha512 or sha1',
    '  --encoding E         hex (default) or base64',
    '  --prefix P           text before the signature, e.g. sha256=',
    '  --timestamp-header N a unix-seconds header, then required and checked',
    '  --id-header NAME     a message id header',
    '  --template T         the signed content, e.g. {timestamp}.{body}',
    '  --secret-encoding E  utf8 (default), hex or base64',
  ].join('\n'),
  examples: [
    'hookline sources create stripe --scheme stripe --secret whsec_…',
    'hookline sources create acme --scheme hmac --secret s3cret --header X-Acme-Signature --prefix sha256=',
  ],
  server: true,
  async run({ values, positionals, output, json, connect }) {
    const body: Record<string, unknown> = { name: positionals[0] ?? '', verifier: verifierFrom(values) }
    const eventType = valueRule(values, 'event-type-from')
    if (eventType) body.eventType = eventType
    const idempotencyKey = valueRule(values, 'id-from')
    if (idempotencyKey) body.idempotencyKey = idempotencyKey
    const { client, url } = connect()
    // The SDK's input type is narrower than the API (value rules, scheme "none" without a
    // secret), so the body is built to the API's schema and passed through.
    const created = await client.sources.create(body as unknown as CreateSourceInput)
    const source = withIngestUrl(asView(created), url)
    if (json) {
      output.json(source)
      return 0
    }
    output.line(`Created source ${output.paint(source.id, 'bold')}`)
    output.fields([
      ['name', source.name],
      ['scheme', source.verifier.scheme],
      ['ingest URL', source.ingestUrl],
      ['event type', describeRule(source.eventType)],
      ['dedupe key', describeRule(source.idempotencyKey)],
    ])
    output.line()
    output.line(`Point the provider's webhook at ${source.ingestUrl}`)
    return 0
  },
}

export const sourcesCommand: CommandGroup = {
  name: 'sources',
  summary: 'list and create inbound sources',
  description: 'Sources receive provider webhooks (Stripe, GitHub, …) at /in/NAME and turn them into events.',
  subcommands: [list, create],
}
