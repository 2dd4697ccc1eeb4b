import { describe, expect, it } from 'vitest'
import { CONNECTION_OPTIONS, OUTPUT_OPTIONS } from '../client-options.js'
import { groupHelp, subcommandHelp } from '../command-runner.js'
import { CLIENT_COMMANDS, clientCommandsHelp } from './registry.js'

/** The flags a help text documents: `--name` at the start of an option line. */
function documentedFlags(help: string): string[] {
  return [...help.matchAll(/^ {2}(?:-\w, )?--([a-z][a-z-]*)/gm)].map((match) => match[1] as string)
}

describe('client command help', () => {
  const all = CLIENT_COMMANDS.flatMap((group) => group.subcommands.map((sub) => ({ group, sub })))

  it.each(all.map(({ group, sub }) => [`${group.name} ${sub.name}`.trim(), group, sub] as const))(
    '"%s --help" documents exactly the options it accepts',
    (_name, group, sub) => {
      const help = subcommandHelp(group, sub)
      const accepted = [
        ...Object.keys(sub.options),
        ...(sub.server ? Object.keys(CONNECTION_OPTIONS) : []),
        ...Object.keys(OUTPUT_OPTIONS),
      ]
      expect(documentedFlags(help).sort()).toEqual(accepted.sort())
      expect(help).toMatch(new RegExp(`^Usage: hookline ${group.name}${sub.name ? ` ${sub.name}` : ''}`))
      expect(sub.examples.length).toBeGreaterThan(0)
      for (const example of sub.examples) expect(example).toContain(`hookline ${group.name}`)
    },
  )

  it('lists every subcommand in the group help and every group in the top-level help', () => {
    for (const group of CLIENT_COMMANDS) {
      if (group.subcommands.length === 1 && group.subcommands[0]?.name === '') continue
      const help = groupHelp(group)
      for (const sub of group.subcommands) expect(help).toMatch(new RegExp(`^ {2}${sub.name} +\\S`, 'm'))
    }
    const top = clientCommandsHelp()
    for (const group of CLIENT_COMMANDS) expect(top).toContain(`  ${group.name} `)
  })
})
