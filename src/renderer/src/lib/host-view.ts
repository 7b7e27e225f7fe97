/**
 * What the Hosts page lists, in which order: search, filters and sort over the snapshot's
 * hosts, and what a bulk delete would do. Pure: no React, no DOM, so it is unit tested on its
 * own (test/unit/renderer-host-view.test.ts).
 *
 * The row model's identity matters (HostsTable, HostRow): a poll, a keystroke or a click that
 * leaves the listed hosts and their order as they were must give the very same `ids` array, so
 * the table keeps its row model, its keys and the virtualizer's layout, and only the rows
 * whose host changed render again. `hostView` therefore reuses the previous `ids` when nothing
 * the order depends on changed (without sorting), and when a new sort gives the same order.
 */
import { HOST_STATES, type AccountInfo, type CloudInfo, type Host, type HostState, type TunnelMode } from '../../../shared/domain'
import { canDelete } from './hosts'

export const SORT_COLUMNS = ['name', 'state', 'ip', 'cloud', 'plan', 'age', 'cost'] as const
export type SortColumn = (typeof SORT_COLUMNS)[number]
export type SortDirection = 'ascending' | 'descending'

export interface HostSort {
  column: SortColumn
  direction: SortDirection
}

/** Today's order: the youngest host first ("age, ascending"), then by name. */
export const DEFAULT_SORT: HostSort = { column: 'age', direction: 'ascending' }

/** A click on a header: a new column sorts ascending, the sorted one flips. */
export function nextSort(current: HostSort, column: SortColumn): HostSort {
  if (current.column !== column) return { column, direction: 'ascending' }
  return { column, direction: current.direction === 'ascending' ? 'descending' : 'ascending' }
}

/** Each filter: '' is "All". */
export interface HostFilters {
  cloud: string
  account: string
  state: '' | HostState
  mode: '' | TunnelMode
}

export const NO_FILTERS: HostFilters = { cloud: '', account: '', state: '', mode: '' }

export function filtersSet(filters: HostFilters): boolean {
  return filters.cloud !== '' || filters.account !== '' || filters.state !== '' || filters.mode !== ''
}

export interface HostQuery {
  /** The search box's text: matched, case-insensitively, in the name, IPv4, IPv6 and domains. */
  search: string
  filters: HostFilters
  sort: HostSort
}

/** Cloud ids to their labels (the cloud column sorts by what it shows). */
export type CloudLabels = ReadonlyMap<string, string>

export interface HostView {
  /** The `hosts` array this was made from. */
  source: readonly Host[]
  query: HostQuery
  cloudLabels: CloudLabels
  /** The listed hosts' ids in table order: the same array while they and their order are. */
  ids: readonly string[]
  /** Every host not deleted, listed or not, by id. */
  byId: ReadonlyMap<string, Host>
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' })
const byText = collator.compare

export function normalizeSearch(text: string): string {
  return text.trim().toLowerCase()
}

/** The search box: the name, either address or any domain contains the text. */
export function matchesSearch(host: Host, needle: string): boolean {
  if (needle === '') return true
  if (host.name.toLowerCase().includes(needle)) return true
  if (host.ipv4?.includes(needle)) return true
  if (host.ipv6?.toLowerCase().includes(needle)) return true
  return host.tunnel.domains.some((domain) => domain.toLowerCase().includes(needle))
}

export function matchesFilters(host: Host, filters: HostFilters): boolean {
  return (
    (filters.cloud === '' || host.cloud === filters.cloud) &&
    (filters.account === '' || host.accountId === filters.account) &&
    (filters.state === '' || host.state === filters.state) &&
    (filters.mode === '' || host.tunnel.mode === filters.mode)
  )
}

function matches(host: Host, needle: string, filters: HostFilters): boolean {
  return matchesFilters(host, filters) && matchesSearch(host, needle)
}

/** An IPv4 address as a number, for a numeric order (10.0.0.9 before 10.0.0.10). */
function ipv4Number(ip: string): number | undefined {
  const parts = ip.split('.')
  if (parts.length !== 4) return undefined
  let value = 0
  for (const part of parts) {
    const octet = Number(part)
    if (!Number.isInteger(octet) || octet < 0 || octet > 255) return undefined
    value = value * 256 + octet
  }
  return value
}

const STATE_RANK = new Map<HostState, number>(HOST_STATES.map((state, rank) => [state, rank]))

/**
 * A host's key for a column: a number or a text, or undefined when the host has none (no
 * address yet, an unknown price), listed last whichever the direction.
 */
export function sortKey(host: Host, column: SortColumn, cloudLabels: CloudLabels): number | string | undefined {
  switch (column) {
    case 'name':
      return host.name
    case 'state':
      return STATE_RANK.get(host.state) ?? HOST_STATES.length
    case 'ip':
      if (host.ipv4) return ipv4Number(host.ipv4) ?? host.ipv4
      return host.ipv6
    case 'cloud':
      return `${cloudLabels.get(host.cloud) ?? host.cloud}\u0000${host.region}`
    case 'plan':
      return host.plan
    case 'age': {
      // Ascending age is the youngest first: the later creation time first.
      const at = Date.parse(host.createdAt)
      return Number.isNaN(at) ? undefined : -at
    }
    case 'cost':
      return host.monthlyCostUsd !== undefined && Number.isFinite(host.monthlyCostUsd) ? host.monthlyCostUsd : undefined
  }
}

function compareKeys(a: number | string | undefined, b: number | string | undefined): number {
  if (a === b) return 0
  if (a === undefined) return 1
  if (b === undefined) return -1
  if (typeof a === 'number' && typeof b === 'number') return a - b
  if (typeof a === 'number') return -1 // numbers (IPv4) before texts (IPv6 only)
  if (typeof b === 'number') return 1
  return byText(a, b)
}

interface Keyed {
  host: Host
  key: number | string | undefined
  at: number
}

/** The listed hosts in order: by the column (missing values last), then the youngest first, then by name, then by id. */
export function sortHosts(hosts: readonly Host[], sort: HostSort, cloudLabels: CloudLabels): Host[] {
  // Each key is worked out once, not once per comparison: with 5,000 hosts a sort makes ~60,000.
  const keyed: Keyed[] = hosts.map((host) => ({ host, key: sortKey(host, sort.column, cloudLabels), at: Date.parse(host.createdAt) || 0 }))
  const sign = sort.direction === 'ascending' ? 1 : -1
  keyed.sort((a, b) => {
    if (a.key !== b.key) {
      if (a.key === undefined) return 1
      if (b.key === undefined) return -1
      const byColumn = compareKeys(a.key, b.key)
      if (byColumn !== 0) return sign * byColumn
    }
    return b.at - a.at || byText(a.host.name, b.host.name) || (a.host.id < b.host.id ? -1 : a.host.id > b.host.id ? 1 : 0)
  })
  return keyed.map((entry) => entry.host)
}

export function sameQuery(a: HostQuery, b: HostQuery): boolean {
  return (
    a.search === b.search &&
    a.sort.column === b.sort.column &&
    a.sort.direction === b.sort.direction &&
    a.filters.cloud === b.filters.cloud &&
    a.filters.account === b.filters.account &&
    a.filters.state === b.filters.state &&
    a.filters.mode === b.filters.mode
  )
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false
  return true
}

/**
 * Whether `next` lists the same hosts in the same order as `previous` did, without sorting:
 * the same hosts (none added or gone), and each changed host kept its sort key, its
 * tie-breakers and whether it is listed. Unchanged hosts are the same objects (TanStack Query
 * keeps them), so a poll that changed one host compares one host.
 */
function orderKept(previous: HostView, byId: ReadonlyMap<string, Host>, needle: string, query: HostQuery): boolean {
  if (previous.byId.size !== byId.size) return false
  for (const [id, host] of byId) {
    const old = previous.byId.get(id)
    if (old === host) continue
    if (old === undefined) return false
    if (old.createdAt !== host.createdAt || old.name !== host.name) return false
    if (compareKeys(sortKey(old, query.sort.column, previous.cloudLabels), sortKey(host, query.sort.column, previous.cloudLabels)) !== 0) return false
    if (matches(old, needle, query.filters) !== matches(host, needle, query.filters)) return false
  }
  return true
}

/** The table's rows for `hosts` under `query`, reusing `previous.ids` whenever the result is the same. */
export function hostView(hosts: readonly Host[], query: HostQuery, cloudLabels: CloudLabels, previous?: HostView): HostView {
  const byId = new Map<string, Host>()
  for (const host of hosts) if (host.state !== 'deleted') byId.set(host.id, host)
  const needle = normalizeSearch(query.search)
  const sameSetting = previous !== undefined && previous.cloudLabels === cloudLabels && sameQuery(previous.query, query)
  if (sameSetting && orderKept(previous, byId, needle, query)) return { source: hosts, query: previous.query, cloudLabels, ids: previous.ids, byId }
  const listed: Host[] = []
  for (const host of byId.values()) if (matches(host, needle, query.filters)) listed.push(host)
  const ids = sortHosts(listed, query.sort, cloudLabels).map((host) => host.id)
  return { source: hosts, query, cloudLabels, ids: previous && sameIds(previous.ids, ids) ? previous.ids : ids, byId }
}

export interface FilterOption {
  value: string
  label: string
}

/** What the filters can offer: the clouds, accounts and states the hosts have. */
export interface HostFacets {
  /** Cloud ids, sorted. */
  clouds: readonly string[]
  /** Account ids, sorted. */
  accounts: readonly string[]
  /** In the states' own order. */
  states: readonly HostState[]
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index])
}

/**
 * One pass over the hosts; `previous` itself when nothing changed, so a poll that changed a
 * host's address leaves the toolbar's props as they were.
 */
export function hostFacets(hosts: Iterable<Host>, previous?: HostFacets): HostFacets {
  const clouds = new Set<string>()
  const accounts = new Set<string>()
  const states = new Set<HostState>()
  for (const host of hosts) {
    clouds.add(host.cloud)
    accounts.add(host.accountId)
    states.add(host.state)
  }
  const next: HostFacets = { clouds: [...clouds].sort(), accounts: [...accounts].sort(), states: HOST_STATES.filter((state) => states.has(state)) }
  return previous && sameList(previous.clouds, next.clouds) && sameList(previous.accounts, next.accounts) && sameList(previous.states, next.states) ? previous : next
}

/** Cloud ids as options, by label. */
export function cloudOptions(ids: readonly string[], clouds: readonly CloudInfo[]): FilterOption[] {
  return ids.map((id) => ({ value: id, label: clouds.find((cloud) => cloud.id === id)?.label ?? id })).sort((a, b) => byText(a.label, b.label))
}

/** Account ids as options, by label. */
export function accountOptions(ids: readonly string[], accounts: readonly AccountInfo[]): FilterOption[] {
  return ids.map((id) => ({ value: id, label: accounts.find((account) => account.id === id)?.label ?? id })).sort((a, b) => byText(a.label, b.label))
}

/** A bulk delete: the selected hosts that can be deleted, those that cannot, and what it saves a month. */
export interface BulkDeletePlan {
  deletable: Host[]
  skipped: Host[]
  monthlySavingUsd: number
}

export function bulkDeletePlan(selected: readonly Host[]): BulkDeletePlan {
  const deletable: Host[] = []
  const skipped: Host[] = []
  let monthlySavingUsd = 0
  for (const host of selected) {
    if (canDelete(host)) {
      deletable.push(host)
      monthlySavingUsd += monthlyCost(host)
    } else skipped.push(host)
  }
  return { deletable, skipped, monthlySavingUsd }
}

export function monthlyCost(host: Pick<Host, 'monthlyCostUsd'>): number {
  return host.monthlyCostUsd !== undefined && Number.isFinite(host.monthlyCostUsd) ? host.monthlyCostUsd : 0
}

const RESOURCE_WORDS: Record<Host['locator']['attached'][number]['kind'], [one: string, many: string]> = {
  firewall: ['firewall', 'firewalls'],
  'security-group': ['security group', 'security groups'],
  'public-ip': ['public IP address', 'public IP addresses'],
  'network-interface': ['network interface', 'network interfaces'],
  disk: ['disk', 'disks'],
  tag: ['Exitdesk tag', 'Exitdesk tags'],
}

/**
 * What goes with the VM, from what was recorded when it was made (`locator.attached`), in
 * words: ["its firewall"], ["its security group", "its 2 disks"]. Empty when nothing else was
 * made for it (a TCP host on most clouds, a host found in the cloud).
 */
export function attachedResources(attached: Host['locator']['attached']): string[] {
  const counts = new Map<keyof typeof RESOURCE_WORDS, number>()
  for (const resource of attached) counts.set(resource.kind, (counts.get(resource.kind) ?? 0) + 1)
  return [...counts].map(([kind, count]) => (count === 1 ? `its ${RESOURCE_WORDS[kind][0]}` : `its ${count} ${RESOURCE_WORDS[kind][1]}`))
}

/** "a", "a and b", "a, b and c". */
export function listInWords(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? ''
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`
}

/** How a bulk delete went: the hosts main accepted a delete for, and those it refused, with why. */
export interface BulkDeleteOutcome {
  sent: Host[]
  failed: Array<{ host: Host; error: unknown }>
  skipped: Host[]
}

/** Deletes sent at once: main paces each cloud itself, this only keeps the window's requests few. */
const PARALLEL = 4

/** `send` (the window's `hosts:delete`) for each host, a few at a time; never rejects. */
export async function deleteHosts(hosts: readonly Host[], send: (hostId: string) => Promise<unknown>): Promise<Pick<BulkDeleteOutcome, 'sent' | 'failed'>> {
  const sent: Host[] = []
  const failed: BulkDeleteOutcome['failed'] = []
  let next = 0
  async function worker(): Promise<void> {
    while (next < hosts.length) {
      const host = hosts[next++]!
      try {
        await send(host.id)
        sent.push(host)
      } catch (error) {
        failed.push({ host, error })
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(PARALLEL, hosts.length) }, () => worker()))
  // In the order they were listed, not the order the answers came in.
  const order = new Map(hosts.map((host, index) => [host.id, index]))
  const byOrder = (a: Host, b: Host): number => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0)
  sent.sort(byOrder)
  failed.sort((a, b) => byOrder(a.host, b.host))
  return { sent, failed }
}
