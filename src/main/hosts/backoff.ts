/**
 * How long to leave a failing step alone: what the provider asked for, else doubling from 2 s up
 * to 2 min. A failing teardown step is money still being spent: it is tried again at least every
 * two minutes (with 5 minutes, the fault soak at 30 % saw a deleted host take over an hour). The
 * account's request budget, not this, keeps the pace within the provider's limits.
 */
export const MAX_BACKOFF_MS = 2 * 60_000

export function backoffMs(failures: number, retryAfterSeconds?: number): number {
  if (retryAfterSeconds !== undefined) return Math.min(retryAfterSeconds * 1000, MAX_BACKOFF_MS)
  return Math.min(2_000 * 2 ** Math.max(0, failures - 1), MAX_BACKOFF_MS)
}
