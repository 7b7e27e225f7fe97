/** Money and time as the tables and forms show them. Pure: no React, no DOM. */

const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 })

/** 4 -> "$4.00"; undefined -> "—". */
export function formatMoney(amountUsd: number | undefined): string {
  if (amountUsd === undefined || !Number.isFinite(amountUsd)) return '—'
  return usd.format(amountUsd)
}

/** 4 -> "$4.00/mo"; undefined -> "—". */
export function formatMonthly(amountUsd: number | undefined): string {
  if (amountUsd === undefined || !Number.isFinite(amountUsd)) return '—'
  return `${usd.format(amountUsd)}/mo`
}

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/**
 * How long ago `createdAtIso` was, short: "just now", "3 min", "5 h", "2 days".
 * A time in the future (clocks disagree) reads "just now"; an unreadable one "—".
 */
export function formatAge(createdAtIso: string, nowMs: number): string {
  const created = Date.parse(createdAtIso)
  if (Number.isNaN(created)) return '—'
  const elapsed = nowMs - created
  if (elapsed < MINUTE) return 'just now'
  if (elapsed < HOUR) return `${Math.floor(elapsed / MINUTE)} min`
  if (elapsed < 2 * DAY) {
    const hours = Math.floor(elapsed / HOUR)
    const minutes = Math.floor((elapsed % HOUR) / MINUTE)
    return hours < 6 && minutes > 0 ? `${hours} h ${minutes} min` : `${hours} h`
  }
  const days = Math.floor(elapsed / DAY)
  return `${days} days`
}
