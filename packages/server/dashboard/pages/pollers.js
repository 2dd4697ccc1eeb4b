// Pollers: the poll-to-push bridge. Hookline polls a legacy status endpoint for everyone and
// publishes an event when an item appears or its watched value changes.

import { collect } from '../api.js'
import { code, h, pageHeader, replace, table, timeEl } from '../ui.js'

export async function renderList(view) {
  const { items, truncated } = await collect('/v1/pollers', {}, { signal: view.signal })
  replace(
    view.main,
    pageHeader(
      'Pollers',
      h(
        'p',
        { class: 'page-meta' },
        'One poll for everyone instead of every agent polling: each change becomes an event, delivered like any other. ',
        'Create them with POST /v1/pollers.',
      ),
    ),
    table({
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
    }),
  )
}
