import { describe, expect, it } from 'vitest'
import type { Host } from '../../src/shared/domain'
import { HOURS_PER_MONTH, costSoFarUsd, monthToDateUsd, runningMonthlyUsd, startOfMonthUtcMs } from '../../src/renderer/src/lib/cost'

const HOUR = 3_600_000
const NOW = Date.parse('2026-03-10T12:00:00Z')

function host(patch: Partial<Host> = {}): Host {
  return {
    id: 'h1',
    name: 'exit-1',
    cloud: 'digitalocean',
    accountId: 'a1',
    region: 'lon1',
    plan: 's-1vcpu-512mb-10gb',
    state: 'active',
    rawStatus: 'active',
    createdAt: new Date(NOW - 10 * HOUR).toISOString(),
    monthlyCostUsd: 7.3,
    tunnel: { mode: 'tcp', domains: [] },
    locator: { region: 'lon1', instanceId: '123', attached: [] },
    discovered: false,
    busy: false,
    ...patch,
  }
}

describe('cost so far', () => {
  it('is the monthly price times the hours since creation over a 730-hour month', () => {
    expect(HOURS_PER_MONTH).toBe(730)
    expect(costSoFarUsd(host(), NOW)).toBeCloseTo(0.1, 10) // 7.30 × 10 / 730
    expect(costSoFarUsd(host({ createdAt: new Date(NOW - 730 * HOUR).toISOString() }), NOW)).toBeCloseTo(7.3, 10)
  })

  it('is unknown without a price or a readable creation time, and 0 for a time in the future', () => {
    expect(costSoFarUsd(host({ monthlyCostUsd: undefined }), NOW)).toBeUndefined()
    expect(costSoFarUsd(host({ createdAt: 'not a time' }), NOW)).toBeUndefined()
    expect(costSoFarUsd(host({ createdAt: new Date(NOW + HOUR).toISOString() }), NOW)).toBe(0)
  })
})

describe('month to date', () => {
  it('starts the month at 00:00 UTC on the first', () => {
    expect(new Date(startOfMonthUtcMs(NOW)).toISOString()).toBe('2026-03-01T00:00:00.000Z')
    expect(new Date(startOfMonthUtcMs(Date.parse('2026-12-31T23:59:59Z'))).toISOString()).toBe('2026-12-01T00:00:00.000Z')
  })

  it('counts a host created before this month from the start of the month only', () => {
    const monthStart = startOfMonthUtcMs(NOW)
    const hoursThisMonth = (NOW - monthStart) / HOUR // 9.5 days = 228 h
    const old = host({ createdAt: '2026-01-15T00:00:00Z', monthlyCostUsd: 73 })
    expect(monthToDateUsd([old], NOW)).toBeCloseTo((73 * hoursThisMonth) / 730, 10)
  })

  it('sums the hosts, leaving out deleted hosts, refused creates and unknown prices', () => {
    const hosts = [
      host(), // 0.10
      host({ id: 'h2', monthlyCostUsd: 14.6 }), // 0.20
      host({ id: 'h3', state: 'deleted' }),
      host({ id: 'h4', state: 'error', rawStatus: 'create refused', locator: { region: 'lon1', attached: [] } }),
      host({ id: 'h5', monthlyCostUsd: undefined }),
      host({ id: 'h6', state: 'deleting' }), // 0.10: it ran this month
    ]
    expect(monthToDateUsd(hosts, NOW)).toBeCloseTo(0.4, 10)
    expect(monthToDateUsd([], NOW)).toBe(0)
  })
})

describe('running monthly', () => {
  it('sums the monthly prices of hosts not deleted or being deleted, stopped ones included', () => {
    const hosts = [
      host({ monthlyCostUsd: 4 }),
      host({ id: 'h2', state: 'stopped', monthlyCostUsd: 6 }),
      host({ id: 'h3', state: 'provisioning', monthlyCostUsd: 5, locator: { region: 'lon1', attached: [] } }),
      host({ id: 'h4', state: 'deleting', monthlyCostUsd: 100 }),
      host({ id: 'h5', state: 'deleted', monthlyCostUsd: 100 }),
      host({ id: 'h6', state: 'error', monthlyCostUsd: 100, locator: { region: 'lon1', attached: [] } }),
      host({ id: 'h7', state: 'error', monthlyCostUsd: 2 }), // an instance in trouble still bills
      host({ id: 'h8', monthlyCostUsd: undefined }),
    ]
    expect(runningMonthlyUsd(hosts)).toBe(17)
  })
})
