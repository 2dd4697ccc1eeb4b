import type { EndpointSecret } from '../core/types.js'
import { deliveryUrl } from './endpoint-url.js'
import { SealedJsonCache } from './sealed-json-cache.js'
import type { SecretCipher } from './secret-cipher.js'
import type { ClaimedDelivery } from './store.js'

/** A claimed delivery as both backends' claim queries return it (BIGINTs parsed to numbers). */
export interface ClaimRow {
  id: string
  event_id: string
  endpoint_id: string
  attempt_count: number
  /** 0/1 in SQLite, a boolean in PostgreSQL. */
  final_attempt: number | boolean
  type: string
  body: string
  url: string
  url_sealed: string | null
  headers: string
  secrets: string
  failing_since: number | null
}

/**
 * Opens what a claim hands the dispatcher: the endpoint's secrets (sealed, cached by their
 * sealed text, since every attempt needs them) and its URL when it carries credentials.
 */
export class EndpointSecretsOpener {
  private readonly secrets: SealedJsonCache<EndpointSecret[]>

  constructor(private readonly cipher: SecretCipher) {
    this.secrets = new SealedJsonCache(cipher, 10_000)
  }

  /** The secrets that sign at `nowMs`: the current one and rotated ones not yet expired. */
  liveSecrets(sealed: string, nowMs: number): EndpointSecret[] {
    return this.secrets
      .open(sealed)
      .filter((entry) => entry.expiresAtMs === undefined || entry.expiresAtMs > nowMs)
  }

  toClaimedDelivery(row: ClaimRow, nowMs: number): ClaimedDelivery {
    return {
      deliveryId: row.id,
      eventId: row.event_id,
      eventType: row.type,
      endpointId: row.endpoint_id,
      url: deliveryUrl(row.url, row.url_sealed, this.cipher),
      headers: JSON.parse(row.headers) as Record<string, string>,
      secrets: this.liveSecrets(row.secrets, nowMs).map((entry) => entry.secret),
      body: row.body,
      attemptCount: row.attempt_count,
      finalAttempt: row.final_attempt === true || row.final_attempt === 1,
      endpointFailingSinceMs: row.failing_since,
    }
  }
}
