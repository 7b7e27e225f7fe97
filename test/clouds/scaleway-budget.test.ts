/**
 * The per-account request budget through the real Scaleway adapter: a 429 with `Retry-After`
 * pauses the whole account for that long, and the budget then refuses without sending;
 * `X-RateLimit-*` headers reach the budget under the names it reads.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { BudgetRegistry } from '../../src/main/clouds/budget'
import { createScalewayProvisioner, SCALEWAY_MANIFEST } from '../../src/main/clouds/scaleway'
import { rateLimitHeaders } from '../../src/main/clouds/scaleway/client'
import type { CloudContext } from '../../src/main/clouds/types'
import { startFakeScaleway, type FakeScaleway } from '../fakes/scaleway'
import { appError } from '../support/app-error'
import { FakeClock } from '../support/harness'

let fake: FakeScaleway | undefined
afterEach(async () => {
  await fake?.close()
  fake = undefined
})

const signal = (): AbortSignal => AbortSignal.timeout(10_000)

describe('Scaleway budget', () => {
  it('every request passes the budget; a 429 pauses the account for Retry-After and the next call is refused unsent', async () => {
    const clock = new FakeClock()
    fake = await startFakeScaleway({ clock })
    const budget = new BudgetRegistry(clock).for('acct-1', SCALEWAY_MANIFEST)!
    expect(budget.windows()).toEqual(SCALEWAY_MANIFEST.rateLimits!.windows)
    const ctx: CloudContext = { accountId: 'acct-1', credentials: { accessKey: 'SCW0123456789ABCDEFG', secretKey: fake.secretKey, projectId: fake.projectId }, endpoint: fake.url, budget, priority: 'background' }
    const p = createScalewayProvisioner()
    const before = budget.room('background')
    await p.listByTag(ctx, 'fr-par-1', 'exitdesk', signal())
    expect(budget.room('background')).toBeLessThan(before)

    fake.setRequestBudget(0)
    const limited = await appError(p.listByTag(ctx, 'fr-par-1', 'exitdesk', signal()))
    expect(limited).toMatchObject({ code: 'rate-limited', providerMessage: 'too many requests', retryAfterSeconds: 7 })
    expect(budget.pausedUntilMs()).toBe(clock.now() + 7_000)
    const sent = fake.requests.length
    expect((await appError(p.status({ ...ctx, priority: 'user' }, { region: 'fr-par-1', instanceId: '00000000-0000-4000-8000-000000000001', attached: [] }, signal()))).code).toBe('rate-limited')
    expect(fake.requests.length).toBe(sent)
    clock.advance(7_000)
    fake.setRequestBudget(10)
    await expect(p.status({ ...ctx, priority: 'user' }, { region: 'fr-par-1', instanceId: '00000000-0000-4000-8000-000000000001', attached: [] }, signal())).resolves.toBeNull()
    expect(fake.requests.length).toBe(sent + 1)
  })

  it('X-RateLimit-* are handed to the budget as ratelimit-*', () => {
    const headers = rateLimitHeaders(new Headers({ 'x-ratelimit-limit': '600', 'x-ratelimit-remaining': '12', 'x-ratelimit-reset': '30' }))
    expect([headers.get('ratelimit-limit'), headers.get('ratelimit-remaining'), headers.get('ratelimit-reset')]).toEqual(['600', '12', '30'])
    const plain = new Headers({ 'retry-after': '3' })
    expect(rateLimitHeaders(plain)).toBe(plain)
  })
})
