// Event types: the catalog, with the JSON Schema each type's `data` is validated against.

import { collect } from '../api.js'
import { code, h, link, pageHeader, pretty, replace, table, timeEl } from '../ui.js'

export async function renderList(view) {
  const { items, truncated } = await collect('/v1/event-types', {}, { signal: view.signal })
  replace(
    view.main,
    pageHeader(
      'Event types',
      h(
        'p',
        { class: 'page-meta' },
        'Published events of a type with a schema are validated against it (422 when they break it). ',
        'The same catalog is in ',
        h('a', { href: '/openapi.json' }, 'openapi.json'),
        ' under webhooks.',
      ),
    ),
    table({
      caption: `Event types${truncated ? ' (first 1000)' : ''}`,
      rows: items,
      empty: 'No event types registered. Events of any type can still be published.',
      columns: [
        { header: 'Name', cell: (type) => code(type.name) },
        {
          header: 'Description',
          className: 'wrap',
          cell: (type) => type.description ?? h('span', { class: 'muted' }, 'none'),
        },
        {
          header: 'Schema',
          className: 'wrap schema',
          cell: (type) =>
            type.schema === null
              ? h('span', { class: 'muted' }, 'none: any data')
              : h(
                  'details',
                  {},
                  h(
                    'summary',
                    {},
                    `JSON Schema (${Object.keys(type.schema.properties ?? {}).length} properties)`,
                  ),
                  h('pre', { tabindex: '0' }, pretty(type.schema)),
                ),
        },
        { header: 'Created', cell: (type) => timeEl(type.createdAt) },
        {
          header: 'Events',
          cell: (type) =>
            link(
              `#/events?type=${encodeURIComponent(type.name)}`,
              'Show events',
              h('span', { class: 'visually-hidden' }, ` of ${type.name}`),
            ),
        },
      ],
    }),
  )
}
