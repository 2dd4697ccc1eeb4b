import { ValidationError } from '../core/errors.js'

/**
 * List cursors are opaque to clients: base64url of the last row's sequence number. Lists run
 * newest first, so the next page holds rows with a smaller sequence number.
 */
export function encodeCursor(seq: number): string {
  return Buffer.from(`s${seq}`, 'utf8').toString('base64url')
}

export function decodeCursor(cursor: string | undefined): number | null {
  if (cursor === undefined || cursor === '') return null
  const text = Buffer.from(cursor, 'base64url').toString('utf8')
  if (!/^s\d{1,15}$/.test(text)) {
    throw new ValidationError(
      'invalid cursor',
      [{ path: 'cursor', message: 'not a cursor returned by this API' }],
      400,
    )
  }
  return Number(text.slice(1))
}

/** Rows fetched with `limit + 1` become a page: the extra row only says another page exists. */
export function toPage<Row extends { seq: number }, T>(rows: Row[], limit: number, map: (row: Row) => T) {
  const hasMore = rows.length > limit
  const pageRows = hasMore ? rows.slice(0, limit) : rows
  const last = pageRows[pageRows.length - 1]
  return {
    data: pageRows.map(map),
    nextCursor: hasMore && last ? encodeCursor(last.seq) : null,
  }
}
