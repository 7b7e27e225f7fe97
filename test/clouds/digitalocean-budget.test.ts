/**
 * The per-account request budget through the real DigitalOcean adapter, against the fake that
 * enforces DigitalOcean's documented limits (5,000 an hour, 250 a minute, rolling) on fake time.
 * The fake answers 429 exactly as DigitalOcean does, so every test here can see one.
 */
import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { BudgetRegistry, type RequestBudget } from '../../src/main/clouds/budget'
import { createDigitalOceanProvisioner, DIGITALOCEAN_MANIFEST } from '../../src/main/clouds/digitalocean'
import type { CloudContext } from '../../src/main/clouds/types'
import { AppError } from '../../src/shared/errors'
import { startFakeDigitalOcean, type FakeDigitalOcean } from '../fakes/digitalocean'
import { FakeClock, makeHostService } from '../support/harness'

let fake: FakeDigitalOcean | undefined
afterEach(async () => {
  await fake?.close()
  fake = undefined
})

const signal = (): AbortSignal => AbortSignal.timeout(10_000)
const locator = (id: number) => ({ region: 'lon1', instanceId: String(id), attached: [] })

async function setup() {
  const clock = new FakeClock()
  fake = await startFakeDigitalOcean({ enforceLimits: true, clock, activateAfterMs: 0 })
  const budgets = new BudgetRegistry(clock)
  const budget = budgets.for('acct-1', DIGITALOCEAN_MANIFEST)!
  const base: CloudContext = { accountId: 'acct-1', credentials: { token: fake.token }, endpoint: fake.url }
  return { clock, fake, budget, base, p: createDigitalOceanProvisioner() }
}

/** Calls `status` `times` times at the same instant; counts what passed and what the budget refused. */
async function burst(ctx: CloudContext, times: number) {
  const p = createDigitalOceanProvisioner()
  let refused = 0
  let passed = 0
  let limited = 0
  for (let i = 0; i < times; i++) {
    try {
      await p.status(ctx, locator(999), signal())
      passed++
    } catch (error) {
      if (!(error instanceof AppError) || error.info.code !== 'rate-limited') throw error
      if (error.info.providerMessage) limited++ // DigitalOcean's 429
      else refused++ // the budget's own refusal
    }
  }
  return { passed, refused, limited }
}

describe('DigitalOcean budget: the enforcing fake', () => {
  it('without a budget a burst gets DigitalOcean\'s 429s, with its headers', async () => {
    const { base, fake } = await setup()
    const result = await burst(base, 260)
    expect(result).toEqual({ passed: 250, refused: 0, limited: 10 })
    expect(fake.tooManyRequests()).toBe(10)
    const answered = fake.requests.filter((request) => request.status === 429)
    expect(answered).toHaveLength(10)
  })
})

describe('DigitalOcean budget: through the adapter', () => {
  it('a background burst stops at 225 a minute without a single 429; the rest is refused without being sent', async () => {
    const { base, budget, fake } = await setup()
    const result = await burst({ ...base, budget, priority: 'background' }, 260)
    expect(result).toEqual({ passed: 225, refused: 35, limited: 0 })
    expect(fake.requests).toHaveLength(225)
    expect(fake.tooManyRequests()).toBe(0)
    // A click still gets through after polling was refused: the reserve is there for it.
    await createDigitalOceanProvisioner().verify({ ...base, budget, priority: 'user' }, signal())
    expect(fake.requests).toHaveLength(226)
  })

  it('after a 429 (another tool spent the minute) the whole account waits for retry-after, then goes on', async () => {
    const { base, budget, fake, clock } = await setup()
    await burst(base, 250) // someone else, same token
    const ctx = (priority: 'user' | 'background'): CloudContext => ({ ...base, budget, priority })
    const first = await burst(ctx('user'), 1)
    expect(first.limited).toBe(1)
    expect(budget.pausedUntilMs()).toBe(clock.now() + 60_000)
    const sent = fake.requests.length
    expect(await burst(ctx('user'), 5)).toEqual({ passed: 0, refused: 5, limited: 0 })
    expect(await burst(ctx('background'), 5)).toEqual({ passed: 0, refused: 5, limited: 0 })
    expect(fake.requests).toHaveLength(sent) // nothing was sent while paused
    clock.advance(60_000)
    expect(await burst(ctx('user'), 3)).toEqual({ passed: 3, refused: 0, limited: 0 })
    expect(fake.tooManyRequests()).toBe(1)
  })

  it("DigitalOcean's ratelimit-remaining tightens the hour: requests it counted from elsewhere are left for it", async () => {
    const { base, budget, fake, clock } = await setup()
    // Another tool made 4,800 requests in the last hour, 200 a minute.
    for (let minute = 0; minute < 24; minute++) {
      await burst(base, 200)
      clock.advance(60_000)
    }
    clock.advance(10 * 60_000)
    const sentBefore = fake.requests.length
    const result = await burst({ ...base, budget, priority: 'background' }, 300)
    // One request learns the hour from the headers; after it, background has nothing left (4,801 of 4,500).
    expect(result).toEqual({ passed: 1, refused: 299, limited: 0 })
    expect(fake.requests.length - sentBefore).toBe(1)
    expect(fake.tooManyRequests()).toBe(0)
  })
})

describe('DigitalOcean budget: the host service', () => {
  it('a bulk teardown of 200 hosts finishes without a single 429 under DigitalOcean\'s limits', { timeout: 120_000 }, async () => {
    const clock = new FakeClock()
    fake = await startFakeDigitalOcean({ enforceLimits: true, clock, activateAfterMs: 0, deleteAfterMs: 10_000, account: { droplet_limit: 250 } })
    const service = await makeHostService({ clock })
    const account = await service.accounts.add({ cloud: 'digitalocean', label: 'Bulk', endpoint: fake.url, credentials: { token: fake.token } })
    const tunnel = { mode: 'tcp' as const, inletsVersion: '0.11.14', domains: [], letsEncryptIssuer: 'prod' as const }
    for (let i = 0; i < 200; i++) {
      await service.hosts.create({ requestId: randomUUID(), accountId: account.id, name: `exit-bulk-${i}`, region: 'lon1', plan: 's-1vcpu-512mb-10gb', tunnel })
      clock.advance(1_000)
    }
    await service.hosts.refresh()
    expect(fake.state.droplets.size).toBe(200)
    expect(fake.tooManyRequests()).toBe(0)

    // Every request the fake saw, with the fake time it was sent at (time stands still in between).
    const sentAt: number[] = []
    let seen = fake.requests.length
    const note = (): void => {
      for (; seen < fake!.requests.length; seen++) sentAt.push(clock.now())
    }
    const budget: RequestBudget | undefined = service.accounts.budgets.get(account.id)
    const started = clock.now()
    const hosts = service.hosts.snapshot().hosts
    for (const host of hosts) await service.hosts.delete({ by: 'id', hostId: host.id })
    note()
    let rounds = 0
    // Stops at the first 429: the test has failed by then, and need not wait for the rest.
    while ((service.ledger.read().hosts.length > 0 || fake.state.droplets.size > 0) && fake.tooManyRequests() === 0 && rounds++ < 400) {
      clock.advance(3_000)
      await service.hosts.refresh()
      note()
    }
    const minutes = (clock.now() - started) / 60_000

    expect(fake.tooManyRequests()).toBe(0)
    expect(service.ledger.read().hosts).toHaveLength(0)
    expect(fake.state.droplets.size).toBe(0)
    expect([...fake.state.tags].filter((tag) => tag.startsWith('exitdesk-host-'))).toEqual([])
    expect(fake.requests.filter((request) => request.status === 429)).toHaveLength(0)
    // The account's one budget saw every request of the teardown, and no 429 among them.
    expect(budget).toBeDefined()
    expect(budget!.sent).toBeGreaterThanOrEqual(sentAt.length)
    expect(budget!.tooManyRequests).toBe(0)
    let worst = 0
    for (let i = 0, j = 0; i < sentAt.length; i++) {
      while (sentAt[j]! <= sentAt[i]! - 60_000) j++
      worst = Math.max(worst, i - j + 1)
    }
    expect(worst).toBeLessThanOrEqual(250)
    expect(sentAt.length).toBeGreaterThan(600) // a DELETE, reads and the tag per host: well over the burst limit
    expect(minutes).toBeLessThan(20)
  })
})
