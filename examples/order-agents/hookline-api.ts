/**
 * A few lines of `fetch` around Hookline's management API, so the agents read as what they do.
 * (`@hookline/sdk` will carry a full API client; this example needs a handful of calls.)
 */

export class HooklineApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: { title?: string; detail?: string },
    what: string,
  ) {
    super(`${what}: HTTP ${status} ${problem.title ?? ''}${problem.detail ? ` (${problem.detail})` : ''}`)
    this.name = 'HooklineApiError'
  }
}

export class HooklineApi {
  constructor(
    readonly baseUrl: string,
    private readonly apiKey: string,
  ) {}

  /** Sends a JSON request and returns the parsed answer; any non-2xx becomes a `HooklineApiError`. */
  async request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    return (await this.send<T>(method, path, body, headers)).body
  }

  /** Like `request`, with the response headers too. */
  async send<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.apiKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await response.text()
    const parsed: unknown = text === '' ? null : JSON.parse(text)
    if (!response.ok) {
      // Errors are problem+json (RFC 9457): `title` and `detail` say what to fix.
      const problem = (parsed ?? {}) as { title?: string; detail?: string }
      throw new HooklineApiError(response.status, problem, `${method} ${path}`)
    }
    return { body: parsed as T, headers: response.headers }
  }
}
