import type { ListEventsParams, WebhookEventRecord } from '@hookline/sdk'
import { limitOption, stringOption, timeOption } from '../client-options.js'
import type { CommandGroup, Subcommand } from '../command-runner.js'
import { type Column, formatAge, formatAgo, previewJson } from '../output.js'
import { type DeliveryView, deliveryColumns } from './delivery-views.js'

/** `hookline events …`: what was published or received, and where it went. */

/** Events that came in through a source say which one, and keep the provider's headers. */
type EventView = WebhookEventRecord & { source?: string; headers?: Record<string, string> }

const columns: ReadonlyArray<Column<EventView>> = [
  { header: 'ID', value: (event) => event.id },
  { header: 'TYPE', value: (event) => event.type, maxWidth: 40 },
  { header: 'SOURCE', value: (event) => event.source ?? '-' },
  { header: 'DATA', value: (event) => previewJson(event.data, 60), maxWidth: 60 },
  { header: 'AGE', value: (event) => formatAge(event.timestamp) },
]

const list: Subcommand = {
  name: 'list',
  summary: 'list events, newest first, filtered by type and time',
  args: '',
  minArgs: 0,
  maxArgs: 0,
  description: 'Lists events, newest first, one page at a time.',
  options: {
    type: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    limit: { type: 'string' },
    cursor: { type: 'string' },
  },
  optionHelp: [
    '  --type TYPE          only events of this type (e.g. order.shipped)',
    '  --since TIME         only events at or after TIME: ISO 8601, or a duration ago such as 15m or 2d',
    '  --until TIME         only events before TIME (same formats)',
    '  --limit N            events per page, 1 to 250 (default 50)',
    '  --cursor C           the page after the one that printed "More: … --cursor C"',
  ].join('\n'),
  examples: [
    'hookline events list --type order.shipped --since 1h',
    'hookline events list --json --limit 250',
  ],
  server: true,
  async run({ values, output, json, connect }) {
    const params: ListEventsParams = {}
    const type = stringOption(values, 'type')
    if (type !== undefined) params.type = type
    const since = timeOption(values, 'since', 'events list')
    if (since !== undefined) params.since = since
    const until = timeOption(values, 'until', 'events list')
    if (until !== undefined) params.until = until
    const limit = limitOption(values, 'events list')
    if (limit !== undefined) params.limit = limit
    const cursor = stringOption(values, 'cursor')
    if (cursor !== undefined) params.cursor = cursor
    const page = await connect().client.events.list(params)
    if (json) {
      output.json(page)
      return 0
    }
    if (page.data.length === 0) {
      output.line(
        cursor || type || since || until
          ? 'No events match.'
          : 'No events yet. Publish one: hookline trigger order.shipped --data \'{"orderId":"ord_1"}\'',
      )
      return 0
    }
    output.table(columns, page.data)
    const filters = [
      type && `--type ${type}`,
      since && `--since ${since}`,
      until && `--until ${until}`,
      limit && `--limit ${limit}`,
    ]
    output.nextPage(page.nextCursor, ['hookline events list', ...filters.filter(Boolean)].join(' '))
    return 0
  },
}

const show: Subcommand = {
  name: 'show',
  summary: 'show an event: payload and every delivery',
  args: 'ID',
  minArgs: 1,
  maxArgs: 1,
  description:
    'Shows one event: its type, time, source, payload (pretty JSON) and its deliveries, one per\n' +
    'subscribed endpoint, with their status and last result. With --json: the event with a\n' +
    '"deliveries" array.',
  options: {},
  optionHelp: '',
  examples: ['hookline events show evt_01J…', 'hookline events show evt_01J… --json | jq .data'],
  server: true,
  async run({ positionals, output, json, connect }) {
    const { client } = connect()
    const id = positionals[0] ?? ''
    const event: EventView = await client.events.get(id)
    const deliveries: DeliveryView[] = []
    for await (const delivery of client.paginate((page) =>
      client.events.deliveries(id, { limit: 250, ...page }),
    )) {
      deliveries.push(delivery)
    }
    if (json) {
      output.json({ ...event, deliveries })
      return 0
    }
    output.line(`Event ${output.paint(event.id, 'bold')}`)
    const pairs: Array<[string, string]> = [
      ['type', event.type],
      ['timestamp', `${event.timestamp} (${formatAgo(event.timestamp)})`],
    ]
    if (event.source) pairs.push(['source', event.source])
    output.fields(pairs)
    output.line()
    output.line('Data:')
    output.line(JSON.stringify(event.data, null, 2))
    output.line()
    if (deliveries.length === 0) {
      output.line('No deliveries: no enabled endpoint was subscribed to this type when it was accepted.')
      return 0
    }
    output.line(`Deliveries (${deliveries.length}):`)
    // Every row is this event's: its id would only repeat.
    output.table(
      deliveryColumns.filter((column) => column.header !== 'EVENT'),
      deliveries,
    )
    output.line()
    output.line('Attempts of one: hookline deliveries show ID')
    return 0
  },
}

export const eventsCommand: CommandGroup = {
  name: 'events',
  summary: 'list events and show one with its deliveries',
  description: 'Events are immutable: {id, type, timestamp, data}, published or received through a source.',
  subcommands: [list, show],
}
