/**
 * AWS's failures, as the fake answers them in AWS's own shapes, become plain sentences with
 * AWS's words beside them, and say whether the call may have been carried out anyway.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { describeError, outcomeUnknown, type AppErrorInfo } from '../../src/shared/errors'
import type { CloudContext, ProvisionSpec } from '../../src/main/clouds/types'
import { createEc2Provisioner, PROGRESS } from '../../src/main/clouds/ec2'
import { clearImageCache } from '../../src/main/clouds/ec2/images'
import { RequestBudget } from '../../src/main/clouds/budget'
import { startFakeEc2, type FakeEc2, type FailureRule } from '../fakes/ec2'
import { appError } from '../support/app-error'

let fake: FakeEc2 | undefined
beforeEach(() => clearImageCache())
afterEach(async () => {
  await fake?.close()
  fake = undefined
})

/** The deadline of the one call that is meant to time out; every other call has the default (5 s), so a busy machine fails nothing else. */
const SHORT_TIMEOUT_MS = 300

async function setup() {
  fake = await startFakeEc2({ runAfterMs: 0 })
  const ctx: CloudContext = { accountId: 'acct-e', credentials: { accessKeyId: fake.accessKeyId, secretAccessKey: fake.secretAccessKey }, endpoint: fake.url }
  return { fake, ctx, p: createEc2Provisioner() }
}

const signal = (): AbortSignal => AbortSignal.timeout(5_000)

const spec: ProvisionSpec = {
  hostId: 'h-err',
  name: 'exit-err',
  region: 'us-east-1',
  plan: 't4g.nano',
  userData: '#!/bin/bash\n',
  tunnel: { mode: 'tcp', inletsVersion: '0.11.14', domains: [], letsEncryptIssuer: 'prod' },
  tags: { app: 'exitdesk', host: 'exitdesk-host-h-err' },
  fresh: true,
}

/** The RunInstances step (group made and opened first), failing as `rule` says. */
async function runFailing(rule: FailureRule, last = createEc2Provisioner()): Promise<AppErrorInfo> {
  const { fake, ctx, p } = await setup()
  const made = await p.provision(ctx, spec, { region: 'us-east-1', attached: [] }, undefined, signal())
  const opened = await p.provision(ctx, spec, made.locator, made.progress, signal())
  expect(opened.progress).toBe(PROGRESS.portsOpened)
  fake.setFailure({ action: 'RunInstances', ...rule })
  return appError(last.provision(ctx, spec, opened.locator, opened.progress, signal()))
}

describe('EC2 errors as sentences', () => {
  it('AuthFailure (401): the key is not accepted; nothing was done', async () => {
    const { ctx, p } = await setup()
    const info = await appError(p.listByTag({ ...ctx, credentials: { accessKeyId: 'AKIAWRONGWRONGWRONG1', secretAccessKey: 'x' } }, 'us-east-1', 'exitdesk', signal()))
    expect(info).toMatchObject({ code: 'unauthorized', retryable: false, outcome: 'none' })
    expect(info.providerMessage).toBe('AuthFailure: AWS was not able to validate the provided access credentials')
  })

  it('UnauthorizedOperation (403): names the action the key may not call', async () => {
    const info = await runFailing({ code: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation. Encoded authorization failure message: abc' })
    expect(info.code).toBe('forbidden')
    expect(info.message).toContain('may not call RunInstances')
    expect(describeError(info)).toContain('The provider said: "UnauthorizedOperation: You are not authorized')
    expect(outcomeUnknown(info)).toBe(false)
  })

  it('InvalidParameterValue: AWS could not accept the settings', async () => {
    const info = await runFailing({ code: 'InvalidParameterValue', message: "Value (t4g.nano) for parameter instanceType is invalid." })
    expect(info).toMatchObject({ code: 'unprocessable', retryable: false })
    expect(info.message).toContain('RunInstances')
    expect(info.providerMessage).toContain('instanceType is invalid')
  })

  for (const code of ['InstanceLimitExceeded', 'VcpuLimitExceeded']) {
    it(`${code}: a quota, with what to do`, async () => {
      const info = await runFailing({ code, message: 'You have requested more vCPU capacity than your current vCPU limit of 1 allows.' })
      expect(info).toMatchObject({ code: 'unprocessable', retryable: false })
      expect(info.message).toMatch(/reached a limit .*Service Quotas/)
      expect(outcomeUnknown(info)).toBe(false)
    })
  }

  it('InsufficientInstanceCapacity: try later or elsewhere; certainly nothing made', async () => {
    const info = await runFailing({ code: 'InsufficientInstanceCapacity', message: 'We currently do not have sufficient t4g.nano capacity in the Availability Zone you requested (us-east-1a).' })
    expect(info).toMatchObject({ code: 'provider-unavailable', retryable: true, outcome: 'none' })
    expect(info.message).toMatch(/no capacity/)
    expect(outcomeUnknown(info)).toBe(false)
  })

  it('RequestLimitExceeded (503): rate-limited, and the whole account pauses in its budget', async () => {
    const { fake, ctx, p } = await setup()
    const clock = { now: () => Date.now() }
    const budget = new RequestBudget({ provider: 'AWS EC2', windows: [{ requests: 100, perSeconds: 1 }], clock })
    fake.setFailure({ action: 'DescribeInstances', code: 'RequestLimitExceeded', message: 'Request limit exceeded.', times: 1 })
    const info = await appError(p.listByTag({ ...ctx, budget }, 'us-east-1', 'exitdesk', signal()))
    expect(info).toMatchObject({ code: 'rate-limited', retryable: true, outcome: 'none' })
    expect(info.retryAfterSeconds).toBeGreaterThan(0)
    expect(budget.pausedUntilMs()).toBeDefined()
    const sent = fake.requests.length
    const refused = await appError(p.listByTag({ ...ctx, budget }, 'us-east-1', 'exitdesk', signal()))
    expect(refused.code).toBe('rate-limited')
    expect(fake.requests.length).toBe(sent)
  })

  it('a 5xx on RunInstances leaves the outcome unknown; on a read it does not', async () => {
    const info = await runFailing({ code: 'InternalError', message: 'An internal error has occurred' })
    expect(info.code).toBe('provider-unavailable')
    expect(outcomeUnknown(info)).toBe(true)
    await fake!.close()
    const { fake: second, ctx, p } = await setup()
    second.setFailure({ action: 'DescribeInstances', code: 'Unavailable', message: 'The server is overloaded' })
    const read = await appError(p.listByTag(ctx, 'us-east-1', 'exitdesk', signal()))
    expect(read.code).toBe('provider-unavailable')
    expect(outcomeUnknown(read)).toBe(false)
  })

  it('a timeout on RunInstances is a timeout with an unknown outcome', async () => {
    const info = await runFailing({ delayMs: SHORT_TIMEOUT_MS * 4, afterEffect: true, code: 'InternalError' }, createEc2Provisioner({ timeoutMs: SHORT_TIMEOUT_MS }))
    expect(info.code).toBe('timeout')
    expect(info.message).toMatch(/did not answer in time/)
    expect(outcomeUnknown(info)).toBe(true)
  })

  it('a cut-off body and a captive portal page on RunInstances are not AWS answers: outcome unknown', async () => {
    for (const rule of [{ truncate: true }, { html: true }]) {
      const info = await runFailing(rule)
      expect(info.code).toBe('provider-unavailable')
      expect(info.message).toMatch(/does not understand/)
      expect(outcomeUnknown(info)).toBe(true)
      await fake!.close()
    }
  })

  it('a captive portal\'s "200 text/html" on DeleteSecurityGroup is not taken as done (the soak found this): the group stays and the step fails', async () => {
    const { fake, ctx, p } = await setup()
    const made = await p.provision(ctx, spec, { region: 'us-east-1', attached: [] }, undefined, signal())
    fake.setFailure({ action: 'DeleteSecurityGroup', html: true, times: 1 })
    const info = await appError(p.delete(ctx, made.locator, undefined, signal()))
    expect(info).toMatchObject({ code: 'provider-unavailable', outcome: 'unknown' })
    expect(info.detail).toContain('HTTP 200 with text/html')
    expect(fake.state.groups.size).toBe(1)
    const done = await p.delete(ctx, made.locator, undefined, signal())
    expect(done.done).toBe(true)
    expect(fake.state.groups.size).toBe(0)
  })

  it('a connection reset on TerminateInstances is a network failure with an unknown outcome', async () => {
    const { fake, ctx, p } = await setup()
    fake.setFailure({ action: 'TerminateInstances', reset: true })
    const info = await appError(p.delete(ctx, { region: 'us-east-1', instanceId: 'i-0123456789abcdef0', attached: [] }, undefined, signal()))
    expect(info).toMatchObject({ code: 'network', detail: 'ECONNRESET' })
    expect(outcomeUnknown(info)).toBe(true)
  })

  it('a refused connection is Exitdesk\'s own detail, never AWS\'s words', async () => {
    const { ctx, p } = await setup()
    await fake!.close()
    const info = await appError(p.verify(ctx, signal()))
    expect(info.code).toBe('network')
    expect(info.providerMessage).toBeUndefined()
    expect(info.detail).toBe('ECONNREFUSED')
  })
})
