/** Which hosts the table lists and what each may do. Pure: no React, no DOM. */
import type { Host } from '../../../shared/domain'

/** The same order as `localeCompare`, without building a collator on every comparison. */
const byName = new Intl.Collator().compare

/**
 * The hosts the table shows, newest first: a deleted host is gone, so it is not listed.
 * Each time is parsed once, not once per comparison: with 5,000 hosts a sort makes ~60,000.
 */
export function visibleHosts(hosts: readonly Host[]): Host[] {
  const keyed: Array<{ host: Host; at: number }> = []
  for (const host of hosts) if (host.state !== 'deleted') keyed.push({ host, at: Date.parse(host.createdAt) || 0 })
  keyed.sort((a, b) => b.at - a.at || byName(a.host.name, b.host.name))
  return keyed.map((entry) => entry.host)
}

/** The client command and token are useful only once the server runs and has an address. */
export function canCopy(host: Pick<Host, 'state' | 'ipv4'>): boolean {
  return host.state === 'active' && Boolean(host.ipv4)
}

/** A host already on its way out cannot be deleted again. */
export function canDelete(host: Pick<Host, 'state'>): boolean {
  return host.state !== 'deleting' && host.state !== 'deleted'
}

/**
 * A teardown in trouble — waiting on a retry after a failure, or on an instance the cloud still
 * has after accepting its delete (main then says so in `notice`) — may be sent again at once by
 * the user: main drops the back-off and sends the delete again from the start.
 */
export function canRetryTeardown(host: Pick<Host, 'state' | 'busy' | 'retryAt' | 'lastError' | 'notice'>): boolean {
  return host.state === 'deleting' && host.busy && (Boolean(host.retryAt) || Boolean(host.lastError) || Boolean(host.notice))
}

/** The table's rows: the visible hosts' ids in table order, and each visible host by id. */
export interface HostOrder {
  /** The `hosts` array this was made from. */
  source: readonly Host[]
  ids: readonly string[]
  byId: ReadonlyMap<string, Host>
}

/**
 * The table's rows for `hosts`. When `previous` lists the same hosts with the same names and
 * creation times (what the order depends on), its very `ids` array is reused without sorting:
 * a poll that changed a host's state or address then leaves the table's row model, its keys
 * and the virtualizer's layout as they were, and only the changed row renders again.
 */
export function hostOrder(hosts: readonly Host[], previous?: HostOrder): HostOrder {
  const byId = new Map<string, Host>()
  for (const host of hosts) if (host.state !== 'deleted') byId.set(host.id, host)
  if (previous && previous.byId.size === byId.size && sameOrderKeys(previous.byId, byId)) return { source: hosts, ids: previous.ids, byId }
  return { source: hosts, ids: visibleHosts(hosts).map((host) => host.id), byId }
}

function sameOrderKeys(before: ReadonlyMap<string, Host>, after: ReadonlyMap<string, Host>): boolean {
  for (const [id, host] of after) {
    const old = before.get(id)
    if (old === undefined || old.createdAt !== host.createdAt || old.name !== host.name) return false
  }
  return true
}
