/**
 * The steps a create runs while the form waits: they stop when the cloud is only working (the
 * step moved nothing on), and the form is answered before a step that would likely end past
 * CREATE_ANSWER_MS, the rest going on in the background.
 */
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { performance } from 'node:perf_hooks'
import { describe, expect, it } from 'vitest'
import { createSimulatorProvisioner } from '../../src/main/clouds/simulator'
import type { Provisioner, StepResult } from '../../src/main/clouds/types'
import { FakeClock, makeHostService } from '../support/harness'

const tcp = { mode: 'tcp' as const, inletsVersion: '0.11.14', domains: [], letsEncryptIssuer: 'prod' as const }
const request = () => ({ requestId: randomUUID(), accountId: 'simulated', name: 'exit-steps-1', region: 'sim-local-1', plan: 'sim-nano', tunnel: tcp })

/** The simulated cloud with its create replaced by `provision`, counting the calls. */
function simulatedWith(clock: FakeClock, provision: (call: number, locator: Parameters<Provisioner['provision']>[2]) => Promise<StepResult>) {
  const inner = createSimulatorProvisioner({ clock })
  let calls = 0
  let ended = 0
  const provisioner: Provisioner = { ...inner, provision: (_ctx, _spec, locator) => provision(++calls, locator).finally(() => void (ended += 1)) }
  return { provisioner, calls: () => calls, ended: () => ended }
}

describe('the steps of a create while the form waits', () => {
  it('stop when a step moves nothing on (the cloud is still working): no polling in a loop', async () => {
    const clock = new FakeClock()
    const cloud = simulatedWith(clock, async (_call, locator) => ({ done: false, locator, progress: 'operation-running', waitingFor: 'the cloud to make the instance' }))
    const { hosts } = await makeHostService({ clock, provisioners: [cloud.provisioner] })
    const created = await hosts.create(request())
    expect(created.state).toBe('provisioning')
    // The first step started the operation; the second found it still running; no third, fourth.
    expect(cloud.calls()).toBe(2)
  })

  it('answer the form before a step that would likely end past the deadline, and go on in the background', async () => {
    const clock = new FakeClock()
    // Steps of 700 ms: a second one would end near 1.4 s, past the 1 s the form waits at most.
    let firstEndedAt = 0
    const cloud = simulatedWith(clock, async (call, locator) => {
      await sleep(700)
      if (call === 1) firstEndedAt = performance.now()
      return call >= 2 ? { done: true, locator: { ...locator, instanceId: 'i-1' } } : { done: false, locator, progress: `step-${call}` }
    })
    const { hosts } = await makeHostService({ clock, provisioners: [cloud.provisioner] })
    const created = await hosts.create(request())
    const answeredAfterFirst = performance.now() - firstEndedAt
    expect(cloud.ended(), 'steps finished before the form was answered').toBe(1)
    // At once after the first step, not when the deadline struck (about 300 ms later).
    expect(answeredAfterFirst).toBeLessThan(150)
    expect(created.busy).toBe(true)
    await sleep(800)
    expect(cloud.ended(), 'the second step finished in the background').toBe(2)
    expect(hosts.snapshot().hosts[0]?.busy).toBe(false)
  })
})
