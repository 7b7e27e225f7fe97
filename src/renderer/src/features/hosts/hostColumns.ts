/**
 * The host table's columns, in one place: their headers, the smallest width each may get
 * (`size`, in px: together they fit the table's box in an 800 px window, 677 px
 * with a 15 px scrollbar) and the share of any wider table each
 * takes (`grow`). The header row and every host row lay their cells out on the same CSS grid
 * built from these, so a column is as wide in every row whatever the row holds: rows never
 * re-measure each other, and a row's height depends on its own content only.
 */
import { columnSizingFeature, createColumnHelper, metaHelper, tableFeatures } from '@tanstack/react-table'

export interface HostColumnMeta {
  /** The column's share of the width above the minimum, as a CSS `fr` factor. */
  grow: number
  /** Right-aligned numbers. */
  numeric?: boolean
}

export const hostTableFeatures = tableFeatures({ columnSizingFeature, columnMeta: metaHelper<HostColumnMeta>() })

/**
 * A row's data is its host's id only: the row model is rebuilt when the hosts or their order
 * change, not whenever a host's state does (HostsTable looks the host up by id).
 */
export interface HostRef {
  id: string
}

const column = createColumnHelper<typeof hostTableFeatures, HostRef>()

/**
 * Display columns only: HostRow renders the cells itself (the actions, the copy state and the
 * dialogs are one row's state across several cells, and the row is memoized on the host), and
 * styles.css places each cell in its grid column by this order (.cell-name is column 1 ...).
 */
export const hostColumns = column.columns([
  column.display({ id: 'name', header: 'Name', size: 88, meta: { grow: 1.5 } }),
  column.display({ id: 'state', header: 'State', size: 100, meta: { grow: 2.1 } }),
  column.display({ id: 'ip', header: 'IP', size: 104, meta: { grow: 1.3 } }),
  column.display({ id: 'cloud', header: 'Cloud', size: 88, meta: { grow: 1.6 } }),
  column.display({ id: 'region', header: 'Region', size: 44, meta: { grow: 0.9 } }),
  column.display({ id: 'plan', header: 'Plan', size: 62, meta: { grow: 1.3 } }),
  column.display({ id: 'age', header: 'Age', size: 42, meta: { grow: 0.9 } }),
  column.display({ id: 'cost', header: '$/month', size: 54, meta: { grow: 1, numeric: true } }),
  column.display({ id: 'actions', header: 'Actions', size: 90, meta: { grow: 2.2 } }),
])

export const HOST_COLUMN_COUNT = hostColumns.length

/** `grid-template-columns` for the header and every row: at least `size` px, then by `grow`. */
export const hostGridColumns = hostColumns.map((def) => `minmax(${def.size ?? 80}px, ${def.meta?.grow ?? 1}fr)`).join(' ')

/** Below this the table scrolls sideways instead of squeezing its columns further. */
export const hostGridMinWidth = hostColumns.reduce((sum, def) => sum + (def.size ?? 80), 0)
