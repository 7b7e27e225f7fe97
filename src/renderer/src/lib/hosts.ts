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

