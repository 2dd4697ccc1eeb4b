import { generateSecret, sign } from '@hookline/sdk'
import { stringOption } from '../client-options.js'
import type { CommandGroup } from '../command-runner.js'

/** A local receiver gets this long per event before the attempt is reported as timed out. */
const FORWARD_TIMEOUT_MS = 10_000

/**
 * `hookline listen --forward-to URL`: the Stripe CLI's `listen`, for Hookline. It follows the
 * event stream of a running server and posts every event to a local URL, signed with Standard
 * Webhooks under a secret it prints, so a developer's handler verifies exactly as in production.
 * No public URL, no endpoint to register: the laptop pulls, the handler still gets pushed.
 */
export const listenCommand: CommandGroup = {
  name: 'listen',
  summary: 'forward the event stream to a local URL, signed (like stripe listen)',
  subcommands: [
    {
      name: '',
      summary: 'forward events to a local URL',
      args: '',
      minArgs: 0,
      maxArgs: 0,
      description:
        'Follows the event stream of the server (GET /v1/stream, a read key is enough) and posts each\n' +
        'event to --forward-to with webhook-id, webhook-timestamp and webhook-signature headers, signed\n' +
        'with the secret printed at start (or --secret). One line per event: time, type, id, status,\n' +
        'latency (with --json: one JSON object per line). Reconnects by itself and resumes where it\n' +
        'left off. Ctrl-C stops it.',
      options: {
        'forward-to': { type: 'string' },
        types: { type: 'string' },
        secret: { type: 'string' },
      },
      optionHelp: [
        '  --forward-to URL     where to post each event (required), e.g. http://localhost:3000/webhooks',
        '  --types T1,T2        only these types; prefix.* allowed (default: every event)',
        '  --secret whsec_…     sign with this secret instead of a fresh one',
      ].join('\n'),
      examples: [
        'hookline listen --forward-to http://localhost:3000/webhooks',
        "hookline listen --forward-to http://localhost:3000/webhooks --types 'order.*,stripe.*'",
      ],
      server: true,
      async run({ values, output, json, io, connect }) {
        // One JSON object per line (NDJSON): a stream of results, not one document.
        const jsonLine = (value: unknown) => io.stdout.write(`${JSON.stringify(value)}\n`)
        const forwardTo = stringOption(values, 'forward-to')
        if (forwardTo === undefined) throw new Error('--forward-to URL is required')
        const target = new URL(forwardTo)
        const types = stringOption(values, 'types')
          ?.split(',')
          .map((type) => type.trim())
          .filter((type) => type !== '')
        const secret = stringOption(values, 'secret') ?? generateSecret()
        const { client, url } = connect()

        const stop = new AbortController()
        const onSignal = () => stop.abort()
        process.once('SIGINT', onSignal)
        process.once('SIGTERM', onSignal)

        if (json) jsonLine({ ready: true, forwardTo: target.href, secret })
        else {
          output.line(`Ready! Forwarding events from ${url} to ${target.href}`)
          output.line(`Your webhook signing secret is ${output.paint(secret, 'bold')} (Ctrl-C to quit)`)
        }
        try {
          for await (const event of client.stream({ ...(types ? { types } : {}), signal: stop.signal })) {
            const body = JSON.stringify(event)
            const headers = await sign({ scheme: 'standard-webhooks', secret, payload: body, id: event.id })
            const started = performance.now()
            let status: number | string
            try {
              const response = await fetch(target, {
                method: 'POST',
                headers: { ...headers, 'content-type': 'application/json', 'user-agent': 'hookline-listen' },
                body,
                redirect: 'manual',
                signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
              })
              await response.arrayBuffer()
              status = response.status
            } catch (error) {
              status = (error as Error).name === 'TimeoutError' ? 'timeout' : 'connection failed'
            }
            const durationMs = Math.round(performance.now() - started)
            if (json) {
              jsonLine({
                at: new Date().toISOString(),
                type: event.type,
                id: event.id,
                status,
                durationMs,
              })
            } else {
              const ok = typeof status === 'number' && status >= 200 && status < 300
              const time = new Date().toISOString().replace('T', ' ').slice(0, 19)
              output.line(
                `${time}  ${event.type.padEnd(24)} ${event.id}  ${output.paint(`→ ${status}`, ok ? 'green' : 'red')}  ${durationMs} ms`,
              )
            }
          }
        } finally {
          process.off('SIGINT', onSignal)
          process.off('SIGTERM', onSignal)
        }
        return 0
      },
    },
  ],
}
