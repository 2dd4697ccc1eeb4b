// DOM helpers. Everything the API returns is data an attacker may control (event payloads,
// response bodies, error messages), so it only ever reaches the page as text nodes and
// attribute values set through DOM APIs: no HTML string is ever parsed.

/**
 * `h('a', { href, class, onClick }, 'text', child)`. Strings and numbers become text nodes;
 * null, undefined and false children are skipped; arrays are flattened.
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue
    if (name === 'class') element.className = value
    else if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2).toLowerCase(), value)
    } else if (name === 'value') element.value = value
    else if (value === true) element.setAttribute(name, '')
    else element.setAttribute(name, String(value))
  }
  append(element, children)
  return element
}

function append(parent, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue
    if (Array.isArray(child)) append(parent, child)
    else if (child instanceof Node) parent.append(child)
    else parent.append(document.createTextNode(String(child)))
  }
}

/** Replaces the children of `element`. */
export function replace(element, ...children) {
  element.replaceChildren()
  append(element, children)
  return element
}

let nextId = 0
export const uid = (prefix) => `${prefix}-${++nextId}`

// --- formatting --------------------------------------------------------------------------

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' })

export function formatTime(iso) {
  if (!iso) return '—'
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? String(iso) : dateTime.format(date)
}

export function timeEl(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—')
  return h('time', { datetime: iso, title: iso }, formatTime(iso))
}

/** Relative time (`3 min ago`), with the full date in the tooltip and `datetime`. */
export function timeAgo(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—')
  return h('time', { datetime: iso, title: formatTime(iso) }, relative(iso))
}

export function relative(iso, now = Date.now()) {
  if (!iso) return '—'
  const seconds = Math.round((Date.parse(iso) - now) / 1000)
  const abs = Math.abs(seconds)
  if (abs < 5) return 'just now'
  const [value, unit] =
    abs < 60 ? [abs, 's'] : abs < 3600 ? [Math.round(abs / 60), 'min'] : [Math.round(abs / 3600), 'h']
  return seconds >= 0 ? `in ${value} ${unit}` : `${value} ${unit} ago`
}

export const percent = (ratio) => (ratio === null ? '—' : `${Math.round(ratio * 1000) / 10}%`)
export const ms = (value) => (value === null ? '—' : `${Math.round(value)} ms`)

export function pretty(value) {
  try {
    return JSON.stringify(value, null, 2) ?? String(value)
  } catch {
    return String(value)
  }
}

/** A one-line, length-capped preview of a JSON value. */
export function preview(value, max = 90) {
  const text = JSON.stringify(value) ?? ''
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

/** The last outcome of a delivery in words: `HTTP 500 · connection reset`. */
export function outcome(delivery) {
  const parts = []
  if (delivery.lastStatusCode !== null) parts.push(`HTTP ${delivery.lastStatusCode}`)
  // The dispatcher's error for a non-2xx answer is often just `HTTP 500` again.
  if (delivery.lastError && delivery.lastError !== parts[0]) parts.push(delivery.lastError)
  return parts.length === 0 ? '—' : parts.join(' · ')
}

/** `datetime-local` inputs speak local wall time; the API speaks ISO 8601. */
export function toLocalInput(iso) {
  if (!iso) return ''
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return ''
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000)
  return local.toISOString().slice(0, 16)
}

export function fromLocalInput(value) {
  if (!value) return undefined
  const date = new Date(value)
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString()
}

// --- building blocks ---------------------------------------------------------------------

export const link = (href, ...children) => h('a', { href }, ...children)
export const code = (text) => h('code', {}, text)

export function badge(status) {
  return h('span', { class: `badge badge-${String(status).replace(/[^a-z]/g, '')}` }, status)
}

export function pageHeader(title, ...extra) {
  return h('div', { class: 'page-header' }, h('h1', { tabindex: '-1' }, title), ...extra)
}

export function section(title, ...children) {
  const headingId = uid('section')
  return h('section', { 'aria-labelledby': headingId }, h('h2', { id: headingId }, title), ...children)
}

/** A `<dl>` of [term, description] pairs. */
export function details(pairs) {
  return h(
    'dl',
    { class: 'details' },
    pairs.map(([term, description]) => h('div', {}, h('dt', {}, term), h('dd', {}, description))),
  )
}

/**
 * A semantic table. `columns` are `{ header, cell(row) }`; the wrapper scrolls sideways on
 * narrow screens and can be focused so keyboard users can scroll it too.
 */
export function table({ caption, columns, rows, empty = 'Nothing to show.' }) {
  const body =
    rows.length === 0
      ? [h('tr', {}, h('td', { colspan: String(columns.length), class: 'empty' }, empty))]
      : rows.map((row) =>
          h(
            'tr',
            {},
            columns.map((column) => h('td', { class: column.className }, column.cell(row))),
          ),
        )
  return h(
    'div',
    { class: 'table-wrap', role: 'region', 'aria-label': caption, tabindex: '0' },
    h(
      'table',
      {},
      h('caption', {}, caption),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          columns.map((column) => h('th', { scope: 'col', class: column.className }, column.header)),
        ),
      ),
      h('tbody', {}, body),
    ),
  )
}

/** A labelled form control; `control` gets the id the label points at. */
export function field(label, control, hint) {
  control.id ||= uid('field')
  const hintNode = hint ? h('span', { class: 'hint', id: `${control.id}-hint` }, hint) : null
  if (hintNode) control.setAttribute('aria-describedby', hintNode.id)
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hintNode)
}

export function select(name, options, selected) {
  return h(
    'select',
    { name },
    options.map(([value, text]) => h('option', { value, selected: value === selected }, text)),
  )
}

/** A `<pre>` of (pretty) JSON or text, with a copy button. */
export function codeBlock(text, label) {
  return h(
    'div',
    { class: 'code-block' },
    h('pre', { tabindex: '0', 'aria-label': label }, text),
    copyButton(text, `Copy ${label.toLowerCase()}`),
  )
}

export function copyButton(text, label = 'Copy') {
  return h(
    'button',
    {
      type: 'button',
      class: 'button-small',
      onClick: async () => {
        try {
          await navigator.clipboard.writeText(text)
          announce(`Copied to the clipboard: ${label.replace(/^Copy /, '')}.`)
        } catch {
          showError(new Error('The browser refused access to the clipboard; select the text and copy it.'))
        }
      },
    },
    label,
  )
}

// --- live regions ------------------------------------------------------------------------

const statusRegion = () => document.getElementById('status')
const alertRegion = () => document.getElementById('alert')

/** Confirms what an action did, politely, in the status region (screen readers read it). */
export function announce(message) {
  const region = statusRegion()
  replace(
    region,
    h(
      'div',
      { class: 'message-body' },
      h('p', {}, message),
      h('button', { type: 'button', class: 'button-small', onClick: clearMessages }, 'Dismiss'),
    ),
  )
}

/** Shows an API error (its problem+json `detail` and field errors) in the alert region. */
export function showError(error) {
  const region = alertRegion()
  const errors = Array.isArray(error.errors) ? error.errors : []
  const status = error.status ? ` (HTTP ${error.status})` : ''
  replace(
    region,
    h(
      'div',
      { class: 'message-body' },
      h('p', {}, h('strong', {}, `Error${status}: `), error.message || 'something went wrong'),
      errors.length > 0
        ? h(
            'ul',
            {},
            errors.map((item) => h('li', {}, code(item.path), ' ', item.message)),
          )
        : null,
      h('button', { type: 'button', class: 'button-small', onClick: clearMessages }, 'Dismiss'),
    ),
  )
}

export function clearMessages() {
  // The regions stay in the page (empty) so that assistive technology keeps watching them.
  for (const region of [statusRegion(), alertRegion()]) region.replaceChildren()
}

/**
 * A button running an async action: disabled while it runs, its error shown in the alert
 * region, its returned message announced in the status region.
 */
export function actionButton(label, action, props = {}) {
  const button = h('button', { type: 'button', ...props }, label)
  button.addEventListener('click', async () => {
    button.disabled = true
    button.setAttribute('aria-busy', 'true')
    try {
      const message = await action()
      if (message) announce(message)
    } catch (error) {
      if (error?.name !== 'AbortError') showError(error)
    } finally {
      button.disabled = false
      button.removeAttribute('aria-busy')
    }
  })
  return button
}

/** A form whose submit runs `action` the same way as `actionButton`. */
export function actionForm(props, children, action) {
  const form = h('form', { novalidate: false, ...props }, children)
  form.addEventListener('submit', async (submitEvent) => {
    submitEvent.preventDefault()
    const buttons = form.querySelectorAll('button')
    for (const button of buttons) button.disabled = true
    try {
      const message = await action(new FormData(form))
      if (message) announce(message)
    } catch (error) {
      if (error?.name !== 'AbortError') showError(error)
    } finally {
      for (const button of buttons) button.disabled = false
    }
  })
  return form
}

/** A placeholder shown while a part of the page loads. */
export const loading = (what = 'Loading…') => h('p', { class: 'muted', 'aria-busy': 'true' }, what)
