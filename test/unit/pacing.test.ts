/** Refresh cadence and steps per refresh from an account's limits (src/main/hosts/pacing.ts). */
import { describe, expect, it } from 'vitest'
import { DIGITALOCEAN_MANIFEST } from '../../src/main/clouds/digitalocean'
import { listAllowed, POLLING_SHARE, runLimited, stepsThisRefresh } from '../../src/main/hosts/pacing'

const windows = DIGITALOCEAN_MANIFEST.rateLimits!.windows

describe('listAllowed', () => {
  const t0 = Date.parse('2026-12-07T10:00:00Z')
  /** Polls every `gapMs` for `minutes`, listing only when allowed; returns the list requests per window. */
  function poll(gapMs: number, pages: number, minutes: number) {
    const lists: Array<{ at: number; requests: number }> = []
    for (let t = t0; t < t0 + minutes * 60_000; t += gapMs) {
      if (listAllowed(lists, windows, t)) lists.push({ at: t, requests: pages })
    }
    return lists
  }

  it('a burst of refreshes goes through at once', () => {
    const lists = [{ at: t0, requests: 2 }]
    for (let i = 1; i <= 10; i++) {
      expect(listAllowed(lists, windows, t0 + i)).toBe(true)
      lists.push({ at: t0 + i, requests: 2 })
    }
  })

  it('steady polling from four tabs every 0.5 s is held to half of each DigitalOcean window, whatever the pages', () => {
    for (const pages of [1, 2, 3, 25]) {
      const lists = poll(500, pages, 120)
      for (const window of windows) {
        for (let end = t0 + window.perSeconds * 1000; end <= t0 + 120 * 60_000; end += 60_000) {
          const used = lists.filter((list) => list.at > end - window.perSeconds * 1000 && list.at <= end).reduce((sum, list) => sum + list.requests, 0)
          expect(used).toBeLessThanOrEqual(window.requests * POLLING_SHARE)
        }
      }
      // … and still lists as often as that allows (2,500 requests in the second hour).
      const secondHour = lists.filter((list) => list.at >= t0 + 60 * 60_000).reduce((sum, list) => sum + list.requests, 0)
      expect(secondHour).toBeGreaterThan(2_500 * 0.9)
    }
  })

  it('no documented limits, or nothing listed yet: always allowed', () => {
    expect(listAllowed([{ at: t0, requests: 5_000 }], undefined, t0)).toBe(true)
    expect(listAllowed([{ at: t0, requests: 5_000 }], [], t0)).toBe(true)
    expect(listAllowed([], windows, t0)).toBe(true)
  })
})

describe('stepsThisRefresh', () => {
  it('the room left after the next refresh, at four requests a step', () => {
    expect(stepsThisRefresh(225, { requestsPerRefresh: 2 })).toBe(55)
    expect(stepsThisRefresh(225, { requestsPerRefresh: 2, requestsPerStep: 1 })).toBe(223)
    expect(stepsThisRefresh(5, { requestsPerRefresh: 2 })).toBe(0)
    expect(stepsThisRefresh(0)).toBe(0)
  })

  it('unlimited room (a cloud without limits) caps nothing', () => {
    expect(stepsThisRefresh(Number.POSITIVE_INFINITY)).toBe(Number.MAX_SAFE_INTEGER)
  })
})

describe('runLimited', () => {
  it('runs every item, never more than `concurrency` at once, and survives a failing one', async () => {
    let running = 0
    let peak = 0
    const done: number[] = []
    await runLimited([1, 2, 3, 4, 5, 6, 7], 3, async (item) => {
      running++
      peak = Math.max(peak, running)
      await new Promise((resolve) => setTimeout(resolve, 5))
      running--
      if (item === 4) throw new Error('refused')
      done.push(item)
    })
    expect(peak).toBe(3)
    expect(done.sort()).toEqual([1, 2, 3, 5, 6, 7])
  })
})
