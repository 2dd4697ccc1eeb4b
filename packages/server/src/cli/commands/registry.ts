import type { CommandGroup } from '../command-runner.js'
import { deliveriesCommand } from './deliveries.js'
import { endpointsCommand } from './endpoints.js'
import { eventsCommand } from './events.js'
import { listenCommand } from './listen.js'
import { sourcesCommand } from './sources.js'
import { triggerCommand } from './trigger.js'
import { verifyCommand } from './verify.js'

/** The commands that talk to a running server (and `verify`, which checks requests offline). */
export const CLIENT_COMMANDS: readonly CommandGroup[] = [
  triggerCommand,
  endpointsCommand,
  eventsCommand,
  deliveriesCommand,
  sourcesCommand,
  listenCommand,
  verifyCommand,
]

/** Their lines for `hookline --help`, aligned with `serve` and `migrate`. */
export function clientCommandsHelp(width = 10): string {
  return CLIENT_COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`).join('\n')
}
