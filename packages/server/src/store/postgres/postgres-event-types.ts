import { ConflictError } from '../../core/errors.js'
import { newId } from '../../core/ids.js'
import type { EventType, Page } from '../../core/types.js'
import { decodeCursor, toPage } from '../cursor.js'
import type { NewEventType, PageRequest } from '../store.js'
import type { PgDatabase } from './pg-database.js'
import { CHANNELS } from './pg-notifier.js'
import type { PgWriteBatcher } from './pg-write-batcher.js'
import { type EventTypeRow, toEventType } from './postgres-rows.js'

/**
 * Event types are read on every publish (schema validation); caching them saves a round trip
 * per request. A change anywhere clears every process's cache through the catalog channel
 * within milliseconds; the lifetime only bounds staleness while that channel is down.
 */
const CACHE_MS = 5_000

/** Event types in PostgreSQL, with the read cache publish relies on. */
export class PostgresEventTypes {
  private readonly cache = new Map<string, { value: EventType | null; untilMs: number }>()
  /** Bumped by every change, so that a read that overlapped one does not cache what it saw. */
  private generation = 0

  constructor(
    private readonly db: PgDatabase,
    private readonly batcher: PgWriteBatcher,
  ) {}

  async create(input: NewEventType): Promise<EventType> {
    const created = await this.batcher.write(async (tx) => {
      if ((await tx.query('SELECT 1 FROM event_types WHERE name = $1', [input.name])).length > 0) {
        throw new ConflictError(`event type ${JSON.stringify(input.name)} already exists`)
      }
      const now = Date.now()
      const [row] = await tx.query<EventTypeRow>(
        `INSERT INTO event_types (id, name, description, schema, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING *`,
        [
          newId('et', now),
          input.name,
          input.description ?? null,
          input.schema === undefined ? null : JSON.stringify(input.schema),
          now,
        ],
      )
      tx.notify(CHANNELS.catalog)
      return toEventType(row as EventTypeRow)
    })
    // Committed: from now on every read must see it (other processes hear it on the channel).
    this.forget()
    return created
  }

  async get(name: string): Promise<EventType | null> {
    const cached = this.cache.get(name)
    if (cached !== undefined && cached.untilMs > Date.now()) return cached.value
    const generation = this.generation
    const [row] = await this.db.query<EventTypeRow>(
      'SELECT * FROM event_types WHERE name = $1 OR id = $1',
      [name],
      'event_type_by_name',
    )
    const value = row ? toEventType(row) : null
    // A change committed while this read ran may not be in it: then do not keep the answer.
    if (generation === this.generation) {
      if (this.cache.size > 10_000) this.cache.clear()
      this.cache.set(name, { value, untilMs: Date.now() + CACHE_MS })
    }
    return value
  }

  /** Another process (or this one) changed event types: nothing cached is reliable any more. */
  forget(): void {
    this.generation += 1
    this.cache.clear()
  }

  async list(page: PageRequest): Promise<Page<EventType>> {
    const rows = await this.db.query<EventTypeRow>(
      'SELECT * FROM event_types WHERE seq < $1 ORDER BY seq DESC LIMIT $2',
      [decodeCursor(page.cursor) ?? Number.MAX_SAFE_INTEGER, page.limit + 1],
    )
    return toPage(rows, page.limit, toEventType)
  }
}
