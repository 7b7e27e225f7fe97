/** Which hosts the table lists and what each may do. Pure: no React, no DOM. */
import type { Host } from '../../../shared/domain'

/** The hosts the table shows, newest first: a deleted host is gone, so it is not listed. */
export function visibleHosts(hosts: readonly Host[]): Host[] {
  return hosts
    .filter((host) => host.state !== 'deleted')
    .sort((a, b) => (Date.parse(b.createdAt) || 0) - (Date.parse(a.createdAt) || 0) || a.name.localeCompare(b.name))
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
