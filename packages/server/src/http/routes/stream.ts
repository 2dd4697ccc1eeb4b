import type { ServerResponse } from 'node:http'
import { type Static, Type as T } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { HooklineError, ValidationError } from '../../core/errors.js'
import { isValidEventTypePattern, matchesEventTypes } from '../../core/event-filter.js'
import type { StreamHub, StreamSubscriber } from '../../delivery/stream-hub.js'
import type { LoggedEvent, Store } from '../../store/store.js'

/** A comment line every 15 s keeps proxies from closing an idle stream and shows it is alive. */
const HEARTBEAT_MS = 15_000
/** A consumer that lets this much pile up unread is disconnected instead of growing our memory. */
export const MAX_BUFFERED_BYTES = 1024 * 1024
const REPLAY_PAGE = 500

const StreamQuery = T.Object(
  {
    types: T.Optional(
      T.String({ maxLength: 2000, description: 'comma-separated types or prefix.* patterns' }),
    ),
  },
  { additionalProperties: false },
)

function parseTypes(text: string | undefined): string[] | null {
  if (text === undefined || text.trim() === '') return null
  const patterns = text.split(',').map((part) => part.trim())
  const bad = patterns.findIndex((pattern) => !isValidEventTypePattern(pattern))
  if (bad >= 0) {
    throw new ValidationError(
      'invalid types',
      [{ path: 'types', message: `"${patterns[bad]}" is not a type or prefix.*` }],
      400,
    )
  }
  return patterns
}

class ForbiddenStreamError extends HooklineError {
  constructor() {
    super('forbidden', 403, "this stream token's endpoint no longer exists or is disabled")
  }
}

/** `id:`/`event:`/`data:` with the webhook body, so a stream consumer parses what a receiver does. */
function frame(entry: LoggedEvent): string {
  return `id: ${entry.event.id}\nevent: ${entry.event.type}\ndata: ${entry.body}\n\n`
}

/**
 * One SSE connection: replays what the client missed (from `Last-Event-ID`), then follows the
 * hub. Live events that arrive during the replay wait in `held` and are sent afterwards, each
 * exactly once, in order.
 */
class SseConnection implements StreamSubscriber {
  private held: LoggedEvent[] | null = []
  closed = false

  constructor(
    public position: number,
    private readonly patterns: string[] | null,
    /** A stream token's endpoint filter: an event must match it as well. */
    private readonly allowed: string[] | null,
    private readonly response: ServerResponse,
    private readonly onSlow: () => void,
  ) {}

  deliver(entry: LoggedEvent): void {
    if (this.held !== null) {
      this.held.push(entry)
      return
    }
    this.send(entry)
  }

  send(entry: LoggedEvent): void {
    if (this.closed || entry.position <= this.position) return
    this.position = entry.position
    if (!matchesEventTypes(this.patterns, entry.event.type)) return
    if (!matchesEventTypes(this.allowed, entry.event.type)) return
    this.write(frame(entry))
  }

  end(): void {
    if (this.closed) return
    this.closed = true
    this.response.end()
  }

  /** The replay is done: send what arrived meanwhile and go live. */
  goLive(): void {
    const held = this.held ?? []
    this.held = null
    for (const entry of held) this.send(entry)
  }

  write(text: string): void {
    if (this.closed) return
    this.response.write(text)
    if (this.response.writableLength > MAX_BUFFERED_BYTES) this.onSlow()
  }
}

export function streamRoutes(app: FastifyInstance, store: Store, hub: StreamHub): void {
  app.get<{ Querystring: Static<typeof StreamQuery> }>(
    '/v1/stream',
    {
      schema: {
        tags: ['events'],
        summary: 'Server-Sent Events of accepted events, resumable with Last-Event-ID',
        description:
          'Frames are `id:` (the event id), `event:` (its type) and `data:` (the webhook body). Send `Last-Event-ID` ' +
          'to receive what was missed first. A comment line arrives every 15 s. Needs a read or admin key.',
        querystring: StreamQuery,
      },
    },
    async (request, reply) => {
      const patterns = parseTypes(request.query.types)
      // A stream token sees only what its endpoint subscribes to, whatever it asks for.
      let allowed: string[] | null = null
      const boundTo = request.principal?.endpointId ?? null
      if (boundTo !== null) {
        const endpoint = await store.getEndpoint(boundTo)
        if (!endpoint || endpoint.disabled) throw new ForbiddenStreamError()
        allowed = endpoint.eventTypes
      }
      const lastEventId = request.headers['last-event-id']
      const resumeFrom =
        typeof lastEventId === 'string' && lastEventId !== '' ? await store.eventPosition(lastEventId) : null
      const start = resumeFrom ?? (await store.latestEventPosition())

      reply.hijack()
      const response = reply.raw
      response.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-request-id': request.id,
      })
      response.flushHeaders()

      let connection: SseConnection | null = null
      let remove: (() => void) | null = null
      const heartbeat = setInterval(() => connection?.write(': heartbeat\n\n'), HEARTBEAT_MS)
      const close = () => {
        if (connection) connection.closed = true
        clearInterval(heartbeat)
        remove?.()
      }
      request.raw.on('close', close)
      response.on('close', close)

      const onSlow = () => {
        if (!connection || connection.closed) return
        request.log.warn({ keyId: request.principal?.keyId }, 'event stream consumer too slow: disconnecting')
        // Said before closing, so a client that catches up on its buffer learns why.
        response.write('event: hookline.disconnect\ndata: {"reason":"slow_consumer"}\n\n')
        close()
        response.destroy()
      }

      connection = new SseConnection(start, patterns, allowed, response, onSlow)
      connection.write(
        `retry: 2000\n: connected${resumeFrom === null && lastEventId ? ' (unknown Last-Event-ID: live only)' : ''}\n\n`,
      )
      remove = await hub.add(connection)
      try {
        for (;;) {
          if (connection.closed) return
          const page = await store.eventsAfter(connection.position, REPLAY_PAGE)
          for (const entry of page) connection.send(entry)
          if (page.length < REPLAY_PAGE) break
        }
        connection.goLive()
      } catch (error) {
        request.log.error({ err: error }, 'event stream replay failed')
        close()
        response.destroy()
      }
    },
  )
}
