import type { Row, TargetCheck } from './report.js'

function median(rows: Row[], id: string, metric: string): number | undefined {
  const row = rows.find((r) => r.id === id)
  if (!row || row.skipped) return undefined
  return row.metrics[metric]?.median
}

/** The value of each run, in run order. */
function runs(rows: Row[], id: string, metric: string): number[] {
  return rows.find((r) => r.id === id && !r.skipped)?.metrics[metric]?.runs ?? []
}

const n = (value: number) => Math.round(value).toLocaleString('en-US')

/**
 * DESIGN.md's performance targets, each checked against figures of this run. A target whose
 * figures were not measured (skipped row, reduced mode) is "not measured", never "met".
 */
export function checkTargets(rows: Row[]): TargetCheck[] {
  const checks: TargetCheck[] = []
  const ratio = (
    figure: string,
    target: string,
    subject: [string, string],
    reference: [string, string],
    atLeast: number,
    unit: string,
  ) => {
    const a = median(rows, ...subject)
    const b = median(rows, ...reference)
    if (a === undefined || b === undefined || b === 0)
      return checks.push({ figure, target, measured: '-', met: null })
    const r = a / b
    // The two alternate within each round, so each round's own ratio is the fairest reading on
    // a machine whose speed drifts during the run; the verdict stays on the medians.
    const subjectRuns = runs(rows, ...subject)
    const referenceRuns = runs(rows, ...reference)
    const rounds =
      subjectRuns.length > 1 && subjectRuns.length === referenceRuns.length
        ? subjectRuns.map((value, i) => value / (referenceRuns[i] as number))
        : []
    checks.push({
      figure,
      target,
      measured:
        `${r.toFixed(2)}× (${n(a)} vs ${n(b)} ${unit})` +
        (rounds.length > 0 ? `; rounds ${rounds.map((x) => x.toFixed(2)).join(', ')}` : ''),
      met: r >= atLeast,
      ...(rounds.length > 0 ? { rounds } : {}),
    })
  }
  const atMost = (figure: string, target: string, subject: [string, string], limit: number, unit: string) => {
    const a = median(rows, ...subject)
    if (a === undefined) return checks.push({ figure, target, measured: '-', met: null })
    checks.push({ figure, target, measured: `${a.toFixed(a < 10 ? 2 : 0)} ${unit}`, met: a <= limit })
  }

  ratio(
    'durable publish',
    '≥ 0.3× no-op server',
    ['publish.hookline', 'rate'],
    ['publish.noop', 'rate'],
    0.3,
    'req/s',
  )
  ratio(
    'durable publish',
    '> BullMQ enqueue',
    ['publish.hookline', 'rate'],
    ['publish.bullmq', 'rate'],
    1.0000001,
    'req/s',
  )
  ratio(
    'delivery',
    '≥ 0.6× bare undici',
    ['delivery.hookline', 'rate'],
    ['delivery.undici', 'rate'],
    0.6,
    '/s',
  )
  ratio(
    'delivery',
    '> BullMQ worker',
    ['delivery.hookline', 'rate'],
    ['delivery.bullmq', 'rate'],
    1.0000001,
    '/s',
  )
  atMost('publish → received @1,000/s', 'p50 ≤ 5 ms', ['e2e.hookline', 'p50'], 5, 'ms')
  atMost('publish → received @1,000/s', 'p99 ≤ 25 ms', ['e2e.hookline', 'p99'], 25, 'ms')
  atMost('publish → stream received @1,000/s', 'p99 ≤ 50 ms', ['stream.hookline', 'p99'], 50, 'ms')
  atMost('inbound @2,000/s', 'p99 ≤ 5 ms', ['inbound.hookline', 'p99'], 5, 'ms')
  atMost('backlog 1,000,000', 'RSS ≤ 256 MB', ['growth.1000000', 'rssMaxMB'], 256, 'MB')
  ratio(
    'backlog 1,000,000',
    'publish ≥ 0.8× empty store',
    ['growth.1000000', 'rate'],
    ['growth.0', 'rate'],
    0.8,
    'req/s',
  )
  atMost(
    'fan-out to 1,000 endpoints',
    'all delivered ≤ 1,000 ms',
    ['fanout.hookline', 'allDeliveredMs'],
    1000,
    'ms',
  )
  ratio(
    'PostgreSQL publish',
    '≥ 0.15× no-op server',
    ['pg.publish.hookline', 'rate'],
    ['pg.publish.noop', 'rate'],
    0.15,
    'req/s',
  )
  ratio(
    'PostgreSQL delivery',
    '≥ 0.3× bare undici',
    ['pg.delivery.hookline', 'rate'],
    ['pg.delivery.undici', 'rate'],
    0.3,
    '/s',
  )
  atMost('PostgreSQL SIGKILL', 'no loss', ['pg.sigkill.hookline', 'lost'], 0, 'lost')

  // The fan-out target is for 1,000 endpoints; a smaller smoke run does not speak to it.
  const fanOut = rows.find((r) => r.id === 'fanout.hookline')
  const fanOutCheck = checks.find((c) => c.figure.startsWith('fan-out'))
  if (fanOut && fanOutCheck && !fanOut.figure.includes('1,000 endpoints')) {
    fanOutCheck.met = null
    fanOutCheck.measured += ' (fewer endpoints)'
  }
  return checks
}
