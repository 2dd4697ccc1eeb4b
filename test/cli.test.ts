import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sign } from '@hookline/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI, eventually, GatewayProcess, TEST_API_KEY } from './support/gateway-process.js'
import { closedPort, Sink } from './support/sink.js'

interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs the built `hookline` with a clean environment (no inherited colour or key settings). */
function hookline(args: string[], options: { env?: Record<string, string>; input?: string } = {}) {
  return new Promise<CliResult>((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8')
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8')
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(options.input ?? '')
  })
}

const ESC = '\x1b'

describe('hookline client commands against a running server', () => {
  let gateway: GatewayProcess
  let sink: Sink
  let tmp: string
  let okEndpoint: string
  let failingEndpoint: string
  let cli: (args: string[], env?: Record<string, string>) => Promise<CliResult>

  beforeAll(async () => {
    // One attempt per delivery: a failing endpoint's deliveries are exhausted at once.
    gateway = await GatewayProcess.start({ env: { HOOKLINE_RETRY_SCHEDULE: '0' } })
    sink = await Sink.start((request, _index, response) => {
      if (request.path.startsWith('/fail')) response.writeHead(500).end('boom: database down')
      else response.writeHead(204).end()
    })
    tmp = mkdtempSync(join(tmpdir(), 'hookline-cli-'))
    const env = { HOOKLINE_URL: gateway.url, HOOKLINE_API_KEY: TEST_API_KEY }
    cli = (args, extra = {}) => hookline(args, { env: { ...env, ...extra } })
    const ok = await gateway.api('POST', '/v1/endpoints', { url: `${sink.url}/ok`, eventTypes: ['order.*'] })
    okEndpoint = ok.body.id
    const failing = await gateway.api('POST', '/v1/endpoints', {
      url: `${sink.url}/fail`,
      eventTypes: ['bulk.*'],
    })
    failingEndpoint = failing.body.id
  })
  afterAll(async () => {
    await gateway.cleanup()
    await sink.close()
    rmSync(tmp, { recursive: true, force: true })
  })

  it('answers --help (every subcommand is checked in registry.test.ts) and exits 2 with the way out on misuse', async () => {
    const [top, group, create, trigger, unknownSub, unknownFlag] = await Promise.all([
      hookline(['--help']),
      hookline(['deliveries', '--help']),
      hookline(['endpoints', 'create', '--help']),
      hookline(['trigger', '-h']),
      cli(['endpoints', 'frob']),
      cli(['events', 'list', '--tpye', 'x']),
    ])
    for (const name of ['trigger', 'endpoints', 'events', 'deliveries', 'sources', 'verify', 'serve']) {
      expect(top.stdout).toMatch(new RegExp(`^ {2}${name} `, 'm'))
    }
    expect(group).toMatchObject({ code: 0 })
    expect(group.stdout).toMatch(/^ {2}retry +schedule an immediate attempt/m)
    expect(create.code).toBe(0)
    expect(create.stdout.startsWith('Usage: hookline endpoints create URL [options]')).toBe(true)
    expect(create.stdout).toContain('--types LIST')
    expect(create.stdout).toContain('HOOKLINE_API_KEY')
    expect(trigger.stdout).toContain('--data JSON|@FILE')

    expect(unknownSub).toMatchObject({ code: 2, stdout: '' })
    expect(unknownSub.stderr).toContain('unknown command "endpoints frob"')
    expect(unknownSub.stderr).toContain('list, create, delete, test')
    expect(unknownFlag.code).toBe(2)
    expect(unknownFlag.stderr).toContain("Unknown option '--tpye'")
    expect(unknownFlag.stderr).toContain('Run `hookline events list --help` for usage.')
  })

  it('creates, lists, tests and deletes endpoints, as tables and as JSON', async () => {
    const [created, createdJson] = await Promise.all([
      cli(['endpoints', 'create', `${sink.url}/cli`, '--types', 'cli.*', '--header', 'X-Team: a']),
      cli(['endpoints', 'create', `${sink.url}/all`, '--json']),
    ])
    expect(created.code).toBe(0)
    const cliId = /Created endpoint (ep_\w+)/.exec(created.stdout)?.[1] as string
    expect(created.stdout).toMatch(/secret\s+whsec_[A-Za-z0-9+/=]+/)
    expect(created.stdout).toContain(`hookline endpoints test ${cliId}`)
    const all = JSON.parse(createdJson.stdout)
    expect(all).toMatchObject({ url: `${sink.url}/all`, eventTypes: null, disabled: false })
    expect(all.secret).toMatch(/^whsec_/)

    const [table, listed] = await Promise.all([
      cli(['endpoints', 'list']),
      cli(['endpoints', 'list', '--json']),
    ])
    expect(table.stdout.split('\n')[0]).toMatch(/^ID +URL +EVENT TYPES +STATE +AGE$/)
    expect(table.stdout).toMatch(new RegExp(`^${cliId} +${sink.url}/cli +cli\\.\\* +enabled +\\d+s$`, 'm'))
    expect(table.stdout).not.toContain(ESC)
    const page = JSON.parse(listed.stdout)
    expect(page.data.map((endpoint: { id: string }) => endpoint.id)).toEqual(
      expect.arrayContaining([cliId, all.id, okEndpoint, failingEndpoint]),
    )
    expect(page.nextCursor).toBeNull()

    const [tested, testedAll, failed, notReceived, secret] = await Promise.all([
      cli(['endpoints', 'test', cliId]),
      cli(['endpoints', 'test', all.id, '--json']),
      cli(['endpoints', 'test', failingEndpoint]),
      cli(['endpoints', 'test', cliId, '--type', 'invoice.paid']),
      cli(['endpoints', 'secret', all.id]),
    ])
    // A type from its list: cli.* → cli.test; the sink got exactly that event, with the header.
    expect(tested.code).toBe(0)
    expect(tested.stdout).toMatch(/Sent (evt_\w+) \(cli\.test\)/)
    expect(tested.stdout).toMatch(/succeeded: HTTP 204 in \d+ ms/)
    const eventId = /Sent (evt_\w+)/.exec(tested.stdout)?.[1]
    const received = sink.received.find((r) => r.path === '/cli' && r.headers['webhook-id'] === eventId)
    expect(received?.headers['x-team']).toBe('a')
    // Receiving every type: hookline.test.
    expect(testedAll.code).toBe(0)
    const outcome = JSON.parse(testedAll.stdout)
    expect(outcome.event.type).toBe('hookline.test')
    expect(outcome.delivery.attempts[0]).toMatchObject({ status: 'succeeded', statusCode: 204 })
    expect(failed.code).toBe(1)
    expect(failed.stdout).toContain('(bulk.test)')
    expect(failed.stdout).toMatch(/failed: HTTP 500 in \d+ ms/)
    expect(failed.stdout).toContain('boom: database down')
    expect(failed.stdout).toMatch(/Follow it: hookline deliveries show dlv_\w+/)
    expect(notReceived.code).toBe(2)
    expect(notReceived.stderr).toContain('does not receive invoice.paid (it receives cli.*)')
    expect(secret.stdout).toBe(`${all.secret}\n`)

    const deleted = await cli(['endpoints', 'delete', all.id, cliId])
    expect(deleted.stdout).toContain(`Deleted endpoint ${all.id}`)
    expect(deleted.stdout).toContain(`Deleted endpoint ${cliId}`)
    expect((await gateway.api('GET', `/v1/endpoints/${all.id}`)).status).toBe(404)
  })

  it('publishes with trigger from inline JSON and @file, then lists and shows the events', async () => {
    const inline = await cli(['trigger', 'order.shipped', '--data', '{"orderId":"ord_1"}'])
    expect(inline.code).toBe(0)
    const firstId = /Published (evt_\w+) \(order\.shipped\)/.exec(inline.stdout)?.[1] as string
    expect(inline.stdout).toContain(`hookline events show ${firstId}`)
    const file = join(tmp, 'order.json')
    writeFileSync(file, '{"orderId":"ord_2","items":[1,2]}\n')
    const [fromFileRun, badJson] = await Promise.all([
      cli(['trigger', 'order.shipped', '--data', `@${file}`, '--json']),
      cli(['trigger', 'order.shipped', '--data', '{orderId:1}']),
    ])
    const fromFile = JSON.parse(fromFileRun.stdout)
    expect(fromFile).toMatchObject({ type: 'order.shipped', data: { orderId: 'ord_2', items: [1, 2] } })
    expect(badJson.code).toBe(2)
    expect(badJson.stderr).toContain('--data: the value is not valid JSON')

    await eventually(
      async () =>
        (await gateway.api('GET', `/v1/events/${firstId}/deliveries`)).body.data[0]?.status === 'succeeded',
    )
    const [table, pageRun, more, shown, shownJson] = await Promise.all([
      cli(['events', 'list', '--type', 'order.shipped']),
      cli(['events', 'list', '--type', 'order.shipped', '--limit', '1', '--json']),
      cli(['events', 'list', '--type', 'order.shipped', '--limit', '1']),
      cli(['events', 'show', firstId]),
      cli(['events', 'show', firstId, '--json']),
    ])
    expect(table.stdout.split('\n')[0]).toMatch(/^ID +TYPE +SOURCE +DATA +AGE$/)
    expect(table.stdout).toMatch(new RegExp(`^${fromFile.id} +order\\.shipped +- +\\{"orderId":"ord_2"`, 'm'))
    const page = JSON.parse(pageRun.stdout)
    expect(page.data.map((event: { id: string }) => event.id)).toEqual([fromFile.id])
    expect(more.stdout).toContain(
      `More: hookline events list --type order.shipped --limit 1 --cursor ${page.nextCursor}`,
    )
    expect(shown.stdout).toContain(`Event ${firstId}`)
    expect(shown.stdout).toContain('"orderId": "ord_1"')
    expect(shown.stdout).toMatch(/Deliveries \(1\):\nID +ENDPOINT +STATUS +ATTEMPTS/)
    expect(shown.stdout).toMatch(/dlv_\w+ +ep_\w+ +succeeded +1 +HTTP 204/)
    expect(JSON.parse(shownJson.stdout)).toMatchObject({
      id: firstId,
      data: { orderId: 'ord_1' },
      deliveries: [{ status: 'succeeded', endpointId: okEndpoint }],
    })
  })

  it('lists deliveries by status, retries them one by one and in bulk, and recovers an endpoint', async () => {
    const endpoint = await gateway.api('POST', '/v1/endpoints', {
      url: `${sink.url}/fail-bulk`,
      eventTypes: ['retry.*'],
    })
    const bulkEndpoint: string = endpoint.body.id
    for (let i = 0; i < 3; i++) await gateway.api('POST', '/v1/events', { type: 'retry.item', data: { i } })
    const exhausted = `/v1/deliveries?status=exhausted&endpointId=${bulkEndpoint}`
    await eventually(async () => (await gateway.api('GET', exhausted)).body.data.length === 3)
    const attemptsAre = (count: number) =>
      eventually(async () => {
        const { body } = await gateway.api('GET', `/v1/deliveries?endpointId=${bulkEndpoint}`)
        return body.data.every((delivery: { attemptCount: number }) => delivery.attemptCount === count)
      })

    const filter = ['--status', 'exhausted', '--endpoint', bulkEndpoint]
    const [table, listedRun] = await Promise.all([
      cli(['deliveries', 'list', ...filter]),
      cli(['deliveries', 'list', ...filter, '--json']),
    ])
    expect(table.stdout.split('\n')[0]).toMatch(
      /^ID +EVENT +ENDPOINT +STATUS +ATTEMPTS +LAST RESULT +NEXT ATTEMPT +AGE$/,
    )
    expect(table.stdout.match(new RegExp(` ${bulkEndpoint} +exhausted +1 +HTTP 500 `, 'g'))).toHaveLength(3)
    const listed = JSON.parse(listedRun.stdout)
    expect(listed.data).toHaveLength(3)
    expect(listed.data.every((delivery: { status: string }) => delivery.status === 'exhausted')).toBe(true)
    const [first] = listed.data

    const shown = await cli(['deliveries', 'show', first.id])
    expect(shown.stdout).toMatch(/^ATTEMPT +AT +RESULT +HTTP +LATENCY +ERROR$/m)
    expect(shown.stdout).toMatch(/att_\w+ +\S+ +failed +500 +\d+ ms/)
    expect(shown.stdout).toContain('boom: database down')

    const bulk = await cli(['deliveries', 'retry', ...filter])
    expect(bulk.code).toBe(0)
    expect(bulk.stdout).toContain('Scheduled 3 of 3 deliveries for an immediate attempt')
    expect(bulk.stderr).toBe('') // no progress bar in a pipe
    await attemptsAre(2)

    const [single, nothing, missing, both] = await Promise.all([
      cli(['deliveries', 'retry', first.id, '--json']),
      cli(['deliveries', 'retry', '--status', 'exhausted', '--endpoint', 'ep_none']),
      cli(['deliveries', 'retry', 'dlv_missing']),
      cli(['deliveries', 'retry', first.id, '--status', 'failed']),
    ])
    expect(JSON.parse(single.stdout)).toEqual({ retried: [first.id], failed: [] })
    expect(nothing).toMatchObject({
      code: 0,
      stdout: 'Nothing to retry: no deliveries match --status exhausted --endpoint ep_none.\n',
    })
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('dlv_missing: not found')
    expect(both.code).toBe(2)
    await eventually(
      async () => (await gateway.api('GET', `/v1/deliveries/${first.id}`)).body.attemptCount === 3,
    )

    // Recovering needs an enabled endpoint; the refusal names the command that fixes it.
    expect((await cli(['endpoints', 'disable', bulkEndpoint])).stdout).toContain(
      `Disabled endpoint ${bulkEndpoint}`,
    )
    const refused = await cli(['endpoints', 'recover', bulkEndpoint, '--since', '1h'])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain(`cannot recover ${bulkEndpoint}: it is disabled`)
    expect(refused.stderr).toContain(`Enable it first: hookline endpoints enable ${bulkEndpoint}`)
    expect((await cli(['endpoints', 'enable', bulkEndpoint])).stdout).toContain(
      `Enabled endpoint ${bulkEndpoint}`,
    )
    const recovered = await cli(['endpoints', 'recover', bulkEndpoint, '--since', '1h', '--json'])
    expect(JSON.parse(recovered.stdout)).toMatchObject({ endpointId: bulkEndpoint, recovered: 3 })
  })

  it('creates and lists sources with their ingest URL', async () => {
    const created = await cli([
      'sources',
      'create',
      'github-in',
      '--scheme',
      'github',
      '--secret',
      'gh-secret',
    ])
    expect(created.code).toBe(0)
    expect(created.stdout).toMatch(/Created source src_\w+/)
    expect(created.stdout).toContain(`ingest URL  ${gateway.url}/in/github-in`)
    expect(created.stdout).not.toContain('gh-secret')
    const hmac = await cli([
      ...['sources', 'create', 'acme', '--scheme', 'hmac', '--secret', 's3', '--header', 'X-Acme-Signature'],
      ...['--prefix', 'sha256=', '--event-type-from', 'header:X-Acme-Event', '--id-from', '/id', '--json'],
    ])
    expect(JSON.parse(hmac.stdout)).toMatchObject({
      name: 'acme',
      verifier: { scheme: 'hmac', header: 'X-Acme-Signature', prefix: 'sha256=' },
      eventType: { header: 'X-Acme-Event' },
      idempotencyKey: { pointer: '/id' },
      ingestUrl: `${gateway.url}/in/acme`,
    })

    const [table, listedRun, wrongScheme] = await Promise.all([
      cli(['sources', 'list']),
      cli(['sources', 'list', '--json']),
      cli(['sources', 'create', 'x', '--scheme', 'paypal', '--secret', 's']),
    ])
    expect(table.stdout.split('\n')[0]).toMatch(
      /^ID +NAME +SCHEME +INGEST URL +ACCEPTED +DUPLICATES +REJECTED/,
    )
    expect(table.stdout).toMatch(
      new RegExp(`^src_\\w+ +github-in +github +${gateway.url}/in/github-in +0 +0 +0`, 'm'),
    )
    const listed = JSON.parse(listedRun.stdout)
    expect(listed.data.map((source: { ingestUrl: string }) => source.ingestUrl)).toEqual([
      `${gateway.url}/in/acme`,
      `${gateway.url}/in/github-in`,
    ])
    expect(wrongScheme.code).toBe(2)
    expect(wrongScheme.stderr).toContain('--scheme must be one of standard-webhooks, stripe')
  })

  it('explains a wrong key, a server that is not running, a missing id and invalid data', async () => {
    await gateway.api('POST', '/v1/event-types', {
      name: 'invoice.paid',
      schema: { type: 'object', required: ['amount'], properties: { amount: { type: 'integer' } } },
    })
    const url = `http://127.0.0.1:${await closedPort()}`
    const [wrongKey, down, noKey, missing, invalid] = await Promise.all([
      cli(['endpoints', 'list'], { HOOKLINE_API_KEY: 'wrong-key-0123456789' }),
      cli(['events', 'list', '--url', url]),
      hookline(['events', 'list'], { env: { HOOKLINE_URL: gateway.url } }),
      cli(['events', 'show', 'evt_missing']),
      cli(['trigger', 'invoice.paid', '--data', '{"amount":"ten"}']),
    ])
    expect(wrongKey.code).toBe(1)
    expect(wrongKey.stderr).toContain(`the server at ${gateway.url} refused the API key (401 unauthorized)`)
    expect(wrongKey.stderr).toContain('Check --api-key / HOOKLINE_API_KEY')
    expect(wrongKey.stderr).not.toContain('wrong-key-0123456789')

    expect(down.code).toBe(1)
    expect(down.stderr).toContain(`cannot connect to ${url}: connection refused`)
    expect(down.stderr).toContain(
      `Is \`hookline serve\` running at ${url}? If not, start it with \`npm start\``,
    )

    expect(noKey.code).toBe(2)
    expect(noKey.stderr).toContain('no API key: pass --api-key or set HOOKLINE_API_KEY')

    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('not found')
    expect(missing.stderr).toContain('hookline endpoints list')

    expect(invalid.code).toBe(1)
    expect(invalid.stderr).toMatch(/the server rejected the request: .*\n {2}\/data\/amount: must be integer/)
  })

  it('colours tables only on a terminal or with FORCE_COLOR, never with NO_COLOR or --json', async () => {
    const [forced, noColor, json] = await Promise.all([
      cli(['endpoints', 'list'], { FORCE_COLOR: '1' }),
      cli(['endpoints', 'list'], { FORCE_COLOR: '1', NO_COLOR: '1' }),
      cli(['endpoints', 'list', '--json'], { FORCE_COLOR: '1' }),
    ])
    expect(forced.stdout).toContain(`${ESC}[32menabled${ESC}[39m`)
    expect(noColor.stdout).not.toContain(ESC)
    expect(noColor.stdout).toContain('enabled')
    expect(json.stdout).not.toContain(ESC)
  })
})

describe('hookline verify with requests signed by the SDK', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
  const body = JSON.stringify({ type: 'order.shipped', data: { orderId: 'ord_1' } })
  const now = 1_767_225_600
  const capture = (headers: Record<string, string>, payload = body) =>
    `POST /webhooks HTTP/1.1\r\nHost: agent.example.com\r\nContent-Type: application/json\r\n${Object.entries(
      headers,
    )
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('')}\r\n${payload}`
  /** `hookline verify` for Standard Webhooks at a fixed time, with `secret` unless another is given. */
  const verify = (input: string, ...extra: string[]) =>
    hookline(
      [
        ...['verify', '--scheme', 'standard-webhooks', '--now', String(now)],
        ...(extra.includes('--secret') ? [] : ['--secret', secret]),
        ...extra,
      ],
      { input },
    )
  const signed = (timestamp = now) =>
    sign({ scheme: 'standard-webhooks', secret, payload: body, id: 'msg_1', timestamp })

  it('passes a valid request with exit 0, as text and as JSON', async () => {
    const headers = await signed(now - 12)
    const [pass, json] = await Promise.all([verify(capture(headers)), verify(capture(headers), '--json')])
    expect(pass.code).toBe(0)
    expect(pass.stdout).toContain('PASS  signature verified (standard-webhooks)')
    expect(pass.stdout).toMatch(/id +msg_1/)
    expect(pass.stdout).toContain('(12 s old; the window is 300 s)')
    expect(json.code).toBe(0)
    expect(JSON.parse(json.stdout)).toEqual({
      valid: true,
      scheme: 'standard-webhooks',
      id: 'msg_1',
      timestamp: now - 12,
      bodyBytes: body.length,
      notes: [],
    })
  })

  it('says which header is missing or malformed, with exit 1', async () => {
    const { 'webhook-signature': _, ...withoutSignature } = await signed()
    const [missing, malformed] = await Promise.all([
      verify(capture(withoutSignature)),
      verify(capture({ ...(await signed()), 'webhook-signature': 'nonsense' })),
    ])
    expect(missing.code).toBe(1)
    expect(missing.stdout).toContain('FAIL  header webhook-signature is missing')
    expect(missing.stdout).toContain('headers present: host, content-type, webhook-id, webhook-timestamp')
    expect(malformed.code).toBe(1)
    expect(malformed.stdout).toContain('FAIL  malformed header webhook-signature')
  })

  it('says how far the timestamp is outside the window, in both directions', async () => {
    const [old, ahead] = await Promise.all([
      verify(capture(await signed(now - 412))),
      verify(capture(await signed(now + 400)), '--json'),
    ])
    expect(old.code).toBe(1)
    expect(old.stdout).toContain('FAIL  timestamp is 412 s old; the window is 300 s')
    expect(old.stdout).toContain('the signature itself is valid')
    expect(old.stdout).toContain(`--now ${now - 412}`)
    expect(ahead.code).toBe(1)
    expect(JSON.parse(ahead.stdout)).toMatchObject({
      valid: false,
      code: 'timestamp_out_of_range',
      reason: 'timestamp is 400 s in the future; the window is 300 s',
    })
  })

  it('reports a signature mismatch, the newline an editor added, and a malformed secret', async () => {
    const request = capture(await signed())
    const [wrongSecret, newline, invalidSecret] = await Promise.all([
      verify(request, '--secret', 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'),
      verify(`${request}\n`),
      verify(request, '--secret', 'not base64!'),
    ])
    expect(wrongSecret.code).toBe(1)
    expect(wrongSecret.stdout).toContain(
      'FAIL  signature mismatch: no signature matches this body and secret',
    )
    expect(newline.code).toBe(1)
    expect(newline.stdout).toContain('it passes without the newline at the end of the body')
    expect(invalidSecret.code).toBe(1)
    expect(invalidSecret.stdout).toContain('FAIL  invalid secret')
  })

  it('rejects wrong usage with exit 2 before reading the request', async () => {
    const [noSecret, badScheme, empty] = await Promise.all([
      hookline(['verify', '--scheme', 'github'], { input: 'x' }),
      hookline(['verify', '--scheme', 'paypal', '--secret', 'x'], { input: 'x' }),
      hookline(['verify', '--scheme', 'github', '--secret', 'x'], { input: '' }),
    ])
    expect(noSecret.code).toBe(2)
    expect(noSecret.stderr).toContain('--secret is required')
    expect(badScheme.code).toBe(2)
    expect(badScheme.stderr).toContain('--scheme must be one of standard-webhooks, stripe, github, shopify')
    expect(empty.code).toBe(1)
    expect(empty.stderr).toContain('stdin is empty')
  })
})
