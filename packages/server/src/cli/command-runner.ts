import { explainError, UsageError } from './cli-errors.js'
import {
  CONNECTION_HELP,
  CONNECTION_OPTIONS,
  type Connection,
  connect,
  type OptionSpec,
  type OptionValues,
  OUTPUT_HELP,
  OUTPUT_OPTIONS,
  parseCommandArgs,
  resolveUrl,
} from './client-options.js'
import { Output, type OutputStream } from './output.js'

/**
 * The frame of every client command: a group (`endpoints`) of subcommands (`create`), each with
 * its options, help text and `run`. The runner parses, prints help, builds the client on first
 * use and turns any error into a sentence, a hint and an exit code, so commands only do their job.
 */

export interface CliIo {
  stdout: OutputStream
  stderr: OutputStream
  stdin: NodeJS.ReadableStream & { isTTY?: boolean }
  env: NodeJS.ProcessEnv
}

export interface RunContext {
  values: OptionValues
  positionals: string[]
  output: Output
  /** `--json`: print only JSON on stdout. */
  json: boolean
  io: CliIo
  /** The API client, built on first use so that help and `verify` need no key or server. */
  connect(): Connection
}

export interface Subcommand {
  /** `create`; empty for a command without subcommands (`trigger`). */
  name: string
  summary: string
  /** Arguments as shown in the usage line, e.g. `URL` or `ID [ID…]`. */
  args: string
  minArgs: number
  maxArgs: number
  description: string
  options: OptionSpec
  /** One line per option in `options`, aligned like the shared ones. */
  optionHelp: string
  examples: string[]
  /** Talks to a server: adds --url and --api-key. */
  server: boolean
  run(context: RunContext): Promise<number>
}

export interface CommandGroup {
  name: string
  summary: string
  /** Shown under the group's usage line (commands with subcommands only). */
  description?: string
  subcommands: Subcommand[]
}

const fullName = (group: CommandGroup, sub: Subcommand) =>
  sub.name ? `${group.name} ${sub.name}` : group.name

export function subcommandHelp(group: CommandGroup, sub: Subcommand): string {
  const usage = `hookline ${fullName(group, sub)}${sub.args ? ` ${sub.args}` : ''} [options]`
  const sections = [`Usage: ${usage}`, sub.description]
  if (sub.optionHelp) sections.push(`Options:\n${sub.optionHelp}`)
  if (sub.server) sections.push(CONNECTION_HELP)
  sections.push(OUTPUT_HELP)
  if (sub.examples.length > 0)
    sections.push(`Examples:\n${sub.examples.map((line) => `  ${line}`).join('\n')}`)
  return sections.join('\n\n')
}

export function groupHelp(group: CommandGroup): string {
  const names = group.subcommands.map((sub) => sub.name)
  const width = Math.max(...names.map((name) => name.length))
  const lines = group.subcommands.map((sub) => `  ${sub.name.padEnd(width)}  ${sub.summary}`)
  return [
    `Usage: hookline ${group.name} <${names.join('|')}> [options]`,
    group.description ?? group.summary,
    `Commands:\n${lines.join('\n')}`,
    `Run "hookline ${group.name} <command> --help" for a command's options.`,
  ].join('\n\n')
}

async function runSubcommand(
  group: CommandGroup,
  sub: Subcommand,
  args: string[],
  io: CliIo,
): Promise<number> {
  const output = new Output(io.stdout, io.stderr, io.env)
  const name = fullName(group, sub)
  let url = ''
  try {
    const options = { ...sub.options, ...(sub.server ? CONNECTION_OPTIONS : {}), ...OUTPUT_OPTIONS }
    const { values, positionals } = parseCommandArgs(args, options, name)
    if (values.help === true) {
      output.line(subcommandHelp(group, sub))
      return 0
    }
    if (positionals.length < sub.minArgs)
      throw new UsageError(`missing ${sub.args.split(' ')[positionals.length] ?? 'argument'}`, name)
    if (positionals.length > sub.maxArgs) {
      throw new UsageError(`unexpected argument "${positionals[sub.maxArgs]}"`, name)
    }
    // For `verify`, --url is the captured request's URL, not a server.
    if (sub.server) url = resolveUrl(values, io.env)
    let connection: Connection | undefined
    return await sub.run({
      values,
      positionals,
      output,
      json: values.json === true,
      io,
      connect: () => {
        connection ??= connect(values, io.env, name)
        return connection
      },
    })
  } catch (error) {
    const explained = explainError(error, url)
    output.error(explained.message, explained.hint)
    return explained.exitCode
  }
}

/** Runs `hookline <group> …` with the arguments after the group name; resolves with the exit code. */
export async function runGroup(group: CommandGroup, args: string[], io: CliIo): Promise<number> {
  const [only] = group.subcommands
  if (only && only.name === '') return runSubcommand(group, only, args, io)
  const [first, ...rest] = args
  if (first === '--help' || first === '-h' || first === 'help') {
    io.stdout.write(`${groupHelp(group)}\n`)
    return 0
  }
  const sub = group.subcommands.find((candidate) => candidate.name === first)
  if (!sub) {
    const output = new Output(io.stdout, io.stderr, io.env)
    const names = group.subcommands.map((candidate) => candidate.name).join(', ')
    output.error(
      first === undefined
        ? `${group.name} needs a command: ${names}`
        : `unknown command "${group.name} ${first}"`,
      `The ${group.name} commands are ${names}; run \`hookline ${group.name} --help\`.`,
    )
    return 2
  }
  return runSubcommand(group, sub, rest, io)
}
