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
