// Overview: the last hour at a glance, refreshed every 5 s from /v1/events and /v1/deliveries.

import { api, collect } from '../api.js'
import { barChart, bucketCounts, bucketReduce, successTone } from '../charts.js'
import { HOUR_MS } from '../health.js'
import { h, link, loading, outcome, pageHeader, percent, relative, replace, section, table } from '../ui.js'

const REFRESH_MS = 5000

export async function render(view) {
  const updated = h('p', { class: 'muted page-meta' }, 'Loading…')
  const cards = h('div', { class: 'cards' }, loading())
  const failing = h('div', {}, loading())
  replace(
    view.main,
    pageHeader('Overview', updated),
    cards,
    section(
      'Failing endpoints',
      h(
        'p',
        { class: 'hint' },
        'Endpoints with deliveries that failed or ran out of retries in the last hour, ' +
          'deliveries waiting for a retry, or that are disabled.',
      ),
      failing,
    ),
  )

  let running = false
  const refresh = async () => {
    // A slow server must not pile up overlapping refreshes.
    if (running) return
    running = true
    try {
      const stats = await load(view.signal)
      replace(cards, eventsCard(stats), successCard(stats), queueCard(stats), endpointsCard(stats))
      replace(failing, failingTable(stats))
      replace(
        updated,
        `Updated ${new Date(stats.now).toLocaleTimeString()} · refreshes every ${REFRESH_MS / 1000} s`,
      )
    } finally {
      running = false
    }
  }
  await refresh()
  view.every(REFRESH_MS, refresh)
}

async function load(signal) {
  const now = Date.now()
  const since = now - HOUR_MS
  const createdBefore = (delivery) => Date.parse(delivery.createdAt) < since
  const [events, succeeded, failed, exhausted, pending, endpoints] = await Promise.all([
    collect('/v1/events', { since: new Date(since).toISOString() }, { signal, maxPages: 8 }),
    collect('/v1/deliveries', { status: 'succeeded' }, { signal, stop: createdBefore }),
    collect('/v1/deliveries', { status: 'failed' }, { signal, stop: createdBefore }),
    collect('/v1/deliveries', { status: 'exhausted' }, { signal, stop: createdBefore }),
    collect('/v1/deliveries', { status: 'pending' }, { signal }),
    api.allEndpoints(signal),
  ])
  return { now, events, succeeded, failed, exhausted, pending, endpoints }
}

function card(title, value, detail, chart) {
  return h(
    'article',
    { class: 'card' },
    h('h2', { class: 'card-title' }, title),
    h('p', { class: 'card-value' }, value),
    chart ?? null,
    h('p', { class: 'card-detail' }, detail),
  )
}

const more = (result) => (result.truncated ? '+' : '')

function eventsCard({ now, events }) {
  const perMinute = bucketCounts(events.items, (event) => Date.parse(event.timestamp), {
    count: 60,
    spanMs: HOUR_MS,
    now,
  })
  const latest = perMinute.at(-1) ?? 0
  const peak = Math.max(0, ...perMinute)
  return card(
    'Events, last hour',
    `${events.items.length}${more(events)}`,
    `${latest}/min in the latest minute · peak ${peak}/min`,
    barChart(perMinute, {
      label: `Events per minute over the last 60 minutes: ${events.items.length} in total, peak ${peak} per minute`,
      width: 240,
      height: 48,
    }),
  )
}

function successCard({ now, succeeded, failed, exhausted, pending }) {
  // A delivery still retrying after a failed attempt has not succeeded: it counts against the rate.
  const retrying = pending.items.filter(
    (delivery) => delivery.attemptCount > 0 && Date.parse(delivery.createdAt) >= now - HOUR_MS,
  )
  const judged = [...succeeded.items, ...failed.items, ...exhausted.items, ...retrying]
  const rate = judged.length === 0 ? null : succeeded.items.length / judged.length
  const buckets = bucketReduce(
    judged,
    (delivery) => Date.parse(delivery.updatedAt),
    (group) => group.filter((delivery) => delivery.status === 'succeeded').length / group.length,
    { count: 12, spanMs: HOUR_MS, now },
  )
  return card(
    'Success rate, last hour',
    percent(rate),
    `${succeeded.items.length}${more(succeeded)} succeeded · ${retrying.length} retrying · ` +
      `${failed.items.length}${more(failed)} failed · ${exhausted.items.length}${more(exhausted)} exhausted ` +
      '(deliveries created in the last hour)',
    barChart(buckets, {
      label: `Success rate of deliveries in 5-minute buckets: ${percent(rate)} overall`,
      width: 240,
      height: 48,
      max: 1,
      tone: successTone,
      showZero: true,
    }),
  )
}

function queueCard({ now, pending }) {
  const retrying = pending.items.filter((delivery) => delivery.attemptCount > 0).length
  const due = pending.items
    .map((delivery) => delivery.nextAttemptAt)
    .filter((at) => at !== null)
    .sort()
    .at(0)
  return card(
    'Queue depth',
    `${pending.items.length}${more(pending)}`,
    `pending deliveries · ${retrying} retrying after a failed attempt` +
      (due ? ` · next due ${relative(due, now)}` : ''),
  )
}

function failingEndpoints({ failed, exhausted, pending, endpoints }) {
  const byId = new Map()
  const failures = [
    ...failed.items,
    ...exhausted.items,
    ...pending.items.filter((delivery) => delivery.attemptCount > 0),
  ]
  for (const delivery of failures) {
    const entry = byId.get(delivery.endpointId) ?? { count: 0, latest: null }
    entry.count++
    if (entry.latest === null || delivery.updatedAt > entry.latest.updatedAt) entry.latest = delivery
    byId.set(delivery.endpointId, entry)
  }
  const known = new Map(endpoints.map((endpoint) => [endpoint.id, endpoint]))
  for (const endpoint of endpoints) {
    if (endpoint.disabled && !byId.has(endpoint.id)) byId.set(endpoint.id, { count: 0, latest: null })
  }
  return [...byId.entries()]
    .map(([id, entry]) => ({ id, endpoint: known.get(id) ?? null, ...entry }))
    .sort((a, b) => b.count - a.count)
}

function endpointsCard(stats) {
  const failing = failingEndpoints(stats)
  const disabled = stats.endpoints.filter((endpoint) => endpoint.disabled).length
  return card(
    'Failing endpoints',
    `${failing.length}`,
    `of ${stats.endpoints.length} endpoint${stats.endpoints.length === 1 ? '' : 's'} · ${disabled} disabled`,
  )
}

function failingTable(stats) {
  return table({
    caption: 'Failing endpoints',
    rows: failingEndpoints(stats),
    empty: 'No failing endpoints. Every delivery of the last hour succeeded or is on its first try.',
    columns: [
      {
        header: 'Endpoint',
        className: 'wrap',
        cell: (row) => link(`#/endpoints/${encodeURIComponent(row.id)}`, row.endpoint?.url ?? row.id),
      },
      {
        header: 'State',
        cell: (row) =>
          row.endpoint?.disabled
            ? h(
                'span',
                { class: 'badge badge-disabled' },
                `disabled (${row.endpoint.disabledReason ?? 'manual'})`,
              )
            : h('span', { class: 'badge badge-enabled' }, 'enabled'),
      },
      {
        header: 'Failing deliveries',
        className: 'num',
        cell: (row) =>
          link(
            `#/deliveries?endpointId=${encodeURIComponent(row.id)}`,
            String(row.count),
            h('span', { class: 'visually-hidden' }, ' failing: show the deliveries of this endpoint'),
          ),
      },
      { header: 'Last error', className: 'wrap', cell: (row) => (row.latest ? outcome(row.latest) : '—') },
      { header: 'When', cell: (row) => (row.latest ? relative(row.latest.updatedAt, stats.now) : '—') },
    ],
  })
}
