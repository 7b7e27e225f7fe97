/**
 * Linode's rate-limit headers and the account's one request budget (src/main/clouds/budget.ts):
 * `X-RateLimit-*` describe the bucket of the operation called, so only the collection bucket the
 * budget's window stands for is handed on; a 429 pauses the whole account.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { RequestBudget } from '../../src/main/clouds/budget'
import { budgetHeaders } from '../../src/main/clouds/linode/client'
import { createLinodeProvisioner, LINODE_MANIFEST } from '../../src/main/clouds/linode'
import type { CloudContext, ProvisionSpec } from '../../src/main/clouds/types'
import { AppError } from '../../src/shared/errors'
import { startFakeLinode, type FakeLinode } from '../fakes/linode'

let fake: FakeLinode | undefined
afterEach(async () => {
  await fake?.close()
  fake = undefined
})

const signal = (): AbortSignal => AbortSignal.timeout(5_000)

function spec(hostId: string): ProvisionSpec {
  return {
    hostId,
    name: `exit-budget-${hostId}`,
    region: 'fr-par',
    plan: 'g6-nanode-1',
    userData: '#!/bin/sh\n',
    tunnel: { mode: 'tcp', inletsVersion: '0.11.14', domains: [], letsEncryptIssuer: 'prod' },
    tags: { app: 'exitdesk', host: `exitdesk-host-${hostId}` },
    fresh: true,
  }
}

async function setup(options: Parameters<typeof startFakeLinode>[0] = {}) {
  let now = 1_000_000
  const clock = { now: () => now }
  fake = await startFakeLinode(options)
  const budget = new RequestBudget({ provider: 'Linode', windows: LINODE_MANIFEST.rateLimits!.windows, clock })
  const ctx: CloudContext = { accountId: 'acct-1', credentials: { token: fake.token }, endpoint: fake.url, budget, priority: 'user' }
  return { fake, budget, ctx, p: createLinodeProvisioner(), tick: (ms: number) => (now += ms) }
}

describe('Linode rate limits and the account budget', () => {
  it('a create\'s own bucket (20 per 15 s) never shrinks the account-wide window', async () => {
    const { ctx, p, budget, fake } = await setup()
    const step = await p.provision(ctx, spec('b1'), { region: 'fr-par', attached: [] }, undefined, signal())
    await p.provision(ctx, spec('b1'), step.locator, step.progress, signal())
    const create = fake.requests.find((r) => r.method === 'POST' && r.path === '/v4/linode/instances')
    expect(create?.status).toBe(200)
    expect(budget.windows()).toEqual([{ requests: 200, perSeconds: 60 }])
    expect(budget.sent).toBe(2)
  })

  it('the collection bucket is read: requests Linode counted from elsewhere take room', async () => {
    const { ctx, p, budget } = await setup()
    const before = budget.room('user')
    await p.listByTag(ctx, 'account', 'exitdesk', signal())
    expect(budget.room('user')).toBe(before - 1)
    const headers = new Headers({ 'x-ratelimit-limit': '200', 'x-ratelimit-remaining': '150', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 60) })
    budget.observe(200, budgetHeaders(200, headers, 200))
    expect(budget.room('user')).toBeLessThan(before - 40)
  })

  it('a 429 pauses the whole account until Retry-After, refusing without sending', async () => {
    const { ctx, p, budget, fake, tick } = await setup({ retryAfterSeconds: 30 })
    fake.setRequestBudget(0)
    await expect(p.listByTag(ctx, 'account', 'exitdesk', signal())).rejects.toBeInstanceOf(AppError)
    expect(budget.tooManyRequests).toBe(1)
    const sent = fake.requests.length
    const refused = await p.verify(ctx, signal()).catch((error: unknown) => error as AppError)
    expect((refused as AppError).info.code).toBe('rate-limited')
    expect(fake.requests.length).toBe(sent)
    fake.setRequestBudget(100)
    tick(30_000)
    await expect(p.verify(ctx, signal())).resolves.toMatchObject({ identity: expect.stringMatching(/^account:/) })
  })

  it('budgetHeaders: a 429 without Retry-After pauses until X-RateLimit-Reset; other buckets are not handed on', () => {
    const reset = String(Math.floor(Date.now() / 1000) + 12)
    const only = budgetHeaders(429, new Headers({ 'x-ratelimit-limit': '20', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }), 200)
    expect([...only.entries()]).toEqual([['ratelimit-reset', reset]])
    const other = budgetHeaders(200, new Headers({ 'x-ratelimit-limit': '1600', 'x-ratelimit-remaining': '1599', 'x-ratelimit-reset': reset }), 200)
    expect([...other.entries()]).toEqual([])
    const retry = budgetHeaders(429, new Headers({ 'retry-after': '7' }), 200)
    expect(retry.get('retry-after')).toBe('7')
  })
})
