import { round, type Spread, spread } from './stats.js'

/** One line of the results: a figure for one system, each metric the median of its runs. */
export interface Row {
  id: string
  figure: string
  system: string
  /** The metric the table shows first (with its min and max). */
  primary: string
  unit: string
  metrics: Record<string, Spread>
  /** Units of the other metrics, when not `unit`. */
  units?: Record<string, string>
  note?: string
  /** Why the row was not measured (no Redis, no PostgreSQL, a failure). */
  skipped?: string
}

export interface TargetCheck {
  figure: string
  target: string
  measured: string
  met: boolean | null
  /** For a ratio: subject over reference in each round, where both ran the same number of rounds. */
  rounds?: number[]
}

/** Collects runs per metric, then turns them into a row. */
export class RowBuilder {
  private readonly runs = new Map<string, number[]>()

  constructor(private readonly base: Omit<Row, 'metrics'>) {}

  add(values: Record<string, number>): void {
    for (const [metric, value] of Object.entries(values)) {
      const list = this.runs.get(metric) ?? []
      list.push(value)
      this.runs.set(metric, list)
    }
  }

  get runCount(): number {
    return this.runs.get(this.base.primary)?.length ?? 0
  }

  build(): Row {
    const metrics: Record<string, Spread> = {}
    for (const [metric, values] of this.runs) {
      const s = spread(values.map((v) => round(v, 3)))
      metrics[metric] = { median: round(s.median, 3), min: s.min, max: s.max, runs: s.runs }
    }
    return { ...this.base, metrics }
  }
}

export function skippedRow(base: Omit<Row, 'metrics' | 'skipped'>, reason: string): Row {
  return { ...base, metrics: {}, skipped: reason }
}

function format(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return '-'
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US')
  if (Math.abs(value) >= 100) return value.toFixed(0)
  if (Math.abs(value) >= 10) return value.toFixed(1)
  return value.toFixed(2)
}

function table(header: string[], lines: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((line) => (line[i] ?? '').length)))
  const render = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')
  return [render(header), render(widths.map((w) => '-'.repeat(w))), ...lines.map(render)].join('\n')
}

/** The human-readable report: every row, then the targets. */
export function renderReport(rows: Row[], targets: TargetCheck[]): string {
  const rowLines = rows.map((row) => {
    if (row.skipped) return [row.figure, row.system, 'skipped', '', '', row.skipped]
    const main = row.metrics[row.primary]
    const others = Object.entries(row.metrics)
      .filter(([metric]) => metric !== row.primary)
      .map(
        ([metric, s]) => `${metric} ${format(s.median)}${row.units?.[metric] ? ` ${row.units[metric]}` : ''}`,
      )
      .join(', ')
    return [
      row.figure,
      row.system,
      `${format(main?.median)} ${row.unit} (${row.primary})`,
      `${format(main?.min)}–${format(main?.max)}`,
      String(main?.runs.length ?? 0),
      others,
    ]
  })
  const targetLines = targets.map((t) => [
    t.figure,
    t.target,
    t.measured,
    t.met === null ? 'not measured' : t.met ? 'met' : 'NOT met',
  ])
  return [
    table(['figure', 'system', 'median', 'min–max', 'runs', 'other medians'], rowLines),
    '',
    table(['target', 'wanted', 'measured', 'verdict'], targetLines),
  ].join('\n')
}
