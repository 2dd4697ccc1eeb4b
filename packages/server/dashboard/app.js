// The dashboard shell: sign-in, navigation and hash routing (#/events/evt_…). Each page module
// renders into <main> and stops its timers and requests when the view's signal aborts.

import { api, isAbort, onUnauthorized, session } from './api.js'
import * as deliveries from './pages/deliveries.js'
import * as endpoints from './pages/endpoints.js'
import * as eventTypes from './pages/event-types.js'
import * as events from './pages/events.js'
import * as overview from './pages/overview.js'
import * as pollers from './pages/pollers.js'
import * as sources from './pages/sources.js'
import { clearMessages, field, h, replace, showError } from './ui.js'

const routes = [
  [/^\/?$/, overview.render, 'overview'],
  [/^\/events$/, events.renderList, 'events'],
  [/^\/events\/([^/]+)$/, events.renderDetail, 'events'],
  [/^\/deliveries$/, deliveries.renderList, 'deliveries'],
  [/^\/deliveries\/([^/]+)$/, deliveries.renderDetail, 'deliveries'],
  [/^\/endpoints$/, endpoints.renderList, 'endpoints'],
  [/^\/endpoints\/([^/]+)$/, endpoints.renderDetail, 'endpoints'],
  [/^\/sources$/, sources.renderList, 'sources'],
  [/^\/sources\/([^/]+)$/, sources.renderDetail, 'sources'],
  [/^\/event-types$/, eventTypes.renderList, 'event-types'],
  [/^\/pollers$/, pollers.renderList, 'pollers'],
]

const main = document.getElementById('main')
const nav = document.getElementById('nav')
const signOutButton = document.getElementById('sign-out')
let current = null

/** `#/events/evt_1?type=x` → `{ path: '/events/evt_1', query }`. */
function parseHash() {
  const raw = location.hash.startsWith('#') ? location.hash.slice(1) : ''
  const [path = '', search = ''] = raw.split('?')
  return { path: path || '/', query: new URLSearchParams(search) }
}

function stopCurrentView() {
  if (current === null) return
  current.controller.abort()
  for (const timer of current.timers) clearInterval(timer)
  current = null
}

async function route({ focus }) {
  stopCurrentView()
  clearMessages()
  if (!session.key) return showSignIn()
  nav.hidden = false
  signOutButton.hidden = false
  const { path, query } = parseHash()
  const match = routes.find(([pattern]) => pattern.test(path))
  const [pattern, render, section] = match ?? [null, null, null]
  for (const anchor of nav.querySelectorAll('a')) {
    if (anchor.dataset.section === section) anchor.setAttribute('aria-current', 'page')
    else anchor.removeAttribute('aria-current')
  }
  if (!render) {
    replace(main, h('h1', { tabindex: '-1' }, 'Not found'), h('p', {}, 'No page at this address. '))
    return
  }
  const controller = new AbortController()
  const view = {
    main,
    query,
    signal: controller.signal,
    timers: [],
    controller,
    /** Runs `task` every `intervalMs` while this view is shown. */
    every(intervalMs, task) {
      this.timers.push(setInterval(() => task().catch(reportUnlessAborted), intervalMs))
    },
    /** Updates the address (filters) without re-rendering the page or moving focus. */
    setQuery(values) {
      const search = new URLSearchParams()
      for (const [name, value] of Object.entries(values)) if (value) search.set(name, value)
      const text = search.toString()
      history.replaceState(null, '', `#${path}${text ? `?${text}` : ''}`)
    },
  }
  current = view
  const params = pattern.exec(path).slice(1).map(decodeURIComponent)
  replace(main)
  try {
    await render(view, ...params)
  } catch (error) {
    if (current === view && !isAbort(error) && error?.status !== 401) {
      // Whatever was still loading says why it will not arrive.
      for (const placeholder of main.querySelectorAll('[aria-busy="true"]')) {
        placeholder.replaceWith(h('p', { class: 'form-error' }, `Could not load this page: ${error.message}`))
      }
    }
    reportUnlessAborted(error)
  }
  if (focus && current === view) main.querySelector('h1')?.focus()
}

function reportUnlessAborted(error) {
  if (isAbort(error) || error?.status === 401) return
  showError(error)
}

function showSignIn(message) {
  stopCurrentView()
  nav.hidden = true
  signOutButton.hidden = true
  const input = h('input', {
    type: 'password',
    name: 'apiKey',
    autocomplete: 'off',
    spellcheck: 'false',
    autocapitalize: 'off',
    required: true,
  })
  const error = h('p', { class: 'form-error', role: 'alert' }, message ?? '')
  error.hidden = !message
  const form = h(
    'form',
    { class: 'sign-in', 'aria-labelledby': 'sign-in-title' },
    h('h1', { id: 'sign-in-title', tabindex: '-1' }, 'Sign in to Hookline'),
    h(
      'p',
      {},
      'Enter an admin API key: the one printed on the first start, or HOOKLINE_API_KEY. ' +
        "It is kept in this tab's session storage only and sent to this server's /v1 API as a Bearer token.",
    ),
    error,
    field('API key', input),
    h('button', { type: 'submit', class: 'button-primary' }, 'Sign in'),
  )
  form.addEventListener('submit', async (submitEvent) => {
    submitEvent.preventDefault()
    const key = input.value.trim()
    if (!key) return
    const button = form.querySelector('button')
    button.disabled = true
    try {
      await api.checkKey(key)
      session.signIn(key)
      input.value = ''
      await route({ focus: true })
    } catch (failure) {
      error.textContent =
        failure.status === 401
          ? `That API key was not accepted: ${failure.message}`
          : `Could not sign in: ${failure.message}`
      error.hidden = false
      input.focus()
    } finally {
      button.disabled = false
    }
  })
  replace(main, form)
  input.focus()
}

onUnauthorized((detail) => {
  if (current === null && !session.key) return
  session.signOut()
  showSignIn(`The server answered 401 (${detail}). Sign in again with a valid API key.`)
})

signOutButton.addEventListener('click', () => {
  session.signOut()
  clearMessages()
  showSignIn('Signed out. The API key was removed from this tab.')
})

// A skip link must not change the route: it only moves focus to the content.
document.getElementById('skip-link').addEventListener('click', (clickEvent) => {
  clickEvent.preventDefault()
  main.focus()
})

window.addEventListener('hashchange', () => route({ focus: true }))
route({ focus: false })
