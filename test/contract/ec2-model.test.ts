/**
 * EC2 contract: every request the adapter sends, and every answer the fake gives, checked against
 * the botocore model of the EC2 API (../shared/provider-specs/aws-ec2/service-2.json; folder from
 * EXITDESK_PROVIDER_SPECS, read in place, never copied). Without the model these tests skip and
 * say why.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2'
import { createEc2Provisioner } from '../../src/main/clouds/ec2'
import { clearImageCache } from '../../src/main/clouds/ec2/images'
import type { CloudContext, ProvisionSpec, StepResult } from '../../src/main/clouds/types'
import { startFakeEc2, type FakeEc2 } from '../fakes/ec2'
import { checkEc2Answer, checkEc2Request, ec2ModelMissing } from '../fakes/ec2-model'

const missing = ec2ModelMissing()
if (missing && process.env.CI) throw new Error(`The EC2 contract tests must run in CI: ${missing}`)
if (missing) console.warn(`[contract] Skipping the EC2 model checks: ${missing}`)

let fake: FakeEc2 | undefined
afterEach(async () => {
  await fake?.close()
  fake = undefined
})

describe.skipIf(Boolean(missing))('EC2 requests and answers against the botocore model', () => {
  it('the checker refuses what EC2 would: unknown actions and parameters, bad enums, list indexes, missing members', () => {
    const base: Array<[string, string]> = [
      ['Action', 'RunInstances'],
      ['Version', '2016-11-15'],
      ['MinCount', '1'],
      ['MaxCount', '1'],
    ]
    expect(checkEc2Request(base)).toEqual([])
    expect(checkEc2Request([...base, ['InstanceType', 't4g.nano'], ['TagSpecification.1.ResourceType', 'instance'], ['TagSpecification.1.Tag.1.Key', 'exitdesk']])).toEqual([])
    expect(checkEc2Request([['Action', 'LaunchInstances'], ['Version', '2016-11-15']])[0]).toMatch(/unknown action/)
    expect(checkEc2Request([...base, ['SecurityGroupIds.1', 'sg-1']])[0]).toMatch(/unknown parameter "SecurityGroupIds.1"/)
    expect(checkEc2Request([...base, ['InstanceType', 't9.huge']])[0]).toMatch(/must be one of InstanceType's values/)
    expect(checkEc2Request([...base, ['TagSpecification.1.ResourceType', 'droplet']])[0]).toMatch(/ResourceType/)
    expect(checkEc2Request([...base, ['TagSpecification.first.ResourceType', 'instance']])[0]).toMatch(/index from 1/)
    expect(checkEc2Request([...base, ['MinCount', 'one']]).join()).toMatch(/whole number/)
    expect(checkEc2Request([['Action', 'RunInstances'], ['Version', '2016-11-15']]).join()).toMatch(/needs MaxCount/)
    expect(checkEc2Request([['Action', 'DescribeRegions'], ['Version', '2015-10-01']])[0]).toMatch(/Version must be 2016-11-15/)
  })

  it('the answer checker refuses an element the output shape does not have', () => {
    expect(checkEc2Answer('DeleteSecurityGroup', '<DeleteSecurityGroupResponse><requestId>1</requestId><return>true</return><groupId>sg-1</groupId></DeleteSecurityGroupResponse>')).toEqual([])
    expect(checkEc2Answer('DeleteSecurityGroup', '<DeleteSecurityGroupResponse><return>true</return><deleted>yes</deleted></DeleteSecurityGroupResponse>')[0]).toMatch(/<deleted> is not a member/)
    expect(checkEc2Answer('DescribeRegions', '<DescribeRegionsResponse><regionInfo><region><regionName>x</regionName></region></regionInfo></DescribeRegionsResponse>')[0]).toMatch(/entries are <item>/)
  })

  it('the fake refuses a signed request with a parameter EC2 does not have, and records it', async () => {
    fake = await startFakeEc2()
    // The SDK signs the request after a build-step middleware added a parameter EC2 does not have.
    const client = new EC2Client({ region: 'us-east-1', endpoint: fake.url, credentials: { accessKeyId: fake.accessKeyId, secretAccessKey: fake.secretAccessKey }, maxAttempts: 1 })
    client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { body?: string; headers: Record<string, string> }
        request.body = `${request.body ?? ''}&TagFilter=x`
        request.headers['content-length'] = String(Buffer.byteLength(request.body))
        return next(args)
      },
      { step: 'build', name: 'addUnknownParameter' },
    )
    const error = await client.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag-key', Values: ['exitdesk'] }] })).then(
      () => undefined,
      (caught: unknown) => caught as { name: string; message: string; $metadata: { httpStatusCode?: number } },
    )
    client.destroy()
    expect(`${error?.name}: ${error?.message}`).toMatch(/^InvalidParameter: unknown parameter "TagFilter"/)
    expect(error?.$metadata.httpStatusCode).toBe(400)
    expect(fake.violations).toEqual([{ action: 'DescribeInstances', problems: [expect.stringMatching(/unknown parameter "TagFilter"/)] }])
    const body = new URLSearchParams({ Action: 'DescribeRegions', Version: '2016-11-15' }).toString()
    // Unsigned: refused before anything else.
    const unsigned = await fetch(fake.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body })
    expect(unsigned.status).toBe(401)
  })

  it('a whole host life (both modes, the DescribeImages fallback, pagination, teardown) sends only requests the model knows, and the fake answers in the model\'s shapes', async () => {
    clearImageCache()
    fake = await startFakeEc2({ runAfterMs: 0, terminateAfterMs: 0, pageSize: 1, ssmDenied: true })
    const ctx: CloudContext = { accountId: 'acct-c', credentials: { accessKeyId: fake.accessKeyId, secretAccessKey: fake.secretAccessKey }, endpoint: fake.url }
    const p = createEc2Provisioner()
    const signal = AbortSignal.timeout(10_000)
    await p.verify(ctx, signal)
    await p.catalog(ctx, signal)
    for (const mode of ['tcp', 'https'] as const) {
      const spec: ProvisionSpec = {
        hostId: `c-${mode}`,
        name: `exit-contract-${mode}`,
        region: 'us-east-1',
        plan: mode === 'tcp' ? 't3a.nano' : 't4g.nano',
        userData: '#!/bin/bash\ntrue\n',
        tunnel: { mode, inletsVersion: '0.11.14', domains: mode === 'https' ? ['a.example.com'] : [], letsEncryptIssuer: 'prod' },
        tags: { app: 'exitdesk', host: `exitdesk-host-c-${mode}` },
      }
      let step: StepResult = await p.provision(ctx, spec, { region: 'us-east-1', attached: [] }, undefined, signal)
      while (!step.done) step = await p.provision(ctx, spec, step.locator, step.progress, signal)
      await p.status(ctx, step.locator, signal)
      await p.listByTag(ctx, 'us-east-1', 'exitdesk', signal)
      for (let calls = 0; calls < 6 && !step.done; calls++) step = await p.delete(ctx, step.locator, step.progress, signal)
      step = { ...step, done: false, progress: undefined }
      for (let calls = 0; calls < 6 && !step.done; calls++) step = await p.delete(ctx, step.locator, step.progress, signal)
      expect(step.done).toBe(true)
    }
    const actions = new Set(fake.requests.filter((r) => r.service === 'ec2').map((r) => r.action))
    expect([...actions].sort()).toEqual(['AuthorizeSecurityGroupIngress', 'CreateSecurityGroup', 'DeleteSecurityGroup', 'DescribeImages', 'DescribeInstances', 'DescribeRegions', 'DescribeSecurityGroups', 'RunInstances', 'TerminateInstances'])
    expect(fake.violations).toEqual([])
    const problems = fake.answers.flatMap((answer) => checkEc2Answer(answer.action, answer.xml))
    expect(problems).toEqual([])
    expect(fake.answers.length).toBeGreaterThan(10)
    expect(fake.liveInstances()).toEqual([])
    expect(fake.state.groups.size).toBe(0)
  })
})
