/**
 * One live connection per broker destination, shared by every attempt to it. Opening is
 * single-flight (a burst of attempts to a broker waits for one connect, not one each); a
 * connection that closes or fails is discarded, and the next attempt opens a fresh one, which
 * is how Hookline comes back after a broker restart. An open that fails is not cached: the
 * delivery's retry schedule already paces the next try.
 */
export class ConnectionPool<C> {
  private readonly entries = new Map<string, Promise<C>>()

  constructor(private readonly closeConnection: (connection: C) => Promise<void>) {}

  acquire(key: string, open: () => Promise<C>): Promise<C> {
    const existing = this.entries.get(key)
    if (existing) return existing
    const opening = open()
    this.entries.set(key, opening)
    opening.catch(() => {
      if (this.entries.get(key) === opening) this.entries.delete(key)
    })
    return opening
  }

  /** Forgets `key` if it still maps to `connection` (a newer one may have replaced it). */
  discard(key: string, connection: C): void {
    const entry = this.entries.get(key)
    if (!entry) return
    entry.then(
      (current) => {
        if (current === connection && this.entries.get(key) === entry) this.entries.delete(key)
      },
      () => {},
    )
  }

  get size(): number {
    return this.entries.size
  }

  async closeAll(): Promise<void> {
    const entries = [...this.entries.values()]
    this.entries.clear()
    await Promise.allSettled(
      entries.map(async (entry) => {
        const connection = await entry
        await this.closeConnection(connection)
      }),
    )
  }
}
