// Endpoints: health over the last hour, and the operator's actions on one endpoint.

import { api } from '../api.js'
import { endpointHealth, lastErrorView, latencyView, successView } from '../health.js'
import {
  actionButton,
  actionForm,
  badge,
  code,
  copyButton,
  details,
  field,
  fromLocalInput,
  h,
  link,
  loading,
  outcome,
  pageHeader,
  relative,
  replace,
  section,
  select,
  table,
  timeEl,
  toLocalInput,
  uid,
} from '../ui.js'

export const endpointHref = (id) => `#/endpoints/${encodeURIComponent(id)}`

const receives = (endpoint) =>
  endpoint.eventTypes === null
    ? h('span', {}, 'all event types')
    : endpoint.eventTypes.length === 0
      ? h('span', { class: 'muted' }, 'nothing')
      : endpoint.eventTypes.map((type, index) => [index > 0 ? ', ' : '', code(type)])

function stateBadge(endpoint) {
  return endpoint.disabled
    ? h(
        'span',
        { class: 'badge badge-disabled' },
        `disabled${endpoint.disabledReason ? ` (${endpoint.disabledReason})` : ''}`,
      )
    : h('span', { class: 'badge badge-enabled' }, 'enabled')
}

/** An Enable/Disable button that PATCHes the endpoint and redraws `state` in place. */
function toggleButton(endpoint, state, { small = true } = {}) {
  const label = () => `${endpoint.disabled ? 'Enable' : 'Disable'}`
  const button = actionButton(
    label(),
    async () => {
      const updated = await api.updateEndpoint(endpoint.id, { disabled: !endpoint.disabled })
      Object.assign(endpoint, updated)
      button.textContent = label()
      button.setAttribute('aria-label', `${label()} endpoint ${endpoint.url}`)
      replace(state, stateBadge(endpoint))
      return endpoint.disabled
        ? `Disabled ${endpoint.url}: it receives nothing and its pending deliveries were failed.`
        : `Enabled ${endpoint.url}: it receives new events again.`
    },
    { class: small ? 'button-small' : undefined, 'aria-label': `${label()} endpoint ${endpoint.url}` },
  )
  return button
}

export async function renderList(view) {
  const endpoints = await api.allEndpoints(view.signal)
  const cells = new Map(
    endpoints.map((endpoint) => [
      endpoint.id,
      {
        state: h('span', {}, stateBadge(endpoint)),
        success: h('div', {}, loading('…')),
        latency: h('div', {}, loading('…')),
        lastError: h('div', {}, loading('…')),
      },
    ]),
  )
  const cell = (endpoint, name) => cells.get(endpoint.id)[name]
  replace(
    view.main,
    pageHeader(
      'Endpoints',
      h(
        'p',
        { class: 'page-meta' },
        'Health over the last hour: success rate of deliveries and latency of the attempts of the latest ten.',
      ),
    ),
    table({
      caption: 'Endpoints and their health over the last hour',
      rows: endpoints,
      empty: 'No endpoints yet. Create one with POST /v1/endpoints or `hookline endpoints create`.',
      columns: [
        {
          header: 'Endpoint',
          className: 'wrap url',
          cell: (endpoint) => [
            link(endpointHref(endpoint.id), endpoint.url),
            endpoint.description ? h('div', { class: 'muted small' }, endpoint.description) : null,
          ],
        },
        { header: 'Receives', className: 'wrap', cell: receives },
        { header: 'State', cell: (endpoint) => cell(endpoint, 'state') },
        { header: 'Success rate', cell: (endpoint) => cell(endpoint, 'success') },
        { header: 'Latency', cell: (endpoint) => cell(endpoint, 'latency') },
        { header: 'Last error', className: 'wrap', cell: (endpoint) => cell(endpoint, 'lastError') },
        { header: 'Action', cell: (endpoint) => toggleButton(endpoint, cell(endpoint, 'state')) },
      ],
    }),
  )
  // Health is filled in row by row so a slow endpoint does not hold up the table.
  for (const endpoint of endpoints) {
    const row = cells.get(endpoint.id)
    endpointHealth(endpoint.id, { signal: view.signal })
      .then((health) => {
        replace(row.success, successView(health))
        replace(row.latency, latencyView(health))
        replace(row.lastError, lastErrorView(health))
      })
      .catch((error) => {
        if (error?.name === 'AbortError') return
        for (const name of ['success', 'latency', 'lastError'])
          replace(row[name], h('span', { class: 'muted' }, 'unavailable'))
      })
  }
}

export async function renderDetail(view, endpointId) {
  replace(view.main, pageHeader(`Endpoint ${endpointId}`), loading())
  const [endpoint, recent, eventTypes] = await Promise.all([
    api.getEndpoint(endpointId, view.signal),
    api.listDeliveries({ endpointId, limit: 10 }, view.signal),
    api.allEventTypes(view.signal),
  ])
  const state = h('span', {}, stateBadge(endpoint))
  const health = h('div', { class: 'health' }, loading('Loading health…'))
  const recentBox = h('div', {}, recentTable(recent.data))
  const refreshRecent = async () => {
    const page = await api.listDeliveries({ endpointId, limit: 10 }, view.signal)
    replace(recentBox, recentTable(page.data))
  }
  const headerNames = Object.keys(endpoint.headers ?? {})

  replace(
    view.main,
    pageHeader(
      endpoint.url,
      h(
        'p',
        { class: 'page-meta' },
        link('#/endpoints', 'All endpoints'),
        ' · ',
        link(`#/deliveries?endpointId=${encodeURIComponent(endpoint.id)}`, 'Deliveries of this endpoint'),
      ),
    ),
    details([
      ['ID', code(endpoint.id)],
      ['Description', endpoint.description ?? h('span', { class: 'muted' }, 'none')],
      ['Receives', receives(endpoint)],
      [
        'Extra headers',
        headerNames.length === 0
          ? h('span', { class: 'muted' }, 'none')
          : headerNames.map((name, i) => [i ? ', ' : '', code(name)]),
      ],
      ['State', state],
      ['Created', timeEl(endpoint.createdAt)],
    ]),
    section('Health, last hour', health),
    section(
      'Actions',
      h(
        'div',
        { class: 'action-grid' },
        actionCard(
          'Enable or disable',
          h(
            'p',
            { class: 'hint' },
            'A disabled endpoint receives nothing; disabling fails its pending deliveries.',
          ),
          toggleButton(endpoint, state, { small: false }),
        ),
        actionCard('Rotate signing secret', ...rotateSecret(endpoint)),
        actionCard('Send a test event', testEventForm(endpoint, eventTypes, refreshRecent)),
        actionCard('Recover failed deliveries', recoverForm(endpoint, refreshRecent)),
      ),
    ),
    section('Recent deliveries', recentBox),
  )

  const loaded = await endpointHealth(endpoint.id, { signal: view.signal, latencySamples: 40 })
  const size = { width: 280, height: 56 }
  replace(
    health,
    h('div', { class: 'health-item' }, h('h3', {}, 'Success rate'), successView(loaded, size)),
    h('div', { class: 'health-item' }, h('h3', {}, 'Latency'), latencyView(loaded, size)),
    h('div', { class: 'health-item' }, h('h3', {}, 'Last error'), lastErrorView(loaded)),
  )
}

function actionCard(title, ...children) {
  const headingId = uid('action')
  return h(
    'div',
    { class: 'action-card', role: 'group', 'aria-labelledby': headingId },
    h('h3', { id: headingId }, title),
    ...children,
  )
}

function rotateSecret(endpoint) {
  const result = h('div', { class: 'secret-result' })
  const button = actionButton('Rotate secret', async () => {
    const { secret } = await api.rotateSecret(endpoint.id)
    // Shown once, here; it is not kept anywhere by the dashboard.
    replace(
      result,
      h('p', {}, 'New signing secret. Copy it now: it is not shown again on this page.'),
      h(
        'div',
        { class: 'secret' },
        h('code', { class: 'secret-value' }, secret),
        copyButton(secret, 'Copy secret'),
      ),
    )
    return `Rotated the signing secret of ${endpoint.url}. The old secret keeps signing beside the new one for 24 hours.`
  })
  return [
    h(
      'p',
      { class: 'hint' },
      'Generates a new whsec_ secret. The old one keeps signing for 24 hours, so receivers can switch.',
    ),
    button,
    result,
  ]
}

/**
 * Types a test event can use so that this endpoint receives it: `hookline.test` when it takes
 * every type, `<prefix>.test` for a `prefix.*` pattern, and its exact types otherwise.
 */
export function testEventTypes(endpoint) {
  if (endpoint.eventTypes === null) return ['hookline.test']
  return [
    ...new Set(
      endpoint.eventTypes.map((pattern) =>
        pattern.endsWith('.*') ? `${pattern.slice(0, -2)}.test` : pattern,
      ),
    ),
  ]
}

function testEventForm(endpoint, eventTypes, refreshRecent) {
  const candidates = testEventTypes(endpoint)
  if (candidates.length === 0) return h('p', { class: 'muted' }, 'This endpoint receives no event type.')
  const schemas = new Map(eventTypes.map((type) => [type.name, type.schema]))
  const typeSelect = select(
    'type',
    candidates.map((type) => [type, schemas.get(type) ? `${type} (has a schema)` : type]),
    candidates[0],
  )
  const dataInput = h('textarea', { name: 'data', rows: '4', spellcheck: 'false' })
  dataInput.value = JSON.stringify({ test: true, sentFrom: 'hookline dashboard' }, null, 2)
  return actionForm(
    { 'aria-label': `Send a test event to ${endpoint.url}` },
    [
      h(
        'p',
        { class: 'hint' },
        'Publishes a real event of a type this endpoint receives (hookline.test when it takes every type). ' +
          'Every other endpoint subscribed to that type receives it too. Data must match the type’s schema if it has one.',
      ),
      field('Event type', typeSelect),
      field('Data (JSON)', dataInput),
      h('div', { class: 'field-actions' }, h('button', { type: 'submit' }, 'Send test event')),
    ],
    async () => {
      let data
      try {
        data = JSON.parse(dataInput.value)
      } catch {
        throw Object.assign(new Error('The data is not valid JSON.'), { errors: [] })
      }
      const event = await api.publish({ type: typeSelect.value, data })
      const page = await api.listDeliveries({ eventId: event.id, endpointId: endpoint.id, limit: 1 })
      await refreshRecent()
      const delivery = page.data[0]
      return delivery
        ? `Published test event ${event.id} (${event.type}); its delivery to this endpoint is ${delivery.id}.`
        : `Published test event ${event.id} (${event.type}), but this endpoint got no delivery: it is disabled or no longer subscribed.`
    },
  )
}

function recoverForm(endpoint, refreshRecent) {
  const sinceInput = h('input', {
    type: 'datetime-local',
    name: 'since',
    required: true,
    value: toLocalInput(new Date(Date.now() - 3_600_000).toISOString()),
  })
  return actionForm(
    { 'aria-label': `Recover failed deliveries of ${endpoint.url}` },
    [
      h(
        'p',
        { class: 'hint' },
        'Re-queues this endpoint’s failed and exhausted deliveries created since the time below (your local time).',
      ),
      field('Failed since', sinceInput),
      h('div', { class: 'field-actions' }, h('button', { type: 'submit' }, 'Recover')),
    ],
    async () => {
      const since = fromLocalInput(sinceInput.value)
      if (!since) throw Object.assign(new Error('Choose a date and time to recover from.'), { errors: [] })
      const { recovered } = await api.recoverEndpoint(endpoint.id, since)
      await refreshRecent()
      return `Recovered ${recovered} failed deliver${recovered === 1 ? 'y' : 'ies'} of ${endpoint.url} since ${new Date(since).toLocaleString()}.`
    },
  )
}

function recentTable(rows) {
  return table({
    caption: 'The latest ten deliveries to this endpoint',
    rows,
    empty: 'No deliveries yet.',
    columns: [
      { header: 'Delivery', cell: (d) => link(`#/deliveries/${encodeURIComponent(d.id)}`, code(d.id)) },
      { header: 'Event', cell: (d) => link(`#/events/${encodeURIComponent(d.eventId)}`, code(d.eventId)) },
      { header: 'Status', cell: (d) => badge(d.status) },
      { header: 'Attempts', className: 'num', cell: (d) => String(d.attemptCount) },
      { header: 'Last outcome', className: 'wrap', cell: (d) => outcome(d) },
      { header: 'Updated', cell: (d) => relative(d.updatedAt) },
    ],
  })
}
