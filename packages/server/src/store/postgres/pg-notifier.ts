import pg from 'pg'
import { clientConfig, type PgConnectionOptions } from './pg-database.js'

/** What processes sharing a database tell each other, with NOTIFY on commit. */
export const CHANNELS = {
  /** Deliveries became due: dispatchers claim now instead of at their next poll. */
  deliveries: 'hookline_deliveries',
  /** Event types changed: forget cached ones. */
  catalog: 'hookline_catalog',
} as const

/** After losing the LISTEN connection, try again this soon, then back off up to the cap. */
const RECONNECT_MS = 250
const RECONNECT_CAP_MS = 5_000

export interface NotifierOptions {
  connection: PgConnectionOptions
  channels: readonly string[]
  /** The payload of this process's own notifications. */
  instanceId: string
  /**
   * A notification; `fromSelf` when this process sent it. After a reconnect it is called once
   * per channel with `fromSelf` false, since notifications sent meanwhile are lost.
   */
  onNotify: (channel: string, fromSelf: boolean) => void
}

/**
 * LISTEN on a connection of its own, so that a commit in another process wakes this process's
 * dispatcher within milliseconds. It is only a shortcut: the dispatcher polls every second
 * anyway, so while the connection is lost nothing is missed for longer than that.
 */
export class PgNotifier {
  private client: pg.Client | null = null
  private closed = false
  private retryMs = RECONNECT_MS
  private retryTimer: NodeJS.Timeout | null = null

  constructor(private readonly options: NotifierOptions) {}

  /** Resolves once listening, or once the first try failed (it keeps trying in the background). */
  async start(): Promise<void> {
    await this.connect()
  }

  private async connect(): Promise<void> {
    if (this.closed) return
    const client = new pg.Client({
      ...clientConfig({ ...this.options.connection, applicationName: 'hookline-listen' }),
    })
    const lost = () => {
      if (this.client !== client) return
      this.client = null
      client.end().catch(() => {})
      this.scheduleReconnect()
    }
    client.on('error', lost)
    client.on('end', lost)
    client.on('notification', (message) => {
      this.options.onNotify(message.channel, message.payload === this.options.instanceId)
    })
    try {
      await client.connect()
      for (const channel of this.options.channels) await client.query(`LISTEN ${channel}`)
    } catch {
      client.removeAllListeners('end')
      client.on('error', () => {})
      client.end().catch(() => {})
      this.scheduleReconnect()
      return
    }
    if (this.closed) {
      await client.end().catch(() => {})
      return
    }
    const reconnected = this.retryMs !== RECONNECT_MS
    this.client = client
    this.retryMs = RECONNECT_MS
    if (reconnected) for (const channel of this.options.channels) this.options.onNotify(channel, false)
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retryTimer !== null) return
    const delay = this.retryMs
    this.retryMs = Math.min(this.retryMs * 2, RECONNECT_CAP_MS)
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      void this.connect()
    }, delay)
    this.retryTimer.unref()
  }

  async close(): Promise<void> {
    this.closed = true
    if (this.retryTimer !== null) clearTimeout(this.retryTimer)
    const client = this.client
    this.client = null
    await client?.end().catch(() => {})
  }
}
