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

/**
 * When a failed step is tried again, relative to now, as a sentence: "Exitdesk will try again
 * in 2 min." Minutes are enough: the shared clock ticks every 15 s. A time already passed
 * (the retry is running, or clocks disagree) reads "shortly"; an unreadable one gives undefined.
 */
export function formatRetry(retryAtIso: string, nowMs: number): string | undefined {
  const at = Date.parse(retryAtIso)
  if (Number.isNaN(at)) return undefined
  const wait = at - nowMs
  if (wait <= 0) return 'Exitdesk will try again shortly.'
  if (wait < MINUTE) return 'Exitdesk will try again in less than a minute.'
  if (wait < HOUR) return `Exitdesk will try again in ${Math.min(59, Math.round(wait / MINUTE))} min.`
  const hours = Math.floor(wait / HOUR)
  const minutes = Math.round((wait % HOUR) / MINUTE)
  if (minutes === 60) return `Exitdesk will try again in ${hours + 1} h.`
  return minutes > 0 ? `Exitdesk will try again in ${hours} h ${minutes} min.` : `Exitdesk will try again in ${hours} h.`
}
