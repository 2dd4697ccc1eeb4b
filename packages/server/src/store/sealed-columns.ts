/**
 * Every column that holds sealed (encrypted) text, by table. `hookline rotate-encryption-key`
 * reseals all of them with the new key; a table that gains a sealed column is listed here, and
 * both backends pick it up. Names are ours, never user input, so they go into SQL as they are.
 */
export const SEALED_COLUMNS: readonly { table: string; columns: readonly string[] }[] = [
  { table: 'endpoints', columns: ['secrets', 'url_sealed'] },
  { table: 'sources', columns: ['verifier'] },
  { table: 'pollers', columns: ['headers', 'url_sealed'] },
]

/** A row's sealed values resealed; NULL (a URL without credentials) stays NULL. */
export function resealRow(
  row: Record<string, string | null>,
  columns: readonly string[],
  reseal: (sealed: string) => string,
): (string | null)[] {
  return columns.map((column) => {
    const value = row[column] ?? null
    return value === null ? null : reseal(value)
  })
}
