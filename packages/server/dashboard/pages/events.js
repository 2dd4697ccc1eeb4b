// Events: a filtered list, and one event with its payload, deliveries and a replay action.

import { api } from '../api.js'
import {
  actionButton,
  actionForm,
  announce,
  badge,
  code,
  codeBlock,
  details,
  field,
  fromLocalInput,
  h,
  link,
  loading,
  outcome,
  pageHeader,
  preview,
  relative,
  replace,
  section,
  select,
  table,
  timeEl,
  toLocalInput,
} from '../ui.js'

const RANGES = [
  ['', 'Any time'],
  ['15m', 'Last 15 minutes'],
  ['1h', 'Last hour'],
  ['24h', 'Last 24 hours'],
  ['7d', 'Last 7 days'],
  ['custom', 'Between…'],
]
const RANGE_MS = { '15m': 900_000, '1h': 3_600_000, '24h': 86_400_000, '7d': 604_800_000 }

export const eventHref = (id) => `#/events/${encodeURIComponent(id)}`

/** The API query for the form's values; relative ranges are resolved now, at each load. */
function toQuery({ type, range, since, until }) {
  if (range in RANGE_MS) return { type, since: new Date(Date.now() - RANGE_MS[range]).toISOString() }
  if (range === 'custom') return { type, since, until }
  return { type }
}

export async function renderList(view) {
  const initial = {
    type: view.query.get('type') ?? '',
    range: view.query.get('range') ?? '',
    since: view.query.get('since') ?? '',
    until: view.query.get('until') ?? '',
  }
  const typeInput = h('input', {
    name: 'type',
    value: initial.type,
    list: 'event-type-names',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: 'order.shipped',
  })
  const names = h('datalist', { id: 'event-type-names' })
  const rangeSelect = select('range', RANGES, initial.range)
  const sinceInput = h('input', { type: 'datetime-local', name: 'since', value: toLocalInput(initial.since) })
  const untilInput = h('input', { type: 'datetime-local', name: 'until', value: toLocalInput(initial.until) })
  const custom = h('div', { class: 'field-group' }, field('From', sinceInput), field('To', untilInput))
  const showCustom = () => {
    custom.hidden = rangeSelect.value !== 'custom'
  }
  rangeSelect.addEventListener('change', showCustom)
  showCustom()

  const results = h('div', {}, loading())
  const form = actionForm(
    { class: 'filters', 'aria-label': 'Filter events' },
    [
      field('Event type (exact name)', typeInput),
      names,
      field('Time', rangeSelect),
      custom,
      h('div', { class: 'field-actions' }, h('button', { type: 'submit' }, 'Apply filters')),
    ],
    async () => {
      const values = {
        type: typeInput.value.trim(),
        range: rangeSelect.value,
        since: fromLocalInput(sinceInput.value),
        until: fromLocalInput(untilInput.value),
      }
      view.setQuery(values.range === 'custom' ? values : { type: values.type, range: values.range })
      const count = await load(values)
      return `Showing ${count} event${count === 1 ? '' : 's'}${values.type ? ` of type ${values.type}` : ''}.`
    },
  )
  replace(view.main, pageHeader('Events'), form, results)

  api
    .allEventTypes(view.signal)
    .then((types) =>
      replace(
        names,
        types.map((type) => h('option', { value: type.name })),
      ),
    )
    .catch(() => {})

  async function load(values) {
    const query = toQuery(values)
    const rows = []
    let cursor
    const more = h('div', { class: 'load-more' })
    const fetchPage = async () => {
      const page = await api.listEvents({ ...query, limit: 50, cursor }, view.signal)
      rows.push(...page.data)
      cursor = page.nextCursor ?? undefined
      replace(results, eventsTable(rows), more)
      replace(
        more,
        cursor === undefined
          ? null
          : actionButton('Load more events', async () => {
              const before = rows.length
              await fetchPage()
              return `Loaded ${rows.length - before} more events.`
            }),
      )
      return rows.length
    }
    return fetchPage()
  }
  await load(initial)
}

function eventsTable(rows) {
  return table({
    caption: 'Events, newest first',
    rows,
    empty: 'No events match these filters.',
    columns: [
      { header: 'Event', cell: (event) => link(eventHref(event.id), code(event.id)) },
      { header: 'Type', cell: (event) => event.type },
      { header: 'Received', cell: (event) => timeEl(event.timestamp) },
      { header: 'Source', cell: (event) => event.source ?? h('span', { class: 'muted' }, 'published') },
      { header: 'Data', className: 'wrap preview', cell: (event) => code(preview(event.data)) },
    ],
  })
}

export async function renderDetail(view, eventId) {
  replace(view.main, pageHeader(`Event ${eventId}`), loading())
  const [event, deliveries, endpoints] = await Promise.all([
    api.getEvent(eventId, view.signal),
    api.eventDeliveries(eventId, view.signal),
    api.allEndpoints(view.signal),
  ])
  const endpointUrl = new Map(endpoints.map((endpoint) => [endpoint.id, endpoint.url]))
  const deliveriesBox = h('div', {})
  const refreshDeliveries = async () => {
    const page = await api.eventDeliveries(eventId, view.signal)
    replace(deliveriesBox, deliveriesTable(page.data, endpointUrl, refreshDeliveries))
  }
  replace(deliveriesBox, deliveriesTable(deliveries.data, endpointUrl, refreshDeliveries))

  replace(
    view.main,
    pageHeader(`Event ${event.id}`, h('p', { class: 'page-meta' }, link('#/events', 'All events'))),
    details([
      ['Type', code(event.type)],
      ['Received', timeEl(event.timestamp)],
      [
        'Source',
        event.source ? link(`#/sources/${encodeURIComponent(event.source)}`, event.source) : 'published',
      ],
    ]),
    event.headers && Object.keys(event.headers).length > 0
      ? section(
          'Provider headers',
          table({
            caption: 'Headers kept from the inbound request',
            rows: Object.entries(event.headers),
            columns: [
              { header: 'Header', cell: ([name]) => code(name) },
              { header: 'Value', className: 'wrap', cell: ([, value]) => code(value) },
            ],
          }),
        )
      : null,
    section('Payload', codeBlock(prettyData(event.data), 'Payload')),
    section('Deliveries', deliveriesBox),
    section('Replay to one endpoint', replayForm(event, endpoints, refreshDeliveries)),
  )
}

function prettyData(data) {
  try {
    return JSON.stringify(data, null, 2) ?? 'null'
  } catch {
    return String(data)
  }
}

function deliveriesTable(rows, endpointUrl, refresh) {
  return table({
    caption: 'Deliveries of this event',
    rows,
    empty: 'No endpoint was subscribed to this event type when it was published.',
    columns: [
      {
        header: 'Delivery',
        cell: (delivery) => link(`#/deliveries/${encodeURIComponent(delivery.id)}`, code(delivery.id)),
      },
      {
        header: 'Endpoint',
        className: 'wrap',
        cell: (delivery) =>
          link(
            `#/endpoints/${encodeURIComponent(delivery.endpointId)}`,
            endpointUrl.get(delivery.endpointId) ?? delivery.endpointId,
          ),
      },
      { header: 'Status', cell: (delivery) => badge(delivery.status) },
      { header: 'Attempts', className: 'num', cell: (delivery) => String(delivery.attemptCount) },
      { header: 'Last outcome', className: 'wrap', cell: (delivery) => outcome(delivery) },
      { header: 'Updated', cell: (delivery) => relative(delivery.updatedAt) },
      {
        header: 'Action',
        cell: (delivery) =>
          actionButton(
            'Retry',
            async () => {
              const retried = await api.retryDelivery(delivery.id)
              await refresh()
              return `Retry scheduled: delivery ${retried.id} gets an immediate attempt.`
            },
            { class: 'button-small', 'aria-label': `Retry delivery ${delivery.id}` },
          ),
      },
    ],
  })
}

/**
 * There is no "replay to one endpoint" route: replaying is retrying this event's delivery to
 * that endpoint, which re-sends the same signed body with the same webhook-id.
 */
function replayForm(event, endpoints, refresh) {
  if (endpoints.length === 0) return h('p', { class: 'muted' }, 'There are no endpoints.')
  const endpointSelect = select(
    'endpointId',
    endpoints.map((endpoint) => [endpoint.id, `${endpoint.url}${endpoint.disabled ? ' (disabled)' : ''}`]),
  )
  return actionForm(
    { class: 'inline-form', 'aria-label': 'Replay this event to one endpoint' },
    [
      h(
        'p',
        { class: 'hint' },
        'Sends this event again to the chosen endpoint only, with the same webhook-id, by retrying its delivery. ' +
          'An endpoint that was not subscribed when the event was published has no delivery to replay.',
      ),
      field('Endpoint', endpointSelect),
      h('div', { class: 'field-actions' }, h('button', { type: 'submit' }, 'Replay event')),
    ],
    async () => {
      const endpointId = endpointSelect.value
      const url = endpoints.find((endpoint) => endpoint.id === endpointId)?.url ?? endpointId
      const page = await api.listDeliveries({ eventId: event.id, endpointId, limit: 1 })
      const delivery = page.data[0]
      if (!delivery) {
        announce(
          `Nothing replayed: event ${event.id} has no delivery to ${url}; it was not subscribed to ${event.type}.`,
        )
        return null
      }
      await api.retryDelivery(delivery.id)
      await refresh()
      return `Replay scheduled: event ${event.id} will be sent again to ${url} (delivery ${delivery.id}).`
    },
  )
}
