import { isUrlChange, urlColumns } from './endpoint-url.js'
import type { PollerRow } from './rows.js'
import type { SecretCipher } from './secret-cipher.js'
import type { PollerPatch } from './store.js'

/** The columns a poller PATCH rewrites, in the order of POLLER_PATCH_COLUMNS. */
export const POLLER_PATCH_COLUMNS = [
  'url',
  'url_sealed',
  'interval_ms',
  'headers',
  'header_names',
  'event_type',
  'id_from',
  'change_from',
  'items_from',
  'state',
  'etag',
  'updated_at',
] as const

/**
 * The values of POLLER_PATCH_COLUMNS after applying `patch` to `current`, for both backends.
 * A redacted URL sent back unchanged keeps the stored one (see endpoint-url.ts); a change of
 * what is watched or how it is read starts from a new baseline (no state, no ETag).
 */
export function pollerPatchValues(
  current: PollerRow,
  patch: PollerPatch,
  cipher: SecretCipher,
  nowMs: number,
): unknown[] {
  let stored = { url: current.url, urlSealed: current.url_sealed }
  let reshaped = ['idFrom', 'changeFrom', 'itemsFrom'].some((key) => key in patch)
  if (isUrlChange(patch.url, current.url)) {
    stored = urlColumns(patch.url, cipher)
    reshaped = true
  }
  return [
    stored.url,
    stored.urlSealed,
    patch.intervalSeconds === undefined ? current.interval_ms : patch.intervalSeconds * 1000,
    patch.headers === undefined ? current.headers : cipher.seal(JSON.stringify(patch.headers)),
    patch.headers === undefined ? current.header_names : JSON.stringify(Object.keys(patch.headers)),
    patch.eventType ?? current.event_type,
    patch.idFrom ?? current.id_from,
    patch.changeFrom === undefined ? current.change_from : patch.changeFrom,
    patch.itemsFrom === undefined ? current.items_from : patch.itemsFrom,
    reshaped ? null : current.state,
    reshaped ? null : current.etag,
    nowMs,
  ]
}
