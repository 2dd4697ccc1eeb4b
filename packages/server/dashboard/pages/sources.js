// Sources: where providers post (/in/<name>), what was accepted, and why requests were rejected.

import { api, collect } from '../api.js'
import {
  code,
  copyButton,
  details,
  h,
  link,
  loading,
  pageHeader,
  replace,
  section,
  table,
  timeEl,
} from '../ui.js'

const sourceHref = (id) => `#/sources/${encodeURIComponent(id)}`
const ingestUrl = (source) => `${location.origin}${source.ingestPath}`

function ingestCell(source) {
  const url = ingestUrl(source)
  return h('span', { class: 'copyable' }, code(url), copyButton(url, `Copy ingest URL of ${source.name}`))
}

const count = (value) => h('span', { class: 'num' }, String(value))

export async function renderList(view) {
  const { items: sources, truncated } = await collect('/v1/sources', {}, { signal: view.signal })
  replace(
    view.main,
    pageHeader(
      'Sources',
      h(
        'p',
        { class: 'page-meta' },
        'Providers post to a source’s ingest URL; accepted requests become events.',
      ),
    ),
    table({
      caption: `Inbound sources${truncated ? ' (first 1000)' : ''}`,
      rows: sources,
      empty: 'No sources yet. Create one with POST /v1/sources.',
      columns: [
        { header: 'Source', cell: (source) => link(sourceHref(source.id), source.name) },
        { header: 'Ingest URL', className: 'wrap', cell: ingestCell },
        { header: 'Scheme', cell: (source) => code(source.verifier.scheme) },
        { header: 'Accepted', className: 'num', cell: (source) => count(source.stats.accepted) },
        { header: 'Duplicates', className: 'num', cell: (source) => count(source.stats.duplicates) },
        {
          header: 'Rejected',
          className: 'num',
          cell: (source) =>
            link(
              sourceHref(source.id),
              String(source.stats.rejected),
              h('span', { class: 'visually-hidden' }, ' rejections: show the log'),
            ),
        },
        { header: 'Last accepted', cell: (source) => timeEl(source.stats.lastAcceptedAt) },
        { header: 'Last rejected', cell: (source) => timeEl(source.stats.lastRejectedAt) },
      ],
    }),
  )
}

export async function renderDetail(view, sourceId) {
  replace(view.main, pageHeader(`Source ${sourceId}`), loading())
  const [source, rejections] = await Promise.all([
    api.getSource(sourceId, view.signal),
    api.sourceRejections(sourceId, view.signal),
  ])
  const rule = (value) =>
    value === null ? h('span', { class: 'muted' }, 'provider default') : code(JSON.stringify(value))
  replace(
    view.main,
    pageHeader(`Source ${source.name}`, h('p', { class: 'page-meta' }, link('#/sources', 'All sources'))),
    details([
      ['ID', code(source.id)],
      ['Ingest URL', ingestCell(source)],
      ['Scheme', code(source.verifier.scheme)],
      ['Event type from', rule(source.eventType)],
      ['Dedupe key from', rule(source.idempotencyKey)],
      [
        'Requests',
        `${source.stats.accepted} accepted · ${source.stats.duplicates} duplicates · ${source.stats.rejected} rejected`,
      ],
      ['Last accepted', timeEl(source.stats.lastAcceptedAt)],
      ['Last rejected', timeEl(source.stats.lastRejectedAt)],
      ['Events are typed', code(`${source.name}.<provider type>`)],
    ]),
    section(
      'Recent rejections',
      h(
        'p',
        { class: 'hint' },
        'The latest 100 rejected requests, with the reason. Bodies and signatures are never kept.',
      ),
      table({
        caption: 'Rejected requests, newest first',
        rows: rejections.data,
        empty: 'No rejected requests.',
        columns: [
          { header: 'Time', cell: (rejection) => timeEl(rejection.at) },
          { header: 'Reason', className: 'wrap', cell: (rejection) => rejection.reason },
          { header: 'Size', className: 'num', cell: (rejection) => `${rejection.sizeBytes} bytes` },
        ],
      }),
    ),
  )
}
