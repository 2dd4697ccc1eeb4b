/**
 * Turns a verified raw body into event data. JSON stays JSON; form-encoded bodies (Slack slash
 * commands, Twilio) become an object of their fields; CloudEvents in structured mode are
 * unwrapped to their `data`, in binary mode the body is the data and the attributes are headers.
 */

export interface CloudEventAttributes {
  id: string
  type: string
  source: string
}

export interface ParsedBody {
  /** The whole parsed body: JSON pointers in source rules refer to it. */
  document: unknown
  /** What becomes the event's `data`. */
  data: unknown
  cloudEvent: CloudEventAttributes | null
}

export class UnparseableBodyError extends Error {
  constructor(reason: string) {
    super(reason)
    this.name = 'UnparseableBodyError'
  }
}

export function parseInboundBody(
  raw: Buffer,
  headers: Record<string, string | string[] | undefined>,
): ParsedBody {
  const contentType = String(headers['content-type'] ?? '').toLowerCase()
  const text = raw.toString('utf8')

  if (contentType.startsWith('application/x-www-form-urlencoded')) {
    const fields: Record<string, string | string[]> = {}
    for (const [key, value] of new URLSearchParams(text)) {
      const existing = fields[key]
      if (existing === undefined) fields[key] = value
      else fields[key] = Array.isArray(existing) ? [...existing, value] : [existing, value]
    }
    // Slack interactivity posts its JSON inside a `payload` field.
    if (typeof fields.payload === 'string') {
      const inner = tryJson(fields.payload)
      if (inner !== undefined) return { document: inner, data: inner, cloudEvent: null }
    }
    return { document: fields, data: fields, cloudEvent: null }
  }

  const binaryEvent = binaryCloudEvent(headers)
  if (text.trim() === '') {
    if (binaryEvent) return { document: null, data: null, cloudEvent: binaryEvent }
    throw new UnparseableBodyError('the body is empty')
  }
  const document = tryJson(text)
  if (document === undefined) {
    throw new UnparseableBodyError('the body is not valid JSON or form data')
  }
  if (binaryEvent) return { document, data: document, cloudEvent: binaryEvent }
  if (contentType.startsWith('application/cloudevents+json')) {
    const structured = structuredCloudEvent(document)
    if (!structured)
      throw new UnparseableBodyError('a structured CloudEvent needs specversion, id, type and source')
    return { document, data: (document as { data?: unknown }).data ?? null, cloudEvent: structured }
  }
  return { document, data: document, cloudEvent: null }
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

function binaryCloudEvent(
  headers: Record<string, string | string[] | undefined>,
): CloudEventAttributes | null {
  const read = (name: string) => {
    const value = headers[name]
    return typeof value === 'string' && value !== '' ? value : null
  }
  if (read('ce-specversion') === null) return null
  const id = read('ce-id')
  const type = read('ce-type')
  const source = read('ce-source')
  if (id === null || type === null || source === null) {
    throw new UnparseableBodyError('a binary CloudEvent needs ce-id, ce-type and ce-source headers')
  }
  return { id, type, source }
}

function structuredCloudEvent(document: unknown): CloudEventAttributes | null {
  if (document === null || typeof document !== 'object') return null
  const { specversion, id, type, source } = document as Record<string, unknown>
  if (typeof specversion !== 'string' || typeof id !== 'string' || typeof type !== 'string') return null
  if (typeof source !== 'string') return null
  return { id, type, source }
}
