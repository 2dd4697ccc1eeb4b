import { readFile } from 'node:fs/promises'
import { UsageError } from '../cli-errors.js'

/** Reading what a command is given: all of stdin, and JSON from `--data JSON|@file|@-`. */

export async function readStdin(stdin: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
  return Buffer.concat(chunks)
}

/**
 * `--data` as JSON: inline text, `@path` for a file, `@-` for stdin. A parse error names the
 * option and where the JSON broke, never the whole payload.
 */
export async function readJsonData(
  text: string,
  stdin: NodeJS.ReadableStream,
  command: string,
  option = '--data',
): Promise<unknown> {
  let source = 'the value'
  let json = text
  if (text.startsWith('@')) {
    const path = text.slice(1)
    source = path === '-' ? 'stdin' : path
    try {
      json = path === '-' ? (await readStdin(stdin)).toString('utf8') : await readFile(path, 'utf8')
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      throw new UsageError(`${option}: cannot read ${path}${code ? ` (${code})` : ''}`, command)
    }
  }
  try {
    return JSON.parse(json)
  } catch (error) {
    throw new UsageError(`${option}: ${source} is not valid JSON (${(error as Error).message})`, command)
  }
}
