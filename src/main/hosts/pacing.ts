/**
 * How often one account may be refreshed, and how many create/teardown steps one refresh may
 * start for it, given its request budget (../clouds/budget.ts). Pure: the budget enforces the
 * limits (it refuses, it never waits); these keep the host service from asking for what the
 * budget would refuse, so refusals stay rare and no row shows "limiting" for nothing.
 *
 * - Refreshes (every window's and tab's polling, and the service's own tick) may use at most
 *   POLLING_SHARE of each documented window; the rest is for steps and clicks. What counts is
 *   the pages a refresh reads: 300 DigitalOcean hosts are 2 pages (200 a page), 401 are 3.
 * - Steps of one account in one refresh: what the budget has room for now, less the next
 *   refresh's pages, at REQUESTS_PER_STEP each; STEP_CONCURRENCY of them at a time.
 */
import type { RateLimitWindow } from '../../shared/domain'

/** The share of each documented window that refreshes may use. */
export const POLLING_SHARE = 0.5
/**
 * Requests one step sends at most. DigitalOcean's longest teardown step is the last: GET the
 * droplet (404), list firewalls or droplets by the host's tag, DELETE the firewall and the tag.
 */
export const REQUESTS_PER_STEP = 4
/** Steps of one account running at the same time (each is a few requests of under a second). */
export const STEP_CONCURRENCY = 4

/** One list of an account: when, and how many requests (pages) it took. */
export interface ListRecord {
  at: number
  requests: number
}

/**
 * Whether an account may be listed again now, given its lists so far (oldest first): the lists
 * of every window stay within `share` of that window, counted over the requests they really
 * sent, so a burst of a few refreshes (a click, a restart) goes through at once while steady
 * polling — every window, every tab and the service's own tick together — is held to its share
 * whatever the number of pages. Always true when the cloud documents no limits.
 *
 * DigitalOcean (5,000 an hour, 250 a minute), share 0.5: at most 2,500 list requests an hour
 * and 125 a minute; 300 hosts (2 pages a list) can then be listed every 2.9 s on average.
 */
export function listAllowed(lists: readonly ListRecord[], windows: readonly RateLimitWindow[] | undefined, now: number, share: number = POLLING_SHARE): boolean {
  if (!windows || windows.length === 0 || lists.length === 0) return true
  const next = lists[lists.length - 1]!.requests
  for (const window of windows) {
    const since = now - window.perSeconds * 1000
    const used = lists.reduce((sum, list) => (list.at > since ? sum + list.requests : sum), 0)
    if (used + next > Math.floor(window.requests * share)) return false
  }
  return true
}

/**
 * How many steps of one account a refresh may start: `room` is the budget's room for background
 * requests right now (`RequestBudget.room('background')`); the next refresh's pages are kept
 * aside. Steps beyond it stay due for the next refresh, with no failure recorded.
 */
export function stepsThisRefresh(room: number, options: { requestsPerRefresh?: number; requestsPerStep?: number } = {}): number {
  const perStep = Math.max(1, options.requestsPerStep ?? REQUESTS_PER_STEP)
  const spare = room - Math.max(0, options.requestsPerRefresh ?? 0)
  if (!(spare > 0)) return 0
  return Number.isFinite(spare) ? Math.floor(spare / perStep) : Number.MAX_SAFE_INTEGER
}

/**
 * Runs `work` over `items`, at most `concurrency` at a time, in order of start; resolves when all
 * have settled. For the steps of one account in one refresh.
 */
export async function runLimited<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!
      await work(item).catch(() => undefined)
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, lane))
}
