// Endpoint health over the last hour, computed from the endpoint's deliveries (success rate)
// and from the attempts of its most recent deliveries (latency).

import { api, collect } from './api.js'
import { barChart, bucketReduce, successTone } from './charts.js'
import { h, ms, outcome, percent, relative } from './ui.js'

export const HOUR_MS = 3_600_000
const BUCKETS = 12

/** A delivery that has an outcome to judge: finished, or pending after a failed attempt. */
const judged = (delivery) => delivery.status !== 'pending' || delivery.attemptCount > 0

const failed = (delivery) =>
  delivery.status !== 'succeeded' &&
  (delivery.lastError !== null ||
    (delivery.lastStatusCode !== null && (delivery.lastStatusCode < 200 || delivery.lastStatusCode >= 300)))

function median(values) {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/** Runs `task` over `items`, at most `limit` at a time (a dashboard must not flood its server). */
async function mapLimit(items, limit, task) {
  const results = new Array(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const index = next++
      results[index] = await task(items[index])
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}

export async function endpointHealth(endpointId, { signal, latencySamples = 10, now = Date.now() } = {}) {
  const since = now - HOUR_MS
  const { items, truncated } = await collect(
    '/v1/deliveries',
    { endpointId },
    { signal, maxPages: 2, stop: (delivery) => Date.parse(delivery.createdAt) < since },
  )
  const outcomes = items.filter(judged)
  const succeeded = outcomes.filter((delivery) => delivery.status === 'succeeded').length
  const buckets = { count: BUCKETS, spanMs: HOUR_MS, now }
  const rateBuckets = bucketReduce(
    outcomes,
    (delivery) => Date.parse(delivery.updatedAt),
    (group) => group.filter((delivery) => delivery.status === 'succeeded').length / group.length,
    buckets,
  )

  const sample = items.filter((delivery) => delivery.attemptCount > 0).slice(0, latencySamples)
  const detailed = await mapLimit(sample, 4, (delivery) => api.getDelivery(delivery.id, signal))
  const attempts = detailed.flatMap((delivery) => delivery.attempts).filter((a) => Date.parse(a.at) >= since)
  const latencyBuckets = bucketReduce(
    attempts,
    (attempt) => Date.parse(attempt.at),
    (group) => group.reduce((sum, attempt) => sum + attempt.durationMs, 0) / group.length,
    buckets,
  )

  const lastFailure =
    items
      .filter(failed)
      .sort((a, b) => Date.parse(b.updatedAt) - Date.parse(a.updatedAt))
      .at(0) ?? null

  return {
    deliveries: items.length,
    judged: outcomes.length,
    succeeded,
    rate: outcomes.length === 0 ? null : succeeded / outcomes.length,
    rateBuckets,
    latencyBuckets,
    latencyMedian: median(attempts.map((attempt) => attempt.durationMs)),
    latencyAttempts: attempts.length,
    sampled: sample.length,
    lastFailure,
    truncated,
  }
}

export function successView(health, size = {}) {
  const label =
    health.rate === null
      ? 'Success rate over the last hour: no finished deliveries'
      : `Success rate over the last hour: ${percent(health.rate)} of ${health.judged} deliveries, in 5-minute buckets`
  return h(
    'div',
    { class: 'metric' },
    barChart(health.rateBuckets, { label, max: 1, tone: successTone, showZero: true, ...size }),
    h(
      'span',
      { class: 'metric-value' },
      percent(health.rate),
      h('span', { class: 'muted' }, ` of ${health.judged}${health.truncated ? '+' : ''}`),
    ),
  )
}

export function latencyView(health, size = {}) {
  const label =
    health.latencyMedian === null
      ? 'Latency over the last hour: no attempts'
      : `Attempt latency over the last hour: median ${ms(health.latencyMedian)} over ${health.latencyAttempts} attempts, average per 5-minute bucket`
  return h(
    'div',
    { class: 'metric' },
    barChart(health.latencyBuckets, { label, ...size }),
    h('span', { class: 'metric-value' }, ms(health.latencyMedian), h('span', { class: 'muted' }, ' median')),
  )
}

export function lastErrorView(health) {
  if (health.lastFailure === null) return h('span', { class: 'muted' }, 'None in the last hour')
  return h(
    'span',
    { class: 'last-error' },
    h('span', {}, outcome(health.lastFailure)),
    ' ',
    h(
      'a',
      { href: `#/deliveries/${encodeURIComponent(health.lastFailure.id)}` },
      relative(health.lastFailure.updatedAt),
    ),
  )
}
