/**
 * The host table's columns, in one place: their headers, the smallest width each may get
 * (`size`, in px: together 728, so they fit the table's box in an 800 px window, ~760 px
 * less a 15 px scrollbar) and the share of any wider table each takes (`grow`, up to a 4K
 * screen). The header row and every host row lay their cells out on the same CSS grid built
 * from these, so a column is as wide in every row whatever the row holds: rows never
 * re-measure each other, and a row's height depends on its own content only.
 */
import { columnSizingFeature, createColumnHelper, metaHelper, tableFeatures } from '@tanstack/react-table'
import type { SortColumn } from '../../lib/host-view'

export interface HostColumnMeta {
  /** The column's share of the width above the minimum, as a CSS `fr` factor; 0 keeps it at `size`. */
  grow: number
  /** Right-aligned numbers. */
  numeric?: boolean
  /** The header sorts the table by this (hostView.ts); absent for the checkbox and the actions. */
  sort?: SortColumn
}

export const hostTableFeatures = tableFeatures({ columnSizingFeature, columnMeta: metaHelper<HostColumnMeta>() })

/**
 * A row's data is its host's id only: the row model is rebuilt when the listed hosts or their
 * order change, not whenever a host's state does (HostsTable looks the host up by id).
 */
export interface HostRef {
  id: string
}

const column = createColumnHelper<typeof hostTableFeatures, HostRef>()

/**
 * Display columns only: HostRow renders the cells itself (the actions, the copy state and the
 * dialogs are one row's state across several cells, and the row is memoized on the host), and
 * hosts.css places each cell in its grid column by this order (.cell-select is column 1 ...).
 */
export const hostColumns = column.columns([
  column.display({ id: 'select', header: 'Select', size: 32, meta: { grow: 0 } }),
  column.display({ id: 'name', header: 'Name', size: 110, meta: { grow: 2.4, sort: 'name' } }),
  column.display({ id: 'state', header: 'State', size: 96, meta: { grow: 2, sort: 'state' } }),
  column.display({ id: 'ip', header: 'IP', size: 100, meta: { grow: 1.4, sort: 'ip' } }),
  column.display({ id: 'cloud', header: 'Cloud', size: 92, meta: { grow: 1.6, sort: 'cloud' } }),
  column.display({ id: 'plan', header: 'Plan', size: 64, meta: { grow: 1.2, sort: 'plan' } }),
  column.display({ id: 'age', header: 'Age', size: 48, meta: { grow: 0.6, sort: 'age' } }),
  column.display({ id: 'cost', header: '$/mo', size: 60, meta: { grow: 0.6, numeric: true, sort: 'cost' } }),
  column.display({ id: 'actions', header: 'Actions', size: 126, meta: { grow: 0.5 } }),
])

export const HOST_COLUMN_COUNT = hostColumns.length

/** `grid-template-columns` for the header and every row: at least `size` px, then by `grow`. */
export const hostGridColumns = hostColumns
  .map((def) => {
    const size = def.size ?? 80
    const grow = def.meta?.grow ?? 1
    return grow > 0 ? `minmax(${size}px, ${grow}fr)` : `${size}px`
  })
  .join(' ')

/** Below this the table scrolls sideways instead of squeezing its columns further. */
export const hostGridMinWidth = hostColumns.reduce((sum, def) => sum + (def.size ?? 80), 0)
