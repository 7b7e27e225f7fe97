import { describe, expect, it, vi } from 'vitest'
import type { Host } from '../../src/shared/domain'
import { formatAge, formatMoney, formatMonthly } from '../../src/renderer/src/lib/format'
import { FAST_POLL_MS, SETTLED_POLL_MS, pollIntervalFor } from '../../src/renderer/src/lib/poll'
import { canCopy, visibleHosts } from '../../src/renderer/src/lib/hosts'
import { coalesce } from '../../src/renderer/src/lib/coalesce'

describe('renderer money formatting', () => {
  it('shows dollars with two decimals and a thousands separator', () => {
    expect(formatMoney(4)).toBe('$4.00')
    expect(formatMoney(3.5)).toBe('$3.50')
    expect(formatMoney(1234.5)).toBe('$1,234.50')
    expect(formatMonthly(4)).toBe('$4.00/mo')
  })

  it('shows a dash when the cost is unknown', () => {
    expect(formatMoney(undefined)).toBe('—')
    expect(formatMonthly(Number.NaN)).toBe('—')
  })
})

describe('renderer age formatting', () => {
  const created = '2026-01-01T12:00:00.000Z'
  const at = (ms: number) => Date.parse(created) + ms

  it('reads naturally from seconds to days', () => {
    expect(formatAge(created, at(10_000))).toBe('just now')
    expect(formatAge(created, at(3 * 60_000 + 5_000))).toBe('3 min')
    expect(formatAge(created, at(59 * 60_000))).toBe('59 min')
    expect(formatAge(created, at(90 * 60_000))).toBe('1 h 30 min')
    expect(formatAge(created, at(7 * 3_600_000 + 60_000))).toBe('7 h')
    expect(formatAge(created, at(3 * 86_400_000))).toBe('3 days')
  })

  it('copes with clocks that disagree and with unreadable times', () => {
    expect(formatAge(created, at(-60_000))).toBe('just now')
    expect(formatAge('not a date', at(0))).toBe('—')
  })
})

describe('host table polling', () => {
  const host = (state: Host['state'], busy = false) => ({ state, busy })

  it('polls fast while any host is changing or busy', () => {
    expect(pollIntervalFor([host('active'), host('provisioning')])).toBe(FAST_POLL_MS)
    expect(pollIntervalFor([host('deleting')])).toBe(FAST_POLL_MS)
    expect(pollIntervalFor([host('stopping')])).toBe(FAST_POLL_MS)
    expect(pollIntervalFor([host('active', true)])).toBe(FAST_POLL_MS)
  })

  it('polls slowly when everything is settled, when there is nothing, and before the first answer', () => {
    expect(pollIntervalFor([host('active'), host('error'), host('stopped'), host('unknown')])).toBe(SETTLED_POLL_MS)
    expect(pollIntervalFor([])).toBe(SETTLED_POLL_MS)
    expect(pollIntervalFor(undefined)).toBe(SETTLED_POLL_MS)
  })

  it('ignores deleted hosts, which the table does not show', () => {
    expect(pollIntervalFor([host('deleted', true)])).toBe(SETTLED_POLL_MS)
  })
})

describe('host table rows', () => {
  const base: Host = {
    id: 'h1',
    name: 'exit-a',
    cloud: 'simulator',
    accountId: 'sim',
    region: 'sim-1',
    plan: 'small',
    state: 'active',
    rawStatus: 'running',
    createdAt: '2026-01-01T12:00:00.000Z',
    tunnel: { mode: 'tcp', domains: [] },
    locator: { region: 'sim-1', attached: [] },
    discovered: false,
    busy: false,
  }

  it('hides deleted hosts and lists the newest first', () => {
    const hosts = [
      { ...base, id: 'old', createdAt: '2026-01-01T10:00:00.000Z' },
      { ...base, id: 'gone', state: 'deleted' as const },
      { ...base, id: 'new', createdAt: '2026-01-02T10:00:00.000Z' },
    ]
    expect(visibleHosts(hosts).map((h) => h.id)).toEqual(['new', 'old'])
  })

  it('offers the client command only for an active host with an address', () => {
    expect(canCopy({ state: 'active', ipv4: '203.0.113.7' })).toBe(true)
    expect(canCopy({ state: 'active' })).toBe(false)
    expect(canCopy({ state: 'provisioning', ipv4: '203.0.113.7' })).toBe(false)
  })
})

describe('change-event coalescing', () => {
  it('runs at once, then folds a burst into one trailing run per gap', () => {
    vi.useFakeTimers()
    try {
      let runs = 0
      const c = coalesce(() => runs++, 1_000)
      c.run()
      expect(runs).toBe(1)
      for (let i = 0; i < 5; i++) c.run()
      expect(runs).toBe(1)
      vi.advanceTimersByTime(1_000)
      expect(runs).toBe(2)
      c.run()
      c.cancel()
      vi.advanceTimersByTime(5_000)
      expect(runs).toBe(2)
    } finally {
      vi.useRealTimers()
    }
  })
})
