// Deliveries: filtered by status and endpoint; one delivery with every attempt and a retry.

import { api } from '../api.js'
import {
  actionButton,
  actionForm,
  badge,
  code,
  details,
  field,
  h,
  link,
  loading,
  ms,
  outcome,
  pageHeader,
  relative,
  replace,
  section,
  select,
  table,
  timeAgo,
  timeEl,
} from '../ui.js'

const STATUSES = [
  ['', 'Any status'],
  ['pending', 'pending'],
  ['succeeded', 'succeeded'],
  ['failed', 'failed'],
  ['exhausted', 'exhausted'],
]
const DETAIL_REFRESH_MS = 2000

export const deliveryHref = (id) => `#/deliveries/${encodeURIComponent(id)}`

export async function renderList(view) {
  const initial = {
    status: view.query.get('status') ?? '',
    endpointId: view.query.get('endpointId') ?? '',
    eventId: view.query.get('eventId') ?? '',
  }
  const endpoints = await api.allEndpoints(view.signal)
  const endpointUrl = new Map(endpoints.map((endpoint) => [endpoint.id, endpoint.url]))
  const statusSelect = select('status', STATUSES, initial.status)
  const endpointOptions = [['', 'Any endpoint'], ...endpoints.map((endpoint) => [endpoint.id, endpoint.url])]
  if (initial.endpointId && !endpointUrl.has(initial.endpointId)) {
    endpointOptions.push([initial.endpointId, initial.endpointId])
  }
  const endpointSelect = select('endpointId', endpointOptions, initial.endpointId)
  const eventInput = h('input', {
    name: 'eventId',
    value: initial.eventId,
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: 'evt_…',
  })
  const results = h('div', {}, loading())
  const form = actionForm(
    { class: 'filters', 'aria-label': 'Filter deliveries' },
    [
      field('Status', statusSelect),
      field('Endpoint', endpointSelect),
      field('Event ID (optional)', eventInput),
      h('div', { class: 'field-actions' }, h('button', { type: 'submit' }, 'Apply filters')),
    ],
    async () => {
      const values = {
        status: statusSelect.value,
        endpointId: endpointSelect.value,
        eventId: eventInput.value.trim(),
      }
      view.setQuery(values)
      const count = await load(values)
      return `Showing ${count} deliver${count === 1 ? 'y' : 'ies'}.`
    },
  )
  replace(view.main, pageHeader('Deliveries'), form, results)

  async function load(values) {
    const rows = []
    let cursor
    const more = h('div', { class: 'load-more' })
    const fetchPage = async () => {
      const page = await api.listDeliveries({ ...values, limit: 50, cursor }, view.signal)
      rows.push(...page.data)
      cursor = page.nextCursor ?? undefined
      replace(results, deliveriesTable(rows, endpointUrl), more)
      replace(
        more,
        cursor === undefined
          ? null
          : actionButton('Load more deliveries', async () => {
              const before = rows.length
              await fetchPage()
              return `Loaded ${rows.length - before} more deliveries.`
            }),
      )
      return rows.length
    }
    return fetchPage()
  }
  await load(initial)
}

function deliveriesTable(rows, endpointUrl) {
  return table({
    caption: 'Deliveries, newest first',
    rows,
    empty: 'No deliveries match these filters.',
    columns: [
      { header: 'Delivery', cell: (delivery) => link(deliveryHref(delivery.id), code(delivery.id)) },
      {
        header: 'Event',
        cell: (delivery) => link(`#/events/${encodeURIComponent(delivery.eventId)}`, code(delivery.eventId)),
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
      {
        header: 'Next attempt',
        cell: (delivery) => timeAgo(delivery.nextAttemptAt),
      },
      { header: 'Created', cell: (delivery) => timeAgo(delivery.createdAt) },
    ],
  })
}

export async function renderDetail(view, deliveryId) {
  replace(view.main, pageHeader(`Delivery ${deliveryId}`), loading())
  const [delivery, endpoint] = await api
    .getDelivery(deliveryId, view.signal)
    .then(async (found) => [found, await api.getEndpoint(found.endpointId, view.signal).catch(() => null)])

  const summary = h('div', {})
  const attempts = h('div', {})
  let shown = delivery
  const draw = (current) => {
    shown = current
    replace(summary, summaryList(current, endpoint))
    // Redrawing must not close a response body the operator opened.
    const open = new Set([...attempts.querySelectorAll('details[open]')].map((node) => node.dataset.attempt))
    replace(attempts, attemptsTable(current.attempts))
    for (const node of attempts.querySelectorAll('details')) node.open = open.has(node.dataset.attempt)
  }
  draw(delivery)

  const retry = actionButton(
    'Retry now',
    async () => {
      const before = shown.attemptCount
      const retried = await api.retryDelivery(deliveryId, view.signal)
      draw({ ...retried, attempts: shown.attempts })
      return `Retry scheduled for delivery ${deliveryId}: attempt ${before + 1} runs now. The attempts below update by themselves.`
    },
    { class: 'button-primary' },
  )

  replace(
    view.main,
    pageHeader(
      `Delivery ${delivery.id}`,
      h('p', { class: 'page-meta' }, link('#/deliveries', 'All deliveries')),
    ),
    summary,
    h(
      'div',
      { class: 'actions' },
      retry,
      h(
        'p',
        { class: 'hint' },
        'A pending delivery is brought forward; a finished one gets exactly one more attempt, ' +
          'with the same webhook-id.',
      ),
    ),
    section('Attempts', attempts),
  )

  // New attempts appear without a reload while the delivery is still in motion.
  view.every(DETAIL_REFRESH_MS, async () => {
    if (shown.status !== 'pending') return
    const latest = await api.getDelivery(deliveryId, view.signal)
    if (latest.updatedAt !== shown.updatedAt || latest.attempts.length !== shown.attempts?.length)
      draw(latest)
  })
}

function summaryList(delivery, endpoint) {
  return details([
    ['Status', badge(delivery.status)],
    ['Event', link(`#/events/${encodeURIComponent(delivery.eventId)}`, code(delivery.eventId))],
    [
      'Endpoint',
      link(`#/endpoints/${encodeURIComponent(delivery.endpointId)}`, endpoint?.url ?? delivery.endpointId),
    ],
    ['Attempts', String(delivery.attemptCount)],
    ['Last outcome', outcome(delivery)],
    [
      'Next attempt',
      delivery.nextAttemptAt
        ? [timeEl(delivery.nextAttemptAt), ` (${relative(delivery.nextAttemptAt)})`]
        : '—',
    ],
    ['Created', timeEl(delivery.createdAt)],
  ])
}

function attemptsTable(attempts) {
  const rows = (attempts ?? []).map((attempt, index) => ({ ...attempt, number: index + 1 }))
  return table({
    caption: 'Attempts, oldest first',
    rows,
    empty: 'No attempt yet: the first one is on its way.',
    columns: [
      { header: '#', className: 'num', cell: (attempt) => String(attempt.number) },
      { header: 'Time', cell: (attempt) => timeEl(attempt.at) },
      { header: 'Result', cell: (attempt) => badge(attempt.status) },
      {
        header: 'Status code',
        className: 'num',
        cell: (attempt) => (attempt.statusCode === null ? '—' : String(attempt.statusCode)),
      },
      { header: 'Latency', className: 'num', cell: (attempt) => ms(attempt.durationMs) },
      { header: 'Error', className: 'wrap', cell: (attempt) => attempt.error ?? '—' },
      {
        header: 'Response body',
        className: 'wrap',
        cell: (attempt) =>
          attempt.responseBody
            ? h(
                'details',
                { 'data-attempt': attempt.id },
                h('summary', {}, `Show (${attempt.responseBody.length} characters)`),
                h('pre', { class: 'response-body', tabindex: '0' }, attempt.responseBody),
              )
            : h('span', { class: 'muted' }, 'empty'),
      },
    ],
  })
}
