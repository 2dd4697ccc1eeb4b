export { type StreamOptions, streamEvents } from './client/event-stream.js'
export { HooklineClient, type HooklineClientOptions } from './client/hookline-client.js'
export type { FetchFunction, TransportOptions } from './client/transport.js'
export type {
  Attempt,
  CreateEndpointInput,
  CreateEventTypeInput,
  CreateSourceInput,
  Delivery,
  DeliveryStatus,
  Endpoint,
  EventType,
  ListDeliveriesParams,
  ListEventsParams,
  ListParams,
  Page,
  PublishInput,
  PublishOptions,
  RequestOptions,
  RequestValueRule,
  Source,
  SourceVerifier,
  SourceVerifierInput,
  UpdateEndpointInput,
  UpdateSourceInput,
  WebhookEventRecord,
} from './client/types.js'
export type { Payload } from './encoding.js'
export {
  type ApiFieldError,
  HooklineApiError,
  HooklineError,
  HooklineNetworkError,
  InvalidSecretError,
  MalformedHeaderError,
  MissingHeaderError,
  type ProblemDetails,
  SignatureMismatchError,
  TimestampOutOfRangeError,
  UnparseableBodyError,
  UnsupportedSchemeError,
  WebhookVerificationError,
  type WebhookVerificationErrorCode,
} from './errors.js'
export {
  type HeaderGetter,
  type HeaderReader,
  type HeadersInput,
  type HeaderValue,
  headerReader,
  headersToRecord,
} from './headers.js'
export { type AmqpMessageLike, fromAmqpMessage } from './messages/amqp.js'
export {
  type ConsumeOutcome,
  createMessageConsumer,
  type MessageConsumer,
  type MessageConsumerOptions,
} from './messages/message-consumer.js'
export { isInvalidMessageError } from './messages/message-errors.js'
export { fromNatsMessage, type NatsHeadersLike, type NatsMessageLike } from './messages/nats.js'
export { fromRedisEntry, type RedisStreamEntry } from './messages/redis.js'
export { type VerifyMessageOptions, verifyMessage, type WebhookMessage } from './messages/verify-message.js'
export {
  type AdapterFunctions,
  BodyUnavailableError,
  createAdapter,
  PayloadTooLargeError,
  type ReceiverCore,
} from './receiver/adapter.js'
export {
  createReceiver,
  type Receiver,
  type ReceiverOptions,
  type ReceiverRequest,
  type WebhookEvent,
} from './receiver/create-receiver.js'
export type {
  FastifyInstanceLike,
  FastifyReceiverOptions,
  FastifyReceiverPlugin,
  FastifyReplyLike,
  FastifyRequestLike,
} from './receiver/fastify.js'
export type { QueueOptions } from './receiver/handler-queue.js'
export {
  type IdempotencyOptions,
  type IdempotencyStore,
  MemoryIdempotencyStore,
  type MemoryIdempotencyStoreOptions,
} from './receiver/idempotency-store.js'
export type { NodeHandler, NodeRequestLike, NodeResponseLike } from './receiver/node.js'
export type { ReceiverResponse } from './receiver/responses.js'
export type { FetchHandler } from './receiver/web.js'
export { SCHEME_NAMES } from './schemes/registry.js'
export { generateKeyPair, generateSecret, type WebhookKeyPair } from './secrets.js'
export { sign } from './sign.js'
export type {
  FormParams,
  HmacAlgorithm,
  HmacSchemeOptions,
  SchemeName,
  SecretInput,
  SignatureEncoding,
  SignOptions,
  VerifiedWebhook,
  VerifyOptions,
} from './types.js'
export { verify } from './verify.js'
