import { type CreateEndpointInput, type Endpoint, HooklineApiError } from '@hookline/sdk'
import { CommandFailure, UsageError } from '../cli-errors.js'
import { limitOption, listOption, stringOption, timeOption } from '../client-options.js'
import type { CommandGroup, RunContext, Subcommand } from '../command-runner.js'
import { type Column, formatAge, statusColour } from '../output.js'
import { endpointTestCommand } from './endpoint-test.js'

/** `hookline endpoints …`: the subscribers that receive signed deliveries. */

/** The server's endpoint also says why it was disabled. */
type EndpointView = Endpoint & { disabledReason?: string | null }

const state = (endpoint: EndpointView) =>
  endpoint.disabled ? `disabled${endpoint.disabledReason ? `: ${endpoint.disabledReason}` : ''}` : 'enabled'

export const describeTypes = (types: readonly string[] | null | undefined) =>
  types && types.length > 0 ? types.join(', ') : 'all'

const columns: ReadonlyArray<Column<EndpointView>> = [
  { header: 'ID', value: (endpoint) => endpoint.id },
  { header: 'URL', value: (endpoint) => endpoint.url, maxWidth: 50 },
  { header: 'EVENT TYPES', value: (endpoint) => describeTypes(endpoint.eventTypes), maxWidth: 30 },
  { header: 'STATE', value: state, maxWidth: 30, colour: (endpoint) => statusColour(state(endpoint)) },
  { header: 'AGE', value: (endpoint) => formatAge(endpoint.createdAt) },
]

const idArgs = { args: 'ID', minArgs: 1, maxArgs: 1, server: true } as const

const list: Subcommand = {
  name: 'list',
  summary: 'list endpoints, newest first',
  args: '',
  minArgs: 0,
  maxArgs: 0,
  description: 'Lists endpoints, newest first, one page at a time (secrets are never listed).',
  options: { limit: { type: 'string' }, cursor: { type: 'string' } },
  optionHelp: [
    '  --limit N            endpoints per page, 1 to 250 (default 50)',
    '  --cursor C           the page after the one that printed "More: … --cursor C"',
  ].join('\n'),
  examples: ['hookline endpoints list', 'hookline endpoints list --json | jq -r ".data[].url"'],
  server: true,
  async run({ values, output, json, connect }) {
    const limit = limitOption(values, 'endpoints list')
    const cursor = stringOption(values, 'cursor')
    const page = await connect().client.endpoints.list({
      ...(limit === undefined ? {} : { limit }),
      ...(cursor === undefined ? {} : { cursor }),
    })
    if (json) {
      output.json(page)
      return 0
    }
    if (page.data.length === 0) {
      output.line('No endpoints. Add one: hookline endpoints create https://example.com/webhooks')
      return 0
    }
    output.table(columns, page.data)
    output.nextPage(page.nextCursor, `hookline endpoints list${limit ? ` --limit ${limit}` : ''}`)
    return 0
  },
}

function parseHeaders(values: RunContext['values']): Record<string, string> | undefined {
  const entries = listOption(values, 'header')
  if (entries.length === 0) return undefined
  const headers: Record<string, string> = {}
  for (const entry of entries) {
    const colon = entry.indexOf(':')
    if (colon <= 0) throw new UsageError(`--header: "${entry}" is not "Name: value"`, 'endpoints create')
    headers[entry.slice(0, colon).trim()] = entry.slice(colon + 1).trim()
  }
  return headers
}

const create: Subcommand = {
  name: 'create',
  summary: 'subscribe a URL or a broker destination; prints its signing secret',
  args: 'URL',
  minArgs: 1,
  maxArgs: 1,
  description:
    'Creates an endpoint that receives the events of --types (all types when absent), signed with\n' +
    'a whsec_ secret (generated unless --secret is given). The secret is printed once here; the\n' +
    'receiver verifies deliveries with it (`hookline endpoints secret ID` shows it again).\n' +
    'URL is http(s)://…, or a broker: amqp(s)://…, nats://…, redis(s)://… (docs/destinations.md).',
  options: {
    types: { type: 'string', multiple: true },
    description: { type: 'string' },
    header: { type: 'string', multiple: true },
    secret: { type: 'string' },
    disabled: { type: 'boolean' },
  },
  optionHelp: [
    '  --types LIST         event types to receive, comma-separated or repeated; "order.*" matches a prefix',
    '  --description TEXT   a note for people',
    '  --header "N: V"      a header sent with every delivery (repeatable)',
    '  --secret whsec_…     bring your own signing secret',
    '  --disabled           create it disabled (no deliveries until enabled)',
  ].join('\n'),
  examples: [
    'hookline endpoints create https://agent.example.com/hooks --types "order.*,invoice.paid"',
    'hookline endpoints create http://127.0.0.1:3000/webhooks --header "X-Team: fulfilment"',
    "hookline endpoints create 'nats://127.0.0.1:4222/orders.{type}' --types 'order.*'",
  ],
  server: true,
  async run({ values, positionals, output, json, connect }) {
    const [url = ''] = positionals
    const input: CreateEndpointInput = { url }
    const types = listOption(values, 'types', true)
    if (types.length > 0) input.eventTypes = types
    const description = stringOption(values, 'description')
    if (description !== undefined) input.description = description
    const headers = parseHeaders(values)
    if (headers) input.headers = headers
    const secret = stringOption(values, 'secret')
    if (secret !== undefined) input.secret = secret
    if (values.disabled === true) input.disabled = true
    const endpoint = await connect().client.endpoints.create(input)
    if (json) {
      output.json(endpoint)
      return 0
    }
    output.line(`Created endpoint ${output.paint(endpoint.id, 'bold')}`)
    output.fields([
      ['url', endpoint.url],
      ['event types', describeTypes(endpoint.eventTypes)],
      ['state', state(endpoint)],
      ['secret', endpoint.secret ?? '-'],
    ])
    output.line()
    output.line('The receiver verifies each delivery with this secret (scheme standard-webhooks).')
    output.line(`Send it a test event: hookline endpoints test ${endpoint.id}`)
    return 0
  },
}

const remove: Subcommand = {
  name: 'delete',
  summary: 'delete endpoints with their deliveries and attempts',
  args: 'ID [ID…]',
  minArgs: 1,
  maxArgs: Number.POSITIVE_INFINITY,
  description: 'Deletes each endpoint, its deliveries and their attempts. Events themselves are kept.',
  options: {},
  optionHelp: '',
  examples: ['hookline endpoints delete ep_01J…'],
  server: true,
  async run({ positionals, output, json, connect }) {
    const { client } = connect()
    for (const id of positionals) {
      await client.endpoints.delete(id)
      if (!json) output.line(`Deleted endpoint ${id} (with its deliveries and attempts)`)
    }
    if (json) output.json({ deleted: positionals })
    return 0
  },
}

const secret: Subcommand = {
  ...idArgs,
  name: 'secret',
  summary: "print an endpoint's current signing secret",
  description: 'Prints the current whsec_ signing secret of the endpoint, alone on a line, for scripts.',
  options: {},
  optionHelp: '',
  examples: ['export WEBHOOK_SECRET=$(hookline endpoints secret ep_01J…)'],
  async run({ positionals, output, json, connect }) {
    const result = await connect().client.endpoints.getSecret(positionals[0] ?? '')
    if (json) output.json(result)
    else output.line(result.secret)
    return 0
  },
}

function toggle(name: 'enable' | 'disable'): Subcommand {
  const disabled = name === 'disable'
  return {
    ...idArgs,
    name,
    summary: disabled
      ? 'stop deliveries to an endpoint (pending ones fail)'
      : 'resume deliveries to an endpoint',
    description: disabled
      ? 'Disables the endpoint: its pending deliveries fail and new events are not delivered to it.'
      : 'Enables the endpoint again. Deliveries that failed meanwhile can be re-queued with `recover`.',
    options: {},
    optionHelp: '',
    examples: [`hookline endpoints ${name} ep_01J…`],
    async run({ positionals, output, json, connect }) {
      const endpoint = await connect().client.endpoints.update(positionals[0] ?? '', { disabled })
      if (json) output.json(endpoint)
      else output.line(`${disabled ? 'Disabled' : 'Enabled'} endpoint ${endpoint.id} (${endpoint.url})`)
      return 0
    },
  }
}

const recover: Subcommand = {
  ...idArgs,
  name: 'recover',
  summary: 'retry the failed deliveries of an endpoint since a time',
  description:
    'Re-queues every failed or exhausted delivery of the endpoint created since --since, for one\n' +
    'more attempt each (for example after the receiver was down). The endpoint must be enabled.',
  options: { since: { type: 'string' } },
  optionHelp: '  --since TIME         ISO 8601, or a duration ago such as 2h or 7d (required)',
  examples: [
    'hookline endpoints recover ep_01J… --since 6h',
    'hookline endpoints recover ep_01J… --since 2026-01-01',
  ],
  async run({ values, positionals, output, json, connect }) {
    const since = timeOption(values, 'since', 'endpoints recover')
    if (since === undefined) throw new UsageError('missing --since (e.g. --since 2h)', 'endpoints recover')
    const id = positionals[0] ?? ''
    const progress = json
      ? undefined
      : output.progress(`re-queueing failed deliveries of ${id} since ${since}`)
    let recovered: number
    try {
      ;({ recovered } = await connect().client.endpoints.recover(id, { since }))
    } catch (error) {
      // The API refuses to re-queue for a disabled endpoint; say which command fixes that.
      if (error instanceof HooklineApiError && error.status === 409) {
        throw new CommandFailure(
          `cannot recover ${id}: it is disabled`,
          `Enable it first: hookline endpoints enable ${id}`,
        )
      }
      throw error
    } finally {
      progress?.stop()
    }
    if (json) {
      output.json({ endpointId: id, since, recovered })
      return 0
    }
    output.line(`Re-queued ${recovered} deliver${recovered === 1 ? 'y' : 'ies'} of ${id} since ${since}`)
    if (recovered > 0) output.line(`Follow them: hookline deliveries list --endpoint ${id}`)
    return 0
  },
}

export const endpointsCommand: CommandGroup = {
  name: 'endpoints',
  summary: 'list, create, delete, test and recover endpoints',
  description: 'Endpoints are the subscribers: a URL, a signing secret and the event types it wants.',
  subcommands: [
    list,
    create,
    remove,
    endpointTestCommand,
    secret,
    toggle('enable'),
    toggle('disable'),
    recover,
  ],
}
