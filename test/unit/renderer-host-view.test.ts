import { describe, expect, it } from 'vitest'
import type { Host } from '../../src/shared/domain'
import {
  DEFAULT_SORT,
  NO_FILTERS,
  accountOptions,
  attachedResources,
  bulkDeletePlan,
  cloudOptions,
  filtersSet,
  hostView,
  listInWords,
  matchesSearch,
  nextSort,
  sortHosts,
  hostFacets,
  type HostQuery,
} from '../../src/renderer/src/lib/host-view'

const host = (n: number, extra: Partial<Host> = {}): Host => ({
  id: `h${n}`,
  name: `exit-${n}`,
  cloud: 'digitalocean',
  accountId: 'a1',
  region: 'lon1',
  plan: 's-1vcpu-512mb-10gb',
  ipv4: `198.51.100.${n}`,
  state: 'active',
  rawStatus: 'active',
  createdAt: `2026-12-07T10:0${n}:00.000Z`,
  monthlyCostUsd: 4,
  tunnel: { mode: 'tcp', domains: [] },
  locator: { instanceId: String(n), region: 'lon1', attached: [] },
  discovered: false,
  busy: false,
  ...extra,
})

const labels = new Map([
  ['digitalocean', 'DigitalOcean'],
  ['hetzner', 'Hetzner Cloud'],
  ['simulator', 'Simulated cloud'],
])
const query = (extra: Partial<HostQuery> = {}): HostQuery => ({ search: '', filters: NO_FILTERS, sort: DEFAULT_SORT, ...extra })
const names = (hosts: Host[]): string[] => hosts.map((h) => h.name)

describe('host table sort', () => {
  const hosts = [
    host(1, { name: 'charlie', ipv4: '10.0.0.10', cloud: 'hetzner', region: 'fsn1', plan: 'cx22', monthlyCostUsd: 4.5, state: 'provisioning' }),
    host(2, { name: 'alpha', ipv4: '10.0.0.9', cloud: 'digitalocean', region: 'lon1', plan: 's-1vcpu', monthlyCostUsd: 6 }),
    host(3, { name: 'Bravo', ipv4: undefined, ipv6: '2001:db8::1', cloud: 'digitalocean', region: 'ams3', plan: 'a-plan', monthlyCostUsd: undefined, state: 'error' }),
  ]

  it('defaults to the youngest first, as before', () => {
    expect(names(sortHosts(hosts, DEFAULT_SORT, labels))).toEqual(['Bravo', 'alpha', 'charlie'])
    expect(names(sortHosts(hosts, { column: 'age', direction: 'descending' }, labels))).toEqual(['charlie', 'alpha', 'Bravo'])
  })

  it('sorts names without regard to case, both ways', () => {
    expect(names(sortHosts(hosts, { column: 'name', direction: 'ascending' }, labels))).toEqual(['alpha', 'Bravo', 'charlie'])
    expect(names(sortHosts(hosts, { column: 'name', direction: 'descending' }, labels))).toEqual(['charlie', 'Bravo', 'alpha'])
  })

  it('sorts IPv4 addresses as numbers, then IPv6-only hosts; a host without any address last whichever the direction', () => {
    expect(names(sortHosts(hosts, { column: 'ip', direction: 'ascending' }, labels))).toEqual(['alpha', 'charlie', 'Bravo'])
    expect(names(sortHosts(hosts, { column: 'ip', direction: 'descending' }, labels))).toEqual(['Bravo', 'charlie', 'alpha']) // IPv6-only after every IPv4 ascending, so before them descending
    const noAddress = host(4, { name: 'delta', ipv4: undefined })
    expect(names(sortHosts([...hosts, noAddress], { column: 'ip', direction: 'descending' }, labels)).at(-1)).toBe('delta')
  })

  it('sorts clouds by label then region, costs as numbers (unknown last), states in their order, plans by id', () => {
    expect(names(sortHosts(hosts, { column: 'cloud', direction: 'ascending' }, labels))).toEqual(['Bravo', 'alpha', 'charlie'])
    expect(names(sortHosts(hosts, { column: 'cost', direction: 'ascending' }, labels))).toEqual(['charlie', 'alpha', 'Bravo'])
    expect(names(sortHosts(hosts, { column: 'cost', direction: 'descending' }, labels))).toEqual(['alpha', 'charlie', 'Bravo'])
    expect(names(sortHosts(hosts, { column: 'state', direction: 'ascending' }, labels))).toEqual(['charlie', 'alpha', 'Bravo'])
    expect(names(sortHosts(hosts, { column: 'plan', direction: 'ascending' }, labels))).toEqual(['Bravo', 'charlie', 'alpha'])
  })

  it('equal keys fall back to the youngest first', () => {
    const same = [host(1, { name: 'x' }), host(2, { name: 'y' }), host(3, { name: 'z' })]
    expect(names(sortHosts(same, { column: 'cost', direction: 'ascending' }, labels))).toEqual(['z', 'y', 'x'])
    expect(names(sortHosts(same, { column: 'cost', direction: 'descending' }, labels))).toEqual(['z', 'y', 'x'])
  })

  it('a header click sorts a new column ascending and flips the sorted one', () => {
    expect(nextSort(DEFAULT_SORT, 'name')).toEqual({ column: 'name', direction: 'ascending' })
    expect(nextSort({ column: 'name', direction: 'ascending' }, 'name')).toEqual({ column: 'name', direction: 'descending' })
    expect(nextSort({ column: 'name', direction: 'descending' }, 'name')).toEqual({ column: 'name', direction: 'ascending' })
  })
})

describe('host table search and filters', () => {
  const web = host(5, { name: 'exit-web', ipv4: '203.0.113.7', ipv6: '2001:DB8::7', tunnel: { mode: 'https', domains: ['Shop.Example.com'] } })

  it('matches the name, either address or a domain, whatever the case', () => {
    expect(matchesSearch(web, 'web')).toBe(true)
    expect(matchesSearch(web, '203.0.113')).toBe(true)
    expect(matchesSearch(web, '2001:db8::7')).toBe(true)
    expect(matchesSearch(web, 'shop.example')).toBe(true)
    expect(matchesSearch(web, 'nothing')).toBe(false)
    expect(matchesSearch(web, '')).toBe(true)
  })

  it('filters by cloud, account, state and tunnel mode, and trims the search', () => {
    const hosts = [web, host(6, { cloud: 'hetzner', accountId: 'a2', state: 'provisioning' })]
    const ids = (q: Partial<HostQuery>) => [...hostView(hosts, query(q), labels).ids]
    expect(ids({ search: '  WEB ' })).toEqual(['h5'])
    expect(ids({ filters: { ...NO_FILTERS, cloud: 'hetzner' } })).toEqual(['h6'])
    expect(ids({ filters: { ...NO_FILTERS, account: 'a1' } })).toEqual(['h5'])
    expect(ids({ filters: { ...NO_FILTERS, state: 'provisioning' } })).toEqual(['h6'])
    expect(ids({ filters: { ...NO_FILTERS, mode: 'https' } })).toEqual(['h5'])
    expect(ids({ filters: { ...NO_FILTERS, mode: 'https', cloud: 'hetzner' } })).toEqual([])
    expect(filtersSet(NO_FILTERS)).toBe(false)
    expect(filtersSet({ ...NO_FILTERS, mode: 'tcp' })).toBe(true)
  })

  it('a deleted host is never listed, nor counted', () => {
    const view = hostView([host(1), host(2, { state: 'deleted' })], query(), labels)
    expect(view.ids).toEqual(['h1'])
    expect(view.byId.size).toBe(1)
  })

  it('offers the clouds, accounts and states the hosts have, the same object while they stay', () => {
    const hosts = [web, host(6, { cloud: 'hetzner', accountId: 'a2', state: 'provisioning' })]
    const facets = hostFacets(hosts)
    expect(facets).toEqual({ clouds: ['digitalocean', 'hetzner'], accounts: ['a1', 'a2'], states: ['provisioning', 'active'] })
    expect(hostFacets([web, host(6, { cloud: 'hetzner', accountId: 'a2', state: 'provisioning', ipv4: '192.0.2.1' })], facets)).toBe(facets)
    expect(hostFacets([web], facets)).toEqual({ clouds: ['digitalocean'], accounts: ['a1'], states: ['active'] })
    const clouds = [{ id: 'hetzner', label: 'Hetzner Cloud' }, { id: 'digitalocean', label: 'DigitalOcean' }] as never
    expect(cloudOptions(facets.clouds, clouds)).toEqual([
      { value: 'digitalocean', label: 'DigitalOcean' },
      { value: 'hetzner', label: 'Hetzner Cloud' },
    ])
    expect(accountOptions(facets.accounts, [{ id: 'a2', label: 'Team' }] as never)).toEqual([
      { value: 'a1', label: 'a1' },
      { value: 'a2', label: 'Team' },
    ])
  })
})

describe('host table row model stays put when nothing it shows changed', () => {
  const hosts = [host(1), host(2), host(3)]
  const first = hostView(hosts, query(), labels)

  it('the same hosts, or a change the order does not depend on: the very same ids array', () => {
    expect(first.ids).toEqual(['h3', 'h2', 'h1'])
    expect(hostView(hosts, query(), labels, first).ids).toBe(first.ids)
    const stopped = hostView([host(1), host(2, { state: 'stopped', rawStatus: 'off' }), host(3)], query(), labels, first)
    expect(stopped.ids).toBe(first.ids)
    expect(stopped.byId.get('h2')!.state).toBe('stopped')
  })

  it('a search or sort that lists the same hosts in the same order keeps the array too', () => {
    expect(hostView(hosts, query({ search: 'exit' }), labels, first).ids).toBe(first.ids)
    expect(hostView(hosts, query({ sort: { column: 'name', direction: 'descending' } }), labels, first).ids).toBe(first.ids)
  })

  it('a change to what the table is sorted or filtered by gives a new order', () => {
    const byState = hostView(hosts, query({ sort: { column: 'state', direction: 'ascending' } }), labels)
    const changed = hostView([host(1), host(2, { state: 'provisioning' }), host(3)], byState.query, labels, byState)
    expect(changed.ids).toEqual(['h2', 'h3', 'h1'])
    const filtered = hostView(hosts, query({ filters: { ...NO_FILTERS, state: 'active' } }), labels)
    const left = hostView([host(1), host(2, { state: 'stopped' }), host(3)], filtered.query, labels, filtered)
    expect(left.ids).toEqual(['h3', 'h1'])
    const renamed = hostView([host(1, { name: 'exit-9' }), host(2), host(3)], query({ sort: { column: 'name', direction: 'ascending' } }), labels)
    expect(renamed.ids).toEqual(['h2', 'h3', 'h1'])
    const newer = hostView([host(1), host(2), host(3, { createdAt: '2026-12-07T09:00:00.000Z' })], query(), labels, first)
    expect(newer.ids).toEqual(['h2', 'h1', 'h3'])
    const swapped = hostView([host(1), host(2), host(4)], query(), labels, first)
    expect(swapped.ids).toEqual(['h4', 'h2', 'h1'])
  })
})

describe('bulk delete and the delete sentence', () => {
  it('deletes what can be deleted, names what is skipped, and adds up the saving', () => {
    const plan = bulkDeletePlan([host(1, { monthlyCostUsd: 4 }), host(2, { state: 'deleting', busy: true }), host(3, { monthlyCostUsd: 6.5 }), host(4, { monthlyCostUsd: undefined })])
    expect(plan.deletable.map((h) => h.id)).toEqual(['h1', 'h3', 'h4'])
    expect(plan.skipped.map((h) => h.id)).toEqual(['h2'])
    expect(plan.monthlySavingUsd).toBe(10.5)
  })

  it('promises only what was made for the host', () => {
    expect(attachedResources([])).toEqual([])
    expect(attachedResources([{ kind: 'firewall', id: 'f1' }])).toEqual(['its firewall'])
    expect(
      attachedResources([
        { kind: 'security-group', id: 'sg' },
        { kind: 'public-ip', id: 'ip' },
        { kind: 'disk', id: 'd1' },
        { kind: 'disk', id: 'd2' },
        { kind: 'tag', id: 't' },
      ]),
    ).toEqual(['its security group', 'its public IP address', 'its 2 disks', 'its Exitdesk tag'])
    expect(listInWords(['a'])).toBe('a')
    expect(listInWords(['a', 'b'])).toBe('a and b')
    expect(listInWords(['a', 'b', 'c'])).toBe('a, b and c')
  })
})
