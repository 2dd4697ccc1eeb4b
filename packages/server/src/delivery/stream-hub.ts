import type { Logger } from 'pino'
import type { LoggedEvent, Store } from '../store/store.js'

/** One connected stream, as the hub sees it. */
export interface StreamSubscriber {
  /** The last position this subscriber has been sent (or skipped as not matching). */
  position: number
  /** Receives events after `position`, in order. */
  deliver(entry: LoggedEvent): void
  /** The server is shutting down: end the stream (the client reconnects elsewhere and resumes). */
  end(): void
}

/** Events read per store query; a burst larger than this is read in several rounds. */
const PAGE = 500

/**
 * Without a commit in this process to wake it, look for new events this often: they may come
 * from another process on the same PostgreSQL database.
 */
const POLL_MS = 1_000

/**
 * Fans accepted events out to every connected event stream of this process. One reader follows
 * the event log (woken by commits, or by the poll) and hands each new event to every
 * subscriber, so a thousand open streams cost one query per commit, not a thousand.
 */
export class StreamHub {
  private position = 0
  private readonly subscribers = new Set<StreamSubscriber>()
  private reading: Promise<void> | null = null
  private again = false
  private timer: NodeJS.Timeout | null = null
  private unsubscribe: (() => void) | null = null

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.unsubscribe = this.store.onDeliveriesQueued(() => this.wake())
    this.timer = setInterval(() => this.wake(), POLL_MS)
    this.timer.unref()
  }

  stop(): void {
    this.unsubscribe?.()
    if (this.timer) clearInterval(this.timer)
    for (const subscriber of this.subscribers) subscriber.end()
    this.subscribers.clear()
  }

  /**
   * Registers a subscriber. While nobody listens the hub reads nothing, so the first one
   * brings the hub's position up to date; every subscriber then replays from its own position
   * to the hub's from the store (see routes/stream.ts) and takes live events after that.
   */
  async add(subscriber: StreamSubscriber): Promise<() => void> {
    if (this.subscribers.size === 0 && this.reading === null) {
      this.position = await this.store.latestEventPosition()
    }
    this.subscribers.add(subscriber)
    return () => this.subscribers.delete(subscriber)
  }

  /** Reads the log now (coalescing concurrent wake-ups into one read at a time). */
  wake(): void {
    if (this.subscribers.size === 0) return
    if (this.reading) {
      this.again = true
      return
    }
    this.reading = this.read()
      .catch((error: unknown) => this.logger.warn({ err: error }, 'reading the event log for streams failed'))
      .finally(() => {
        this.reading = null
        if (this.again) {
          this.again = false
          if (this.subscribers.size > 0) this.wake()
        }
      })
  }

  private async read(): Promise<void> {
    for (;;) {
      const entries = await this.store.eventsAfter(this.position, PAGE)
      for (const entry of entries) {
        this.position = entry.position
        for (const subscriber of this.subscribers) {
          if (entry.position > subscriber.position) subscriber.deliver(entry)
        }
      }
      if (entries.length < PAGE) return
    }
  }
}
