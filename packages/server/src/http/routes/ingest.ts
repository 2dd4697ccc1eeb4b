import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify'
import type { InboundHandler } from '../../inbound/inbound-handler.js'
import { problem, sendProblem } from '../problem.js'

const MESSAGES: Record<string, string> = {
  missing_header: 'a signature header is missing',
  malformed_header: 'a signature header is malformed',
  bad_signature: 'the signature does not match',
  timestamp_out_of_range: 'the signed timestamp is outside the allowed window',
  invalid_secret: 'the source secret cannot verify this scheme',
  unsupported_scheme: 'the source scheme is not supported',
  unparseable_body: 'the body is not valid JSON or form data',
}

/**
 * `POST /in/:name`: providers' webhooks. The body is taken as raw bytes (whatever its content
 * type) so that the signature is checked over exactly what was sent, before any parsing.
 */
export function ingestRoutes(app: FastifyInstance, inbound: InboundHandler, maxPayloadBytes: number): void {
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: maxPayloadBytes },
      (_request, body, done) => {
        done(null, body)
      },
    )

    scope.setErrorHandler(
      async (error: FastifyError, request: FastifyRequest<{ Params: { name: string } }>, reply) => {
        if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
          const length = Number(request.headers['content-length'] ?? 0)
          const known = await inbound.rejectOversized(
            request.params.name,
            Number.isFinite(length) ? length : 0,
          )
          if (!known) return sendProblem(reply, problem(404, 'unknown_source', 'no source has this name'))
          return sendProblem(
            reply,
            problem(413, 'payload_too_large', 'the body exceeds the configured limit'),
          )
        }
        throw error
      },
    )

    scope.post<{ Params: { name: string } }>(
      '/in/:name',
      { schema: { tags: ['inbound'], summary: 'Receive a provider webhook for the source <name>' } },
      async (request, reply) => {
        const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
        const result = await inbound.handle({
          sourceName: request.params.name,
          rawBody,
          headers: request.headers,
          url: `${request.protocol}://${request.host}${request.url}`,
        })
        switch (result.kind) {
          case 'unknown_source':
            return sendProblem(reply, problem(404, 'unknown_source', 'no source has this name'))
          case 'rejected':
            return sendProblem(
              reply,
              problem(result.status, result.reason, MESSAGES[result.reason] ?? 'rejected'),
            )
          case 'handshake':
            return reply.code(200).send(result.body)
          case 'accepted':
            return reply.code(200).send({ id: result.eventId, duplicate: result.duplicate })
        }
      },
    )

    // CloudEvents webhook abuse protection (CloudEvents HTTP webhook spec, section 4): a sender
    // asks with OPTIONS before delivering; the answer names the origin it may deliver from.
    scope.options<{ Params: { name: string } }>(
      '/in/:name',
      { schema: { tags: ['inbound'], summary: 'CloudEvents webhook validation handshake' } },
      async (request, reply) => {
        const origin = request.headers['webhook-request-origin']
        if (typeof origin !== 'string' || origin === '') {
          return sendProblem(reply, problem(400, 'bad_request', 'WebHook-Request-Origin is required'))
        }
        const known = await inbound.knowsSource(request.params.name)
        if (!known) return sendProblem(reply, problem(404, 'unknown_source', 'no source has this name'))
        const callback = request.headers['webhook-request-callback']
        reply
          .header('webhook-allowed-origin', origin)
          .header('webhook-allowed-rate', '*')
          .header('allow', 'POST, OPTIONS')
        if (typeof callback === 'string')
          request.log.info({ source: request.params.name }, 'CloudEvents callback validation requested')
        return reply.code(200).send()
      },
    )
  })
}
