import { existsSync, mkdirSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { resolve } from 'node:path'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, GatewayProcess, TEST_API_KEY } from './support/gateway-process.js'
import { Sink } from './support/sink.js'

/** Debian's Chromium, installed by .ci/run when missing; locally the test skips without it. */
const CHROMIUM = '/usr/bin/chromium'
const SCREENSHOTS = resolve(import.meta.dirname, '../test-results')
const haveChromium = existsSync(CHROMIUM)
const inCi = Boolean(process.env.CI)
if (!haveChromium && !inCi) {
  console.warn(
    `dashboard browser test skipped: ${CHROMIUM} is not installed (apt-get install -y chromium); ` +
      'it fails instead of skipping when CI is set',
  )
}

// An attacker-controlled payload: it must show up as text, never as markup.
const HOSTILE = '<img src=x onerror="document.title=\'pwned\'"><script>document.title="pwned"</script>'

/** The browser's locale and zone (fixed, so the dates the dashboard shows can be asserted). */
const LOCALE = 'en-US'
const TIME_ZONE = 'UTC'
/** What the dashboard's `timeEl` shows for `iso` in that locale and zone, spaces normalised. */
const shownTime = (iso: string) =>
  new Intl.DateTimeFormat(LOCALE, { dateStyle: 'medium', timeStyle: 'medium', timeZone: TIME_ZONE })
    .format(new Date(iso))
    .replace(/\s+/g, ' ')
const normalised = (text: string | null) => (text ?? '').replace(/\s+/g, ' ').trim()

/** A legacy system with a REST status endpoint and nothing else, on loopback: what a poller polls. */
function legacyApi() {
  const state = { status: 'queued' }
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' })
    response.end(JSON.stringify({ jobs: [{ id: 'job-1', status: state.status }] }))
  })
  return { state, server }
}

describe.skipIf(!haveChromium && !inCi)('dashboard in a real browser', () => {
  let gateway: GatewayProcess
  let sink: Sink
  const legacy = legacyApi()
  let legacyUrl = ''
  let browser: Browser
  let context: BrowserContext
  let page: Page
  const requests: string[] = []
  const problems: string[] = []
  let eventId = ''
  let deliveryId = ''
  let endpointId = ''

  const shot = (name: string, fullPage = false) =>
    page.screenshot({ path: resolve(SCREENSHOTS, `dashboard-${name}.png`), fullPage })
  const heading = (name: string) => page.getByRole('heading', { level: 1, name, exact: true })
  const status = () => page.getByRole('status')
  // The root tsconfig has no DOM types: page-side code is passed as an expression.
  const storedKey = () => page.evaluate<string | null>("sessionStorage.getItem('hookline.apiKey')")

  beforeAll(async () => {
    if (!haveChromium)
      throw new Error(`${CHROMIUM} is missing: CI must install it (apt-get install -y chromium)`)
    mkdirSync(SCREENSHOTS, { recursive: true })
    // The endpoint fails once, then succeeds: the failed attempt is what the operator retries.
    sink = await Sink.start((_request, index, response) => {
      if (index === 0) response.writeHead(500, { 'content-type': 'text/plain' }).end('sink is down')
      else response.writeHead(200, { 'content-type': 'text/plain' }).end('ok')
    })
    // The second scheduled attempt is an hour away, so only the dashboard's retry can make it.
    gateway = await GatewayProcess.start({ env: { HOOKLINE_RETRY_SCHEDULE: '0,1h' } })
    await new Promise<void>((resolveListen) => legacy.server.listen(0, '127.0.0.1', resolveListen))
    legacyUrl = `http://127.0.0.1:${(legacy.server.address() as AddressInfo).port}/api/transformations`

    await gateway.api('POST', '/v1/event-types', {
      name: 'order.shipped',
      description: 'An order left the warehouse',
      schema: {
        type: 'object',
        required: ['orderId'],
        properties: { orderId: { type: 'string' }, note: { type: 'string' } },
      },
    })
    const endpoint = await gateway.api('POST', '/v1/endpoints', {
      url: `${sink.url}/hooks`,
      eventTypes: ['order.*'],
      description: 'fulfilment agent',
    })
    expect(endpoint.status).toBe(201)
    endpointId = endpoint.body.id
    const source = await gateway.api('POST', '/v1/sources', {
      name: 'shop',
      verifier: { scheme: 'hmac', secret: 'source-secret', header: 'x-signature' },
    })
    expect(source.status).toBe(201)
    const unsigned = await fetch(`${gateway.url}/in/shop`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"hello":"world"}',
    })
    expect(unsigned.status).toBe(401)

    const published = await gateway.api('POST', '/v1/events', {
      type: 'order.shipped',
      data: { orderId: 'ORD-1', note: HOSTILE },
    })
    expect(published.status).toBe(202)
    eventId = published.body.id
    const failedOnce = await eventually(async () => {
      const { body } = await gateway.api('GET', `/v1/deliveries?eventId=${eventId}`)
      const delivery = body.data[0]
      return delivery?.attemptCount === 1 ? delivery : undefined
    })
    deliveryId = failedOnce.id

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    })
    context = await browser.newContext({
      viewport: { width: 1366, height: 768 },
      locale: LOCALE,
      timezoneId: TIME_ZONE,
    })
    page = await context.newPage()
    page.setDefaultTimeout(10_000)
    page.on('request', (request) => requests.push(request.url()))
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
    page.on('console', (message) => {
      // A 401 from the API is logged by Chromium as a failed resource; it is expected below.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
        problems.push(`console: ${message.text()}`)
      }
    })
  })

  afterAll(async () => {
    await browser?.close()
    await gateway?.cleanup()
    await sink?.close()
    if (legacy.server.listening) {
      legacy.server.closeAllConnections()
      await new Promise<void>((resolveClose) => legacy.server.close(() => resolveClose()))
    }
  })

  it('serves the dashboard at / without a key, with strict security headers, outside the API docs', async () => {
    const response = await fetch(`${gateway.url}/`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toContain('text/html')
    const csp = response.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("default-src 'self'")
    expect(csp).toContain("script-src 'self'")
    expect(csp).not.toContain('unsafe-inline')
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    expect(response.headers.get('referrer-policy')).toBe('no-referrer')
    expect(response.headers.get('x-frame-options')).toBe('DENY')
    const html = await response.text()
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)
    expect(html).not.toMatch(/https?:\/\//)

    const app = await fetch(`${gateway.url}/app.js`)
    expect(app.headers.get('content-type')).toContain('javascript')
    const document = (await (await fetch(`${gateway.url}/openapi.json`)).json()) as { paths: object }
    expect(Object.keys(document.paths).filter((path) => !path.startsWith('/v1'))).not.toContain('/')
    expect(Object.keys(document.paths).some((path) => /\.(js|css|html)$/.test(path))).toBe(false)
    // The API keeps its own 404s: the dashboard adds no catch-all route.
    expect((await fetch(`${gateway.url}/no-such-page`)).status).toBe(404)
  })

  it('signs in with an API key kept in sessionStorage only', async () => {
    await page.goto(`${gateway.url}/`)
    await heading('Sign in to Hookline').waitFor()
    const keyInput = page.getByLabel('API key')
    expect(await keyInput.getAttribute('type')).toBe('password')
    expect(await keyInput.getAttribute('autocomplete')).toBe('off')

    await keyInput.fill('not-the-key-0123456789')
    await keyInput.press('Enter')
    await page.getByText('That API key was not accepted').waitFor()
    await shot('01-sign-in-rejected')

    await keyInput.fill(TEST_API_KEY)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await heading('Overview').waitFor()
    await page.getByText('Events, last hour').waitFor()
    await page.getByText(/^Updated /).waitFor()
    expect(await storedKey()).toBe(TEST_API_KEY)
    expect(await page.evaluate<number>('localStorage.length')).toBe(0)
    // The endpoint failed once and waits for a retry: the overview lists it as failing.
    const failing = page.getByRole('table', { name: 'Failing endpoints' })
    await failing.getByRole('link', { name: `${sink.url}/hooks` }).waitFor()
    await shot('02-overview')
  })

  it('shows the published event, its payload as text, and its delivery', async () => {
    await page.getByRole('link', { name: 'Events', exact: true }).click()
    await heading('Events').waitFor()
    const row = page.getByRole('row').filter({ hasText: eventId })
    await row.waitFor()
    expect(await row.textContent()).toContain('order.shipped')
    await shot('03-events')

    await page.getByRole('link', { name: eventId }).click()
    await heading(`Event ${eventId}`).waitFor()
    const payload = page.getByRole('region', { name: 'Payload' }).locator('pre')
    await payload.waitFor()
    const shown = JSON.parse((await payload.textContent()) ?? 'null')
    expect(shown).toEqual({ orderId: 'ORD-1', note: HOSTILE })
    expect(await page.locator('main img, main script').count()).toBe(0)
    expect(await page.title()).not.toBe('pwned')
    const delivery = page.getByRole('row').filter({ hasText: deliveryId })
    await delivery.waitFor()
    expect(await delivery.textContent()).toContain('pending')
    expect(await delivery.textContent()).toContain('HTTP 500')
    await shot('04-event', true)
  })

  it('opens the delivery, retries it and shows the new attempt', async () => {
    await page.getByRole('link', { name: deliveryId }).click()
    await heading(`Delivery ${deliveryId}`).waitFor()
    const attempts = page.getByRole('table', { name: 'Attempts, oldest first' })
    await attempts.getByRole('cell', { name: '500', exact: true }).waitFor()
    expect(await attempts.locator('tbody tr').count()).toBe(1)
    await attempts.getByText(/^Show \(/).click()
    await attempts.getByText('sink is down').waitFor()
    await shot('05-delivery-failed')

    await page.getByRole('button', { name: 'Retry now' }).click()
    await status().getByText(`Retry scheduled for delivery ${deliveryId}`).waitFor()
    // The page polls the delivery: the second attempt appears without a reload.
    await attempts.getByRole('cell', { name: '200', exact: true }).waitFor()
    expect(await attempts.locator('tbody tr').count()).toBe(2)
    await page.locator('.details').getByText('succeeded').waitFor()
    await shot('06-delivery-retried', true)

    const { body } = await gateway.api('GET', `/v1/deliveries/${deliveryId}`)
    expect(body.status).toBe('succeeded')
    expect(body.attempts.map((attempt: { statusCode: number }) => attempt.statusCode)).toEqual([500, 200])
    expect(sink.received).toHaveLength(2)
    expect(sink.received[1]?.headers['webhook-id']).toBe(eventId)
  })

  it('shows endpoint health and runs endpoint actions with a confirmation', async () => {
    await page.getByRole('link', { name: 'Endpoints', exact: true }).click()
    await heading('Endpoints').waitFor()
    await page.getByRole('img', { name: /Success rate over the last hour: 100%/ }).waitFor()
    await page.getByRole('img', { name: /Attempt latency over the last hour/ }).waitFor()
    await shot('07-endpoints')

    await page.getByRole('link', { name: `${sink.url}/hooks` }).click()
    await heading(`${sink.url}/hooks`).waitFor()
    await page.getByText(endpointId, { exact: true }).waitFor()
    await page.getByRole('button', { name: 'Send test event' }).click()
    await status()
      .getByText(/Published test event evt_\S+ \(order\.test\)/)
      .waitFor()
    await eventually(async () => sink.received.length === 3)
    expect(JSON.parse(sink.received[2]?.body ?? '{}').type).toBe('order.test')

    await page.getByRole('button', { name: 'Rotate secret' }).click()
    await status().getByText('Rotated the signing secret').waitFor()
    expect(await page.locator('.secret-value').textContent()).toMatch(/^whsec_/)
    await shot('08-endpoint', true)
  })

  it('lists sources with their ingest URL and rejection log, and event types with schemas', async () => {
    await page.getByRole('link', { name: 'Sources', exact: true }).click()
    await heading('Sources').waitFor()
    await page.getByText(`${gateway.url}/in/shop`).waitFor()
    await shot('09-sources')
    await page.getByRole('link', { name: 'shop', exact: true }).click()
    await heading('Source shop').waitFor()
    const log = page.getByRole('table', { name: 'Rejected requests, newest first' })
    expect(await log.locator('tbody tr').count()).toBe(1)
    await shot('10-source')

    await page.getByRole('link', { name: 'Event types', exact: true }).click()
    await heading('Event types').waitFor()
    await page.getByText('JSON Schema (2 properties)').click()
    await page.getByText('"orderId"').first().waitFor()
    await shot('11-event-types')
  })

  it('lists a poller with its URL, interval, last run and last change', async () => {
    const created = await gateway.api('POST', '/v1/pollers', {
      url: legacyUrl,
      intervalSeconds: 1,
      eventType: 'legacy.transformation.updated',
      itemsFrom: '/jobs',
      idFrom: '/id',
      changeFrom: '/status',
    })
    expect(created.status).toBe(201)
    const pollerId: string = created.body.id
    const poller = async () => (await gateway.api('GET', `/v1/pollers/${pollerId}`)).body
    // The first poll is the baseline; then the legacy state changes and a later poll sees it.
    await eventually(async () => (await poller()).lastRunAt !== null)
    legacy.state.status = 'done'
    const changed = await eventually(async () => {
      const current = await poller()
      return current.lastChangeAt !== null ? current : undefined
    })
    const events = await gateway.api('GET', '/v1/events?type=legacy.transformation.updated')
    expect(events.body.data.map((event: { data: { item: unknown } }) => event.data.item)).toEqual([
      { id: 'job-1', status: 'done' },
    ])

    await page.getByRole('link', { name: 'Pollers', exact: true }).click()
    await heading('Pollers').waitFor()
    const list = page.getByRole('region', { name: 'Pollers' })
    const row = list.getByRole('row').filter({ hasText: legacyUrl })
    await row.waitFor()
    const header = (await list.getByRole('columnheader').allTextContents()).map(normalised)
    const cell = (name: string) => {
      expect(header, `the ${name} column`).toContain(name)
      return row.getByRole('cell').nth(header.indexOf(name))
    }
    // The text as rendered on screen, whitespace normalised.
    // biome-ignore lint/performance/useDomNodeTextContent: the visible text is what is asserted
    const shown = async (name: string) => normalised(await cell(name).innerText())
    expect(await shown('URL')).toBe(legacyUrl)
    expect(await shown('Every')).toBe('1 s')
    expect(await shown('Publishes')).toBe('legacy.transformation.updated')
    expect(await shown('Last error')).toBe('none')
    // The last change is the poll that saw "done"; no poll has changed anything since.
    expect(await shown('Last change')).toBe(shownTime(changed.lastChangeAt))
    // The poller runs every second: the page shows a run no older than the one that saw the
    // change and no newer than the one read afterwards.
    const runAt = (await cell('Last run').locator('time').getAttribute('datetime')) ?? ''
    const [runText, outcome] = (await shown('Last run')).split(' · ')
    const after = await poller()
    expect(after.lastChangeAt).toBe(changed.lastChangeAt)
    expect(Date.parse(runAt)).toBeGreaterThanOrEqual(Date.parse(changed.lastRunAt))
    expect(Date.parse(runAt)).toBeLessThanOrEqual(Date.parse(after.lastRunAt))
    expect(runText).toBe(shownTime(runAt))
    expect(outcome).toMatch(/^(changed|unchanged|not_modified)$/)
    await shot('12-pollers')

    // The page follows the pollers while it is shown: a new change appears without reloading.
    legacy.state.status = 'archived'
    const changedAgain = await eventually(async () => {
      const current = await poller()
      return current.lastChangeAt !== changed.lastChangeAt ? current : undefined
    })
    await cell('Last change').getByText(shownTime(changedAgain.lastChangeAt)).waitFor({ timeout: 15_000 })
  })

  it('returns to sign-in when the API rejects the key', async () => {
    await page.evaluate("sessionStorage.setItem('hookline.apiKey', 'revoked-key-0123456789')")
    await page.getByRole('link', { name: 'Deliveries', exact: true }).click()
    await heading('Sign in to Hookline').waitFor()
    await page.getByText(/The server answered 401/).waitFor()
    expect(await storedKey()).toBeNull()
    await shot('13-signed-out-401')
  })

  it('made no request to any host but the server, and raised no page or CSP error', () => {
    const origin = new URL(gateway.url).origin
    expect(requests.length).toBeGreaterThan(10)
    expect(requests.filter((url) => new URL(url).origin !== origin)).toEqual([])
    expect(problems).toEqual([])
  })
})
