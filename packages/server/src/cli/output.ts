/**
 * What the client commands print: aligned tables and plain lines for people, JSON for scripts,
 * ANSI colours only where a person is looking, and progress on stderr so stdout stays parseable.
 */

/** The part of a stream the CLI writes to (a `process.stdout`, or a recorder in tests). */
export interface OutputStream {
  write(text: string): unknown
  isTTY?: boolean
  columns?: number
}

export type Colour = 'red' | 'green' | 'yellow' | 'cyan' | 'dim' | 'bold'

const ANSI: Record<Colour, [string, string]> = {
  red: ['\x1b[31m', '\x1b[39m'],
  green: ['\x1b[32m', '\x1b[39m'],
  yellow: ['\x1b[33m', '\x1b[39m'],
  cyan: ['\x1b[36m', '\x1b[39m'],
  dim: ['\x1b[2m', '\x1b[22m'],
  bold: ['\x1b[1m', '\x1b[22m'],
}

/**
 * Colours follow https://no-color.org: any non-empty NO_COLOR turns them off, whatever else is
 * set. FORCE_COLOR (the Node and chalk convention) turns them on for a pipe, e.g. `| less -R`,
 * and FORCE_COLOR=0 off on a terminal.
 */
export function colourEnabled(stream: OutputStream, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR) return false
  const force = env.FORCE_COLOR
  if (force === '0' || force === 'false') return false
  if (force !== undefined && force !== '') return true
  return stream.isTTY === true && env.TERM !== 'dumb'
}

export interface Column<T> {
  header: string
  value: (row: T) => string
  /** Longer cells are cut with an ellipsis so one long URL cannot wrap the whole table. */
  maxWidth?: number
  colour?: (row: T) => Colour | undefined
}

function truncate(text: string, maxWidth: number | undefined): string {
  const flat = text.replace(/\s+/g, ' ')
  if (maxWidth === undefined || flat.length <= maxWidth) return flat
  return `${flat.slice(0, Math.max(1, maxWidth - 1))}…`
}

/** Colour of a delivery or attempt status, the same in every table. */
export function statusColour(status: string): Colour | undefined {
  if (status === 'succeeded' || status === 'enabled' || status === 'pass') return 'green'
  if (status === 'pending') return 'yellow'
  if (status === 'failed' || status === 'exhausted' || status.startsWith('disabled')) return 'red'
  return undefined
}

/** "12s", "5m", "3h", "4d": the age of a timestamp, as kubectl shows it. */
export function formatAge(iso: string | null | undefined, nowMs = Date.now()): string {
  if (!iso) return '-'
  const ms = Date.parse(iso)
  if (Number.isNaN(ms)) return '-'
  const seconds = Math.round((nowMs - ms) / 1000)
  const future = seconds < 0
  const abs = Math.abs(seconds)
  const text =
    abs < 60
      ? `${abs}s`
      : abs < 3600
        ? `${Math.floor(abs / 60)}m`
        : abs < 86_400
          ? `${Math.floor(abs / 3600)}h`
          : `${Math.floor(abs / 86_400)}d`
  return future ? `in ${text}` : text
}

/** "12s ago" or "in 5m": a timestamp relative to now, for sentences. */
export function formatAgo(iso: string | null | undefined, nowMs = Date.now()): string {
  const age = formatAge(iso, nowMs)
  return age === '-' || age.startsWith('in ') ? age : `${age} ago`
}

/** Compact JSON cut to `maxLength` characters, for a one-line preview of a payload. */
export function previewJson(value: unknown, maxLength = 120): string {
  const text = JSON.stringify(value) ?? 'undefined'
  return text.length <= maxLength ? text : `${text.slice(0, maxLength - 1)}…`
}

/** A progress line that redraws itself on a terminal and stays silent in a pipe or a log. */
export interface Progress {
  /** Sets how many of `total` are done (and the total, once it is known). */
  update(done: number, total?: number): void
  /** Erases the line; call before printing the summary. */
  stop(): void
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']
const BAR_WIDTH = 24

/** The text of one progress frame: a bar when the total is known, a spinner before. */
export function progressFrame(label: string, done: number, total: number | undefined, frame: number): string {
  if (total === undefined || total === 0) return `${SPINNER[frame % SPINNER.length]} ${label}`
  const ratio = Math.min(1, done / total)
  const filled = Math.round(ratio * BAR_WIDTH)
  const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}`
  return `${bar} ${done}/${total} ${label}`
}

export class Output {
  readonly colour: boolean
  readonly #stdout: OutputStream
  readonly #stderr: OutputStream
  readonly #stderrColour: boolean

  constructor(stdout: OutputStream, stderr: OutputStream, env: NodeJS.ProcessEnv) {
    this.#stdout = stdout
    this.#stderr = stderr
    this.colour = colourEnabled(stdout, env)
    this.#stderrColour = colourEnabled(stderr, env)
  }

  paint(text: string, colour: Colour | undefined, enabled = this.colour): string {
    if (!enabled || colour === undefined || text === '') return text
    const [open, close] = ANSI[colour]
    return `${open}${text}${close}`
  }

  line(text = ''): void {
    this.#stdout.write(`${text}\n`)
  }

  /** Pretty JSON on stdout, the only thing printed with `--json`. */
  json(value: unknown): void {
    this.#stdout.write(`${JSON.stringify(value, null, 2)}\n`)
  }

  /** `label  value` pairs with the values aligned, for one resource. */
  fields(pairs: ReadonlyArray<readonly [string, string]>): void {
    const width = Math.max(...pairs.map(([label]) => label.length))
    for (const [label, value] of pairs) this.line(`  ${this.paint(label.padEnd(width), 'dim')}  ${value}`)
  }

  table<T>(columns: ReadonlyArray<Column<T>>, rows: readonly T[]): void {
    const cells = rows.map((row) => columns.map((column) => truncate(column.value(row), column.maxWidth)))
    const widths = columns.map((column, index) =>
      Math.max(column.header.length, ...cells.map((row) => (row[index] ?? '').length)),
    )
    // Pad before painting: escape codes have no width on screen but do have a length.
    const render = (texts: string[], colours: Array<Colour | undefined>) =>
      texts
        .map((text, index) => {
          const padded = index === texts.length - 1 ? text : text.padEnd(widths[index] ?? 0)
          return this.paint(padded, colours[index])
        })
        .join('  ')
        .trimEnd()
    this.line(
      render(
        columns.map((column) => column.header),
        columns.map(() => 'bold'),
      ),
    )
    rows.forEach((row, rowIndex) => {
      this.line(
        render(
          cells[rowIndex] ?? [],
          columns.map((column) => column.colour?.(row)),
        ),
      )
    })
  }

  /** After a table: the command that shows the next page, when there is one. */
  nextPage(nextCursor: string | null, command: string): void {
    if (nextCursor) this.line(this.paint(`More: ${command} --cursor ${nextCursor}`, 'dim'))
  }

  /** `hookline: message` on stderr, then the next step to try. */
  error(message: string, hint?: string): void {
    this.#stderr.write(`${this.paint('hookline:', 'red', this.#stderrColour)} ${message}\n`)
    if (hint) this.#stderr.write(`${this.paint(hint, 'dim', this.#stderrColour)}\n`)
  }

  /** A note for people on stderr (never mixed into `--json` output). */
  note(text: string): void {
    this.#stderr.write(`${text}\n`)
  }

  progress(label: string, total?: number): Progress {
    const stream = this.#stderr
    if (stream.isTTY !== true) return { update: () => undefined, stop: () => undefined }
    let done = 0
    let known = total
    let frame = 0
    const draw = () => {
      const text = progressFrame(label, done, known, frame++)
      const width = (stream.columns || 80) - 1
      stream.write(`\r\x1b[2K${text.slice(0, width)}`)
    }
    draw()
    // The spinner turns on its own while a single long request is in flight.
    const timer = setInterval(draw, 100)
    timer.unref()
    return {
      update(nextDone, nextTotal) {
        done = nextDone
        if (nextTotal !== undefined) known = nextTotal
        draw()
      },
      stop() {
        clearInterval(timer)
        stream.write('\r\x1b[2K')
      },
    }
  }
}
