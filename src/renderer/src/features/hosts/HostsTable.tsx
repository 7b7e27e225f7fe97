import { memo, useCallback, useLayoutEffect, useMemo, useRef, useState, type CSSProperties, type FocusEvent } from 'react'
import { useTable } from '@tanstack/react-table'
import { defaultRangeExtractor, useVirtualizer, type Range } from '@tanstack/react-virtual'
import type { AccountInfo, CloudInfo, Host } from '../../../../shared/domain'
import { HostRow } from './HostRow'
import { hostColumns, hostGridColumns, hostGridMinWidth, hostTableFeatures, type HostRef } from './hostColumns'

interface Props {
  /** The visible hosts' ids in table order: the same array while the order is the same. */
  ids: readonly string[]
  hostsById: ReadonlyMap<string, Host>
  clouds: CloudInfo[]
  accounts: AccountInfo[]
}

/** A host row without a detail line, roughly; rows are measured once rendered. */
const ESTIMATED_ROW_PX = 96
/** Rows rendered beyond each edge of the visible part, so scrolling and Tab find them ready. */
const OVERSCAN_ROWS = 8
/** Until the scroll box is measured (the first render), assume a typical one: rows are drawn at once. */
const INITIAL_RECT = { width: 1200, height: 640 }

const estimateSize = (): number => ESTIMATED_ROW_PX
const getRowId = (ref: HostRef): string => ref.id
/** The table state holds nothing the markup reads: no re-render on its account. */
const selectNothing = (): null => null

const gridStyle = { '--hosts-columns': hostGridColumns, '--hosts-min-width': `${hostGridMinWidth}px` } as CSSProperties

/**
 * The host table. TanStack Table owns the columns and the row model (rows keyed by host id);
 * TanStack Virtual renders only the rows in view plus a few on each side, inside the table's
 * own scroll box (styles.css gives it a maximum height). The markup stays a real table for
 * assistive technology: explicit table roles (the rows are laid out as CSS grids, which
 * would otherwise cost the elements their table semantics in some browsers), `aria-rowcount`
 * for every host plus the header, and `aria-rowindex` on each rendered row, so a screen reader
 * says "row 812 of 5001" although only a few dozen rows exist.
 *
 * Keyboard: the row holding focus stays rendered however far it is scrolled away (and its
 * neighbours, so Tab and Shift+Tab from it reach the next and previous row), which also keeps
 * a dialog opened from a row, and the button focus returns to when it closes, in the page.
 *
 * Memoized: an unchanged poll gives the same props, and the table does nothing; a poll that
 * changed a host's state re-renders the table (a few dozen memoized rows, one of them for real)
 * but keeps its row model and layout, since `ids` is the same array.
 */
export const HostsTable = memo(function HostsTable({ ids, hostsById, clouds, accounts }: Props) {
  const scrollRef = useRef<HTMLDivElement>(null)
  const bodyRef = useRef<HTMLTableSectionElement | null>(null)
  const [focusedHostId, setFocusedHostId] = useState<string | undefined>(undefined)
  const [scrollMargin, setScrollMargin] = useState(0)

  const data = useMemo(() => ids.map((id): HostRef => ({ id })), [ids])
  const table = useTable({ features: hostTableFeatures, columns: hostColumns, data, getRowId }, selectNothing)
  const rows = table.getRowModel().rows
  const headers = table.getHeaderGroups()[0]?.headers ?? []

  const cloudById = useMemo(() => new Map(clouds.map((cloud) => [cloud.id, cloud])), [clouds])
  const accountById = useMemo(() => new Map(accounts.map((account) => [account.id, account])), [accounts])

  // A new key function makes the virtualizer lay out every row again: `ids` changes only with the order.
  const getItemKey = useCallback((index: number): string => ids[index] ?? String(index), [ids])
  const focusedIndex = focusedHostId === undefined ? -1 : (table.getRowModel().rowsById[focusedHostId]?.index ?? -1)
  const rangeExtractor = useCallback(
    (range: Range): number[] => {
      const indexes = defaultRangeExtractor(range)
      if (focusedIndex < 0) return indexes
      const kept = new Set(indexes)
      for (let index = Math.max(0, focusedIndex - 1); index <= Math.min(range.count - 1, focusedIndex + 1); index++) kept.add(index)
      return kept.size === indexes.length ? indexes : [...kept].sort((a, b) => a - b)
    },
    [focusedIndex],
  )

  const virtualizer = useVirtualizer<HTMLDivElement, HTMLTableRowElement>({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize,
    getItemKey,
    rangeExtractor,
    overscan: OVERSCAN_ROWS,
    // The rows start below the sticky header: offsets are counted from the top of the box.
    scrollMargin,
    initialRect: INITIAL_RECT,
    // Scrolling, and a row above changing height, move rows by writing their `top`: React
    // renders only when the set of rows in view changes. `top` rather than a transform, which
    // would make every row a compositing layer of its own (the two measured alike in
    // bench/ui.ts here, within its noise; the simpler one is kept).
    directDomUpdates: true,
    directDomUpdatesMode: 'position',
  })

  const setBody = useCallback(
    (node: HTMLTableSectionElement | null) => {
      bodyRef.current = node
      virtualizer.containerRef(node)
    },
    [virtualizer],
  )

  // The header's height, once: it is one line (styles.css). A resize into the narrow layout
  // changes it by a pixel or two, which moves the rendered range by as much: inside the overscan.
  useLayoutEffect(() => {
    const top = bodyRef.current?.offsetTop ?? 0
    setScrollMargin((current) => (current === top ? current : top))
  }, [])

  const onFocus = (event: FocusEvent<HTMLTableSectionElement>): void => {
    const id = event.target.closest<HTMLElement>('[data-host-id]')?.dataset.hostId
    if (id !== undefined && id !== focusedHostId) setFocusedHostId(id)
  }
  const onBlur = (event: FocusEvent<HTMLTableSectionElement>): void => {
    // Focus went elsewhere on the page: the row may go. When it went nowhere (the window lost
    // focus, or the focused element was removed) the row stays: focus comes back to it.
    const next = event.relatedTarget
    if (next instanceof Node && !event.currentTarget.contains(next)) setFocusedHostId(undefined)
  }

  return (
    <div className="hosts-scroll" ref={scrollRef} style={{ scrollPaddingTop: scrollMargin }}>
      <table className="hosts-table" role="table" aria-label="Tunnel hosts" aria-rowcount={rows.length + 1} data-testid="hosts-table" style={gridStyle}>
        <thead role="rowgroup" className="hosts-head">
          <tr role="row" aria-rowindex={1} className="hosts-grid">
            {headers.map((header) => (
              <th key={header.id} role="columnheader" scope="col" className={header.column.columnDef.meta?.numeric ? 'num' : undefined}>
                <table.FlexRender header={header} />
              </th>
            ))}
          </tr>
        </thead>
        <tbody role="rowgroup" className="hosts-body" ref={setBody} onFocus={onFocus} onBlur={onBlur}>
          {virtualizer.getVirtualItems().map((item) => {
            const id = rows[item.index]?.id
            const host = id === undefined ? undefined : hostsById.get(id)
            if (!host) return null
            return (
              <HostRow
                key={host.id}
                host={host}
                cloud={cloudById.get(host.cloud)}
                account={accountById.get(host.accountId)}
                index={item.index}
                measureRef={virtualizer.measureElement}
              />
            )
          })}
        </tbody>
      </table>
    </div>
  )
})
