import type { Queryable } from './pg-database.js'

/** An enabled endpoint as fan-out sees it: who gets which event types. */
export interface FanOutTarget {
  id: string
  eventTypes: string[] | null
}

/** The enabled endpoints and a fingerprint of them, read in one snapshot. */
export interface FanOutTargets {
  fingerprint: string
  targets: FanOutTarget[]
}

/**
 * A digest of everything fan-out depends on (which endpoints are enabled and their filters),
 * as an SQL expression over `endpoints`. A statement that carries the fingerprint its caller
 * planned with can check, in its own snapshot, that the plan still holds. Ids and filters
 * contain neither '=' nor ',' outside the JSON, and the order is fixed, so equal text means
 * equal targets.
 */
export const FINGERPRINT_SQL = `md5(coalesce(string_agg(id || '=' || coalesce(event_types, '*'), ',' ORDER BY seq), ''))`

const LOAD_SQL = `
SELECT ${FINGERPRINT_SQL} AS fingerprint,
       coalesce(json_agg(json_build_array(id, event_types) ORDER BY seq), '[]') AS targets
FROM endpoints WHERE NOT disabled`

/** How many parsed filters to keep before starting over (they are small, endpoints are few). */
const FILTER_CACHE_LIMIT = 10_000

/**
 * The fan-out targets this process last read. Other processes change endpoints without telling
 * it, so the cached value is only a plan: a publish statement carries its fingerprint and
 * inserts nothing if the endpoints changed since, and the publisher reads them again.
 */
export class FanOutCache {
  private current: FanOutTargets | null = null
  /** Parsed event type filters by their JSON text. */
  private readonly filters = new Map<string, string[]>()

  /** The targets last read, if any. */
  get cached(): FanOutTargets | null {
    return this.current
  }

  /** Reads the targets in the snapshot of `db` (inside a transaction: that transaction's). */
  async load(db: Queryable): Promise<FanOutTargets> {
    const [row] = await db.query<{ fingerprint: string; targets: [string, string | null][] }>(
      LOAD_SQL,
      [],
      'fan_out_targets',
    )
    const loaded: FanOutTargets = {
      fingerprint: row?.fingerprint ?? '',
      targets: (row?.targets ?? []).map(([id, text]) => ({ id, eventTypes: this.parseFilter(text) })),
    }
    this.current = loaded
    return loaded
  }

  /** Forgets the cached targets (this process changed an endpoint). */
  forget(): void {
    this.current = null
  }

  private parseFilter(text: string | null): string[] | null {
    if (text === null) return null
    let parsed = this.filters.get(text)
    if (parsed === undefined) {
      parsed = JSON.parse(text) as string[]
      if (this.filters.size > FILTER_CACHE_LIMIT) this.filters.clear()
      this.filters.set(text, parsed)
    }
    return parsed
  }
}
