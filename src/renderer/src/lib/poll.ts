/** How often the host table asks main for news. Pure: no React, no DOM. */
import { CHANGING_STATES, type Host } from '../../../shared/domain'

/** While something is being created or torn down. */
export const FAST_POLL_MS = 2_000
/** When every host is settled: only drift (a host deleted in the cloud console) is expected. */
export const SETTLED_POLL_MS = 30_000
/** A retry due sooner than this counts as "changing now": the table keeps polling fast. */
export const RETRY_SOON_MS = 10_000
/** How long after a retry is due the table looks again (main runs due steps on its next tick). */
export const RETRY_MARGIN_MS = 3_000
type PolledHost = Pick<Host, 'state' | 'busy' | 'retryAt'>

/** True when the host is expected to change soon. */
export function isChanging(host: Pick<Host, 'state' | 'busy'>): boolean {
  return host.busy || CHANGING_STATES.has(host.state)
}

/**
 * When a failed step of this host is next tried (epoch ms), if that is more than
 * RETRY_SOON_MS away; otherwise undefined. A host in creation or teardown always shows
 * "provisioning" or "deleting" and is busy, so those say nothing while it waits; "stopping"
 * is reported by the cloud itself, so a stopping host is still changing and is not waiting.
 */
export function waitingUntil(host: PolledHost, nowMs: number): number | undefined {
  if (host.retryAt === undefined || host.state === 'stopping') return undefined
  const at = Date.parse(host.retryAt)
  if (Number.isNaN(at) || at - nowMs <= RETRY_SOON_MS) return undefined
  return at
}

/**
 * The refetch interval for `hosts:list` given the last answer. Before the first answer the
 * settled pace applies; the query's own retries cover a failing first fetch. A host whose
 * failed step waits for a retry does not keep the fast pace: the table looks again shortly
 * after the earliest retry is due, or at the settled pace if that comes first (never faster
 * than FAST_POLL_MS).
 *
 * A tunnel coming up does not speed the poll: main checks tunnels on its own clock, without
 * asking the cloud, and pushes every change as a `hosts:changed` event; a faster poll would
 * only ask the cloud more often (each list may start a refresh), for hours if DNS is wrong.
 */
export function pollIntervalFor(hosts: readonly PolledHost[] | undefined, nowMs: number = Date.now()): number {
  if (!hosts) return SETTLED_POLL_MS
  let earliestRetry = Number.POSITIVE_INFINITY
  for (const host of hosts) {
    if (host.state === 'deleted' || !isChanging(host)) continue
    const retryAt = waitingUntil(host, nowMs)
    if (retryAt === undefined) return FAST_POLL_MS
    earliestRetry = Math.min(earliestRetry, retryAt)
  }
  if (earliestRetry === Number.POSITIVE_INFINITY) return SETTLED_POLL_MS
  return Math.max(FAST_POLL_MS, Math.min(SETTLED_POLL_MS, earliestRetry + RETRY_MARGIN_MS - nowMs))
}
