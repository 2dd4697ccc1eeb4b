import type { FastifyInstance } from 'fastify'
import type { EventType } from '../../core/types.js'
import type { RouteContext } from '../context.js'

/** OpenAPI 3.1 of the management API, with the event catalog as top-level `webhooks`. */
export function openapiRoutes(app: FastifyInstance, { store }: RouteContext): void {
  app.get('/openapi.json', { schema: { hide: true } }, async () => {
    const document = structuredClone(app.swagger()) as Record<string, unknown>
    document.webhooks = await eventCatalog(store)
    return document
  })
}

async function eventCatalog(store: RouteContext['store']): Promise<Record<string, unknown>> {
  const webhooks: Record<string, unknown> = {}
  let cursor: string | undefined
  do {
    const page = await store.listEventTypes({ limit: 250, cursor })
    for (const eventType of page.data) webhooks[eventType.name] = webhookOperation(eventType)
    cursor = page.nextCursor ?? undefined
  } while (cursor !== undefined)
  return webhooks
}

function webhookOperation(eventType: EventType) {
  return {
    post: {
      summary: eventType.name,
      ...(eventType.description === null ? {} : { description: eventType.description }),
      parameters: ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((name) => ({
        name,
        in: 'header',
        required: true,
        schema: { type: 'string' },
      })),
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['id', 'type', 'timestamp', 'data'],
              properties: {
                id: { type: 'string' },
                type: { const: eventType.name },
                timestamp: { type: 'string', format: 'date-time' },
                data: eventType.schema ?? {},
              },
            },
          },
        },
      },
      responses: { '2XX': { description: 'Any 2xx acknowledges the delivery; anything else is retried.' } },
    },
  }
}
