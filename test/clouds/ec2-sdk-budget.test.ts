/**
 * The AWS SDK is loaded only once an EC2 account is used, and every request it sends passes the
 * account's one budget, built from the manifest's documented EC2 limits.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createRegistry } from '../../src/main/clouds/registry'
import { BudgetRegistry } from '../../src/main/clouds/budget'
import { awsSdkLoaded } from '../../src/main/clouds/ec2/client'
import { EC2_MANIFEST } from '../../src/main/clouds/ec2'
import type { CloudContext } from '../../src/main/clouds/types'
import { startFakeEc2, type FakeEc2 } from '../fakes/ec2'

let fake: FakeEc2 | undefined
afterEach(async () => {
  await fake?.close()
  fake = undefined
})

describe('EC2 SDK loading and request budget', () => {
  it('the registry offers EC2 without loading the AWS SDK; the first call loads it', async () => {
    const clock = { now: () => Date.now() }
    const registry = createRegistry({ clock })
    const ec2 = registry.get('ec2')!
    expect(ec2.manifest.label).toBe('AWS EC2')
    expect(awsSdkLoaded()).toEqual({ ec2: false, sts: false, ssm: false })
    fake = await startFakeEc2()
    const ctx: CloudContext = { accountId: 'a', credentials: { accessKeyId: fake.accessKeyId, secretAccessKey: fake.secretAccessKey }, endpoint: fake.url }
    await ec2.verify(ctx, AbortSignal.timeout(5_000))
    // Adding the account needs STS only.
    expect(awsSdkLoaded()).toEqual({ ec2: false, sts: true, ssm: false })
    await ec2.listByTag(ctx, 'us-east-1', 'exitdesk', AbortSignal.timeout(5_000))
    expect(awsSdkLoaded()).toEqual({ ec2: true, sts: true, ssm: false })
  })

  it('every request passes the account budget; a full budget refuses without sending', async () => {
    let now = 1_000_000
    const clock = { now: () => now }
    const budgets = new BudgetRegistry(clock)
    const budget = budgets.for('acct', EC2_MANIFEST)!
    expect(budget.windows()).toEqual([
      { requests: 100, perSeconds: 1 },
      { requests: 500, perSeconds: 60 },
    ])
    fake = await startFakeEc2()
    const ec2 = createRegistry({ clock }).get('ec2')!
    const ctx: CloudContext = { accountId: 'acct', credentials: { accessKeyId: fake.accessKeyId, secretAccessKey: fake.secretAccessKey }, endpoint: fake.url, budget, priority: 'user' }
    for (let n = 0; n < 5; n++) await ec2.listByTag(ctx, 'us-east-1', 'exitdesk', AbortSignal.timeout(5_000))
    expect(budget.sent).toBe(5)
    expect(fake.requests).toHaveLength(5)
    // Fill the second's window, then one more: refused at once, nothing sent.
    for (let n = 5; n < 100; n++) budget.take('user')
    const refused = await ec2.listByTag(ctx, 'us-east-1', 'exitdesk', AbortSignal.timeout(5_000)).catch((error: unknown) => error)
    expect((refused as { info: { code: string } }).info.code).toBe('rate-limited')
    expect(fake.requests).toHaveLength(5)
    now += 1_001
    await ec2.listByTag(ctx, 'us-east-1', 'exitdesk', AbortSignal.timeout(5_000))
    expect(fake.requests).toHaveLength(6)
  })
})
