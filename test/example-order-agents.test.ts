import { spawn } from 'node:child_process'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '..')
// Above the example's own 20 s deadline, so a stuck run reports its failing step before this fires.
const KILL_AFTER_MS = 35_000

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs the example as `npm run example:order-agents` does, minus the build (the suite has built). */
function runExample(...args: string[]): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/order-agents/run.ts', ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      signal: AbortSignal.timeout(KILL_AFTER_MS),
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8')
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8')
    })
    child.once('error', reject)
    child.once('close', (code) => resolvePromise({ code, stdout, stderr }))
  })
}

describe('examples/order-agents', () => {
  it('delivers the shipment once, ignores the duplicate and rejects a forged webhook', async () => {
    const { code, stdout, stderr } = await runExample()
    expect(code, `${stdout}\n${stderr}`).toBe(0)

    const shipped =
      /\[customer-service\] ORD-12345 shipped with FedEx, tracking TRK-67890 \(webhook-id (evt_\w+)\)/.exec(
        stdout,
      )
    const eventId = shipped?.[1]
    expect(eventId, stdout).toBeDefined()
    expect(stdout.match(/shipped with FedEx/g)).toHaveLength(1)
    // The second publish with the same Idempotency-Key returned the original event.
    expect(stdout).toContain(`[fulfillment] ORD-12345 was already published as ${eventId}`)
    // The redelivery carried the same webhook-id and was not acted on.
    expect(stdout).toContain(`[customer-service] webhook-id ${eventId} already handled: duplicate ignored`)
    expect(stdout).toContain('[customer-service] rejected a webhook that failed verification (bad_signature)')
    expect(stdout).toContain(
      'order-agents: OK: shipments seen: 1, duplicates ignored: 1, forged webhooks rejected: 1',
    )
    // Hookline stopped cleanly on SIGTERM (the example warns otherwise).
    expect(stdout).not.toContain('warning:')
  }, 40_000)

  it('works without a public URL too: the agent follows the event stream with a read-only key', async () => {
    const { code, stdout, stderr } = await runExample('--stream')
    expect(code, `${stdout}\n${stderr}`).toBe(0)
    expect(stdout).toContain('[customer-service] following the order.* event stream')
    expect(stdout.match(/shipped with FedEx, tracking TRK-67890/g)).toHaveLength(1)
    expect(stdout).toContain('order-agents: OK: shipments seen: 1')
    expect(stdout).not.toContain('warning:')
  }, 40_000)
})
