/**
 * The AWS EC2 adapter, on the official SDK, against the wire-compatible fake (test/fakes/ec2.ts):
 * SigV4-signed Query requests, XML answers, every EC2 request checked against the botocore model.
 * Fake time is advanced explicitly, so nothing here sleeps for an instance.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { outcomeUnknown } from '../../src/shared/errors'
import type { HostLocator } from '../../src/shared/domain'
import type { CloudContext, ProvisionSpec, Provisioner, StepResult } from '../../src/main/clouds/types'
import { clientToken, createEc2Provisioner, EC2_MANIFEST, PROGRESS } from '../../src/main/clouds/ec2'
import { architectureOf, monthlyCost } from '../../src/main/clouds/ec2/manifest'
import { instanceState } from '../../src/main/clouds/ec2/state'
import { clearImageCache } from '../../src/main/clouds/ec2/images'
import { generateHostName, hostNameProblem } from '../../src/shared/naming'
import { startFakeEc2, type FakeEc2, type FakeEc2Options } from '../fakes/ec2'
import { ec2ModelMissing } from '../fakes/ec2-model'
import { appError } from '../support/app-error'
import { deleteSteps, specMaker } from '../support/adapter-steps'

const RUN_MS = 60_000
const TERMINATE_MS = 10_000
let fake: FakeEc2 | undefined

beforeEach(() => clearImageCache())
afterEach(async () => {
  // No test may send a request the botocore model does not know.
  if (fake && !ec2ModelMissing()) expect(fake.violations).toEqual([])
  await fake?.close()
  fake = undefined
})

async function setup(options: FakeEc2Options = {}, provisioner: Provisioner = createEc2Provisioner({ timeoutMs: 2_000 })) {
  fake = await startFakeEc2({ runAfterMs: RUN_MS, terminateAfterMs: TERMINATE_MS, ...options })
  const ctx: CloudContext = { accountId: 'acct-1', credentials: { accessKeyId: fake.accessKeyId, secretAccessKey: fake.secretAccessKey }, endpoint: fake.url }
  return { fake, ctx, p: provisioner }
}

const signal = (): AbortSignal => AbortSignal.timeout(5_000)

const spec = specMaker({ region: 'eu-west-1', plan: 't4g.nano' })

const startLocator = (region = 'eu-west-1'): HostLocator => ({ region, attached: [] })

/** Calls provision again and again, as the host service does, until the instance is made. */
async function createAll(p: Provisioner, ctx: CloudContext, s: ProvisionSpec, limit = 6): Promise<StepResult & { steps: number }> {
  let step = await p.provision(ctx, s, startLocator(s.region), undefined, signal())
  let steps = 1
  while (!step.done && steps < limit) {
    step = await p.provision(ctx, { ...s, fresh: s.fresh }, step.locator, step.progress, signal())
    steps++
  }
  return { ...step, steps }
}

/** Calls delete until it is done or waits for EC2 (the instance, or the group's release). */
const tearDown = deleteSteps(signal, PROGRESS.terminateRequested)

describe('EC2 manifest', () => {
  const m = EC2_MANIFEST
  it('defaults to the cheapest built-in plan, t4g.nano, whose cost includes the public IPv4 and the gp3 disk', () => {
    const plan = m.plans.find((candidate) => candidate.id === m.defaultPlan)!
    expect(plan.id).toBe('t4g.nano')
    expect(plan.monthlyCostUsd).toBe(Math.min(...m.plans.map((candidate) => candidate.monthlyCostUsd)))
    // $0.0042/h × 730 + $0.005/h × 730 + 8 GiB × $0.08 = 3.066 + 3.65 + 0.64
    expect(plan.monthlyCostUsd).toBe(7.36)
    expect(monthlyCost(0.0047)).toBe(7.72)
    expect(plan.costNote).toMatch(/public IPv4/)
    expect(m.regions.map((region) => region.id)).toContain(m.defaultRegion)
    expect(m.rateLimits?.source).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//)
  })

  it('knows which instance types are Arm (Graviton) and which are x86', () => {
    expect(architectureOf('t4g.nano')).toBe('arm64')
    expect(architectureOf('m7gd.large')).toBe('arm64')
    expect(architectureOf('a1.medium')).toBe('arm64')
    expect(architectureOf('t3a.nano')).toBe('amd64')
    expect(architectureOf('g4dn.xlarge')).toBe('amd64')
  })

  it('maps every EC2 state, keeps unknown words unknown', () => {
    expect(['pending', 'running', 'shutting-down', 'terminated', 'stopping', 'stopped'].map(instanceState)).toEqual(['provisioning', 'active', 'deleting', 'deleted', 'stopping', 'stopped'])
    expect(instanceState('hibernating')).toBe('unknown')
    expect(instanceState(undefined)).toBe('unknown')
  })

  it('names: generated ones pass', () => {
    for (const seed of [0, 0.3, 0.99]) expect(hostNameProblem(generateHostName(m.nameRule, () => seed), m.nameRule)).toBeUndefined()
    expect(hostNameProblem('bad_name', m.nameRule)).toBeDefined()
  })

  it('the session token and the subnet are optional, the key and secret are not', () => {
    expect(m.credentialFields.map((field) => [field.key, field.optional === true])).toEqual([
      ['accessKeyId', false],
      ['secretAccessKey', false],
      ['sessionToken', true],
      ['subnetId', true],
    ])
  })
})

describe('EC2 adapter against the fake', () => {
  it('verify: the identity is the 12-digit account id, and a wrong secret is refused with AWS words', async () => {
    const { ctx, p } = await setup({ accountId: '210987654321' })
    expect(await p.verify(ctx, signal())).toEqual({ identity: '210987654321', accountName: 'AWS account 210987654321' })
    const wrong = { ...ctx, credentials: { ...ctx.credentials, secretAccessKey: 'not-the-secret' } }
    const info = await appError(p.verify(wrong, signal()))
    expect(info.code).toBe('unauthorized')
    expect(info.message).toMatch(/did not accept this access key/)
    expect(info.providerMessage).toContain('InvalidClientTokenId')
    expect(JSON.stringify(info)).not.toContain('not-the-secret')
  })

  it('a session token is sent when given (temporary credentials)', async () => {
    const { ctx, p } = await setup({ sessionToken: 'FwoGZXIvYXdzEJr-session' })
    expect((await appError(p.verify(ctx, signal()))).code).toBe('unauthorized')
    const withToken = { ...ctx, accountId: 'acct-2', credentials: { ...ctx.credentials, sessionToken: 'FwoGZXIvYXdzEJr-session' } }
    expect((await p.verify(withToken, signal())).identity).toBe('123456789012')
  })

  it('catalog: regions from DescribeRegions, plans from the built-in list', async () => {
    const { ctx, p } = await setup({ regions: ['eu-west-1', 'us-east-1', 'me-central-1'] })
    const catalog = await p.catalog(ctx, signal())
    expect(catalog.source).toBe('live')
    expect(catalog.regions.map((region) => region.id).sort()).toEqual(['eu-west-1', 'me-central-1', 'us-east-1'])
    expect(catalog.regions.find((region) => region.id === 'eu-west-1')?.label).toContain('Ireland')
    expect(catalog.plans[0]!.id).toBe('t4g.nano')
  })

  for (const mode of ['tcp', 'https'] as const) {
    it(`creates a ${mode.toUpperCase()} host in three steps, watches it run, deletes it and leaves nothing`, async () => {
      const { fake, ctx, p } = await setup()
      const s = spec(`h-${mode}`, mode, { fresh: true })
      const created = await createAll(p, ctx, s)
      expect(created.done).toBe(true)
      expect(created.steps).toBe(3)
      expect(created.locator.instanceId).toMatch(/^i-/)
      const group = created.locator.attached.find((resource) => resource.kind === 'security-group')!
      expect(group.id).toMatch(/^sg-/)

      // One instance, tagged at launch (instance, volume, interface), in the host's own group.
      expect(fake.state.instances.size).toBe(1)
      const instance = fake.state.instances.get(created.locator.instanceId!)!
      for (const tags of [instance.tags, instance.volumeTags, instance.interfaceTags]) {
        expect([...tags.keys()].sort()).toEqual(['Name', 'exitdesk', `exitdesk-host-h-${mode}`])
      }
      expect(instance.tags.get('Name')).toBe(s.name)
      expect(instance.groupIds).toEqual([group.id])
      expect(instance.instanceType).toBe('t4g.nano')
      // Canonical's arm64 image for that region, from the SSM parameter.
      expect(instance.imageId).toBe(fake.imageFor('eu-west-1', 'arm64'))
      expect(instance.clientToken).toBe(clientToken(s.hostId))
      expect(instance.userData).toBe(s.userData)
      expect(instance.params.get('MetadataOptions.HttpTokens')).toBe('required')
      expect(instance.params.get('NetworkInterface.1.AssociatePublicIpAddress')).toBe('true')
      expect(instance.params.get('CreditSpecification.CpuCredits')).toBe('standard')

      const sg = fake.state.groups.get(group.id)!
      expect(sg.tags.has(`exitdesk-host-h-${mode}`)).toBe(true)
      const ports = sg.ingress.map((rule) => `${rule.protocol}:${rule.from}-${rule.to}`).sort()
      expect(ports).toEqual(mode === 'tcp' ? ['tcp:0-65535'] : ['tcp:443-443', 'tcp:80-80', 'tcp:8123-8123'])
      expect(sg.ingress.every((rule) => rule.cidrs.includes('0.0.0.0/0') && rule.cidrsV6.includes('::/0'))).toBe(true)

      let seen = await p.status(ctx, created.locator, signal())
      expect(seen).toMatchObject({ state: 'provisioning', rawStatus: 'pending', plan: 't4g.nano', region: 'eu-west-1', name: s.name })
      expect(seen!.ipv4).toBeUndefined()
      fake.advance(RUN_MS)
      seen = await p.status(ctx, created.locator, signal())
      expect(seen).toMatchObject({ state: 'active', rawStatus: 'running' })
      expect(seen!.ipv4).toMatch(/^198\.51\.100\./)
      expect(seen!.tags).toContain('exitdesk')

      // Teardown: terminate and return; the group waits for the instance to be gone.
      let step = await tearDown(p, ctx, { locator: created.locator })
      expect(step).toMatchObject({ done: false, progress: PROGRESS.terminateRequested, instancePresent: true })
      expect((await p.status(ctx, created.locator, signal()))?.state).toBe('deleting')
      step = await p.delete(ctx, step.locator, step.progress, signal())
      expect(step.progress).toBe(PROGRESS.terminateRequested)
      fake.advance(TERMINATE_MS)
      step = await tearDown(p, ctx, step)
      expect(step.done).toBe(true)
      expect(step.locator.attached).toEqual([])
      expect(fake.liveInstances()).toEqual([])
      expect(fake.state.groups.size).toBe(0)
      expect((await p.status(ctx, created.locator, signal()))?.state).toBe('deleted')
    })
  }

  it('the security group waits while EC2 still holds it after termination (DependencyViolation is "not yet")', async () => {
    const { fake, ctx, p } = await setup({ releaseAfterMs: 30_000 })
    const created = await createAll(p, ctx, spec('h-dep', 'https', { fresh: true }))
    fake.advance(RUN_MS)
    let step = await tearDown(p, ctx, { locator: created.locator })
    fake.advance(TERMINATE_MS)
    step = await tearDown(p, ctx, step, 3)
    expect(step.done).toBe(false)
    expect(step.waitingFor).toMatch(/to be released by EC2/)
    expect(fake.state.groups.size).toBe(1)
    fake.advance(30_000)
    step = await tearDown(p, ctx, step)
    expect(step.done).toBe(true)
    expect(fake.state.groups.size).toBe(0)
  })

  it('a retried create finds what the lost step made: no second group, no second instance', async () => {
    const { fake, ctx, p } = await setup()
    const s = spec('h-retry', 'tcp')
    // The group's create is carried out but its answer is lost (a 500 after the fact).
    fake.setFailure({ action: 'CreateSecurityGroup', afterEffect: true, code: 'InternalError', times: 1 })
    const lost = await appError(p.provision(ctx, { ...s, fresh: true }, startLocator(), undefined, signal()))
    expect(outcomeUnknown(lost)).toBe(true)
    expect(fake.state.groups.size).toBe(1)
    // Inside the late window: look only.
    const looked = await p.provision(ctx, { ...s, lookupOnly: true }, startLocator(), undefined, signal())
    expect(looked.done).toBe(false)
    expect(looked.unresolved).toBeUndefined()
    expect(looked.locator.attached.filter((resource) => resource.kind === 'security-group')).toHaveLength(1)
    let step = await p.provision(ctx, s, looked.locator, looked.progress, signal())
    expect(step.progress).toBe(PROGRESS.portsOpened)
    // RunInstances times out after EC2 made the instance.
    fake.setFailure({ action: 'RunInstances', afterEffect: true, code: 'InternalError', times: 1 })
    const lostRun = await appError(p.provision(ctx, s, step.locator, step.progress, signal()))
    expect(outcomeUnknown(lostRun)).toBe(true)
    step = await p.provision(ctx, { ...s, lookupOnly: true }, step.locator, step.progress, signal())
    expect(step.done).toBe(true)
    expect(fake.state.instances.size).toBe(1)
    expect(fake.state.groups.size).toBe(1)
    expect(fake.requests.filter((r) => r.action === 'RunInstances')).toHaveLength(1)
  })

  it('lookupOnly creates nothing and answers unresolved when nothing is there; fresh skips the look-ups', async () => {
    const { fake, ctx, p } = await setup()
    const s = spec('h-look', 'tcp')
    const first = await p.provision(ctx, { ...s, lookupOnly: true }, startLocator(), undefined, signal())
    expect(first).toMatchObject({ done: false, unresolved: true })
    expect(fake.state.groups.size).toBe(0)
    const before = fake.requests.length
    const fresh = await p.provision(ctx, { ...s, fresh: true }, startLocator(), undefined, signal())
    const sent = fake.requests.slice(before).map((r) => r.action)
    expect(sent).not.toContain('DescribeSecurityGroups')
    expect(sent).toContain('CreateSecurityGroup')
    const opened = await p.provision(ctx, { ...s, fresh: true }, fresh.locator, fresh.progress, signal())
    const lookOnly = await p.provision(ctx, { ...s, lookupOnly: true }, opened.locator, opened.progress, signal())
    expect(lookOnly).toMatchObject({ done: false, unresolved: true })
    expect(fake.state.instances.size).toBe(0)
    const beforeRun = fake.requests.length
    const made = await p.provision(ctx, { ...s, fresh: true }, opened.locator, opened.progress, signal())
    expect(made.done).toBe(true)
    expect(fake.requests.slice(beforeRun).map((r) => r.action)).toEqual(['RunInstances'])
  })

  it('a repeated RunInstances with the same ClientToken answers the same instance (EC2 idempotency)', async () => {
    const { fake, ctx, p } = await setup()
    const s = spec('h-token', 'tcp', { fresh: true })
    const opened = await p.provision(ctx, s, (await p.provision(ctx, s, startLocator(), undefined, signal())).locator, PROGRESS.securityGroupCreated, signal())
    const a = await p.provision(ctx, s, opened.locator, opened.progress, signal())
    const b = await p.provision(ctx, s, opened.locator, opened.progress, signal())
    expect(a.locator.instanceId).toBe(b.locator.instanceId)
    expect(fake.state.instances.size).toBe(1)
  })

  it('teardown never removes a group a duplicate instance carrying the host tag still uses', async () => {
    const { fake, ctx, p } = await setup()
    const s = spec('h-dup', 'https', { fresh: true })
    const created = await createAll(p, ctx, s)
    const groupId = created.locator.attached.find((resource) => resource.kind === 'security-group')!.id
    const duplicate = fake.seedInstance({ region: 'eu-west-1', tags: new Map([['exitdesk', ''], [s.tags.host, '']]), groupIds: [groupId] })
    let step = await tearDown(p, ctx, { locator: created.locator })
    fake.advance(TERMINATE_MS)
    step = await tearDown(p, ctx, step, 3)
    expect(step.done).toBe(false)
    expect(step.waitingFor).toContain(duplicate.id)
    expect(fake.state.groups.has(groupId)).toBe(true)
    // The duplicate goes (as the refresh deletes it); then the group.
    duplicate.state = 'terminated'
    duplicate.terminatedAtMs = fake.now()
    step = await tearDown(p, ctx, step)
    expect(step.done).toBe(true)
    expect(fake.state.groups.size).toBe(0)
  })

  it('teardown of a host whose group was never recorded finds it by the host tag', async () => {
    const { fake, ctx, p } = await setup()
    const s = spec('h-unrecorded', 'tcp', { fresh: true })
    await p.provision(ctx, s, startLocator(), undefined, signal())
    expect(fake.state.groups.size).toBe(1)
    const step = await tearDown(p, ctx, { locator: { region: 'eu-west-1', attached: [{ kind: 'tag', id: s.tags.host }] } })
    expect(step.done).toBe(true)
    expect(fake.state.groups.size).toBe(0)
  })

  it('delete of an instance EC2 no longer knows counts as gone', async () => {
    const { ctx, p } = await setup()
    const step = await tearDown(p, ctx, { locator: { region: 'eu-west-1', instanceId: 'i-0123456789abcdef0', attached: [] } })
    expect(step.done).toBe(true)
    expect(await p.status(ctx, { region: 'eu-west-1', instanceId: 'i-0123456789abcdef0', attached: [] }, signal())).toBeNull()
  })

  it('lists by tag per region, following every NextToken page', async () => {
    const { fake, ctx, p } = await setup({ pageSize: 3 })
    for (let n = 0; n < 8; n++) fake.seedInstance({ region: 'eu-west-1', tags: new Map([['exitdesk', ''], [`exitdesk-host-s${n}`, ''], ['Name', `exit-s${n}`]]) })
    fake.seedInstance({ region: 'us-east-1', tags: new Map([['exitdesk', '']]) })
    fake.seedInstance({ region: 'eu-west-1', tags: new Map([['someone-else', '']]) })
    const found = await p.listByTag(ctx, 'eu-west-1', 'exitdesk', signal())
    expect(found.map((o) => o.name).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((n) => `exit-s${n}`))
    expect(found.every((o) => o.region === 'eu-west-1' && o.state === 'active')).toBe(true)
    const pages = fake.requests.filter((r) => r.action === 'DescribeInstances' && r.region === 'eu-west-1')
    expect(pages).toHaveLength(3)
    expect(pages[1]!.params.get('NextToken')).toBeTruthy()
    expect(p.listScopes([{ region: 'eu-west-1', attached: [] }, { region: 'us-east-1', attached: [] }, { region: 'eu-west-1', attached: [] }])).toEqual(['eu-west-1', 'us-east-1'])
    expect(p.listScopes([])).toEqual([EC2_MANIFEST.defaultRegion])
  })

  it('a region without a default VPC gets a sentence saying what to do, and nothing is made', async () => {
    const { fake, ctx, p } = await setup({ noDefaultVpc: ['eu-west-1'] })
    const info = await appError(p.provision(ctx, spec('h-novpc', 'tcp', { fresh: true }), startLocator(), undefined, signal()))
    expect(info.code).toBe('unprocessable')
    expect(info.message).toMatch(/eu-west-1 has no default VPC/)
    expect(info.message).toMatch(/create-default-vpc --region eu-west-1/)
    expect(info.message).toMatch(/Subnet ID/)
    expect(info.providerMessage).toContain('VPCIdNotSpecified')
    expect(info.retryable).toBe(false)
    expect(fake.state.groups.size).toBe(0)
  })

  it('a subnet given with the account is used in its region (no default VPC needed), and only there', async () => {
    const subnets = { 'subnet-0aaaabbbbccccdddd': { region: 'eu-west-1', vpcId: 'vpc-0custom' } }
    const { fake, ctx, p } = await setup({ noDefaultVpc: ['eu-west-1'], subnets })
    const withSubnet = { ...ctx, credentials: { ...ctx.credentials, subnetId: 'subnet-0aaaabbbbccccdddd' } }
    const created = await createAll(p, withSubnet, spec('h-subnet', 'tcp', { fresh: true }))
    expect(created.done).toBe(true)
    const instance = fake.state.instances.get(created.locator.instanceId!)!
    expect(instance.subnetId).toBe('subnet-0aaaabbbbccccdddd')
    expect(fake.state.groups.get(instance.groupIds[0]!)!.vpcId).toBe('vpc-0custom')
    // Another region keeps its default VPC.
    const elsewhere = await createAll(p, withSubnet, spec('h-elsewhere', 'tcp', { fresh: true, region: 'us-east-1' }))
    expect(fake.state.instances.get(elsewhere.locator.instanceId!)!.subnetId).toBeUndefined()
    // A malformed subnet id is refused when the account is checked, naming the field.
    const info = await appError(p.verify({ ...ctx, credentials: { ...ctx.credentials, subnetId: 'my-subnet' } }, signal()))
    expect(info).toMatchObject({ code: 'invalid-input', field: 'credentials.subnetId' })
  })

  it('without ssm:GetParameter the image comes from DescribeImages, restricted to Canonical', async () => {
    const { fake, ctx, p } = await setup({ ssmDenied: true })
    const created = await createAll(p, ctx, spec('h-noss', 'tcp', { fresh: true, plan: 't3a.nano' }))
    expect(created.done).toBe(true)
    expect(fake.state.instances.get(created.locator.instanceId!)!.imageId).toBe(fake.imageFor('eu-west-1', 'amd64'))
    const lookup = fake.requests.find((r) => r.action === 'DescribeImages')!
    expect(lookup.params.get('Owner.1')).toBe('099720109477')
  })

  it('the image is looked up once per region and architecture', async () => {
    const { fake, ctx, p } = await setup()
    await createAll(p, ctx, spec('h-a', 'tcp', { fresh: true }))
    await createAll(p, ctx, spec('h-b', 'tcp', { fresh: true }))
    expect(fake.requests.filter((r) => r.action === 'GetParameter')).toHaveLength(1)
  })
})
