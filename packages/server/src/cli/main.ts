#!/usr/bin/env node
import { ConfigError, describeServeOptions, loadConfig } from '../config/load-config.js'
import { runGroup } from './command-runner.js'
import { CLIENT_COMMANDS, clientCommandsHelp } from './commands/registry.js'
import { migrateCommand } from './migrate.js'
import { ROTATE_HELP, rotateEncryptionKeyCommand } from './rotate-encryption-key.js'

const VERSION = '0.1.0'

const USAGE = `hookline ${VERSION}: a webhook gateway

Usage: hookline <command> [options]

Commands:
  serve      run the gateway: management API, dispatcher and delivery
  migrate    apply database migrations and exit (serve also applies them at start)
  rotate-encryption-key
             re-seal every stored secret with a new encryption key

Client commands (talk to a running server: --url or HOOKLINE_URL, default http://127.0.0.1:8787;
--api-key or HOOKLINE_API_KEY):
${clientCommandsHelp()}

Run "hookline <command> --help" for a command's options. Client commands print tables for
people and JSON with --json; colours only on a terminal (NO_COLOR=1 turns them off,
FORCE_COLOR=1 turns them on in a pipe).`

const SERVE_HELP = `Usage: hookline serve [options]

Runs the gateway on one port: the management API under /v1, /healthz, /readyz and
/openapi.json, and the dispatcher that delivers events. Options override environment
variables, which override the defaults.

Options:
${describeServeOptions()}
  --help                            show this help`

const MIGRATE_HELP = `Usage: hookline migrate [--database-url URL]

Applies the numbered schema migrations that the database does not have yet and exits.
Takes the same options and environment variables as "hookline serve".`

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`)
    return command === undefined ? 1 : 0
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${VERSION}\n`)
    return 0
  }
  const clientCommand = CLIENT_COMMANDS.find((candidate) => candidate.name === command)
  if (clientCommand) {
    const io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env }
    return runGroup(clientCommand, rest, io)
  }
  const commands: Record<string, { help: string; run: (args: string[]) => Promise<void> }> = {
    serve: {
      help: SERVE_HELP,
      // Loaded on demand: the server's dependencies would add about a second to every client command.
      run: async (args) => {
        const config = loadConfig(process.env, args)
        const { serve } = await import('./serve.js')
        return serve(config)
      },
    },
    migrate: { help: MIGRATE_HELP, run: (args) => migrateCommand(loadConfig(process.env, args)) },
    'rotate-encryption-key': {
      help: ROTATE_HELP,
      run: (args) => rotateEncryptionKeyCommand(process.env, args),
    },
  }
  const selected = commands[command]
  if (!selected) {
    process.stderr.write(`hookline: unknown command "${command}"\n\n${USAGE}\n`)
    return 2
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${selected.help}\n`)
    return 0
  }
  await selected.run(rest)
  return -1 // still running (serve) or finished on its own
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code)
  },
  (error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`hookline: ${error.message}\n`)
      process.exit(2)
    }
    process.stderr.write(`hookline: ${(error as Error).message}\n`)
    process.exit(1)
  },
)
