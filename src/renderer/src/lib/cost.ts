/**
 * What hosts have cost, estimated from their monthly price. Pure: no React, no DOM.
 *
 * A month is taken as 730 hours (365 days × 24 h / 12 months): the average month the AWS and
 * Azure pricing calculators turn an hourly price into a monthly one with (AWS Pricing
 * Calculator, https://calculator.aws/, and Azure pricing calculator,
 * https://azure.microsoft.com/pricing/calculator/). It is an estimate, not an invoice:
 * - DigitalOcean bills Droplets hourly up to a monthly cap of 672 hours, "the number of hours in
 *   4 weeks" (https://www.digitalocean.com/pricing/droplets and
 *   https://docs.digitalocean.com/products/billing/), so its hourly rate is monthly / 672: about
 *   9 % above this estimate until the cap, and never more than the monthly price in a month;
 * - most clouds round each started hour up, and taxes, traffic and snapshots are not included;
 * - a deleted host is left out: Exitdesk keeps no time for when it was deleted.
 */
import type { Host, HostState } from '../../../shared/domain'

/** The average month in hours (365 × 24 / 12). */
export const HOURS_PER_MONTH = 730

const HOUR_MS = 3_600_000

type CostHost = Pick<Host, 'monthlyCostUsd' | 'createdAt' | 'state' | 'locator'>

/** States that no longer bill, or are about to stop: a teardown the user already asked for. */
const NOT_RUNNING: ReadonlySet<HostState> = new Set(['deleted', 'deleting'])

/**
 * A create the cloud refused: Exitdesk keeps the record so the reason stays in view, but no
 * instance was ever made, so nothing was billed.
 */
function neverMade(host: Pick<Host, 'state' | 'locator'>): boolean {
  return host.state === 'error' && !host.locator.instanceId
}

function hoursBetween(fromMs: number, toMs: number): number {
  return Math.max(0, toMs - fromMs) / HOUR_MS
}

/**
 * Monthly price × hours since the host was created / 730. Undefined when the price is not known
 * or the creation time cannot be read. A creation time in the future (clocks disagree) is 0.
 */
export function costSoFarUsd(host: Pick<Host, 'monthlyCostUsd' | 'createdAt'>, nowMs: number): number | undefined {
  const created = Date.parse(host.createdAt)
  if (host.monthlyCostUsd === undefined || !Number.isFinite(host.monthlyCostUsd) || Number.isNaN(created)) return undefined
  return (host.monthlyCostUsd * hoursBetween(created, nowMs)) / HOURS_PER_MONTH
}

/** 00:00 UTC on the first day of `nowMs`'s month (clouds bill by the UTC calendar month). */
export function startOfMonthUtcMs(nowMs: number): number {
  const now = new Date(nowMs)
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)
}

/**
 * This calendar month (UTC) so far, over every host not deleted: each host's monthly price ×
 * hours since the later of its creation and the start of the month / 730. Hosts without a
 * known price or a readable creation time add nothing; so does a refused create (no instance).
 */
export function monthToDateUsd(hosts: readonly CostHost[], nowMs: number): number {
  const monthStart = startOfMonthUtcMs(nowMs)
  let total = 0
  for (const host of hosts) {
    if (host.state === 'deleted' || neverMade(host)) continue
    const created = Date.parse(host.createdAt)
    if (host.monthlyCostUsd === undefined || !Number.isFinite(host.monthlyCostUsd) || Number.isNaN(created)) continue
    total += (host.monthlyCostUsd * hoursBetween(Math.max(created, monthStart), nowMs)) / HOURS_PER_MONTH
  }
  return total
}

/**
 * What the hosts still running cost a month: the sum of the monthly prices of every host that
 * is not deleted or being deleted (a teardown already asked for is on its way out), and is not
 * a refused create. Stopped hosts count: most clouds bill a stopped VM (its disk and address)
 * like a running one.
 */
export function runningMonthlyUsd(hosts: readonly CostHost[]): number {
  let total = 0
  for (const host of hosts) {
    if (NOT_RUNNING.has(host.state) || neverMade(host)) continue
    if (host.monthlyCostUsd !== undefined && Number.isFinite(host.monthlyCostUsd)) total += host.monthlyCostUsd
  }
  return total
}
