/**
 * The per-account request budget (src/main/clouds/budget.ts) on a fake clock: rolling windows,
 * the room kept for clicks, the provider's headers, the pause after a 429, and refusals that are
 * immediate and send nothing.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { BudgetRegistry, DEFAULT_PAUSE_MS, PROBE_GAP_MS, RequestBudget, type RequestPriority } from '../../src/main/clouds/budget'
import { RestClient } from '../../src/main/clouds/http'
import { AppError, outcomeUnknown, type AppErrorInfo } from '../../src/shared/errors'
import { FakeClock } from '../support/harness'

const DIGITALOCEAN = [
  { requests: 5_000, perSeconds: 3_600 },
  { requests: 250, perSeconds: 60 },
]

function budget(clock = new FakeClock(), windows = DIGITALOCEAN) {
  return { clock, budget: new RequestBudget({ provider: 'DigitalOcean', windows, clock }) }
}

/** How many requests of `priority` are let through before the first refusal; returns that refusal. */
function drain(b: RequestBudget, priority: RequestPriority, max = 100_000): { taken: number; refusal: AppErrorInfo } {
  for (let taken = 0; taken < max; taken++) {
    try {
      b.take(priority)
    } catch (error) {
      expect(error).toBeInstanceOf(AppError)
      return { taken, refusal: (error as AppError).info }
    }
  }
  throw new Error(`no refusal after ${max} requests`)
}

function refusal(run: () => void): AppErrorInfo {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(AppError)
    return (error as AppError).info
  }
  throw new Error('expected a refusal')
}

const headers = (values: Record<string, string | number>): Headers => new Headers(Object.entries(values).map(([k, v]) => [k, String(v)]))

afterEach(() => {
  vi.restoreAllMocks()
})

describe('RequestBudget: rolling windows', () => {
  it('background requests stop at 90 % of the minute window, with a rate-limited refusal saying when to come back', () => {
    const { budget: b } = budget()
    const { taken, refusal: info } = drain(b, 'background')
    expect(taken).toBe(225)
    expect(info).toMatchObject({ code: 'rate-limited', retryable: true })
    expect(info.retryAfterSeconds).toBe(60)
    expect(info.message).toBe(
      "Exitdesk is keeping this account under DigitalOcean's limit of 250 requests a minute, with room left for what you click. Exitdesk will try again in 60 s.",
    )
    expect(info.providerMessage).toBeUndefined()
    expect(b.sent).toBe(225)
    expect(b.refused).toBe(1)
  })

  it('the window rolls: room comes back as the oldest requests leave it, not all at once', () => {
    const { clock, budget: b } = budget()
    for (let i = 0; i < 225; i++) {
      b.take('background')
      clock.advance(100) // 225 requests over 22.5 s
    }
    expect(b.room('background')).toBe(0)
    clock.advance(60_000 - 22_500) // the first request (sent at +0) has just left the minute
    expect(b.room('background')).toBe(1)
    clock.advance(1_000) // ten more have left
    expect(b.room('background')).toBe(11)
  })

  it('the hourly window binds a steady pace the minute window allows', () => {
    const { clock, budget: b } = budget()
    let sent = 0
    // 100 a minute is well under the burst limit; the hour's 4,500 background requests run out after 45 minutes.
    for (let minute = 0; minute < 60; minute++) {
      for (let i = 0; i < 100; i++) {
        try {
          b.take('background')
          sent++
        } catch (error) {
          expect((error as AppError).info.message).toMatch(/limit of 5,000 requests an hour/)
        }
        clock.advance(600)
      }
    }
    expect(sent).toBe(4_500)
  })

  it('the n-th refusal in a row is told to come back later than the one before', () => {
    const { clock, budget: b } = budget()
    for (let i = 0; i < 225; i++) {
      b.take('background')
      clock.advance(200)
    }
    const waits = [0, 1, 2, 3].map(() => refusal(() => b.take('background')).retryAfterSeconds!)
    expect(waits[0]).toBeGreaterThan(0)
    for (let i = 1; i < waits.length; i++) expect(waits[i]!).toBeGreaterThanOrEqual(waits[i - 1]!)
    expect(waits[3]).toBeGreaterThan(waits[0]!)
  })
})

describe('RequestBudget: the room kept for clicks', () => {
  it('user requests may use the last 10 % that background polling may not', () => {
    const { budget: b } = budget()
    expect(drain(b, 'background').taken).toBe(225)
    expect(b.room('user')).toBe(25)
    expect(drain(b, 'user').taken).toBe(25)
    const info = refusal(() => b.take('user'))
    expect(info.message).toBe("Exitdesk is keeping this account under DigitalOcean's limit of 250 requests a minute. Exitdesk will try again in 60 s.")
  })

  it('background never takes the reserve, however long it asks', () => {
    const { clock, budget: b } = budget()
    for (let second = 0; second < 600; second++) {
      for (let i = 0; i < 10; i++) {
        try {
          b.take('background')
        } catch {
          // refused: the click's room stays
        }
      }
      expect(b.room('user')).toBeGreaterThanOrEqual(25)
      clock.advance(1_000)
    }
  })
})

describe('RequestBudget: the provider\'s rate-limit headers', () => {
  it('requests counted by the provider but not sent here (another tool with the same token) shrink the room', () => {
    const { budget: b } = budget()
    b.take('background')
    // DigitalOcean counted 4,900 of 5,000 in its rolling hour; Exitdesk sent one of them.
    b.observe(200, headers({ 'ratelimit-limit': 5000, 'ratelimit-remaining': 100, 'ratelimit-reset': Math.floor(Date.parse('2026-11-25T10:20:00Z') / 1000) }))
    expect(b.room('user')).toBe(100) // the provider's remaining: its 4,900 include this request
    expect(b.room('background')).toBe(0)
    const info = refusal(() => b.take('background'))
    expect(info.code).toBe('rate-limited')
    expect(info.message).toMatch(/limit of 5,000 requests an hour/)
    // The provider's reset (20 minutes ahead) is the earliest anything is known to free up.
    expect(info.retryAfterSeconds).toBe(20 * 60)
  })

  it('at the provider\'s reset one request is let through to learn what is left, then the next answer decides', () => {
    const { clock, budget: b } = budget()
    const reset = clock.now() + 5 * 60_000
    b.observe(200, headers({ 'ratelimit-limit': 5000, 'ratelimit-remaining': 0, 'ratelimit-reset': reset / 1000 }))
    expect(() => b.take('user')).toThrow(AppError)
    clock.t = reset
    b.take('background') // the probe
    expect(() => b.take('background')).toThrow(AppError) // no second one before its answer
    b.observe(200, headers({ 'ratelimit-limit': 5000, 'ratelimit-remaining': 3000, 'ratelimit-reset': reset / 1000 + 60 }))
    // 2,000 counted in the hour (the probe and 1,999 others): the minute window binds again, less the probe.
    expect(b.room('background')).toBe(224)
    // Without an answer the probe is repeated PROBE_GAP_MS later, never in a burst.
    b.observe(200, headers({ 'ratelimit-limit': 5000, 'ratelimit-remaining': 0, 'ratelimit-reset': reset / 1000 + 60 }))
    clock.advance(60_000)
    b.take('background')
    expect(() => b.take('background')).toThrow(AppError)
    clock.advance(PROBE_GAP_MS)
    b.take('background')
  })

  it('room() agrees with take(): the probe a full window lets through after its reset is room for one, not none', () => {
    // Hetzner: 3,600 an hour, and a 429 says "remaining 0" with the time of the next refill.
    const { clock, budget: b } = budget(new FakeClock(), [{ requests: 3_600, perSeconds: 3_600 }])
    b.observe(200, headers({ 'ratelimit-limit': 3600, 'ratelimit-remaining': 0, 'ratelimit-reset': (clock.now() + 1_000) / 1000 }))
    expect(b.room('background')).toBe(0)
    clock.advance(1_000)
    // A caller that looks at the room before asking (a refresh, the teardown pacing) gets to send it.
    expect(b.room('background')).toBe(1)
    b.take('background')
    expect(b.room('background')).toBe(0) // no second one before its answer
    b.observe(200, headers({ 'ratelimit-limit': 3600, 'ratelimit-remaining': 3000, 'ratelimit-reset': (clock.now() + 1_000) / 1000 }))
    expect(b.room('background')).toBeGreaterThan(100)
  })

  it('a ratelimit-limit below the documented one lowers the window; above it changes nothing', () => {
    const { budget: b } = budget()
    b.observe(200, headers({ 'ratelimit-limit': 1200, 'ratelimit-remaining': 1200 }))
    expect(b.windows()).toEqual([
      { requests: 1_200, perSeconds: 3_600 },
      { requests: 250, perSeconds: 60 },
    ])
    b.observe(200, headers({ 'ratelimit-limit': 9000, 'ratelimit-remaining': 9000 }))
    expect(b.windows()[0]).toEqual({ requests: 5_000, perSeconds: 3_600 })
  })

  it('what Exitdesk sent itself is not counted twice', () => {
    const { budget: b } = budget()
    for (let i = 0; i < 100; i++) b.take('background')
    b.observe(200, headers({ 'ratelimit-limit': 5000, 'ratelimit-remaining': 4900, 'ratelimit-reset': 1_900_000_000 }))
    expect(b.room('background')).toBe(125) // the minute's 225 less 100; the hour has plenty
  })
})

describe('RequestBudget: after a 429 the whole account waits', () => {
  it('retry-after pauses every caller of the account, user or background; other accounts go on', () => {
    const clock = new FakeClock()
    const registry = new BudgetRegistry(clock)
    const manifest = { label: 'DigitalOcean', rateLimits: { windows: DIGITALOCEAN, source: 'https://example.invalid/' } }
    const account = registry.for('a1', manifest)!
    const other = registry.for('a2', manifest)!
    expect(registry.for('a1', manifest)).toBe(account)
    account.gate('background').afterResponse(429, headers({ 'retry-after': 29, 'ratelimit-limit': 5000, 'ratelimit-remaining': 4000 }))
    for (const priority of ['user', 'background'] as const) {
      const info = refusal(() => account.gate(priority).beforeRequest())
      expect(info).toMatchObject({ code: 'rate-limited', retryable: true, retryAfterSeconds: 29 })
      expect(info.message).toBe('DigitalOcean asked Exitdesk to slow down, so nothing is sent for this account until it may go on. Exitdesk will try again in 29 s.')
    }
    expect(account.room('user')).toBe(0)
    expect(account.tooManyRequests).toBe(1)
    other.take('background')
    clock.advance(28_000)
    expect(refusal(() => account.take('user')).retryAfterSeconds).toBe(1)
    clock.advance(1_000)
    account.take('user')
  })

  it('without retry-after the account waits for ratelimit-reset, and without either for a minute', () => {
    const { clock, budget: b } = budget()
    b.observe(429, headers({ 'ratelimit-limit': 5000, 'ratelimit-remaining': 0, 'ratelimit-reset': (clock.now() + 600_000) / 1000 }))
    expect(refusal(() => b.take('user')).retryAfterSeconds).toBe(600)

    const second = budget()
    second.budget.observe(429, new Headers())
    expect(refusal(() => second.budget.take('user')).retryAfterSeconds).toBe(DEFAULT_PAUSE_MS / 1000)
    second.clock.advance(DEFAULT_PAUSE_MS)
    second.budget.take('user')
  })

  it('a registry gives no budget to a cloud without documented limits', () => {
    const registry = new BudgetRegistry(new FakeClock())
    expect(registry.for('simulated', { label: 'Simulated cloud' })).toBeUndefined()
  })
})

describe('RestClient with a budget', () => {
  function client(b: RequestBudget, priority: RequestPriority = 'background') {
    return new RestClient({ provider: 'DigitalOcean', baseUrl: 'http://127.0.0.1:9/', headers: () => ({}), providerMessage: () => undefined, budget: b.gate(priority) })
  }

  it('a refusal is immediate and sends nothing', async () => {
    const { budget: b } = budget()
    b.observe(429, headers({ 'retry-after': 30 }))
    const fetch = vi.spyOn(globalThis, 'fetch')
    const started = performance.now()
    const error = await client(b)
      .request('POST', '/v2/droplets', { body: { name: 'exit-1' }, signal: AbortSignal.timeout(5_000) })
      .then(
        () => undefined,
        (caught: unknown) => caught,
      )
    expect(performance.now() - started).toBeLessThan(50)
    expect(fetch).not.toHaveBeenCalled()
    expect(error).toBeInstanceOf(AppError)
    expect((error as AppError).info).toMatchObject({ code: 'rate-limited', retryable: true, retryAfterSeconds: 30 })
    // Nothing was sent, so a refused create is known not to have happened (never looked up as uncertain).
    expect(outcomeUnknown((error as AppError).info)).toBe(false)
    expect(b.sent).toBe(0)
  })

  it('each answer is read: a 429 from the provider pauses the account before the next request', async () => {
    const { budget: b } = budget()
    const fetch = vi
      .spyOn(globalThis, 'fetch')
      .mockResolvedValue(new Response(JSON.stringify({ id: 'too_many_requests', message: 'API Rate limit exceeded.' }), { status: 429, headers: { 'content-type': 'application/json', 'retry-after': '17' } }))
    const rest = client(b, 'user')
    await expect(rest.request('GET', '/v2/account', { signal: AbortSignal.timeout(5_000) })).rejects.toMatchObject({ info: { code: 'rate-limited' } })
    expect(fetch).toHaveBeenCalledTimes(1)
    await expect(rest.request('GET', '/v2/account', { signal: AbortSignal.timeout(5_000) })).rejects.toMatchObject({ info: { code: 'rate-limited', retryAfterSeconds: 17 } })
    expect(fetch).toHaveBeenCalledTimes(1)
    expect(b.sent).toBe(1)
    expect(b.tooManyRequests).toBe(1)
  })
})
