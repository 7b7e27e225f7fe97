/**
 * A teardown as the host service drives it, for tests that call an adapter directly (the
 * contract tests): a first delete step of every host, then, after `between` (e.g. the fake's
 * delete time passing), delete steps one quick step a call until each is done.
 */
import type { HostLocator } from '../../src/shared/domain'
import type { CloudContext, Provisioner, StepResult } from '../../src/main/clouds/types'

export interface TeardownSteps {
  /** Each host's first delete step. */
  first: StepResult[]
  /** Each host's last delete step (done, unless `limit` calls were not enough). */
  finals: StepResult[]
}

export async function tearDownAll(p: Provisioner, ctx: CloudContext, locators: HostLocator[], options: { between: () => void; signal: () => AbortSignal; limit?: number }): Promise<TeardownSteps> {
  const { signal, limit = 8 } = options
  const first = await Promise.all(locators.map((locator) => p.delete(ctx, locator, undefined, signal())))
  options.between()
  const finish = async (from: { locator: HostLocator; progress?: string }): Promise<StepResult> => {
    let step = await p.delete(ctx, from.locator, from.progress, signal())
    for (let calls = 1; !step.done && calls < limit; calls++) step = await p.delete(ctx, step.locator, step.progress, signal())
    return step
  }
  const finals = await Promise.all(first.map(finish))
  return { first, finals }
}
