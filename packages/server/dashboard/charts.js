// Tiny inline SVG bar charts. Colours come from classes in styles.css; every chart has a text
// alternative (role="img" + <title>) and the page prints the headline figure beside it.

const SVG = 'http://www.w3.org/2000/svg'

function svg(tag, attributes = {}) {
  const element = document.createElementNS(SVG, tag)
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value))
  return element
}

/**
 * Bars for `values` (null = no data in that bucket, drawn as a faint tick).
 * `tone(value)` picks a class suffix per bar (`ok`, `warn`, `bad`), default `neutral`;
 * `showZero` draws zeros as a sliver (for rates, where 0 is news, not absence).
 */
export function barChart(
  values,
  { label, width = 132, height = 32, max, tone = () => 'neutral', showZero = false },
) {
  const peak = max ?? Math.max(1, ...values.filter((value) => value !== null))
  const slot = width / Math.max(values.length, 1)
  const gap = slot > 4 ? 1 : 0
  const chart = svg('svg', {
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': label,
    class: 'chart',
    focusable: 'false',
  })
  const title = svg('title')
  title.textContent = label
  chart.append(
    title,
    svg('line', { x1: 0, x2: width, y1: height - 0.5, y2: height - 0.5, class: 'chart-axis' }),
  )
  values.forEach((value, index) => {
    const x = index * slot + gap / 2
    if (value === null) {
      chart.append(svg('rect', { x, y: height - 2, width: slot - gap, height: 2, class: 'chart-empty' }))
      return
    }
    // A zero count is no bar at all (the axis shows it); a 0% success rate must still show.
    if (value <= 0 && !showZero) return
    const barHeight = Math.max(1.5, (Math.min(value, peak) / peak) * (height - 2))
    chart.append(
      svg('rect', {
        x,
        y: height - barHeight,
        width: slot - gap,
        height: barHeight,
        class: `chart-bar chart-${tone(value)}`,
      }),
    )
  })
  return chart
}

export const successTone = (rate) => (rate >= 0.95 ? 'ok' : rate >= 0.8 ? 'warn' : 'bad')

/** Counts items into `count` equal buckets ending now; `at(item)` is its time in ms. */
export function bucketCounts(items, at, { count, spanMs, now = Date.now() }) {
  const buckets = new Array(count).fill(0)
  const size = spanMs / count
  const start = now - spanMs
  for (const item of items) {
    const index = Math.floor((at(item) - start) / size)
    if (index >= 0 && index < count) buckets[index]++
  }
  return buckets
}

/** Groups items into `count` buckets and reduces each group with `reduce(group)` (null when empty). */
export function bucketReduce(items, at, reduce, { count, spanMs, now = Date.now() }) {
  const groups = Array.from({ length: count }, () => [])
  const size = spanMs / count
  const start = now - spanMs
  for (const item of items) {
    const index = Math.floor((at(item) - start) / size)
    if (index >= 0 && index < count) groups[index].push(item)
  }
  return groups.map((group) => (group.length === 0 ? null : reduce(group)))
}
