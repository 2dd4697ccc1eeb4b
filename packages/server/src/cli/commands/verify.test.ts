import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import { type SignOptions, sign } from '@hookline/sdk'
import { describe, expect, it } from 'vitest'
import { runGroup } from '../command-runner.js'
import { verifyCommand } from './verify.js'

/** Runs `hookline verify` in-process with a captured request on stdin. */
class Recorder {
  text = ''
  write(chunk: string) {
    this.text += chunk
  }
}

async function runVerify(args: string[], input: string) {
  const out = new Recorder()
  const err = new Recorder()
  const code = await runGroup(verifyCommand, args, {
    stdout: out,
    stderr: err,
    stdin: Readable.from([Buffer.from(input)]),
    env: {},
  })
  return { code, stdout: out.text, stderr: err.text }
}

const capture = (headers: Record<string, string>, body: string, target = '/hooks') =>
  `POST ${target} HTTP/1.1\r\nHost: api.example.com\r\n${Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')}\r\n${body}`

const body = JSON.stringify({
  id: 'evt_1',
  type: 'order.shipped',
  event_id: 'Ev1',
  data: { orderId: 'ord_1' },
})
const now = 1_767_225_600
// Twilio signs JSON bodies through the URL: a bodySHA256 query parameter holds their hash.
const twilioUrl = `https://api.example.com/hooks?bodySHA256=${createHash('sha256').update(body).digest('hex')}`

describe('hookline verify, every scheme', () => {
  const cases: Array<{
    scheme: SignOptions['scheme']
    secret: string
    wrong?: string
    extra?: string[]
    sign?: Partial<SignOptions>
  }> = [
    {
      scheme: 'standard-webhooks',
      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      wrong: 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    },
    { scheme: 'stripe', secret: 'whsec_stripe_test_secret' },
    { scheme: 'github', secret: 'gh-secret' },
    { scheme: 'shopify', secret: 'shpss_secret' },
    { scheme: 'slack', secret: 'slack-signing-secret' },
    {
      scheme: 'twilio',
      secret: 'twilio-auth-token',
      extra: ['--url', twilioUrl],
      sign: { url: twilioUrl },
    },
    {
      scheme: 'hmac',
      secret: 'acme-secret',
      extra: [
        '--header',
        'X-Acme-Signature',
        '--algorithm',
        'sha512',
        '--encoding',
        'base64',
        '--prefix',
        'v=',
        '--timestamp-header',
        'X-Acme-Time',
      ],
      sign: {
        header: 'X-Acme-Signature',
        algorithm: 'sha512',
        encoding: 'base64',
        prefix: 'v=',
        timestampHeader: 'X-Acme-Time',
      },
    },
  ]

  it.each(cases)(
    'passes a request signed with $scheme and fails it with another secret',
    async (testCase) => {
      const headers = await sign({
        scheme: testCase.scheme,
        secret: testCase.secret,
        payload: body,
        timestamp: now,
        ...testCase.sign,
      })
      const flags = ['--scheme', testCase.scheme, '--now', String(now), ...(testCase.extra ?? [])]
      const pass = await runVerify([...flags, '--secret', testCase.secret], capture(headers, body))
      expect(pass.stderr).toBe('')
      expect(pass.stdout).toContain(`PASS  signature verified (${testCase.scheme})`)
      expect(pass.code).toBe(0)
      const fail = await runVerify(
        [...flags, '--secret', testCase.wrong ?? `${testCase.secret}x`, '--json'],
        capture(headers, body),
      )
      expect(fail.code).toBe(1)
      expect(JSON.parse(fail.stdout)).toMatchObject({ valid: false, code: 'bad_signature' })
    },
  )

  it('accepts any of several secrets, as during a rotation', async () => {
    const headers = await sign({ scheme: 'github', secret: 'new', payload: body })
    const result = await runVerify(
      ['--scheme', 'github', '--secret', 'old', '--secret', 'new'],
      capture(headers, body),
    )
    expect(result.code).toBe(0)
  })
})

describe('hookline verify diagnosis', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
  const flags = ['--scheme', 'standard-webhooks', '--secret', secret, '--now', String(now)]
  const signed = () => sign({ scheme: 'standard-webhooks', secret, payload: body, timestamp: now })

  it('suggests the scheme whose header the request carries', async () => {
    const headers = await sign({ scheme: 'stripe', secret: 'whsec_s', payload: body, timestamp: now })
    const result = await runVerify(flags, capture(headers, body))
    expect(result.stdout).toContain('FAIL  header webhook-id is missing')
    expect(result.stdout).toContain('Hint: This request carries stripe-signature: try --scheme stripe.')
  })

  it('finds a body that was pretty-printed or had its line endings converted after signing', async () => {
    const pretty = await runVerify(flags, capture(await signed(), JSON.stringify(JSON.parse(body), null, 2)))
    expect(pretty.stdout).toContain(
      'it passes with the JSON compacted: the body was re-formatted after it was signed',
    )
    const text = 'line 1\nline 2'
    const headers = await sign({ scheme: 'standard-webhooks', secret, payload: text, timestamp: now })
    const crlf = await runVerify(flags, capture(headers, text.replace(/\n/g, '\r\n')))
    expect(crlf.stdout).toContain('it passes with LF line endings in the body')
  })

  it('trims what follows Content-Length, says so, and passes', async () => {
    const headers = { ...(await signed()), 'Content-Length': String(Buffer.byteLength(body)) }
    const result = await runVerify(flags, `${capture(headers, body)}\n`)
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/note +1 byte\(s\) after the \d+ of Content-Length were ignored/)
  })

  it('asks for --url for Twilio, guessing it from the Host header and the request target', async () => {
    const result = await runVerify(['--scheme', 'twilio', '--secret', 't'], capture({}, 'A=1'))
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(
      '--url is required for twilio: the public URL Twilio called (probably https://api.example.com/hooks)',
    )
  })

  it('refuses a terminal on stdin and an unparseable request', async () => {
    const tty = Object.assign(Readable.from([]), { isTTY: true })
    const sink = { write: () => undefined }
    const code = await runGroup(verifyCommand, flags, { stdout: sink, stderr: sink, stdin: tty, env: {} })
    expect(code).toBe(2)
    const garbage = await runVerify(flags, 'hello world\n\nbody')
    expect(garbage.code).toBe(1)
    expect(garbage.stderr).toContain('line 1 is neither a request line')
  })
})
