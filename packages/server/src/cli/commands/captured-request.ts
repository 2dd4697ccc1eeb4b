import { CommandFailure } from '../cli-errors.js'

/**
 * A raw HTTP/1.1 request as captured to a file (`nc -l`, a proxy log, `curl --trace-ascii`
 * pasted): an optional request line, headers, a blank line, then the body bytes. The body is kept
 * as bytes, exactly as received: signatures cover bytes, and one changed byte breaks them.
 */

export interface CapturedRequest {
  method: string | undefined
  target: string | undefined
  /** Lower-case names; repeated headers joined with ", " as Node does. */
  headers: Record<string, string>
  body: Uint8Array
  /** What was adjusted or looks suspicious, in plain words (Content-Length mismatches…). */
  notes: string[]
}

const REQUEST_LINE = /^([A-Z]+) (\S+) HTTP\/\d(?:\.\d)?$/
const HEADER_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/

function headerEnd(raw: Buffer): { end: number; bodyStart: number } | undefined {
  const crlf = raw.indexOf('\r\n\r\n')
  const lf = raw.indexOf('\n\n')
  if (crlf === -1 && lf === -1) return undefined
  if (lf === -1 || (crlf !== -1 && crlf < lf)) return { end: crlf, bodyStart: crlf + 4 }
  return { end: lf, bodyStart: lf + 2 }
}

/** Decodes `Transfer-Encoding: chunked` (hex size line, data, CRLF, …, a zero-size chunk). */
function decodeChunked(body: Buffer): Buffer {
  const parts: Buffer[] = []
  let offset = 0
  for (;;) {
    const lineEnd = body.indexOf('\n', offset)
    if (lineEnd === -1) throw new CommandFailure('the chunked body ends without its final 0-size chunk')
    const sizeText = body.subarray(offset, lineEnd).toString('latin1').replace(/\r$/, '').split(';')[0] ?? ''
    const size = Number.parseInt(sizeText.trim(), 16)
    if (!/^[0-9a-fA-F]+$/.test(sizeText.trim()) || Number.isNaN(size)) {
      throw new CommandFailure(`the chunked body has a bad chunk size line "${sizeText.slice(0, 20)}"`)
    }
    if (size === 0) return Buffer.concat(parts)
    const start = lineEnd + 1
    if (start + size > body.length)
      throw new CommandFailure('the chunked body is shorter than its chunk sizes say')
    parts.push(body.subarray(start, start + size))
    offset = start + size
    if (body[offset] === 0x0d) offset++
    if (body[offset] === 0x0a) offset++
  }
}

export function parseCapturedRequest(raw: Buffer): CapturedRequest {
  const split = headerEnd(raw)
  const notes: string[] = []
  if (!split) notes.push('there is no blank line after the headers, so the body is empty')
  const head = raw.subarray(0, split?.end ?? raw.length).toString('utf8')
  let body: Buffer = split ? raw.subarray(split.bodyStart) : Buffer.alloc(0)
  const lines = head.split(/\r?\n/)
  while (lines[0] === '') lines.shift()

  let method: string | undefined
  let target: string | undefined
  const requestLine = REQUEST_LINE.exec(lines[0] ?? '')
  if (requestLine) {
    method = requestLine[1]
    target = requestLine[2]
    lines.shift()
  } else if (!HEADER_LINE.test(lines[0] ?? '')) {
    throw new CommandFailure(
      `line 1 is neither a request line (POST /webhooks HTTP/1.1) nor a header: "${(lines[0] ?? '').slice(0, 60)}"`,
      'The input must be a captured request: request line, headers, a blank line, then the body.',
    )
  }

  const headers: Record<string, string> = {}
  let last: string | undefined
  lines.forEach((line, index) => {
    // A line starting with whitespace continues the previous header (obsolete folding).
    if (/^[ \t]/.test(line) && last !== undefined) {
      headers[last] = `${headers[last]} ${line.trim()}`
      return
    }
    const match = HEADER_LINE.exec(line)
    if (!match) {
      throw new CommandFailure(
        `line ${index + (requestLine ? 2 : 1)} is not a "Name: value" header: "${line.slice(0, 60)}"`,
        'Headers end at the first blank line; everything after it is the body.',
      )
    }
    const name = (match[1] ?? '').toLowerCase()
    const value = match[2] ?? ''
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`
    last = name
  })

  if (/\bchunked\b/i.test(headers['transfer-encoding'] ?? '')) {
    body = decodeChunked(body)
    notes.push(`the chunked body was decoded to ${body.length} bytes`)
  } else if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length'])
    if (Number.isInteger(length) && length >= 0 && body.length > length) {
      notes.push(
        `${body.length - length} byte(s) after the ${length} of Content-Length were ignored (a newline added by an editor?)`,
      )
      body = body.subarray(0, length)
    } else if (Number.isInteger(length) && body.length < length) {
      notes.push(
        `the body has ${body.length} bytes but Content-Length says ${length}: the capture may be cut short`,
      )
    }
  }
  return { method, target, headers, body: new Uint8Array(body), notes }
}
