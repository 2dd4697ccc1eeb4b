#!/usr/bin/env node
import { ConfigError, describeServeOptions, loadConfig } from '../config/load-config.js'
import { migrateCommand } from './migrate.js'
import { serve } from './serve.js'

const VERSION = '0.1.0'

const USAGE = `hookline ${VERSION}: a webhook gateway

Usage: hookline <command> [options]

Commands:
  serve      run the gateway: management API, dispatcher and delivery
  migrate    apply database migrations and exit (serve also applies them at start)

Run "hookline <command> --help" for a command's options.`

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
  const commands: Record<string, { help: string; run: (args: string[]) => Promise<void> }> = {
    serve: { help: SERVE_HELP, run: (args) => serve(loadConfig(process.env, args)) },
    migrate: { help: MIGRATE_HELP, run: (args) => migrateCommand(loadConfig(process.env, args)) },
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
