import { describe, expect, it } from 'vitest'
import { HEAP_GROWING_PERCENT, servingHeapFlags } from './heap-tuning.js'

describe('servingHeapFlags', () => {
  it('lowers the heap growth by default', () => {
    expect(servingHeapFlags([])).toEqual([`--heap-growing-percent=${HEAP_GROWING_PERCENT}`])
    expect(servingHeapFlags(['--enable-source-maps', '--max-old-space-size=512'])).toEqual([
      `--heap-growing-percent=${HEAP_GROWING_PERCENT}`,
    ])
  })

  it("keeps the operator's own choice", () => {
    expect(servingHeapFlags(['--heap-growing-percent=200'])).toEqual([])
    expect(servingHeapFlags(['--inspect', '--heap_growing_percent=10'])).toEqual([])
  })
})
