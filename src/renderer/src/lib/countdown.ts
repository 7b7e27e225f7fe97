/** The auto-teardown countdown text of a host row. Pure: no React, no DOM. */

const MINUTE = 60_000
const DAY = 24 * 60 * MINUTE

/**
 * "deletes in 59 min", "deletes in 7 h 59 min", "deletes in 6 days"; "deleting now" once the
 * deadline has passed (main starts the teardown at its next tick). Minutes round up, so the
 * text never says less time than is left. Undefined for an unreadable time.
 */
export function formatCountdown(deleteAtIso: string, nowMs: number): string | undefined {
  const at = Date.parse(deleteAtIso)
  if (Number.isNaN(at)) return undefined
  const left = at - nowMs
  if (left <= 0) return 'deleting now'
  const minutes = Math.ceil(left / MINUTE)
  if (minutes < 60) return `deletes in ${minutes} min`
  if (left < 2 * DAY) {
    const hours = Math.floor(minutes / 60)
    const rest = minutes % 60
    return rest > 0 ? `deletes in ${hours} h ${rest} min` : `deletes in ${hours} h`
  }
  return `deletes in ${Math.floor(left / DAY)} days`
}
