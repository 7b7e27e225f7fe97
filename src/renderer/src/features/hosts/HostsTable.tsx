import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type CSSProperties, type FocusEvent } from 'react'
import { useTable } from '@tanstack/react-table'
import { defaultRangeExtractor, useVirtualizer, type Range } from '@tanstack/react-virtual'
import type { AccountInfo, CloudInfo, Host } from '../../../../shared/domain'
import { HostRow } from './HostRow'
import { hostColumns, hostGridColumns, hostGridMinWidth, hostTableFeatures, type HostRef } from './hostColumns'
import type { HostSort, SortColumn } from '../../lib/host-view'

interface Props {
  /** The listed hosts' ids in table order: the same array while the list and its order are the same. */
  ids: readonly string[]
  hostsById: ReadonlyMap<string, Host>
  clouds: CloudInfo[]
  accounts: AccountInfo[]
  sort: HostSort
  onSort: (column: SortColumn) => void
  /** The selected hosts' ids (a new set only when the selection changes). */
  selected: ReadonlySet<string>
  /** How many of the listed hosts are selected: the header checkbox is checked, mixed or clear. */
  shownSelection: 'all' | 'some' | 'none'
  onSelectShown: (select: boolean) => void
  onToggleSelect: (hostId: string, select: boolean) => void
  onOpenDetails: (hostId: string) => void
}

/** A host row without a detail line, roughly (two short lines); rows are measured once rendered. */
const ESTIMATED_ROW_PX = 54
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
 * own scroll box (hosts.css gives it a maximum height). The markup stays a real table for
 * assistive technology: explicit table roles (the rows are laid out as CSS grids, which
 * would otherwise cost the elements their table semantics in some browsers), `aria-rowcount`
 * for every listed host plus the header, `aria-rowindex` on each rendered row, so a screen
 * reader says "row 812 of 5001" although only a few dozen rows exist, and `aria-sort` on the
 * sorted column's header. Sorting and filtering happen before (hostView.ts): the table gets
 * the ids in order.
 *
 * Keyboard: the row holding focus stays rendered however far it is scrolled away (and its
 * neighbours, so Tab and Shift+Tab from it reach the next and previous row), which also keeps
 * a dialog or menu opened from a row, and the button focus returns to when it closes, in the
 * page: they are portals, but React sends their focus events up through the row, so focus in
 * one keeps its row as focus in the row would.
 *
 * Memoized: an unchanged poll gives the same props, and the table does nothing; a poll that
 * changed a host's state re-renders the table (a few dozen memoized rows, one of them for real)
 * but keeps its row model and layout, since `ids` is the same array. Selecting a host re-renders
 * the rows in view, and only its row for real (the others get the same props).
 */
export const HostsTable = memo(function HostsTable({
  ids,
  hostsById,
  clouds,
  accounts,
  sort,
  onSort,
  selected,
  shownSelection,
  onSelectShown,
  onToggleSelect,
  onOpenDetails,
}: Props) {
  const scrollRef = useRef<HTMLDivElement>(null)
  const bodyRef = useRef<HTMLTableSectionElement | null>(null)
  const [focusedHostId, setFocusedHostId] = useState<string | undefined>(undefined)
  const [scrollMargin, setScrollMargin] = useState(0)
  const selectAllRef = useRef<HTMLInputElement>(null)
  const leaveTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)

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

  // The header's height, once: it is one line (hosts.css). A resize into the narrow layout
  // changes it by a pixel or two, which moves the rendered range by as much: inside the overscan.
  useLayoutEffect(() => {
    const top = bodyRef.current?.offsetTop ?? 0
    setScrollMargin((current) => (current === top ? current : top))
  }, [])

  useEffect(() => {
    if (selectAllRef.current) selectAllRef.current.indeterminate = shownSelection === 'some'
  }, [shownSelection])
  useEffect(() => () => clearTimeout(leaveTimer.current), [])

  // The row holding focus went (its host was deleted, or filtered out): focus would drop to the
  // page's body, and a keyboard user would start again from the top. It goes to the row now in
  // its place (or the last one), or to the page when no row is left.
  const lastFocusedIndex = useRef(-1)
  if (focusedIndex >= 0) lastFocusedIndex.current = focusedIndex
  useEffect(() => {
    if (focusedHostId === undefined || ids.includes(focusedHostId)) return
    const active = document.activeElement
    if (active && active !== document.body) return
    const nextId = ids[Math.min(lastFocusedIndex.current, ids.length - 1)]
    const frame = requestAnimationFrame(() => {
      const target = nextId === undefined ? null : bodyRef.current?.querySelector<HTMLElement>(`[data-host-id="${CSS.escape(nextId)}"] .host-name`)
      ;(target ?? document.getElementById('main'))?.focus()
    })
    return () => cancelAnimationFrame(frame)
  }, [ids, focusedHostId])

  const onFocus = (event: FocusEvent<HTMLTableSectionElement>): void => {
    // Focus came back into the rows, or into a dialog or menu one of them opened (a portal:
    // outside the body in the DOM, inside it for React): the row is kept.
    clearTimeout(leaveTimer.current)
    if (!event.currentTarget.contains(event.target)) return
    const id = event.target.closest<HTMLElement>('[data-host-id]')?.dataset.hostId
    if (id !== undefined && id !== focusedHostId) setFocusedHostId(id)
  }
  const onBlur = (event: FocusEvent<HTMLTableSectionElement>): void => {
    // Focus went elsewhere on the page: the row may go, unless the focus event that follows at
    // once is a portal of a row's (see onFocus). When it went nowhere (the window lost focus,
    // or the focused element was removed) the row stays: focus comes back to it.
    const next = event.relatedTarget
    if (next instanceof Node && !event.currentTarget.contains(next)) {
      clearTimeout(leaveTimer.current)
      leaveTimer.current = setTimeout(() => setFocusedHostId(undefined), 0)
    }
  }

  return (
    <div className="hosts-scroll" ref={scrollRef} style={{ scrollPaddingTop: scrollMargin }}>
      <table className="hosts-table" role="table" aria-label="Tunnel hosts" aria-rowcount={rows.length + 1} data-testid="hosts-table" style={gridStyle}>
        <thead role="rowgroup" className="hosts-head">
          <tr role="row" aria-rowindex={1} className="hosts-grid">
            {headers.map((header) => {
              const meta = header.column.columnDef.meta
              const className = `head-${header.id}${meta?.numeric ? ' num' : ''}`
              if (header.id === 'select') {
                return (
                  <th key={header.id} role="columnheader" scope="col" className={className}>
                    <input
                      ref={selectAllRef}
                      type="checkbox"
                      className="host-check"
                      aria-label="Select all shown"
                      data-testid="hosts-select-all"
                      checked={shownSelection === 'all'}
                      disabled={ids.length === 0}
                      onChange={(event) => onSelectShown(event.target.checked)}
                    />
                  </th>
                )
              }
              const column = meta?.sort
              if (!column) {
                return (
                  <th key={header.id} role="columnheader" scope="col" className={className}>
                    <table.FlexRender header={header} />
                  </th>
                )
              }
              const sorted = sort.column === column ? sort.direction : undefined
              return (
                <th key={header.id} role="columnheader" scope="col" className={className} aria-sort={sorted ?? 'none'}>
                  <button type="button" className="sort-button" data-testid={`hosts-sort-${column}`} onClick={() => onSort(column)}>
                    <table.FlexRender header={header} />
                    <span className={sorted ? 'sort-mark sort-on' : 'sort-mark'} aria-hidden="true">
                      {sorted === 'descending' ? '▼' : '▲'}
                    </span>
                  </button>
                </th>
              )
            })}
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
                selected={selected.has(host.id)}
                onToggleSelect={onToggleSelect}
                onOpenDetails={onOpenDetails}
              />
            )
          })}
        </tbody>
      </table>
    </div>
  )
})
