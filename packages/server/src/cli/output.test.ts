import { describe, expect, it } from 'vitest'
import { colourEnabled, formatAge, Output, type OutputStream, progressFrame } from './output.js'

class Recorder implements OutputStream {
  text = ''
  constructor(
    readonly isTTY = false,
    readonly columns = 80,
  ) {}
  write(chunk: string) {
    this.text += chunk
  }
}

const ESC = '\x1b'
const stripAnsi = (text: string) => text.replace(new RegExp(`${ESC}\\[[0-9;]*m`, 'g'), '')

describe('colourEnabled', () => {
  it('colours a terminal, not a pipe, and never when NO_COLOR is set', () => {
    expect(colourEnabled(new Recorder(true), {})).toBe(true)
    expect(colourEnabled(new Recorder(false), {})).toBe(false)
    expect(colourEnabled(new Recorder(true), { NO_COLOR: '1' })).toBe(false)
    expect(colourEnabled(new Recorder(true), { TERM: 'dumb' })).toBe(false)
    expect(colourEnabled(new Recorder(false), { FORCE_COLOR: '1' })).toBe(true)
    expect(colourEnabled(new Recorder(true), { FORCE_COLOR: '0' })).toBe(false)
    expect(colourEnabled(new Recorder(true), { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(false)
    // no-color.org: an empty NO_COLOR does not count as set.
    expect(colourEnabled(new Recorder(true), { NO_COLOR: '' })).toBe(true)
  })
})

describe('Output.table', () => {
  const rows = [
    { id: 'ep_1', url: 'http://127.0.0.1:3000/a-very-long-path-that-goes-on', state: 'enabled' },
    { id: 'ep_22', url: 'http://x', state: 'disabled' },
  ]
  const columns = [
    { header: 'ID', value: (row: (typeof rows)[number]) => row.id },
    { header: 'URL', value: (row: (typeof rows)[number]) => row.url, maxWidth: 20 },
    {
      header: 'STATE',
      value: (row: (typeof rows)[number]) => row.state,
      colour: (row: (typeof rows)[number]) =>
        row.state === 'enabled' ? ('green' as const) : ('red' as const),
    },
  ]

  it('aligns columns and cuts long cells with an ellipsis, without colour in a pipe', () => {
    const stdout = new Recorder()
    new Output(stdout, new Recorder(), {}).table(columns, rows)
    expect(stdout.text).toBe(
      [
        'ID     URL                   STATE',
        'ep_1   http://127.0.0.1:30…  enabled',
        'ep_22  http://x              disabled',
        '',
      ].join('\n'),
    )
    expect(stdout.text).not.toContain(ESC)
  })

  it('pads before colouring, so coloured tables stay aligned', () => {
    const plain = new Recorder()
    const coloured = new Recorder(true)
    new Output(plain, new Recorder(), {}).table(columns, rows)
    new Output(coloured, new Recorder(), {}).table(columns, rows)
    expect(coloured.text).toContain(`${ESC}[32menabled${ESC}[39m`)
    expect(coloured.text).toContain(`${ESC}[31mdisabled${ESC}[39m`)
    expect(stripAnsi(coloured.text)).toBe(plain.text)
  })
})

describe('progress', () => {
  it('draws a bar with counts once the total is known, a spinner before', () => {
    expect(progressFrame('retrying', 3, 12, 0)).toBe(`${'█'.repeat(6)}${'░'.repeat(18)} 3/12 retrying`)
    expect(progressFrame('finding', 0, undefined, 0)).toBe('⠋ finding')
  })

  it('redraws on a terminal and erases itself when stopped', () => {
    const stderr = new Recorder(true)
    const progress = new Output(new Recorder(), stderr, {}).progress('retrying', 2)
    progress.update(1)
    progress.update(2)
    progress.stop()
    expect(stderr.text).toContain('\r\x1b[2K')
    expect(stderr.text).toContain('1/2 retrying')
    expect(stderr.text).toContain('2/2 retrying')
    expect(stderr.text.endsWith('\r\x1b[2K')).toBe(true)
  })

  it('writes nothing to a pipe or a log', () => {
    const stderr = new Recorder(false)
    const progress = new Output(new Recorder(), stderr, {}).progress('retrying', 2)
    progress.update(2)
    progress.stop()
    expect(stderr.text).toBe('')
  })
})

describe('formatAge', () => {
  const now = Date.parse('2026-01-01T12:00:00Z')
  it('says how long ago, in the largest whole unit', () => {
    expect(formatAge('2026-01-01T11:59:48Z', now)).toBe('12s')
    expect(formatAge('2026-01-01T11:55:00Z', now)).toBe('5m')
    expect(formatAge('2026-01-01T09:00:00Z', now)).toBe('3h')
    expect(formatAge('2025-12-28T12:00:00Z', now)).toBe('4d')
    expect(formatAge('2026-01-01T12:05:00Z', now)).toBe('in 5m')
    expect(formatAge(null, now)).toBe('-')
  })
})
