/**
 * The few responses a receiver gives, framework-neutral. Error bodies are RFC 9457 problem
 * details naming the failure's `code`, never its secrets.
 */

/** What an adapter sends back. */
export interface ReceiverResponse {
  status: number
  headers: Record<string, string>
  body: string
}

export function jsonResponse(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): ReceiverResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }
}

export function problemResponse(
  status: number,
  code: string,
  title: string,
  headers: Record<string, string> = {},
): ReceiverResponse {
  return {
    status,
    headers: { 'content-type': 'application/problem+json', ...headers },
    body: JSON.stringify({ type: 'about:blank', title, status, code }),
  }
}
