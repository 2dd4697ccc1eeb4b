import { verify, WebhookVerificationError } from '@hookline/sdk'
import type { Logger } from 'pino'
import type { Metrics } from '../core/metrics.js'
import type { Tracing } from '../core/tracing.js'
import type { RequestValueRule, Source, VerifierConfig } from '../core/types.js'
import type { Store } from '../store/store.js'
import { type ParsedBody, parseInboundBody, UnparseableBodyError } from './parse-body.js'
import { CLOUDEVENT_KEEP_HEADERS, DEFAULT_INBOUND_TYPE, PROVIDER_DEFAULTS } from './provider-defaults.js'
import { readRequestValue, toEventTypeSuffix } from './request-values.js'

export interface InboundRequest {
  sourceName: string
  rawBody: Buffer
  /** Lower-case header names, as Node delivers them. */
  headers: Record<string, string | string[] | undefined>
  /** The URL the provider called, for schemes that sign it (Twilio). */
  url: string
}

export type InboundResult =
  | { kind: 'accepted'; eventId: string; duplicate: boolean }
  | { kind: 'handshake'; body: Record<string, unknown> }
  | { kind: 'unknown_source' }
  | { kind: 'rejected'; status: 400 | 401; reason: string }

export interface InboundOptions {
  store: Store
  logger: Logger
  metrics: Metrics
  tracing?: Tracing
  /** How long a dedupe key is remembered; providers retry for days (Stripe: 3). */
  dedupeTtlMs: number
}

/**
 * The front door for provider webhooks, in the seed article's order: verify the raw bytes,
 * then parse, then dedupe and store (one durable commit), and only then answer. Rejections are
 * counted and logged with their reason, never turned into events.
 */
export class InboundHandler {
  constructor(private readonly options: InboundOptions) {}

  async handle(request: InboundRequest): Promise<InboundResult> {
    const { store } = this.options
    const found = await store.getSourceForIngest(request.sourceName)
    if (!found) return { kind: 'unknown_source' }
    const { source, verifier } = found

    let verifiedId: string | undefined
    try {
      verifiedId = await this.verifySignature(verifier, request)
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error
      return this.reject(source, request, 401, error.code)
    }

    let parsed: ParsedBody
    try {
      parsed = parseInboundBody(request.rawBody, request.headers)
    } catch (error) {
      if (!(error instanceof UnparseableBodyError)) throw error
      return this.reject(source, request, 400, 'unparseable_body')
    }

    const challenge = slackChallenge(verifier, parsed)
    if (challenge !== null) return { kind: 'handshake', body: { challenge } }

    const startMs = Date.now()
    const { event, duplicate } = await store.ingest({
      sourceId: source.id,
      sourceName: source.name,
      type: eventTypeFor(source, verifier, parsed, request.headers),
      data: parsed.data,
      dedupeKey: dedupeKeyFor(source, verifier, parsed, request.headers, verifiedId),
      dedupeUntilMs: Date.now() + this.options.dedupeTtlMs,
      headers: keptHeaders(verifier, parsed, request.headers),
    })
    if (duplicate) this.options.metrics.inboundDuplicate(source.name)
    else {
      this.options.metrics.eventAccepted(event.type, source.name)
      this.options.tracing?.eventAccepted(event, source.name, { startMs, endMs: Date.now() })
    }
    return { kind: 'accepted', eventId: event.id, duplicate }
  }

  async knowsSource(sourceName: string): Promise<boolean> {
    return (await this.options.store.getSourceForIngest(sourceName)) !== null
  }

  /** Records a request that failed before parsing for size (the HTTP layer rejects those). */
  async rejectOversized(sourceName: string, sizeBytes: number): Promise<boolean> {
    const found = await this.options.store.getSourceForIngest(sourceName)
    if (!found) return false
    await this.record(found.source, 'payload_too_large', sizeBytes)
    return true
  }

  private async verifySignature(
    verifier: VerifierConfig,
    request: InboundRequest,
  ): Promise<string | undefined> {
    if (verifier.scheme === 'none') return undefined
    const { scheme, secrets, url, toleranceSeconds, ...hmacOptions } = verifier
    const verified = await verify({
      ...hmacOptions,
      scheme,
      secret: secrets,
      payload: new Uint8Array(request.rawBody.buffer, request.rawBody.byteOffset, request.rawBody.byteLength),
      headers: request.headers as Record<string, string>,
      url: url ?? request.url,
      ...(toleranceSeconds === undefined ? {} : { toleranceSeconds }),
    })
    return verified.id
  }

  private async reject(source: Source, request: InboundRequest, status: 400 | 401, reason: string) {
    await this.record(source, reason, request.rawBody.byteLength)
    return { kind: 'rejected' as const, status, reason }
  }

  private async record(source: Source, reason: string, sizeBytes: number): Promise<void> {
    this.options.logger.info(
      { source: source.name, sourceId: source.id, reason, sizeBytes },
      'inbound webhook rejected',
    )
    this.options.metrics.inboundRejected(source.name, reason)
    await this.options.store.recordRejection(source.id, { atMs: Date.now(), reason, sizeBytes })
  }
}

function slackChallenge(verifier: VerifierConfig, parsed: ParsedBody): string | null {
  if (verifier.scheme !== 'slack') return null
  const document = parsed.document as { type?: unknown; challenge?: unknown } | null
  if (document?.type === 'url_verification' && typeof document.challenge === 'string')
    return document.challenge
  return null
}

function firstValue(
  rules: readonly RequestValueRule[],
  headers: InboundRequest['headers'],
  document: unknown,
): string | null {
  for (const rule of rules) {
    const value = readRequestValue(rule, headers, document)
    if (value !== null) return value
  }
  return null
}

/** `<source name>.<provider type>`, within the 128 characters an event type may have. */
function eventTypeFor(
  source: Source,
  verifier: VerifierConfig,
  parsed: ParsedBody,
  headers: InboundRequest['headers'],
) {
  let providerType: string | null
  if (source.eventType !== null) {
    providerType = readRequestValue(source.eventType, headers, parsed.document)
  } else if (parsed.cloudEvent !== null) {
    providerType = parsed.cloudEvent.type
  } else {
    providerType = firstValue(PROVIDER_DEFAULTS[verifier.scheme].eventType, headers, parsed.document)
    const action = (parsed.document as { action?: unknown } | null)?.action
    if (verifier.scheme === 'github' && providerType !== null && typeof action === 'string') {
      providerType = `${providerType}.${action}`
    }
  }
  const suffix = (providerType === null ? null : toEventTypeSuffix(providerType)) ?? DEFAULT_INBOUND_TYPE
  return `${source.name}.${suffix}`.slice(0, 128).replace(/\.+$/, '')
}

function dedupeKeyFor(
  source: Source,
  verifier: VerifierConfig,
  parsed: ParsedBody,
  headers: InboundRequest['headers'],
  verifiedId: string | undefined,
): string | null {
  if (source.idempotencyKey !== null) return readRequestValue(source.idempotencyKey, headers, parsed.document)
  // CloudEvents are unique by source + id (CloudEvents spec, "id" attribute).
  if (parsed.cloudEvent !== null) return `${parsed.cloudEvent.source}#${parsed.cloudEvent.id}`
  return (
    firstValue(PROVIDER_DEFAULTS[verifier.scheme].idempotencyKey, headers, parsed.document) ??
    verifiedId ??
    null
  )
}

function keptHeaders(verifier: VerifierConfig, parsed: ParsedBody, headers: InboundRequest['headers']) {
  const names = [...PROVIDER_DEFAULTS[verifier.scheme].keepHeaders, 'content-type']
  if (parsed.cloudEvent !== null) names.push(...CLOUDEVENT_KEEP_HEADERS)
  if (verifier.idHeader) names.push(verifier.idHeader.toLowerCase())
  if (verifier.timestampHeader) names.push(verifier.timestampHeader.toLowerCase())
  const kept: Record<string, string> = {}
  for (const name of names) {
    const value = headers[name]
    if (typeof value === 'string') kept[name] = value.slice(0, 1024)
  }
  return kept
}
