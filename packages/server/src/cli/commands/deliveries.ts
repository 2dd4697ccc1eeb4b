import type { DeliveryStatus, HooklineClient, ListDeliveriesParams } from '@hookline/sdk'
import { explainError, UsageError } from '../cli-errors.js'
import { limitOption, type OptionValues, stringOption } from '../client-options.js'
import type { CommandGroup, RunContext, Subcommand } from '../command-runner.js'
import { type DeliveryView, deliveryColumns, printDelivery } from './delivery-views.js'

/** `hookline deliveries …`: one event owed to one endpoint, its attempts, and retries. */

const STATUSES: readonly DeliveryStatus[] = ['pending', 'succeeded', 'failed', 'exhausted']
// Retries in flight at once during a bulk retry: quick, without flooding the server.
const RETRY_CONCURRENCY = 4

/** `--status`, `--endpoint`, `--event` as list filters; usage error for an unknown status. */
function filters(values: OptionValues, command: string): ListDeliveriesParams {
  const params: ListDeliveriesParams = {}
  const status = stringOption(values, 'status')
  if (status !== undefined) {
    if (!STATUSES.includes(status as DeliveryStatus)) {
      throw new UsageError(`--status: "${status}" is not one of ${STATUSES.join(', ')}`, command)
    }
    params.status = status as DeliveryStatus
  }
  const endpointId = stringOption(values, 'endpoint')
  if (endpointId !== undefined) params.endpointId = endpointId
  const eventId = stringOption(values, 'event')
  if (eventId !== undefined) params.eventId = eventId
  return params
}

function filterFlags(params: ListDeliveriesParams): string {
  const flags = [
    params.status && `--status ${params.status}`,
    params.endpointId && `--endpoint ${params.endpointId}`,
    params.eventId && `--event ${params.eventId}`,
  ]
  return flags.filter(Boolean).join(' ')
}

const filterOptions = {
  status: { type: 'string' },
  endpoint: { type: 'string' },
  event: { type: 'string' },
} as const

const filterHelp = [
  `  --status STATUS      only deliveries in this state: ${STATUSES.join(', ')}`,
  '  --endpoint ID        only deliveries to this endpoint',
  '  --event ID           only deliveries of this event',
]

const list: Subcommand = {
  name: 'list',
  summary: 'list deliveries, newest first, filtered by status, endpoint or event',
  args: '',
  minArgs: 0,
  maxArgs: 0,
  description: 'Lists deliveries, newest first, with their status, attempt count and last result.',
  options: { ...filterOptions, limit: { type: 'string' }, cursor: { type: 'string' } },
  optionHelp: [
    ...filterHelp,
    '  --limit N            deliveries per page, 1 to 250 (default 50)',
    '  --cursor C           the page after the one that printed "More: … --cursor C"',
  ].join('\n'),
  examples: [
    'hookline deliveries list --status exhausted',
    'hookline deliveries list --endpoint ep_01J… --json',
  ],
  server: true,
  async run({ values, output, json, connect }) {
    const params = filters(values, 'deliveries list')
    const limit = limitOption(values, 'deliveries list')
    const cursor = stringOption(values, 'cursor')
    const page = await connect().client.deliveries.list({
      ...params,
      ...(limit === undefined ? {} : { limit }),
      ...(cursor === undefined ? {} : { cursor }),
    })
    if (json) {
      output.json(page)
      return 0
    }
    if (page.data.length === 0) {
      output.line(filterFlags(params) || cursor ? 'No deliveries match.' : 'No deliveries yet.')
      return 0
    }
    output.table(deliveryColumns, page.data)
    const command = ['hookline deliveries list', filterFlags(params), limit ? `--limit ${limit}` : '']
    output.nextPage(page.nextCursor, command.filter(Boolean).join(' '))
    return 0
  },
}

const show: Subcommand = {
  name: 'show',
  summary: 'show a delivery with every attempt',
  args: 'ID',
  minArgs: 1,
  maxArgs: 1,
  description:
    'Shows one delivery and each of its attempts: time, result, HTTP status, latency and error,\n' +
    'then the (capped) response body of the last attempt.',
  options: {},
  optionHelp: '',
  examples: ['hookline deliveries show dlv_01J…'],
  server: true,
  async run({ positionals, output, json, connect }) {
    const delivery: DeliveryView = await connect().client.deliveries.get(positionals[0] ?? '')
    if (json) output.json(delivery)
    else printDelivery(delivery, output)
    return 0
  },
}

/** Every delivery id matching the filters, collected before retrying so the total is known. */
async function matchingIds(client: HooklineClient, params: ListDeliveriesParams): Promise<string[]> {
  const ids: string[] = []
  for await (const delivery of client.paginate((page) =>
    client.deliveries.list({ ...params, limit: 250, ...page }),
  )) {
    ids.push(delivery.id)
  }
  return ids
}

interface RetryOutcome {
  retried: string[]
  failed: Array<{ id: string; error: string }>
}

async function retryAll(
  client: HooklineClient,
  ids: readonly string[],
  url: string,
  onProgress: (done: number) => void,
): Promise<RetryOutcome> {
  const outcome: RetryOutcome = { retried: [], failed: [] }
  let next = 0
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++] as string
      try {
        await client.deliveries.retry(id)
        outcome.retried.push(id)
      } catch (error) {
        outcome.failed.push({ id, error: explainError(error, url).message })
      }
      onProgress(outcome.retried.length + outcome.failed.length)
    }
  }
  await Promise.all(Array.from({ length: Math.min(RETRY_CONCURRENCY, ids.length) }, worker))
  return outcome
}

async function runRetry({ values, positionals, output, json, connect }: RunContext): Promise<number> {
  const params = filters(values, 'deliveries retry')
  const bulk = Object.keys(params).length > 0
  if (bulk && positionals.length > 0) {
    throw new UsageError(
      'give delivery ids or filters (--status, --endpoint, --event), not both',
      'deliveries retry',
    )
  }
  if (!bulk && positionals.length === 0) {
    throw new UsageError('give delivery ids, or filters such as --status exhausted', 'deliveries retry')
  }
  const { client, url } = connect()
  let ids = positionals
  if (bulk) {
    const finding = json ? undefined : output.progress(`finding deliveries (${filterFlags(params)})`)
    try {
      ids = await matchingIds(client, params)
    } finally {
      finding?.stop()
    }
  }
  const progress = json || ids.length === 0 ? undefined : output.progress('retrying deliveries', ids.length)
  let outcome: RetryOutcome
  try {
    outcome = await retryAll(client, ids, url, (done) => progress?.update(done))
  } finally {
    progress?.stop()
  }
  if (json) {
    output.json(outcome)
    return outcome.failed.length === 0 ? 0 : 1
  }
  if (ids.length === 0) {
    output.line(`Nothing to retry: no deliveries match ${filterFlags(params)}.`)
    return 0
  }
  for (const failure of outcome.failed) output.error(`${failure.id}: ${failure.error}`)
  const count = outcome.retried.length
  output.line(
    `Scheduled ${count} of ${ids.length} deliver${ids.length === 1 ? 'y' : 'ies'} for an immediate attempt` +
      (outcome.failed.length > 0 ? ` (${outcome.failed.length} failed)` : ''),
  )
  if (count === 1 && outcome.retried[0])
    output.line(`Follow it: hookline deliveries show ${outcome.retried[0]}`)
  else if (count > 1 && bulk)
    output.line(`Follow them: hookline deliveries list ${filterFlags({ ...params, status: 'pending' })}`)
  return outcome.failed.length === 0 ? 0 : 1
}

const retry: Subcommand = {
  name: 'retry',
  summary: 'schedule an immediate attempt for deliveries, by id or in bulk',
  args: '[ID…]',
  minArgs: 0,
  maxArgs: Number.POSITIVE_INFINITY,
  description:
    'Schedules an immediate attempt for each delivery: a pending one is brought forward, a finished\n' +
    'one (failed, exhausted, even succeeded) gets exactly one more attempt. Give ids, or filters to\n' +
    'retry every matching delivery (all pages) with a progress bar on a terminal. Exits 1 if any\n' +
    'retry was refused.',
  options: filterOptions,
  optionHelp: filterHelp.join('\n'),
  examples: [
    'hookline deliveries retry dlv_01J… dlv_01K…',
    'hookline deliveries retry --status exhausted --endpoint ep_01J…',
  ],
  server: true,
  run: runRetry,
}

export const deliveriesCommand: CommandGroup = {
  name: 'deliveries',
  summary: 'list, show and retry deliveries',
  description: 'A delivery is one event owed to one endpoint: pending, succeeded, failed or exhausted.',
  subcommands: [list, show, retry],
}
