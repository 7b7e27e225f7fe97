/**
 * The per-account request budget through the real Hetzner adapter: Hetzner's RateLimit-Limit,
 * -Remaining and -Reset headers (a UNIX time) reach the budget, a 429 `rate_limit_exceeded`
 * pauses the whole account until the reset, and the budget then refuses without sending.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { BudgetRegistry } from '../../src/main/clouds/budget'
import { createHetznerProvisioner, HETZNER_MANIFEST } from '../../src/main/clouds/hetzner'
import type { CloudContext } from '../../src/main/clouds/types'
import { startFakeHetzner, type FakeHetzner } from '../fakes/hetzner'
import { appError } from '../support/app-error'
import { FakeClock } from '../support/harness'

let fake: FakeHetzner | undefined
afterEach(async () => {
  await fake?.close()
  fake = undefined
})

const signal = (): AbortSignal => AbortSignal.timeout(10_000)

async function setup(budgetLeft: number) {
  const clock = new FakeClock()
  fake = await startFakeHetzner({ clock, requestBudget: budgetLeft })
  const budget = new BudgetRegistry(clock).for('acct-1', HETZNER_MANIFEST)!
  const ctx: CloudContext = { accountId: 'acct-1', credentials: { token: fake.token }, endpoint: fake.url, budget, priority: 'background' }
  return { clock, fake, budget, ctx, p: createHetznerProvisioner() }
}

describe('Hetzner budget', () => {
  it('knows the documented 3,600 an hour, and learns from RateLimit-Remaining what others of the project used', async () => {
    const { budget, ctx, p } = await setup(100)
    expect(budget.windows()).toEqual([{ requests: 3_600, perSeconds: 3_600 }])
    const before = budget.room('background')
    await p.listByTag(ctx, 'account', 'exitdesk', signal())
    // The fake had 100 left of 3,600: 3,499 were used by someone else in the project.
    expect(budget.room('background')).toBeLessThan(before - 3_000)
  })

  it('a 429 pauses the whole account until the next refill (not the full reset an hour away); the next call meanwhile is refused without being sent', async () => {
    const { budget, ctx, p, fake, clock } = await setup(0)
    const limited = await appError(p.listByTag(ctx, 'account', 'exitdesk', signal()))
    expect(limited).toMatchObject({ code: 'rate-limited', providerMessage: 'limit of 3600 requests per hour reached' })
    // The fake says the full 3,600 are back in an hour; one more has room after a second (3,600 an hour refill one a second).
    expect(limited.retryAfterSeconds).toBe(1)
    expect(budget.pausedUntilMs()).toBe(clock.now() + 1_000)
    const sent = fake.requests.length
    const refused = await appError(p.status({ ...ctx, priority: 'user' }, { region: 'hel1', instanceId: '1', attached: [] }, signal()))
    expect(refused.code).toBe('rate-limited')
    expect(fake.requests.length).toBe(sent)
    // A second later Hetzner has room for one more, and the account may ask (the user's click first).
    clock.advance(1_000)
    fake.setRequestBudget(10)
    await expect(p.status({ ...ctx, priority: 'user' }, { region: 'hel1', instanceId: '1', attached: [] }, signal())).resolves.toBeNull()
    expect(fake.requests.length).toBe(sent + 1)
  })
})
