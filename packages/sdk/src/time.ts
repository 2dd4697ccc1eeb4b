/** Unix seconds of a `number | Date` option, or of now. */
export function toUnixSeconds(value: number | Date | undefined): number {
  if (value === undefined) return Math.floor(Date.now() / 1000)
  if (value instanceof Date) return Math.floor(value.getTime() / 1000)
  if (!Number.isFinite(value)) throw new TypeError('A timestamp must be a finite number of unix seconds')
  return Math.floor(value)
}
