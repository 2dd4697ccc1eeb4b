import { HooklineApiError, HooklineNetworkError } from '@hookline/sdk'

/**
 * Turns what went wrong into one sentence and the next step to try. Exit codes: 1 when the
 * command ran and failed, 2 when it was called wrongly (as `serve` does for bad configuration).
 */

/** The command line itself is wrong: unknown option, missing argument, unparseable value. */
export class UsageError extends Error {
  /** The command whose `--help` explains the right usage, e.g. `endpoints create`. */
  readonly command: string | undefined

  constructor(message: string, command?: string) {
    super(message)
    this.name = 'UsageError'
    this.command = command
  }
}

/** The command ran and has a failure to report (already explained, with an optional hint). */
export class CommandFailure extends Error {
  readonly hint: string | undefined

  constructor(message: string, hint?: string) {
    super(message)
    this.name = 'CommandFailure'
    this.hint = hint
  }
}

export interface ExplainedError {
  message: string
  hint?: string
  exitCode: 1 | 2
}

/** The first `code` (ECONNREFUSED, ENOTFOUND, …) down the `cause` chain of a fetch failure. */
function systemCode(error: unknown, depth = 0): string | undefined {
  if (!error || typeof error !== 'object' || depth > 5) return undefined
  const record = error as { code?: unknown; cause?: unknown; errors?: unknown }
  if (typeof record.code === 'string' && /^E[A-Z]+$/.test(record.code)) return record.code
  // A host with IPv4 and IPv6 addresses fails with an AggregateError of both attempts.
  if (Array.isArray(record.errors)) {
    for (const inner of record.errors) {
      const code = systemCode(inner, depth + 1)
      if (code) return code
    }
  }
  return systemCode(record.cause, depth + 1)
}

function explainNetwork(error: HooklineNetworkError, url: string): ExplainedError {
  const start = 'start it with `npm start` (or `hookline serve`), or point --url / HOOKLINE_URL at it'
  if (error.code === 'timeout') {
    return {
      message: `${url} did not answer in time`,
      hint: 'Is the server overloaded or the URL pointing at something else? Check `curl URL/healthz`.',
      exitCode: 1,
    }
  }
  const code = systemCode(error)
  if (code === 'ECONNREFUSED') {
    return {
      message: `cannot connect to ${url}: connection refused`,
      hint: `Is \`hookline serve\` running at ${url}? If not, ${start}.`,
      exitCode: 1,
    }
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return {
      message: `cannot resolve the host of ${url}`,
      hint: 'Check the host name in --url / HOOKLINE_URL.',
      exitCode: 1,
    }
  }
  return {
    message: `cannot reach ${url}${code ? ` (${code})` : ''}`,
    hint: `Is \`hookline serve\` running at ${url}? If not, ${start}.`,
    exitCode: 1,
  }
}

function explainApi(error: HooklineApiError, url: string): ExplainedError {
  const detail = error.detail ?? error.title
  switch (error.status) {
    case 401:
      return {
        message: `the server at ${url} refused the API key (401 unauthorized)`,
        hint:
          'Check --api-key / HOOKLINE_API_KEY: use the admin key that `hookline serve` printed on its first ' +
          'start, or the HOOKLINE_API_KEY the server runs with.',
        exitCode: 1,
      }
    case 404:
      return {
        message: `not found: ${detail}`,
        hint: 'Check the id; the list commands (e.g. `hookline endpoints list`) show what exists.',
        exitCode: 1,
      }
    case 400:
    case 422: {
      const fields = error.errors.map((field) => `\n  ${field.path || '(body)'}: ${field.message}`).join('')
      return { message: `the server rejected the request: ${detail}${fields}`, exitCode: 1 }
    }
    case 409:
      return { message: `conflict: ${detail}`, exitCode: 1 }
    case 503:
      return {
        message: `the server is unavailable: ${detail}`,
        hint: 'Its store is unreachable; check `curl URL/readyz` and the server log.',
        exitCode: 1,
      }
    default:
      return {
        message: `${error.status} ${error.title}${error.detail ? `: ${error.detail}` : ''}`,
        exitCode: 1,
      }
  }
}

/** One sentence, a hint and an exit code for anything a client command can throw. */
export function explainError(error: unknown, url: string): ExplainedError {
  if (error instanceof UsageError) {
    const help = error.command ? `hookline ${error.command} --help` : 'hookline --help'
    return { message: error.message, hint: `Run \`${help}\` for usage.`, exitCode: 2 }
  }
  if (error instanceof CommandFailure) {
    return error.hint === undefined
      ? { message: error.message, exitCode: 1 }
      : { message: error.message, hint: error.hint, exitCode: 1 }
  }
  if (error instanceof HooklineNetworkError) return explainNetwork(error, url)
  if (error instanceof HooklineApiError) return explainApi(error, url)
  return { message: error instanceof Error ? error.message : String(error), exitCode: 1 }
}
