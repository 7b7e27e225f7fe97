import { describe, expect, it, vi } from 'vitest'
import type { Host } from '../../src/shared/domain'
import { formatAge, formatMoney, formatMonthly, formatRetry } from '../../src/renderer/src/lib/format'
import { FAST_POLL_MS, RETRY_MARGIN_MS, SETTLED_POLL_MS, pollIntervalFor } from '../../src/renderer/src/lib/poll'
import { canCopy, canDelete, canRetryTeardown, visibleHosts } from '../../src/renderer/src/lib/hosts'
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

describe('renderer retry formatting', () => {
  const retryAt = '2026-01-01T12:00:00.000Z'
  const before = (ms: number) => Date.parse(retryAt) - ms

  it('says when Exitdesk tries again, relative to now', () => {
    expect(formatRetry(retryAt, before(2 * 60_000))).toBe('Exitdesk will try again in 2 min.')
    expect(formatRetry(retryAt, before(150_000))).toBe('Exitdesk will try again in 3 min.')
    expect(formatRetry(retryAt, before(20_000))).toBe('Exitdesk will try again in less than a minute.')
    expect(formatRetry(retryAt, before(59 * 60_000 + 50_000))).toBe('Exitdesk will try again in 59 min.')
    expect(formatRetry(retryAt, before(65 * 60_000))).toBe('Exitdesk will try again in 1 h 5 min.')
    expect(formatRetry(retryAt, before(2 * 3_600_000))).toBe('Exitdesk will try again in 2 h.')
  })

  it('reads "shortly" once the time has come, and nothing for an unreadable time', () => {
    expect(formatRetry(retryAt, before(0))).toBe('Exitdesk will try again shortly.')
    expect(formatRetry(retryAt, before(-30_000))).toBe('Exitdesk will try again shortly.')
    expect(formatRetry('soon', before(0))).toBeUndefined()
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

  describe('a host waiting for a retry', () => {
    const now = Date.parse('2026-01-01T12:00:00.000Z')
    const waiting = (inMs: number, state: Host['state'] = 'provisioning') => ({ state, busy: true, retryAt: new Date(now + inMs).toISOString() })

    it('does not keep the fast pace while the retry is far off', () => {
      expect(pollIntervalFor([waiting(5 * 60_000)], now)).toBe(SETTLED_POLL_MS)
      expect(pollIntervalFor([waiting(5 * 60_000, 'deleting'), host('active')], now)).toBe(SETTLED_POLL_MS)
    })

    it('looks again shortly after the earliest retry when that comes before the settled pace', () => {
      expect(pollIntervalFor([waiting(20_000)], now)).toBe(20_000 + RETRY_MARGIN_MS)
      expect(pollIntervalFor([waiting(5 * 60_000), waiting(15_000, 'deleting')], now)).toBe(15_000 + RETRY_MARGIN_MS)
    })

    it('polls fast when the retry is due within about 10 s, has passed, or cannot be read', () => {
      expect(pollIntervalFor([waiting(8_000)], now)).toBe(FAST_POLL_MS)
      expect(pollIntervalFor([waiting(-60_000)], now)).toBe(FAST_POLL_MS)
      expect(pollIntervalFor([{ state: 'provisioning', busy: true, retryAt: 'later' }], now)).toBe(FAST_POLL_MS)
    })

    it('still polls fast while another host is changing, or the cloud reports it stopping', () => {
      expect(pollIntervalFor([waiting(5 * 60_000), host('provisioning', true)], now)).toBe(FAST_POLL_MS)
      expect(pollIntervalFor([waiting(5 * 60_000, 'stopping')], now)).toBe(FAST_POLL_MS)
    })

    it('never polls faster than the fast pace', () => {
      for (const inMs of [10_001, 10_500, 11_000, 12_000, 40_000]) {
        const interval = pollIntervalFor([waiting(inMs)], now)
        expect(interval).toBeGreaterThanOrEqual(FAST_POLL_MS)
        expect(interval).toBeLessThanOrEqual(SETTLED_POLL_MS)
      }
    })
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

describe('host row actions', () => {
  const deleting = { state: 'deleting' as const, busy: true, retryAt: undefined, lastError: undefined, notice: undefined }
  it('a teardown going normally offers nothing to click; one in trouble offers "Retry teardown"', () => {
    expect(canDelete(deleting)).toBe(false)
    expect(canRetryTeardown(deleting)).toBe(false)
    expect(canRetryTeardown({ ...deleting, retryAt: '2026-12-07T10:00:00Z' })).toBe(true)
    expect(canRetryTeardown({ ...deleting, lastError: 'DigitalOcean is having trouble (HTTP 503).' })).toBe(true)
    expect(canRetryTeardown({ ...deleting, notice: 'DigitalOcean still had the instance 60 s after accepting its delete …' })).toBe(true)
    expect(canRetryTeardown({ ...deleting, state: 'active', lastError: 'x' })).toBe(false)
    expect(canRetryTeardown({ ...deleting, busy: false, lastError: 'x' })).toBe(false)
  })
})
