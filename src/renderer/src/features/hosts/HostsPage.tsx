import { Suspense, lazy, useCallback, useDeferredValue, useEffect, useId, useMemo, useRef, useState, type RefObject } from 'react'
import type { AccountInfo, CloudInfo, Host } from '../../../../shared/domain'
import { useAccounts, useClouds, useHosts } from '../../api'
import { ErrorMessage } from '../../components/ErrorMessage'
import { errorSentence } from '../../lib/api-error'
import { canDelete } from '../../lib/hosts'
import { formatMonthly } from '../../lib/format'
import {
  DEFAULT_SORT,
  NO_FILTERS,
  filtersSet,
  hostFacets,
  listInWords,
  monthlyCost,
  nextSort,
  type BulkDeleteOutcome,
  type HostFilters,
  type HostQuery,
  type HostSort,
  type SortColumn,
} from '../../lib/host-view'
import { AccountErrors } from './AccountErrors'
import { BulkDeleteDialog } from './BulkDeleteDialog'
import { HostsTable } from './HostsTable'
import { HostsToolbar } from './HostsToolbar'
import { useHostView } from './useHostView'
import './hosts.css'
import { whenIdle } from '../../browser/idle'

/** The details panel (Radix Tabs, the timeline, the command builder) is its own chunk, fetched once the window is idle. */
const loadDetails = () => import('../details/HostDetailsPanel')
const HostDetailsPanel = lazy(() => loadDetails().then((module) => ({ default: module.HostDetailsPanel })))

/** Stable empties: a fresh `[]` on every render would defeat the table's memo. */
const NO_HOSTS: Host[] = []
const NO_CLOUDS: CloudInfo[] = []
const NO_ACCOUNTS: AccountInfo[] = []
const NO_SELECTION: ReadonlySet<string> = new Set()

/**
 * The Hosts page (the shell shows its title): a toolbar (search, filters, the count, export,
 * New host), the selection's bar and bulk delete, and the virtualized table.
 *
 * A poll that changed nothing gives the same `hosts` array (TanStack Query keeps it): the view
 * is kept and the memoized table is skipped. A poll that changed some hosts keeps the row order
 * (unless what it is sorted or filtered by changed) and re-renders only their rows. The search
 * box updates at once; the list follows as a deferred value, so typing never waits on the table.
 */
export function HostsPage() {
  const headingId = useId()
  const hostsQuery = useHosts()
  const cloudsQuery = useClouds()
  const accountsQuery = useAccounts()
  const snapshot = hostsQuery.data
  const hosts = snapshot?.hosts ?? NO_HOSTS
  const clouds = cloudsQuery.data ?? NO_CLOUDS
  const accounts = accountsQuery.data ?? NO_ACCOUNTS

  const [search, setSearch] = useState('')
  const [filters, setFilters] = useState<HostFilters>(NO_FILTERS)
  const [sort, setSort] = useState<HostSort>(DEFAULT_SORT)
  const deferredSearch = useDeferredValue(search)
  const query: HostQuery = { search: deferredSearch, filters, sort }
  const cloudLabels = useMemo(() => new Map(clouds.map((cloud) => [cloud.id as string, cloud.label])), [clouds])
  const view = useHostView(hosts, query, cloudLabels)

  const [selected, setSelected] = useState<ReadonlySet<string>>(NO_SELECTION)
  const [detailsHostId, setDetailsHostId] = useState<string | undefined>(undefined)
  const [bulkConfirming, setBulkConfirming] = useState(false)
  const [bulkOutcome, setBulkOutcome] = useState<BulkDeleteOutcome | undefined>(undefined)
  const outcomeRef = useRef<HTMLDivElement>(null)
  useEffect(() => whenIdle(() => void loadDetails().catch(() => undefined)), [])


  // Hosts that went (deleted, or gone from the cloud) leave the selection.
  if (snapshot && selected.size > 0) {
    let gone = false
    for (const id of selected) if (!view.byId.has(id)) gone = true
    if (gone) setSelected(new Set([...selected].filter((id) => view.byId.has(id))))
  }

  const onSort = useCallback((column: SortColumn) => setSort((current) => nextSort(current, column)), [])
  const onToggleSelect = useCallback((hostId: string, select: boolean) => {
    setSelected((current) => {
      if (current.has(hostId) === select) return current
      const next = new Set(current)
      if (select) next.add(hostId)
      else next.delete(hostId)
      return next
    })
  }, [])
  const ids = view.ids

  // The last shown row went while it held focus (deleted, or filtered out): the table goes with
  // it, so focus goes to the page rather than dropping to the body (HostsTable does the same
  // while rows remain, moving it to the row in the deleted one's place).
  const tableShown = ids.length > 0
  const tableWasShown = useRef(tableShown)
  useEffect(() => {
    const went = tableWasShown.current && !tableShown
    tableWasShown.current = tableShown
    if (went && (document.activeElement === null || document.activeElement === document.body)) document.getElementById('main')?.focus()
  }, [tableShown])
  const onSelectShown = useCallback(
    (select: boolean) => {
      setSelected((current) => {
        const next = new Set(current)
        for (const id of ids) {
          if (select) next.add(id)
          else next.delete(id)
        }
        return next
      })
    },
    [ids],
  )
  const onOpenDetails = useCallback((hostId: string) => setDetailsHostId(hostId), [])

  const shownSelection = useMemo((): 'all' | 'some' | 'none' => {
    if (selected.size === 0 || ids.length === 0) return 'none'
    let count = 0
    for (const id of ids) if (selected.has(id)) count++
    return count === 0 ? 'none' : count === ids.length ? 'all' : 'some'
  }, [ids, selected])
  const selectedHosts = useMemo(() => [...selected].map((id) => view.byId.get(id)).filter((host): host is Host => host !== undefined), [selected, view.byId])
  // What the filters offer: the same object while no host's cloud, account or state changed.
  const [facets, setFacets] = useState(() => hostFacets(view.byId.values()))
  const [facetsOf, setFacetsOf] = useState(view.byId)
  if (facetsOf !== view.byId) {
    setFacetsOf(view.byId)
    setFacets(hostFacets(view.byId.values(), facets))
  }
  // Export asks for the shown hosts on its click only: a stable function reading the latest view.
  const viewRef = useRef(view)
  useEffect(() => {
    viewRef.current = view
  }, [view])
  const getListed = useCallback(() => {
    const current = viewRef.current
    return current.ids.map((id) => current.byId.get(id)).filter((host): host is Host => host !== undefined)
  }, [])

  const cloudLabel = useCallback((host: Host) => cloudLabels.get(host.cloud) ?? host.cloud, [cloudLabels])
  const anyFilter = filtersSet(filters) || search.trim() !== ''
  const clearFilters = useCallback(() => {
    setSearch('')
    setFilters(NO_FILTERS)
  }, [])

  function bulkDone(outcome: BulkDeleteOutcome): void {
    const sent = new Set(outcome.sent.map((host) => host.id))
    setSelected((current) => new Set([...current].filter((id) => !sent.has(id))))
    setBulkConfirming(false)
    setBulkOutcome(outcome)
  }
  useEffect(() => {
    if (bulkOutcome) outcomeRef.current?.focus()
  }, [bulkOutcome])

  const selectedCost = selectedHosts.reduce((sum, host) => sum + monthlyCost(host), 0)
  const selectedDeletable = selectedHosts.filter(canDelete).length

  return (
    <section className="page hosts-page" aria-labelledby={headingId}>
      <h2 id={headingId} className="visually-hidden">
        Host list
      </h2>
      <HostsToolbar
        search={search}
        onSearch={setSearch}
        filters={filters}
        onFilters={setFilters}
        facets={facets}
        clouds={clouds}
        accounts={accounts}
        shown={ids.length}
        total={view.byId.size}
        anyFilter={anyFilter}
        onClear={clearFilters}
        getListed={getListed}
      />
      {hostsQuery.isError ? <ErrorMessage error={hostsQuery.error} lead="The host list could not be loaded." variant="banner" testId="error-banner" /> : null}
      {snapshot ? <AccountErrors errors={snapshot.accountErrors} accounts={accounts} /> : null}

      {selected.size > 0 ? (
        <div className="bulk-bar" role="region" aria-label="Selected hosts" data-testid="hosts-selection">
          <span className="bulk-summary" data-testid="hosts-selection-summary">
            {selected.size} selected · {formatMonthly(selectedCost)}
          </span>
          <button
            type="button"
            className="button button-small button-danger-quiet"
            data-testid="hosts-delete-selected"
            aria-haspopup="dialog"
            disabled={selectedDeletable === 0}
            title={selectedDeletable === 0 ? 'The selected hosts are already being deleted' : undefined}
            onClick={() => {
              setBulkOutcome(undefined)
              setBulkConfirming(true)
            }}
          >
            Delete selected
          </button>
          <button type="button" className="button button-small button-quiet" data-testid="hosts-clear-selection" onClick={() => setSelected(NO_SELECTION)}>
            Clear selection
          </button>
        </div>
      ) : null}
      {bulkOutcome ? <BulkOutcome outcome={bulkOutcome} focusRef={outcomeRef} onDismiss={() => setBulkOutcome(undefined)} /> : null}

      {hostsQuery.isPending ? <p className="muted">Loading hosts…</p> : null}
      {snapshot && view.byId.size === 0 ? (
        <p className="empty" data-testid="hosts-empty">
          No tunnel hosts yet. Make your first one with <strong>New host</strong>: the <strong>Simulated</strong> cloud needs no account and costs
          nothing, so you can try Exitdesk right away. Add a cloud account when you want a real exit server.
        </p>
      ) : null}
      {view.byId.size > 0 && ids.length === 0 ? (
        <p className="empty" data-testid="hosts-none-match">
          No host matches the search and filters.{' '}
          <button type="button" className="button button-small" onClick={clearFilters}>
            Clear filters
          </button>
        </p>
      ) : null}
      {ids.length > 0 ? (
        <HostsTable
          ids={ids}
          hostsById={view.byId}
          clouds={clouds}
          accounts={accounts}
          sort={sort}
          onSort={onSort}
          selected={selected}
          shownSelection={shownSelection}
          onSelectShown={onSelectShown}
          onToggleSelect={onToggleSelect}
          onOpenDetails={onOpenDetails}
        />
      ) : null}

      {bulkConfirming ? <BulkDeleteDialog hosts={selectedHosts} cloudLabel={cloudLabel} onCancel={() => setBulkConfirming(false)} onDone={bulkDone} /> : null}
      {detailsHostId !== undefined ? (
        <Suspense fallback={null}>
          <HostDetailsPanel hostId={detailsHostId} onClose={() => setDetailsHostId(undefined)} />
        </Suspense>
      ) : null}
    </section>
  )
}

/** What a bulk delete did, in sentences: the deletes sent, and each one refused with main's reason. */
function BulkOutcome({ outcome, focusRef, onDismiss }: { outcome: BulkDeleteOutcome; focusRef: RefObject<HTMLDivElement | null>; onDismiss: () => void }) {
  const failed = outcome.failed.length > 0
  const sent = outcome.sent.length
  return (
    <div ref={focusRef} tabIndex={-1} className={failed ? 'bulk-outcome banner banner-error' : 'bulk-outcome banner'} role={failed ? 'alert' : 'status'} data-testid="bulk-delete-outcome">
      {sent > 0 ? (
        <p>
          {sent === 1 ? `Deleting ${outcome.sent[0]!.name}` : `Deleting ${sent} hosts`}: each leaves the list once its cloud has removed it.
        </p>
      ) : null}
      {outcome.skipped.length > 0 ? <p>Skipped, already being deleted: {listInWords(outcome.skipped.map((host) => host.name))}.</p> : null}
      {outcome.failed.map(({ host, error }) => (
        <p key={host.id} data-testid="bulk-delete-failure">
          {host.name} was not deleted: {errorSentence(error)} It is still selected, to try again.
        </p>
      ))}
      <button type="button" className="button button-small" onClick={onDismiss}>
        Dismiss
      </button>
    </div>
  )
}
