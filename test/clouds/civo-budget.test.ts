/**
 * The per-account request budget through the real Civo adapter: Civo documents no limit, so the
 * budget holds Exitdesk's own conservative one (the manifest says why); a 429 with `Retry-After`
 * pauses the whole account for that long, and the budget refuses meanwhile without sending.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { BudgetRegistry } from '../../src/main/clouds/budget'
import { CIVO_MANIFEST, createCivoProvisioner } from '../../src/main/clouds/civo'
import type { CloudContext } from '../../src/main/clouds/types'
import { startFakeCivo, type FakeCivo } from '../fakes/civo'
import { appError } from '../support/app-error'
import { FakeClock } from '../support/harness'

let fake: FakeCivo | undefined
afterEach(async () => {
  await fake?.close()
  fake = undefined
})

const signal = (): AbortSignal => AbortSignal.timeout(10_000)

describe('Civo budget', () => {
  it('a 429 pauses the whole account for its Retry-After; the next call meanwhile is refused without being sent', async () => {
    const clock = new FakeClock()
    fake = await startFakeCivo({ clock, requestBudget: 0 })
    const budget = new BudgetRegistry(clock).for('acct-1', CIVO_MANIFEST)!
    expect(budget.windows()).toEqual([{ requests: 3_600, perSeconds: 3_600 }])
    const ctx: CloudContext = { accountId: 'acct-1', credentials: { token: fake.token }, endpoint: fake.url, budget, priority: 'background' }
    const p = createCivoProvisioner()
    const limited = await appError(p.listByTag(ctx, 'LON1', 'exitdesk', signal()))
    expect(limited).toMatchObject({ code: 'rate-limited', retryAfterSeconds: 7, providerMessage: 'Too many requests, please slow down' })
    expect(budget.pausedUntilMs()).toBe(clock.now() + 7_000)
    const sent = fake.requests.length
    const unknownId = { region: 'LON1', instanceId: '00000000-0000-4000-8000-000000000000', attached: [] }
    expect((await appError(p.status({ ...ctx, priority: 'user' }, unknownId, signal()))).code).toBe('rate-limited')
    expect(fake.requests.length).toBe(sent)
    clock.advance(7_000)
    fake.setRequestBudget(10)
    await expect(p.status({ ...ctx, priority: 'user' }, unknownId, signal())).resolves.toBeNull()
    expect(fake.requests.length).toBe(sent + 1)
  })
})
