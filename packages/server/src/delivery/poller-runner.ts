import { createHash, randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import { Agent, request } from 'undici'
import { resolvePointer } from '../core/json-pointer.js'
import { diffPoll, type PolledItem } from '../core/poll-diff.js'
import { parseRetryAfterMs } from '../core/retry-schedule.js'
import type { ClaimedPoller, PollerRunReport, Store } from '../store/store.js'
import type { AddressGuard } from './network-guard.js'

/** How often the runner looks for due pollers; their own intervals are at least a second. */
const TICK_MS = 250
const POLL_TIMEOUT_MS = 15_000
/** A poll answer larger than this is an error, not something to hold in memory. */
const MAX_BODY_BYTES = 8 * 1024 * 1024
/** Failing pollers back off exponentially from their interval up to this. */
const MAX_BACKOFF_MS = 60 * 60 * 1000

export interface PollerRunnerOptions {
  store: Store
  guard: AddressGuard
  logger: Logger
  workerId?: string
}

/**
 * The poll-to-push bridge's worker: one poll per poller for everyone, instead of every agent
 * polling on its own. It leases due pollers (so several processes never poll one twice),
 * polls with `If-None-Match`, turns what changed into events (deduplicated by poller, item and
 * value), and backs off on errors and 429s. The SSRF guard applies as for deliveries.
 */
export class PollerRunner {
  private readonly workerId: string
  private readonly agent: Agent
  private timer: NodeJS.Timeout | null = null
  private readonly running = new Set<Promise<void>>()
  private ticking = false

  constructor(private readonly options: PollerRunnerOptions) {
    this.workerId = options.workerId ?? `poller_${randomUUID()}`
    this.agent = new Agent({ connect: { lookup: options.guard.lookup }, keepAliveTimeout: 30_000 })
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), TICK_MS)
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await Promise.allSettled([...this.running])
    await this.agent.close()
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.timer === null) return
    this.ticking = true
    try {
      const claimed = await this.options.store.claimDuePollers(
        this.workerId,
        16,
        Date.now(),
        POLL_TIMEOUT_MS + 5_000,
      )
      for (const poller of claimed) {
        const run = this.run(poller)
          .catch((error: unknown) =>
            this.options.logger.error({ err: error, pollerId: poller.id }, 'poller run failed'),
          )
          .finally(() => this.running.delete(run))
        this.running.add(run)
      }
    } catch (error) {
      this.options.logger.warn({ err: error }, 'claiming pollers failed')
    } finally {
      this.ticking = false
    }
  }

  private async run(poller: ClaimedPoller): Promise<void> {
    const atMs = Date.now()
    const report = await this.poll(poller, atMs)
    const recorded = await this.options.store.recordPollerRun(report)
    this.options.logger.info(
      {
        pollerId: poller.id,
        outcome: report.outcome,
        events: report.events.length,
        error: report.error ?? undefined,
        recorded,
      },
      'poll',
    )
  }

  private async poll(poller: ClaimedPoller, atMs: number): Promise<PollerRunReport> {
    const base = { pollerId: poller.id, workerId: this.workerId, atMs }
    const failed = (error: string, retryAfterMs?: number | null): PollerRunReport => ({
      ...base,
      outcome: 'error',
      error,
      events: [],
      nextRunAtMs:
        atMs + (retryAfterMs ?? Math.min(poller.intervalMs * 2 ** (poller.failures + 1), MAX_BACKOFF_MS)),
    })
    let response: Awaited<ReturnType<typeof request>>
    try {
      const target = new URL(poller.url)
      if (this.options.guard.requireHttps && target.protocol !== 'https:') return failed('https_required')
      this.options.guard.checkUrlHost(target.hostname)
      response = await request(target, {
        method: 'GET',
        dispatcher: this.agent,
        headers: {
          accept: 'application/json',
          ...poller.headers,
          ...(poller.etag ? { 'if-none-match': poller.etag } : {}),
        },
        signal: AbortSignal.timeout(POLL_TIMEOUT_MS),
      })
    } catch (error) {
      const code = (error as { code?: string }).code ?? (error as Error).name
      return failed(code === 'ssrf_blocked' ? 'ssrf_blocked' : `request failed (${code})`)
    }
    const nextRunAtMs = atMs + poller.intervalMs
    if (response.statusCode === 304) {
      await response.body.dump()
      return { ...base, outcome: 'not_modified', error: null, events: [], nextRunAtMs }
    }
    if (response.statusCode < 200 || response.statusCode >= 300) {
      await response.body.dump()
      const retryAfter = response.headers['retry-after']
      const waitMs =
        response.statusCode === 429 || response.statusCode === 503
          ? parseRetryAfterMs(typeof retryAfter === 'string' ? retryAfter : undefined, atMs)
          : null
      return failed(
        `HTTP ${response.statusCode}`,
        waitMs === null ? null : Math.max(waitMs, poller.intervalMs),
      )
    }
    let body: unknown
    try {
      const text = await readLimited(response.body, MAX_BODY_BYTES)
      body = JSON.parse(text)
    } catch (error) {
      return failed((error as Error).message === 'too large' ? 'response too large' : 'response is not JSON')
    }

    const items = extractItems(poller, body)
    if (items === null) return failed(`nothing at ${poller.itemsFrom} is an array`)
    const { changes, state } = diffPoll(poller.state, items)
    const etagHeader = response.headers.etag
    return {
      ...base,
      outcome: changes.length > 0 ? 'changed' : 'unchanged',
      error: null,
      nextRunAtMs,
      etag: typeof etagHeader === 'string' ? etagHeader : null,
      state,
      events: changes.map((change) => ({
        type: poller.eventType,
        data: { pollerId: poller.id, itemId: change.itemId, change: change.change, item: change.item },
        // Same poller, item and watched value: the same event, however often it is seen.
        idempotencyKey: `poller:${poller.id}:${change.itemId}:${state[change.itemId]}`,
      })),
    }
  }
}

function extractItems(poller: ClaimedPoller, body: unknown): PolledItem[] | null {
  const list = poller.itemsFrom === null ? [body] : resolvePointer(body, poller.itemsFrom)
  if (!Array.isArray(list)) return null
  const items: PolledItem[] = []
  for (const item of list) {
    const id = resolvePointer(item, poller.idFrom)
    if (typeof id !== 'string' && typeof id !== 'number') continue
    const watched = poller.changeFrom === null ? item : resolvePointer(item, poller.changeFrom)
    const fingerprint = createHash('sha256')
      .update(JSON.stringify(watched ?? null))
      .digest('base64url')
      .slice(0, 22)
    items.push({ id: String(id), fingerprint, item })
  }
  return items
}

async function readLimited(body: AsyncIterable<Uint8Array>, limit: number): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    size += chunk.byteLength
    if (size > limit) throw new Error('too large')
    chunks.push(Buffer.from(chunk))
  }
  return Buffer.concat(chunks).toString('utf8')
}
