import { describe, expect, it } from 'vitest'
import { CommandFailure } from '../cli-errors.js'
import { parseCapturedRequest } from './captured-request.js'

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8')

describe('parseCapturedRequest', () => {
  it('reads the request line, headers in any case and the body bytes, with CRLF or LF', () => {
    for (const eol of ['\r\n', '\n']) {
      const raw = ['POST /hooks?x=1 HTTP/1.1', 'Host: example.com', 'Webhook-ID: msg_1', '', '{"a":1}'].join(
        eol,
      )
      const request = parseCapturedRequest(Buffer.from(raw))
      expect(request).toMatchObject({
        method: 'POST',
        target: '/hooks?x=1',
        headers: { host: 'example.com', 'webhook-id': 'msg_1' },
        notes: [],
      })
      expect(text(request.body)).toBe('{"a":1}')
    }
  })

  it('keeps body line breaks, accepts headers without a request line, and folds continued headers', () => {
    const request = parseCapturedRequest(
      Buffer.from('X-Sig: a\r\n  b\r\nX-Sig: c\r\n\r\nline 1\r\n\r\nline 2'),
    )
    expect(request.method).toBeUndefined()
    expect(request.headers['x-sig']).toBe('a b, c')
    expect(text(request.body)).toBe('line 1\r\n\r\nline 2')
  })

  it('cuts what follows Content-Length and says so; notes a body shorter than announced', () => {
    const trimmed = parseCapturedRequest(Buffer.from('POST / HTTP/1.1\nContent-Length: 7\n\n{"a":1}\n'))
    expect(text(trimmed.body)).toBe('{"a":1}')
    expect(trimmed.notes[0]).toContain('1 byte(s) after the 7 of Content-Length were ignored')
    const short = parseCapturedRequest(Buffer.from('POST / HTTP/1.1\nContent-Length: 70\n\n{"a":1}'))
    expect(short.notes[0]).toContain('Content-Length says 70')
  })

  it('decodes a chunked body', () => {
    const raw = 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{"a"\r\n3\r\n:1}\r\n0\r\n\r\n'
    expect(text(parseCapturedRequest(Buffer.from(raw)).body)).toBe('{"a":1}')
  })

  it('rejects what is not a request, naming the line', () => {
    expect(() => parseCapturedRequest(Buffer.from('{"just":"a body"}'))).toThrow(CommandFailure)
    expect(() => parseCapturedRequest(Buffer.from('{"just":"a body"}'))).toThrow(/line 1 is neither/)
    expect(() => parseCapturedRequest(Buffer.from('POST / HTTP/1.1\nHost: a\nnot a header\n\nbody'))).toThrow(
      /line 3 is not a "Name: value" header/,
    )
  })
})
