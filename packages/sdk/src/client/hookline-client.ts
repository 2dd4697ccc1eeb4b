/**
 * `HooklineClient`: typed methods for the Hookline management API, grouped by resource
 * (`client.endpoints.create(…)`), over a transport that retries safely.
 */

import { type StreamOptions, streamEvents } from './event-stream.js'
import { Transport, type TransportOptions, type TransportRequest } from './transport.js'
import type {
  CreateEndpointInput,
  CreateEventTypeInput,
  CreateSourceInput,
  Delivery,
  Endpoint,
  EventType,
  ListDeliveriesParams,
  ListEventsParams,
  ListParams,
  Page,
  PublishInput,
  PublishOptions,
  RequestOptions,
  Source,
  UpdateEndpointInput,
  UpdateSourceInput,
  WebhookEventRecord,
} from './types.js'

/**
 * Options of {@link HooklineClient}.
 *
 * @example
 * ```ts
 * new HooklineClient({ baseUrl: 'http://127.0.0.1:8787', apiKey, maxRetries: 5, timeoutMs: 10_000 })
 * ```
 */
export interface HooklineClientOptions extends TransportOptions {
  /** Where Hookline listens, e.g. `http://127.0.0.1:8787`. */
  baseUrl: string
  /** An API key, sent as `Authorization: Bearer …` (never logged or put in errors). */
  apiKey: string
}

const id = (value: string) => encodeURIComponent(value)

function randomKey(): string {
  return globalThis.crypto.randomUUID()
}

/**
 * A client for the Hookline management API. Lists return `{ data, nextCursor }`; walk every page
 * with {@link HooklineClient.paginate}. Errors are `HooklineApiError` (problem+json fields) or
 * `HooklineNetworkError`.
 *
 * @example
 * ```ts
 * const client = new HooklineClient({ baseUrl: 'http://127.0.0.1:8787', apiKey: process.env.HOOKLINE_API_KEY! })
 * const endpoint = await client.endpoints.create({ url: 'https://agent.example.com/hooks', eventTypes: ['order.*'] })
 * await client.events.publish({ type: 'order.shipped', data: { orderId: 'ord_1' } })
 * ```
 */
export class HooklineClient {
  readonly #transport: Transport
  readonly #options: HooklineClientOptions

  constructor(options: HooklineClientOptions) {
    this.#transport = new Transport(options)
    this.#options = options
  }

  /**
   * Every accepted event matching `types`, live, as an async iterator (Server-Sent Events). For
   * agents without a public URL. It reconnects with backoff after any disconnect and resumes
   * after the last event it yielded; pass `lastEventId` to resume across restarts. Needs a key
   * with the `read` (or `admin`) scope.
   *
   * @example
   * ```ts
   * for await (const event of client.stream({ types: ['order.*'] })) {
   *   console.log(event.type, event.data)
   * }
   * ```
   */
  stream<T = unknown>(options: StreamOptions = {}): AsyncGenerator<WebhookEventRecord<T>, void, undefined> {
    const { baseUrl, apiKey } = this.#options
    const fetchFunction = this.#options.fetch ?? ((input, init) => globalThis.fetch(input, init))
    return streamEvents<T>({ baseUrl, apiKey, fetch: fetchFunction }, options)
  }

  #call<T>(
    request: Omit<TransportRequest, 'idempotent'> & { idempotent?: boolean },
    options?: RequestOptions,
  ) {
    return this.#transport.request<T>({
      ...request,
      idempotent: request.idempotent ?? request.method !== 'POST',
      signal: options?.signal,
    })
  }

  /** Event types: the catalog of what can be published. */
  readonly eventTypes = {
    create: (input: CreateEventTypeInput, options?: RequestOptions) =>
      this.#call<EventType>({ method: 'POST', path: '/v1/event-types', body: input }, options),
    list: (params: ListParams = {}, options?: RequestOptions) =>
      this.#call<Page<EventType>>({ method: 'GET', path: '/v1/event-types', query: { ...params } }, options),
    /** By name (`order.shipped`) or id. */
    get: (nameOrId: string, options?: RequestOptions) =>
      this.#call<EventType>({ method: 'GET', path: `/v1/event-types/${id(nameOrId)}` }, options),
  }

  /** Endpoints: subscribers that receive signed deliveries. */
  readonly endpoints = {
    /** Creates an endpoint; the answer carries its `secret`. */
    create: (input: CreateEndpointInput, options?: RequestOptions) =>
      this.#call<Endpoint>({ method: 'POST', path: '/v1/endpoints', body: input }, options),
    list: (params: ListParams = {}, options?: RequestOptions) =>
      this.#call<Page<Endpoint>>({ method: 'GET', path: '/v1/endpoints', query: { ...params } }, options),
    /** The endpoint, without its secret (see `getSecret`). */
    get: (endpointId: string, options?: RequestOptions) =>
      this.#call<Endpoint>({ method: 'GET', path: `/v1/endpoints/${id(endpointId)}` }, options),
    /** The current signing secret (`whsec_…`), to configure the receiving side. */
    getSecret: (endpointId: string, options?: RequestOptions) =>
      this.#call<{ secret: string }>(
        { method: 'GET', path: `/v1/endpoints/${id(endpointId)}/secret` },
        options,
      ),
    update: (endpointId: string, input: UpdateEndpointInput, options?: RequestOptions) =>
      this.#call<Endpoint>(
        { method: 'PATCH', path: `/v1/endpoints/${id(endpointId)}`, body: input },
        options,
      ),
    delete: (endpointId: string, options?: RequestOptions) =>
      this.#call<void>({ method: 'DELETE', path: `/v1/endpoints/${id(endpointId)}` }, options),
    /** A new secret (generated, or `input.secret`); the old one keeps signing beside it for 24 h. */
    rotateSecret: (endpointId: string, input: { secret?: string } = {}, options?: RequestOptions) =>
      this.#call<{ secret: string }>(
        { method: 'POST', path: `/v1/endpoints/${id(endpointId)}/rotate-secret`, body: input },
        options,
      ),
    /** Re-queues the endpoint's failed deliveries since `since`. */
    recover: (endpointId: string, input: { since: string | Date }, options?: RequestOptions) =>
      this.#call<{ recovered: number }>(
        {
          method: 'POST',
          path: `/v1/endpoints/${id(endpointId)}/recover`,
          body: { since: input.since instanceof Date ? input.since.toISOString() : input.since },
          // Re-queueing the same failures twice queues them once: safe to repeat.
          idempotent: true,
        },
        options,
      ),
  }

  /** Events: publish once, delivered to every subscribed endpoint. */
  readonly events = {
    /**
     * Publishes an event (202). An `Idempotency-Key` is always sent, so a retried call never
     * creates a second event.
     */
    publish: <T = unknown>(input: PublishInput<T>, options: PublishOptions = {}) =>
      this.#call<WebhookEventRecord<T>>(
        {
          method: 'POST',
          path: '/v1/events',
          body: input,
          headers: { 'idempotency-key': options.idempotencyKey ?? randomKey() },
          idempotent: true,
        },
        options,
      ),
    list: (params: ListEventsParams = {}, options?: RequestOptions) =>
      this.#call<Page<WebhookEventRecord>>(
        { method: 'GET', path: '/v1/events', query: { ...params } },
        options,
      ),
    get: (eventId: string, options?: RequestOptions) =>
      this.#call<WebhookEventRecord>({ method: 'GET', path: `/v1/events/${id(eventId)}` }, options),
    /** The deliveries of one event, one per subscribed endpoint. */
    deliveries: (eventId: string, params: ListParams = {}, options?: RequestOptions) =>
      this.#call<Page<Delivery>>(
        { method: 'GET', path: `/v1/events/${id(eventId)}/deliveries`, query: { ...params } },
        options,
      ),
  }

  /** Deliveries: one event owed to one endpoint, with its attempts. */
  readonly deliveries = {
    list: (params: ListDeliveriesParams = {}, options?: RequestOptions) =>
      this.#call<Page<Delivery>>({ method: 'GET', path: '/v1/deliveries', query: { ...params } }, options),
    get: (deliveryId: string, options?: RequestOptions) =>
      this.#call<Delivery>({ method: 'GET', path: `/v1/deliveries/${id(deliveryId)}` }, options),
    /** Schedules an immediate attempt. */
    retry: (deliveryId: string, options?: RequestOptions) =>
      this.#call<Delivery>(
        // Scheduling "now" twice schedules one attempt: safe to repeat.
        { method: 'POST', path: `/v1/deliveries/${id(deliveryId)}/retry`, idempotent: true },
        options,
      ),
  }

  /** Sources: inbound channels (`/in/<name>`) that verify provider webhooks. */
  readonly sources = {
    create: (input: CreateSourceInput, options?: RequestOptions) =>
      this.#call<Source>({ method: 'POST', path: '/v1/sources', body: input }, options),
    list: (params: ListParams = {}, options?: RequestOptions) =>
      this.#call<Page<Source>>({ method: 'GET', path: '/v1/sources', query: { ...params } }, options),
    get: (sourceId: string, options?: RequestOptions) =>
      this.#call<Source>({ method: 'GET', path: `/v1/sources/${id(sourceId)}` }, options),
    update: (sourceId: string, input: UpdateSourceInput, options?: RequestOptions) =>
      this.#call<Source>({ method: 'PATCH', path: `/v1/sources/${id(sourceId)}`, body: input }, options),
    delete: (sourceId: string, options?: RequestOptions) =>
      this.#call<void>({ method: 'DELETE', path: `/v1/sources/${id(sourceId)}` }, options),
  }

  /** Shorthand for `client.events.publish`. */
  publish<T = unknown>(input: PublishInput<T>, options: PublishOptions = {}): Promise<WebhookEventRecord<T>> {
    return this.events.publish(input, options)
  }

  /**
   * Iterates every item of a list, following `nextCursor`.
   *
   * @example
   * ```ts
   * for await (const event of client.paginate((page) => client.events.list({ type: 'order.shipped', ...page }))) {
   *   console.log(event.id)
   * }
   * ```
   */
  async *paginate<T>(
    listPage: (page: { cursor?: string }) => Promise<Page<T>>,
  ): AsyncGenerator<T, void, undefined> {
    let cursor: string | undefined
    do {
      const page = await listPage(cursor === undefined ? {} : { cursor })
      yield* page.data
      cursor = page.nextCursor ?? undefined
    } while (cursor !== undefined)
  }
}
