/** Refresh cadence and steps per refresh from an account's limits (src/main/hosts/pacing.ts). */
import { describe, expect, it } from 'vitest'
import { DIGITALOCEAN_MANIFEST } from '../../src/main/clouds/digitalocean'
import { minRefreshIntervalMs, POLLING_SHARE, runLimited, stepsThisRefresh } from '../../src/main/hosts/pacing'

const windows = DIGITALOCEAN_MANIFEST.rateLimits!.windows

describe('minRefreshIntervalMs', () => {
  it("DigitalOcean: the gap grows with the pages a refresh reads, the hourly window binding", () => {
    expect(minRefreshIntervalMs(1, windows)).toBe(1_440)
    expect(minRefreshIntervalMs(2, windows)).toBe(2_880) // 300 hosts
    expect(minRefreshIntervalMs(3, windows)).toBe(4_320) // 401 hosts
  })

  it('polling at that gap stays within its share of every window, however many pages', () => {
    for (let pages = 1; pages <= 50; pages++) {
      const gap = minRefreshIntervalMs(pages, windows)
      for (const window of windows) {
        const perWindow = Math.floor((window.perSeconds * 1000) / gap + 1) * pages
        expect(perWindow).toBeLessThanOrEqual(window.requests * POLLING_SHARE + pages)
      }
    }
  })

  it('a tight burst window binds where it is the stricter one', () => {
    expect(minRefreshIntervalMs(1, [{ requests: 3_600, perSeconds: 3_600 }, { requests: 10, perSeconds: 60 }])).toBe(12_000)
  })

  it('no limits, no pages or no share: no pacing', () => {
    expect(minRefreshIntervalMs(2, undefined)).toBe(0)
    expect(minRefreshIntervalMs(2, [])).toBe(0)
    expect(minRefreshIntervalMs(0, windows)).toBe(0)
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
