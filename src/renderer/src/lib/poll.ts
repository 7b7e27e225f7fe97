/** How often the host table asks main for news. Pure: no React, no DOM. */
import { CHANGING_STATES, type Host } from '../../../shared/domain'

/** While something is being created or torn down. */
export const FAST_POLL_MS = 2_000
/** When every host is settled: only drift (a host deleted in the cloud console) is expected. */
export const SETTLED_POLL_MS = 30_000

/** True when the host is expected to change soon. */
export function isChanging(host: Pick<Host, 'state' | 'busy'>): boolean {
  return host.busy || CHANGING_STATES.has(host.state)
}

/**
 * The refetch interval for `hosts:list` given the last answer. Before the first answer the
 * settled pace applies; the query's own retries cover a failing first fetch.
 */
export function pollIntervalFor(hosts: readonly Pick<Host, 'state' | 'busy'>[] | undefined): number {
  if (!hosts) return SETTLED_POLL_MS
  return hosts.some((host) => host.state !== 'deleted' && isChanging(host)) ? FAST_POLL_MS : SETTLED_POLL_MS
}
