import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

/**
 * The benchmark suite is not a test (no timing is asserted here); this only checks that its
 * smallest mode runs to the end and writes the JSON report with every expected row, measured
 * (median, min, max of at least 3 runs) or skipped with a reason.
 */
const ROOT = resolve(import.meta.dirname, '..')
const EXPECTED_ROWS = [
  'publish.noop',
  'publish.hookline',
  'publish.bullmq',
  'delivery.undici',
  'delivery.hookline',
  'delivery.bullmq',
  'e2e.hookline',
  'stream.hookline',
  'inbound.hookline',
  'fanout.hookline',
  'growth.0',
  'growth.100000',
  'growth.1000000',
  'pg.publish.noop',
  'pg.publish.hookline',
  'pg.delivery.undici',
  'pg.delivery.hookline',
  'pg.sigkill.hookline',
]
/** Rows that must be measured, not skipped: they need nothing but this repository. */
const ALWAYS_MEASURED = [
  'publish.noop',
  'publish.hookline',
  'delivery.undici',
  'delivery.hookline',
  'e2e.hookline',
  'stream.hookline',
  'inbound.hookline',
  'fanout.hookline',
  'growth.0',
]

interface Spread {
  median: number
  min: number
  max: number
  runs: number[]
}

interface Report {
  mode: string
  machine: { cpuModel: string; cores: number; node: string }
  rows: { id: string; primary: string; metrics: Record<string, Spread>; skipped?: string }[]
  targets: { figure: string; target: string; met: boolean | null }[]
  failures: string[]
}

function runBench(out: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'bench/run.ts', '--quick', '--smoke', '--out', out],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8')
    })
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8')
    })
    const timer = setTimeout(() => child.kill('SIGINT'), 170_000)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolveRun({ code, output })
    })
  })
}

describe('npm run bench -- --quick --smoke', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hookline-bench-smoke-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('runs every scenario and writes a report with every row', { timeout: 180_000 }, async () => {
    const out = join(dir, 'latest.json')
    const { code, output } = await runBench(out)
    expect(code, output.slice(-3000)).toBe(0)
    expect(output).toContain('durable publish')

    const report = JSON.parse(readFileSync(out, 'utf8')) as Report
    expect(report.mode).toBe('smoke')
    expect(report.failures).toEqual([])
    expect(report.machine.cores).toBeGreaterThan(0)
    expect(report.machine.node).toBe(process.version)
    expect(report.rows.map((row) => row.id)).toEqual(EXPECTED_ROWS)
    for (const row of report.rows) {
      if (row.skipped !== undefined) {
        expect(ALWAYS_MEASURED, `${row.id} was skipped: ${row.skipped}`).not.toContain(row.id)
        expect(row.skipped.length).toBeGreaterThan(0)
        continue
      }
      const primary = row.metrics[row.primary] as Spread
      expect(primary, row.id).toBeDefined()
      expect(primary.runs.length, row.id).toBeGreaterThanOrEqual(row.id === 'pg.sigkill.hookline' ? 1 : 3)
      expect(primary.min).toBeLessThanOrEqual(primary.median)
      expect(primary.median).toBeLessThanOrEqual(primary.max)
    }
    expect(report.targets.length).toBe(14)
  })
})
