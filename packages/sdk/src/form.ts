/** Form bodies, for Twilio signatures and for handing form webhooks to handlers. */

/** Form parameters of an `application/x-www-form-urlencoded` body. */
export function parseFormParams(body: string): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = {}
  for (const [name, value] of new URLSearchParams(body)) {
    const existing = params[name]
    if (existing === undefined) params[name] = value
    else if (typeof existing === 'string') params[name] = [existing, value]
    else existing.push(value)
  }
  return params
}
