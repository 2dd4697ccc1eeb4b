/**
 * Planner settings for the dispatcher's claims and attempt records, whose good plan is always
 * the same (the due index in order up to the limit; lookups by primary key) but which
 * PostgreSQL gets wrong without statistics. In a new, restored or copied database, or a table
 * that grew since autovacuum last analyzed it, it guesses a handful of rows: a claim then
 * fetches and sorts every due delivery (160 ms for one claim with 57,000 due), and a batch of
 * records scans `deliveries` and `events` whole. With sequential and bitmap scans and hash and
 * merge joins off, what is left is the plan wanted. `SET LOCAL` keeps the settings inside the
 * transaction; DEFAULT_PLANS gives them back within it.
 */
const OFF = ['enable_seqscan', 'enable_bitmapscan', 'enable_hashjoin', 'enable_mergejoin']
export const INDEX_PLANS = OFF.map((setting) => `SET LOCAL ${setting} = off;`).join(' ')
export const DEFAULT_PLANS = OFF.map((setting) => `SET LOCAL ${setting} TO DEFAULT;`).join(' ')
