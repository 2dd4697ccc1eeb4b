// The dashboard's only way to the server: the public /v1 management API with a Bearer key.
// The key lives in this tab's sessionStorage and nowhere else.

const KEY_STORAGE = 'hookline.apiKey'

export const session = {
  get key() {
    return sessionStorage.getItem(KEY_STORAGE)
  },
  signIn(key) {
    sessionStorage.setItem(KEY_STORAGE, key)
  },
  signOut() {
    sessionStorage.removeItem(KEY_STORAGE)
  },
}

/** A failed API call, carrying the problem+json `detail`, `code` and field `errors`. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail)
    this.name = 'ApiError'
    this.status = status
    this.code = problem.code ?? null
    this.errors = Array.isArray(problem.errors) ? problem.errors : []
  }
}

let unauthorizedHandler = () => {}

/** Called with a message whenever the server answers 401: the app returns to sign-in. */
export function onUnauthorized(handler) {
  unauthorizedHandler = handler
}

export const isAbort = (error) => error instanceof DOMException && error.name === 'AbortError'

function buildUrl(path, query) {
  const url = new URL(path, location.origin)
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, String(value))
  }
  return url
}

async function request(method, path, { query, body, signal, key = session.key } = {}) {
  if (!key) {
    const error = new ApiError(401, { detail: 'Sign in with an API key first.', code: 'unauthorized' })
    unauthorizedHandler(error.message)
    throw error
  }
  const headers = { authorization: `Bearer ${key}`, accept: 'application/json' }
  if (body !== undefined) headers['content-type'] = 'application/json'
  let response
  try {
    response = await fetch(buildUrl(path, query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      cache: 'no-store',
      credentials: 'omit',
    })
  } catch (error) {
    if (isAbort(error)) throw error
    throw new ApiError(0, { detail: 'The server could not be reached. Is `hookline serve` running?' })
  }
  const text = await response.text()
  let payload = null
  try {
    payload = text === '' ? null : JSON.parse(text)
  } catch {
    payload = null
  }
  if (response.ok) return payload
  const problem = payload !== null && typeof payload === 'object' ? payload : {}
  const error = new ApiError(response.status, {
    detail: typeof problem.detail === 'string' ? problem.detail : `HTTP ${response.status}`,
    code: problem.code,
    errors: problem.errors,
  })
  if (response.status === 401 && key === session.key) unauthorizedHandler(error.message)
  throw error
}

const id = (value) => encodeURIComponent(value)

/**
 * Every page of a list, newest first, until `stop(item)` says the rest is too old or `maxPages`
 * is reached. `truncated` tells the caller that it did not see everything.
 */
export async function collect(path, query, { signal, stop = () => false, maxPages = 4 } = {}) {
  const items = []
  let cursor
  for (let page = 0; page < maxPages; page++) {
    const result = await request('GET', path, { query: { ...query, limit: 250, cursor }, signal })
    for (const item of result.data) {
      if (stop(item)) return { items, truncated: false }
      items.push(item)
    }
    if (result.nextCursor === null) return { items, truncated: false }
    cursor = result.nextCursor
  }
  return { items, truncated: true }
}

export const api = {
  /** Checks a key before keeping it: any cheap authenticated call will do. */
  checkKey: (key) => request('GET', '/v1/event-types', { query: { limit: 1 }, key }),

  listEvents: (query, signal) => request('GET', '/v1/events', { query, signal }),
  getEvent: (eventId, signal) => request('GET', `/v1/events/${id(eventId)}`, { signal }),
  eventDeliveries: (eventId, signal) =>
    request('GET', `/v1/events/${id(eventId)}/deliveries`, { query: { limit: 250 }, signal }),
  publish: (body, signal) => request('POST', '/v1/events', { body, signal }),

  listDeliveries: (query, signal) => request('GET', '/v1/deliveries', { query, signal }),
  getDelivery: (deliveryId, signal) => request('GET', `/v1/deliveries/${id(deliveryId)}`, { signal }),
  retryDelivery: (deliveryId, signal) =>
    request('POST', `/v1/deliveries/${id(deliveryId)}/retry`, { signal }),

  allEndpoints: async (signal) => (await collect('/v1/endpoints', {}, { signal })).items,
  getEndpoint: (endpointId, signal) => request('GET', `/v1/endpoints/${id(endpointId)}`, { signal }),
  updateEndpoint: (endpointId, body, signal) =>
    request('PATCH', `/v1/endpoints/${id(endpointId)}`, { body, signal }),
  rotateSecret: (endpointId, signal) =>
    request('POST', `/v1/endpoints/${id(endpointId)}/rotate-secret`, { body: {}, signal }),
  recoverEndpoint: (endpointId, since, signal) =>
    request('POST', `/v1/endpoints/${id(endpointId)}/recover`, { body: { since }, signal }),

  listSources: (query, signal) => request('GET', '/v1/sources', { query, signal }),
  getSource: (sourceId, signal) => request('GET', `/v1/sources/${id(sourceId)}`, { signal }),
  sourceRejections: (sourceId, signal) =>
    request('GET', `/v1/sources/${id(sourceId)}/rejections`, { signal }),

  allEventTypes: async (signal) => (await collect('/v1/event-types', {}, { signal })).items,
}
