import { memo, useId, useMemo } from 'react'
import type { AccountInfo, CloudInfo, Host, HostState, TunnelMode } from '../../../../shared/domain'
import { useHosts } from '../../api'
import { NewHostButton } from '../create/NewHostButton'
import { ExportButtons } from './ExportButtons'
import { accountOptions, cloudOptions, type FilterOption, type HostFacets, type HostFilters } from '../../lib/host-view'

interface Props {
  search: string
  onSearch: (text: string) => void
  filters: HostFilters
  onFilters: (filters: HostFilters) => void
  /** What the hosts (not deleted) have: the filters offer that. */
  facets: HostFacets
  clouds: readonly CloudInfo[]
  accounts: readonly AccountInfo[]
  shown: number
  total: number
  anyFilter: boolean
  onClear: () => void
  /** The hosts shown, in the table's order: what Export saves (asked for on the click only). */
  getListed: () => readonly Host[]
}

const MODE_OPTIONS: FilterOption[] = [
  { value: 'https', label: 'HTTPS' },
  { value: 'tcp', label: 'TCP' },
]

/**
 * The Hosts page's toolbar, a labelled group: the search box (name, IPv4, IPv6, domain), a
 * native select for each filter (cloud, account, state, tunnel mode; "All" each), the count,
 * "Clear filters" while any is set, export of what is shown, and New host. Memoized, and its
 * props stay the same through a poll that changed no host's cloud, account or state: the
 * toolbar does not render again for it.
 */
export const HostsToolbar = memo(function HostsToolbar({
  search,
  onSearch,
  filters,
  onFilters,
  facets,
  clouds,
  accounts,
  shown,
  total,
  anyFilter,
  onClear,
  getListed,
}: Props) {
  const id = useId()
  const cloudChoices = useMemo(() => withCurrent(cloudOptions(facets.clouds, clouds), filters.cloud), [facets.clouds, clouds, filters.cloud])
  const accountChoices = useMemo(() => withCurrent(accountOptions(facets.accounts, accounts), filters.account), [facets.accounts, accounts, filters.account])
  const stateChoices = useMemo(
    () =>
      withCurrent(
        facets.states.map((state) => ({ value: state, label: state })),
        filters.state,
      ),
    [facets.states, filters.state],
  )

  return (
    <div className="hosts-toolbar" role="group" aria-label="Search and filter hosts" data-testid="hosts-toolbar">
      <div className="toolbar-row">
        <div className="toolbar-search">
          <label htmlFor={`${id}-search`} className="visually-hidden">
            Search hosts
          </label>
          <input
            id={`${id}-search`}
            type="search"
            className="search-input"
            data-testid="hosts-search"
            placeholder="Search name, IP or domain"
            value={search}
            spellCheck={false}
            autoComplete="off"
            onChange={(event) => onSearch(event.target.value)}
          />
        </div>
        <div className="toolbar-end">
          <ExportButtons getHosts={getListed} count={shown} />
          <NewHostButton />
        </div>
      </div>
      <div className="toolbar-row toolbar-filters">
        <FilterSelect id={`${id}-cloud`} label="Cloud" testId="hosts-filter-cloud" value={filters.cloud} options={cloudChoices} onChange={(cloud) => onFilters({ ...filters, cloud })} />
        <FilterSelect id={`${id}-account`} label="Account" testId="hosts-filter-account" value={filters.account} options={accountChoices} onChange={(account) => onFilters({ ...filters, account })} />
        <FilterSelect
          id={`${id}-state`}
          label="State"
          testId="hosts-filter-state"
          value={filters.state}
          options={stateChoices}
          onChange={(state) => onFilters({ ...filters, state: state as HostState | '' })}
        />
        <FilterSelect
          id={`${id}-mode`}
          label="Tunnel"
          testId="hosts-filter-mode"
          value={filters.mode}
          options={MODE_OPTIONS}
          onChange={(mode) => onFilters({ ...filters, mode: mode as TunnelMode | '' })}
        />
        <span className="hosts-count" role="status" data-testid="hosts-count">
          {shown} of {total} {total === 1 ? 'host' : 'hosts'}
        </span>
        {anyFilter ? (
          <button type="button" className="button button-small button-quiet" data-testid="hosts-clear-filters" onClick={onClear}>
            Clear filters
          </button>
        ) : null}
        <UpdatedAt />
      </div>
    </div>
  )
})

/** When the list was last refreshed: its own component, so a poll re-renders only it. */
function UpdatedAt() {
  const refreshedAt = useHosts().data?.refreshedAt
  return refreshedAt ? (
    <span className="small muted hosts-updated" title={new Date(refreshedAt).toLocaleString()}>
      Updated {new Date(refreshedAt).toLocaleTimeString()}
    </span>
  ) : null
}

/** A filter's chosen value stays an option even when no host has it any more, so the select never shows a value it lacks. */
function withCurrent(options: FilterOption[], current: string): FilterOption[] {
  return current === '' || options.some((option) => option.value === current) ? options : [...options, { value: current, label: current }]
}

function FilterSelect({ id, label, testId, value, options, onChange }: { id: string; label: string; testId: string; value: string; options: FilterOption[]; onChange: (value: string) => void }) {
  return (
    <span className="toolbar-filter">
      <label htmlFor={id}>{label}</label>
      <select id={id} className="select-small" data-testid={testId} value={value} onChange={(event) => onChange(event.target.value)}>
        <option value="">All</option>
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </span>
  )
}
