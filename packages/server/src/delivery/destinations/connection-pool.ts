interface Entry<C> {
  connection: Promise<C>
  lastUsedMs: number
}

/**
 * One live connection per broker destination, shared by every attempt to it. Opening is
 * single-flight (a burst of attempts to a broker waits for one connect, not one each); a
 * connection that closes or fails is discarded, and the next attempt opens a fresh one, which
 * is how Hookline comes back after a broker restart. An open that fails is not cached: the
 * delivery's retry schedule already paces the next try. Connections nobody used for a while
 * (an endpoint deleted or changed) are closed by `closeIdle`.
 */
export class ConnectionPool<C> {
  private readonly entries = new Map<string, Entry<C>>()

  constructor(private readonly closeConnection: (connection: C) => Promise<void>) {}

  acquire(key: string, open: () => Promise<C>, nowMs = Date.now()): Promise<C> {
    const existing = this.entries.get(key)
    if (existing) {
      existing.lastUsedMs = nowMs
      return existing.connection
    }
    const entry: Entry<C> = { connection: open(), lastUsedMs: nowMs }
    this.entries.set(key, entry)
    entry.connection.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key)
    })
    return entry.connection
  }

  /** Forgets `key` if it still maps to `connection` (a newer one may have replaced it). */
  discard(key: string, connection: C): void {
    const entry = this.entries.get(key)
    if (!entry) return
    entry.connection.then(
      (current) => {
        if (current === connection && this.entries.get(key) === entry) this.entries.delete(key)
      },
      () => {},
    )
  }

  /** Closes connections not acquired for `idleMs`; returns how many. */
  async closeIdle(idleMs: number, nowMs = Date.now()): Promise<number> {
    const idle = [...this.entries].filter(([, entry]) => nowMs - entry.lastUsedMs >= idleMs)
    for (const [key] of idle) this.entries.delete(key)
    await Promise.allSettled(idle.map(async ([, entry]) => this.closeConnection(await entry.connection)))
    return idle.length
  }

  get size(): number {
    return this.entries.size
  }

  async closeAll(): Promise<void> {
    await this.closeIdle(0, Number.POSITIVE_INFINITY)
  }
}
