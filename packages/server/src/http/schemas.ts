import { type Static, Type as T } from '@sinclair/typebox'
import { DELIVERY_STATUSES } from '../core/types.js'

/**
 * JSON Schemas of the management API. They validate requests (unknown fields are rejected,
 * never silently dropped), shape responses, and become the OpenAPI document.
 */

const Nullable = <S extends ReturnType<typeof T.String>>(schema: S) => T.Union([schema, T.Null()])

export const EVENT_TYPE_NAME = '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$'
const EVENT_TYPE_PATTERN = '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*(\\.\\*)?$'

export const Problem = T.Object(
  {
    type: T.String(),
    title: T.String(),
    status: T.Integer(),
    detail: T.String(),
    code: T.String(),
    errors: T.Optional(T.Array(T.Object({ path: T.String(), message: T.String() }))),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details' },
)

export const PageQuery = T.Object(
  {
    limit: T.Optional(T.Integer({ minimum: 1, maximum: 250, default: 50 })),
    cursor: T.Optional(T.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
)

const page = <S extends ReturnType<typeof T.Object>>(item: S) =>
  T.Object({ data: T.Array(item), nextCursor: T.Union([T.String(), T.Null()]) })

// --- event types -------------------------------------------------------------------------

export const EventType = T.Object({
  id: T.String(),
  name: T.String(),
  description: Nullable(T.String()),
  schema: T.Union([T.Object({}, { additionalProperties: true }), T.Null()]),
  createdAt: T.String({ format: 'date-time' }),
  updatedAt: T.String({ format: 'date-time' }),
})
export const EventTypePage = page(EventType)

export const CreateEventType = T.Object(
  {
    name: T.String({ pattern: EVENT_TYPE_NAME, maxLength: 128 }),
    description: T.Optional(T.String({ maxLength: 1000 })),
    schema: T.Optional(T.Object({}, { additionalProperties: true, description: 'JSON Schema for `data`' })),
  },
  { additionalProperties: false },
)
export type CreateEventType = Static<typeof CreateEventType>

// --- endpoints ---------------------------------------------------------------------------

const EndpointFields = {
  url: T.String({
    minLength: 1,
    maxLength: 2048,
    description:
      'Where events go: an http(s) URL, or a broker destination (amqp(s)://, nats://, redis(s)://). Credentials in it are stored encrypted and shown as ***.',
  }),
  description: T.String({ maxLength: 1000 }),
  eventTypes: T.Array(T.String({ pattern: EVENT_TYPE_PATTERN, maxLength: 130 }), {
    maxItems: 500,
    description: 'exact event types or `prefix.*`; absent means every type',
  }),
  headers: T.Record(
    T.String({ pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$" }),
    T.String({ maxLength: 4096 }),
    {
      maxProperties: 50,
      description: 'extra headers sent with every delivery',
    },
  ),
  disabled: T.Boolean(),
}

export const Endpoint = T.Object({
  id: T.String(),
  url: T.String(),
  description: Nullable(T.String()),
  eventTypes: T.Union([T.Array(T.String()), T.Null()]),
  headers: T.Record(T.String(), T.String()),
  disabled: T.Boolean(),
  disabledReason: Nullable(T.String()),
  createdAt: T.String({ format: 'date-time' }),
  updatedAt: T.String({ format: 'date-time' }),
})
export const EndpointPage = page(Endpoint)
export const EndpointWithSecret = T.Composite([Endpoint, T.Object({ secret: T.String() })])

export const CreateEndpoint = T.Object(
  {
    url: EndpointFields.url,
    description: T.Optional(EndpointFields.description),
    eventTypes: T.Optional(EndpointFields.eventTypes),
    headers: T.Optional(EndpointFields.headers),
    disabled: T.Optional(EndpointFields.disabled),
    secret: T.Optional(
      T.String({
        pattern: '^whsec_[A-Za-z0-9+/]{32,88}={0,2}$',
        description: 'whsec_ + base64 of 24 to 64 bytes',
      }),
    ),
  },
  { additionalProperties: false },
)
export type CreateEndpoint = Static<typeof CreateEndpoint>

export const UpdateEndpoint = T.Object(
  {
    url: T.Optional(EndpointFields.url),
    description: T.Optional(T.Union([EndpointFields.description, T.Null()])),
    eventTypes: T.Optional(T.Union([EndpointFields.eventTypes, T.Null()])),
    headers: T.Optional(EndpointFields.headers),
    disabled: T.Optional(EndpointFields.disabled),
  },
  { additionalProperties: false },
)
export type UpdateEndpoint = Static<typeof UpdateEndpoint>

export const RotateSecret = T.Object(
  { secret: T.Optional(CreateEndpoint.properties.secret) },
  { additionalProperties: false },
)
export const SecretResponse = T.Object({ secret: T.String() })
export const StreamToken = T.Object({ keyId: T.String(), endpointId: T.String(), token: T.String() })

export const Recover = T.Object(
  {
    since: T.String({ format: 'date-time', description: 'recover deliveries created at or after this time' }),
  },
  { additionalProperties: false },
)
export const RecoverResponse = T.Object({ recovered: T.Integer() })

// --- events ------------------------------------------------------------------------------

export const Event = T.Object({
  id: T.String(),
  type: T.String(),
  timestamp: T.String({ format: 'date-time' }),
  data: T.Unknown(),
  source: T.Optional(T.String({ description: 'the inbound source it came through' })),
  headers: T.Optional(
    T.Record(T.String(), T.String(), { description: 'provider headers kept from the request' }),
  ),
})
export const EventPage = page(Event)

export const Publish = T.Object(
  {
    type: T.String({ pattern: EVENT_TYPE_NAME, maxLength: 128 }),
    data: T.Unknown({
      description: 'any JSON value; validated against the event type schema when one is set',
    }),
    id: T.Optional(
      T.String({
        pattern: '^[A-Za-z0-9_.:-]{1,128}$',
        description: 'your own event id; publishing the same id again returns the first event',
      }),
    ),
  },
  { additionalProperties: false },
)
export type Publish = Static<typeof Publish>

export const EventQuery = T.Composite(
  [
    PageQuery,
    T.Object({
      type: T.Optional(T.String({ pattern: EVENT_TYPE_NAME, maxLength: 128 })),
      since: T.Optional(T.String({ format: 'date-time' })),
      until: T.Optional(T.String({ format: 'date-time' })),
    }),
  ],
  { additionalProperties: false },
)
export type EventQuery = Static<typeof EventQuery>

// --- deliveries --------------------------------------------------------------------------

export const Delivery = T.Object({
  id: T.String(),
  eventId: T.String(),
  endpointId: T.String(),
  status: T.Union(DELIVERY_STATUSES.map((status) => T.Literal(status))),
  attemptCount: T.Integer(),
  nextAttemptAt: Nullable(T.String({ format: 'date-time' })),
  lastStatusCode: T.Union([T.Integer(), T.Null()]),
  lastError: Nullable(T.String()),
  createdAt: T.String({ format: 'date-time' }),
  updatedAt: T.String({ format: 'date-time' }),
})
export const DeliveryPage = page(Delivery)

export const Attempt = T.Object({
  id: T.String(),
  at: T.String({ format: 'date-time' }),
  status: T.Union([T.Literal('succeeded'), T.Literal('failed')]),
  statusCode: T.Union([T.Integer(), T.Null()]),
  durationMs: T.Integer(),
  error: T.Optional(T.String()),
  responseBody: T.Optional(T.String()),
})
export const DeliveryWithAttempts = T.Composite([Delivery, T.Object({ attempts: T.Array(Attempt) })])

export const DeliveryQuery = T.Composite(
  [
    PageQuery,
    T.Object({
      status: T.Optional(T.Union(DELIVERY_STATUSES.map((status) => T.Literal(status)))),
      endpointId: T.Optional(T.String({ maxLength: 64 })),
      eventId: T.Optional(T.String({ maxLength: 128 })),
    }),
  ],
  { additionalProperties: false },
)
export type DeliveryQuery = Static<typeof DeliveryQuery>

export const IdParam = T.Object({ id: T.String({ maxLength: 128 }) })
export type IdParam = Static<typeof IdParam>
