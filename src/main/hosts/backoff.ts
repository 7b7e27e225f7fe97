/** How long to leave a failing step alone: what the provider asked for, else doubling from 2 s up to 5 min. */
export const MAX_BACKOFF_MS = 5 * 60_000

export function backoffMs(failures: number, retryAfterSeconds?: number): number {
  if (retryAfterSeconds !== undefined) return Math.min(retryAfterSeconds * 1000, MAX_BACKOFF_MS)
  return Math.min(2_000 * 2 ** Math.max(0, failures - 1), MAX_BACKOFF_MS)
}
