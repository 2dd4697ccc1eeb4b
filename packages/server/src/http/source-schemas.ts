import { type Static, Type as T } from '@sinclair/typebox'

/** JSON Schemas of `/v1/sources`. Secrets go in, never out. */

export const SOURCE_NAME = '^[a-z0-9][a-z0-9_-]{0,62}$'
const SCHEMES = [
  'standard-webhooks',
  'stripe',
  'github',
  'shopify',
  'slack',
  'twilio',
  'hmac',
  'none',
] as const

const RequestValueRule = T.Union([
  T.Object(
    { header: T.String({ pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$" }) },
    { additionalProperties: false },
  ),
  T.Object(
    { pointer: T.String({ pattern: '^(/[^/]*)*$', maxLength: 256 }) },
    { additionalProperties: false },
  ),
])

const verifierOptions = {
  toleranceSeconds: T.Optional(T.Integer({ minimum: 1, maximum: 86_400 })),
  url: T.Optional(
    T.String({ format: 'uri', maxLength: 2048, description: 'public URL the provider signs (Twilio)' }),
  ),
  header: T.Optional(T.String({ maxLength: 100, description: 'hmac: the signature header' })),
  algorithm: T.Optional(T.Union([T.Literal('sha256'), T.Literal('sha512'), T.Literal('sha1')])),
  encoding: T.Optional(T.Union([T.Literal('hex'), T.Literal('base64')])),
  prefix: T.Optional(T.String({ maxLength: 50 })),
  timestampHeader: T.Optional(T.String({ maxLength: 100 })),
  idHeader: T.Optional(T.String({ maxLength: 100 })),
  template: T.Optional(T.String({ maxLength: 200 })),
  secretEncoding: T.Optional(T.Union([T.Literal('utf8'), T.Literal('hex'), T.Literal('base64')])),
}

const Secret = T.String({ minLength: 1, maxLength: 1024 })

export const VerifierInput = T.Object(
  {
    scheme: T.Union(SCHEMES.map((scheme) => T.Literal(scheme))),
    secret: T.Optional(Secret),
    secrets: T.Optional(
      T.Array(Secret, { minItems: 1, maxItems: 5, description: 'several during a rotation' }),
    ),
    ...verifierOptions,
  },
  { additionalProperties: false },
)
export type VerifierInput = Static<typeof VerifierInput>

export const CreateSource = T.Object(
  {
    name: T.String({ pattern: SOURCE_NAME, description: 'URL-safe; the ingest URL is /in/<name>' }),
    verifier: VerifierInput,
    eventType: T.Optional(RequestValueRule),
    idempotencyKey: T.Optional(RequestValueRule),
  },
  { additionalProperties: false },
)
export type CreateSource = Static<typeof CreateSource>

export const UpdateSource = T.Object(
  {
    verifier: T.Optional(VerifierInput),
    eventType: T.Optional(T.Union([RequestValueRule, T.Null()])),
    idempotencyKey: T.Optional(T.Union([RequestValueRule, T.Null()])),
  },
  { additionalProperties: false },
)
export type UpdateSource = Static<typeof UpdateSource>

export const Source = T.Object({
  id: T.String(),
  name: T.String(),
  ingestPath: T.String(),
  verifier: T.Object({ scheme: T.String(), ...verifierOptions }),
  eventType: T.Union([RequestValueRule, T.Null()]),
  idempotencyKey: T.Union([RequestValueRule, T.Null()]),
  stats: T.Object({
    accepted: T.Integer(),
    duplicates: T.Integer(),
    rejected: T.Integer(),
    lastAcceptedAt: T.Union([T.String(), T.Null()]),
    lastRejectedAt: T.Union([T.String(), T.Null()]),
  }),
  createdAt: T.String({ format: 'date-time' }),
  updatedAt: T.String({ format: 'date-time' }),
})
export const SourcePage = T.Object({ data: T.Array(Source), nextCursor: T.Union([T.String(), T.Null()]) })

export const RejectionList = T.Object({
  data: T.Array(
    T.Object({ at: T.String({ format: 'date-time' }), reason: T.String(), sizeBytes: T.Integer() }),
  ),
})
