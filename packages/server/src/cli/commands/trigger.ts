import { stringOption } from '../client-options.js'
import type { CommandGroup } from '../command-runner.js'
import { formatAgo, previewJson } from '../output.js'
import { readJsonData } from './read-input.js'

/** `hookline trigger TYPE`: publish one event, as a service would. */
export const triggerCommand: CommandGroup = {
  name: 'trigger',
  summary: 'publish an event: every subscribed endpoint gets it',
  subcommands: [
    {
      name: '',
      summary: 'publish an event',
      args: 'TYPE',
      minArgs: 1,
      maxArgs: 1,
      description:
        'Publishes an event of type TYPE (e.g. order.shipped) with --data as its payload. Every enabled\n' +
        'endpoint subscribed to TYPE gets a signed delivery. When TYPE has a JSON Schema, the server\n' +
        'checks --data against it and the errors are printed field by field.',
      options: {
        data: { type: 'string' },
        id: { type: 'string' },
        'idempotency-key': { type: 'string' },
      },
      optionHelp: [
        '  --data JSON|@FILE    the payload: inline JSON, @path to read a file, @- for stdin (default {})',
        '  --id ID              your own event id; publishing the same id again returns the first event',
        '  --idempotency-key K  sent as Idempotency-Key: a repeated key returns the first event',
      ].join('\n'),
      examples: [
        `hookline trigger order.shipped --data '{"orderId":"ord_1"}'`,
        'hookline trigger order.shipped --data @order.json --id ship-ord_1',
      ],
      server: true,
      async run({ values, positionals, output, json, io, connect }) {
        const [type = ''] = positionals
        const dataText = stringOption(values, 'data')
        const data = dataText === undefined ? {} : await readJsonData(dataText, io.stdin, 'trigger')
        const id = stringOption(values, 'id')
        const idempotencyKey = stringOption(values, 'idempotency-key')
        const { client } = connect()
        const event = await client.events.publish(
          id === undefined ? { type, data } : { type, data, id },
          idempotencyKey === undefined ? {} : { idempotencyKey },
        )
        if (json) {
          output.json(event)
          return 0
        }
        output.line(`Published ${output.paint(event.id, 'bold')} (${event.type})`)
        output.fields([
          ['timestamp', `${event.timestamp} (${formatAgo(event.timestamp)})`],
          ['data', previewJson(event.data)],
        ])
        output.line()
        output.line(`See its deliveries: hookline events show ${event.id}`)
        return 0
      },
    },
  ],
}
