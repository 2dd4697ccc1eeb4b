// Pollers: the poll-to-push bridge. Hookline polls a legacy status endpoint for everyone and
// publishes an event when an item appears or its watched value changes.

import { collect } from '../api.js'
import { code, h, pageHeader, replace, table, timeEl } from '../ui.js'

/** Pollers run on their own schedule: the list follows their last runs while it is shown. */
const REFRESH_MS = 5000

export async function renderList(view) {
  const box = h('div', {})
  replace(
    view.main,
    pageHeader(
      'Pollers',
      h(
        'p',
        { class: 'page-meta' },
        'One poll for everyone instead of every agent polling: each change becomes an event, delivered like any other. ',
        `Create them with POST /v1/pollers. Refreshes every ${REFRESH_MS / 1000} s.`,
      ),
    ),
    box,
  )
  const refresh = async () => {
    const { items, truncated } = await collect('/v1/pollers', {}, { signal: view.signal })
    replace(box, pollersTable(items, truncated))
  }
  await refresh()
  view.every(REFRESH_MS, refresh)
}

function pollersTable(items, truncated) {
  return table({
    caption: `Pollers${truncated ? ' (first 1000)' : ''}`,
    rows: items,
    empty: 'No pollers. Systems that only offer a status endpoint can still push through one.',
    columns: [
      { header: 'URL', className: 'wrap', cell: (poller) => code(poller.url) },
      { header: 'Every', cell: (poller) => `${poller.intervalSeconds} s` },
      { header: 'Publishes', cell: (poller) => code(poller.eventType) },
      {
        header: 'Watches',
        className: 'wrap',
        cell: (poller) =>
          `${poller.itemsFrom ?? 'the body'} · id ${poller.idFrom || '(whole item)'} · ${poller.changeFrom ?? 'whole item'}`,
      },
      {
        header: 'Last run',
        cell: (poller) =>
          poller.lastRunAt === null
            ? h('span', { class: 'muted' }, 'not yet')
            : h('span', {}, timeEl(poller.lastRunAt), ` · ${poller.lastOutcome}`),
      },
      {
        header: 'Last change',
        cell: (poller) =>
          poller.lastChangeAt === null
            ? h('span', { class: 'muted' }, 'none yet')
            : timeEl(poller.lastChangeAt),
      },
      {
        header: 'Last error',
        className: 'wrap',
        cell: (poller) => poller.lastError ?? h('span', { class: 'muted' }, 'none'),
      },
    ],
  })
}
