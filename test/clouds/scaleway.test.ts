/**
 * The Scaleway adapter against the wire-compatible fake (test/fakes/scaleway.ts). Fake time is
 * advanced explicitly, so nothing here sleeps for a server.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { outcomeUnknown } from '../../src/shared/errors'
import type { HostLocator } from '../../src/shared/domain'
import type { CloudContext, ProvisionSpec, Provisioner, StepResult } from '../../src/main/clouds/types'
import { buildPlans, createScalewayProvisioner, PROGRESS, SCALEWAY_MANIFEST, SERVER_STATES, serverState } from '../../src/main/clouds/scaleway'
import { generateHostName, hostNameProblem } from '../../src/shared/naming'
import { FAKE_ORGANIZATION, startFakeScaleway, type FakeScaleway, type FakeScalewayOptions } from '../fakes/scaleway'
import { appError } from '../support/app-error'
import { specMaker } from '../support/adapter-steps'

const ACTIVATE_MS = 60_000
const DELETE_MS = 10_000
let fake: FakeScaleway | undefined

afterEach(async () => {
  await fake?.close()
  fake = undefined
})

async function setup(options: FakeScalewayOptions = {}, provisioner: Provisioner = createScalewayProvisioner()) {
  fake = await startFakeScaleway({ activateAfterMs: ACTIVATE_MS, deleteAfterMs: DELETE_MS, ...options })
  const ctx: CloudContext = { accountId: 'acct-1', credentials: { accessKey: 'SCW0123456789ABCDEFG', secretKey: fake.secretKey, projectId: fake.projectId }, endpoint: fake.url }
  return { fake, ctx, p: provisioner }
}

const signal = (): AbortSignal => AbortSignal.timeout(5_000)

const spec = specMaker({ region: 'fr-par-1', plan: 'STARDUST1-S', userData: '#cloud-config\nruncmd:\n  - echo "inlets exit server"\n' })

const startLocator = (region = 'fr-par-1'): HostLocator => ({ region, attached: [] })

/** Provision steps as the host service drives them, until done; the calls made are returned too. */
async function provisionAll(p: Provisioner, ctx: CloudContext, s: ProvisionSpec, limit = 10): Promise<{ step: StepResult; calls: number }> {
  let step = await p.provision(ctx, s, startLocator(s.region), undefined, signal())
  let calls = 1
  for (; !step.done && calls < limit; calls++) step = await p.provision(ctx, s, step.locator, step.progress, signal())
  return { step, calls }
}

/** Delete steps as the host service drives them across refreshes (fake time moved on while waiting). */
async function tearDown(f: FakeScaleway, p: Provisioner, ctx: CloudContext, locator: HostLocator, limit = 12): Promise<StepResult> {
  let step = await p.delete(ctx, locator, undefined, signal())
  for (let calls = 1; !step.done && calls < limit; calls++) {
    if (step.progress === PROGRESS.serverDeleteRequested) f.advance(DELETE_MS)
    step = await p.delete(ctx, step.locator, step.progress, signal())
  }
  return step
}

function expectEmpty(f: FakeScaleway): void {
  expect([...f.state.servers.keys()]).toEqual([])
  expect([...f.state.volumes.keys()]).toEqual([])
  expect([...f.state.ips.values()].map((ip) => ip.address)).toEqual([])
  expect([...f.state.groups.values()].map((group) => group.name)).toEqual([])
}

const mutating = (f: FakeScaleway): string[] => f.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path.replace(/[0-9a-f-]{36}/g, ':id')}`)

describe('Scaleway manifest and states', () => {
  const m = SCALEWAY_MANIFEST
  it('defaults to the cheapest built-in plan with the flexible IPv4 in its price; the project id is public', () => {
    const plan = m.plans.find((candidate) => candidate.id === m.defaultPlan)!
    expect(plan.monthlyCostUsd).toBe(Math.min(...m.plans.map((candidate) => candidate.monthlyCostUsd)))
    expect(plan.costNote).toMatch(/flexible IPv4/)
    expect(m.regions.map((region) => region.id)).toContain(m.defaultRegion)
    expect(m.capabilities.listScope).toBe('zone')
    expect(m.credentialFields.find((field) => field.key === 'projectId')?.public).toBe(true)
    expect(m.credentialFields.find((field) => field.key === 'secretKey')?.kind).toBe('secret')
    expect(m.rateLimits?.windows.length).toBeGreaterThan(0)
    for (const seed of [0, 0.5, 0.99]) expect(hostNameProblem(generateHostName(m.nameRule, () => seed), m.nameRule)).toBeUndefined()
  })

  it('maps every documented state, keeps unknown ones unknown', () => {
    expect(Object.keys(SERVER_STATES).sort()).toEqual(['locked', 'running', 'starting', 'stopped', 'stopped in place', 'stopping'])
    expect(['starting', 'running', 'stopping', 'stopped', 'stopped in place', 'locked'].map(serverState)).toEqual(['provisioning', 'active', 'stopping', 'stopped', 'stopped', 'error'])
    expect([serverState('hibernating'), serverState(undefined), serverState('constructor')]).toEqual(['unknown', 'unknown', 'unknown'])
  })
})

describe('Scaleway adapter: credentials and identity', () => {
  it('identity is the project id, read from the Account API; the secret is never in it', async () => {
    const { ctx, p, fake } = await setup()
    const identity = await p.verify(ctx, signal())
    expect(identity.identity).toBe(`project:${fake.projectId}`)
    expect(identity.accountName).toContain(FAKE_ORGANIZATION)
    expect(JSON.stringify(identity)).not.toContain(fake.secretKey)
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`GET /account/v3/projects/${fake.projectId}`])
  })

  it('a wrong secret is a sentence with Scaleway’s words, and never echoes the secret', async () => {
    const { ctx, p } = await setup()
    const info = await appError(p.verify({ ...ctx, credentials: { ...ctx.credentials, secretKey: '00000000-0000-4000-8000-000000000000' } }, signal()))
    expect(info.code).toBe('unauthorized')
    expect(info.message).toBe('Scaleway did not accept the secret key. Check it, or create a new API key.')
    expect(info.providerMessage).toBe('invalid authentication')
  })

  it('malformed keys are named at their field before anything is sent, without quoting them', async () => {
    const { ctx, p, fake } = await setup()
    for (const [key, value] of [['accessKey', 'AKIA-not-scaleway'], ['secretKey', 'not-a-uuid-secret'], ['projectId', 'my-project']] as const) {
      const info = await appError(p.verify({ ...ctx, credentials: { ...ctx.credentials, [key]: value } }, signal()))
      expect(info).toMatchObject({ code: 'invalid-input', field: key })
      expect(info.message).not.toContain(value)
    }
    expect(fake.requests).toEqual([])
  })

  it('a project the key cannot reach is refused as a permission problem', async () => {
    const { ctx, p } = await setup()
    const info = await appError(p.verify({ ...ctx, credentials: { ...ctx.credentials, projectId: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee' } }, signal()))
    expect(info.code).toBe('forbidden')
    expect(info.message).toMatch(/InstancesFullAccess/)
  })
})

describe('Scaleway adapter: catalogue', () => {
  it('reads server types per zone with the flexible IPv4 added, drops bare metal and types without local SSD', async () => {
    const { ctx, p } = await setup()
    const catalog = await p.catalog(ctx, signal())
    expect(catalog.source).toBe('live')
    expect(catalog.plans.map((plan) => plan.id)).toEqual(['STARDUST1-S', 'DEV1-S'])
    const stardust = catalog.plans[0]!
    expect(stardust.monthlyCostUsd).toBe(Math.round((3.36 + 2.92) * 1.16 * 100) / 100)
    expect(stardust.regions?.sort()).toEqual(['fr-par-1', 'nl-ams-1'])
    expect(catalog.regions.map((region) => region.id).sort()).toEqual(['fr-par-1', 'nl-ams-1', 'pl-waw-1'])
  })

  it('buildPlans keeps the cheapest zone and names dearer ones', () => {
    const type = { ncpus: 1, ram: 1024 ** 3, arch: 'x86_64', monthly_price: 3, per_volume_constraint: { l_ssd: { min_size: 1, max_size: 2 } } }
    const plans = buildPlans([
      { zone: 'fr-par-1', types: new Map([['T', type]]) },
      { zone: 'pl-waw-1', types: new Map([['T', { ...type, monthly_price: 4 }]]) },
    ])
    expect(plans[0]!.costNote).toContain('pl-waw-1 €6.92')
  })
})

describe('Scaleway adapter: create and delete', () => {
  for (const mode of ['tcp', 'https'] as const) {
    it(`${mode}: one request a step, stopped server, cloud-init as text, poweron; then teardown leaves nothing`, async () => {
      const { ctx, p, fake } = await setup()
      const s = spec(`h-${mode}`, mode, { fresh: true })
      const { step, calls } = await provisionAll(p, ctx, s)
      expect(step.done).toBe(true)
      expect(calls).toBe(7)
      expect(mutating(fake)).toEqual([
        'POST /instance/v1/zones/fr-par-1/security_groups',
        'PUT /instance/v1/zones/fr-par-1/security_groups/:id/rules',
        'POST /instance/v1/zones/fr-par-1/ips',
        'POST /instance/v1/zones/fr-par-1/servers',
        'PATCH /instance/v1/zones/fr-par-1/servers/:id',
        'PATCH /instance/v1/zones/fr-par-1/servers/:id/user_data/cloud-init',
        'POST /instance/v1/zones/fr-par-1/servers/:id/action',
      ])
      const server = fake.state.servers.get(step.locator.instanceId!)!
      expect(server.tags).toEqual(['exitdesk', `exitdesk-host-h-${mode}`])
      expect(server.userData.get('cloud-init')).toBe(s.userData)
      expect(fake.requests.find((r) => r.method === 'PATCH' && r.path.endsWith('/cloud-init'))!.contentType).toBe('text/plain')
      const group = fake.state.groups.get(server.securityGroup)!
      expect(group.inbound).toBe('drop')
      const ports = group.rules.filter((rule) => rule.ip_range === '0.0.0.0/0').map((rule) => `${rule.protocol} ${rule.dest_port_from}-${rule.dest_port_to ?? rule.dest_port_from}`)
      expect(ports).toEqual(mode === 'https' ? ['TCP 8123-8123', 'TCP 80-80', 'TCP 443-443'] : ['TCP 1-65535'])
      // The only GET a fresh create makes is the image look-up.
      expect(fake.requests.filter((r) => r.method === 'GET').map((r) => r.path)).toEqual(['/marketplace/v2/local-images'])

      expect((await p.status(ctx, step.locator, signal()))!.state).toBe('provisioning')
      fake.advance(ACTIVATE_MS)
      const running = (await p.status(ctx, step.locator, signal()))!
      expect(running).toMatchObject({ state: 'active', rawStatus: 'running', ipv4: fake.state.ips.get(server.ipId!)!.address })
      expect(await p.listByTag(ctx, 'fr-par-1', 'exitdesk', signal())).toHaveLength(1)

      const done = await tearDown(fake, p, ctx, step.locator)
      expect(done.done).toBe(true)
      expectEmpty(fake)
      expect(await p.status(ctx, step.locator, signal())).toBeNull()
    })
  }

  it('a host deleted before poweron (stopped server): DELETE, then its volume, IP and group', async () => {
    const { ctx, p, fake } = await setup()
    let step = await p.provision(ctx, spec('h-early', 'tcp', { fresh: true }), startLocator(), undefined, signal())
    while (!step.locator.instanceId) step = await p.provision(ctx, spec('h-early', 'tcp', { fresh: true }), step.locator, step.progress, signal())
    const done = await tearDown(fake, p, ctx, step.locator)
    expect(done.done).toBe(true)
    expect(mutating(fake).filter((line) => line.startsWith('DELETE'))).toEqual([
      'DELETE /instance/v1/zones/fr-par-1/servers/:id',
      'DELETE /instance/v1/zones/fr-par-1/volumes/:id',
      'DELETE /instance/v1/zones/fr-par-1/ips/:id',
      'DELETE /instance/v1/zones/fr-par-1/security_groups/:id',
    ])
    expectEmpty(fake)
  })

  it('a server create refused (out of stock) is a sentence, and the teardown then removes the group and IP it left', async () => {
    const { ctx, p, fake } = await setup()
    const s = spec('h-stock', 'https', { fresh: true })
    let step = await p.provision(ctx, s, startLocator(), undefined, signal())
    while (step.progress !== PROGRESS.ipCreated) step = await p.provision(ctx, s, step.locator, step.progress, signal())
    fake.setFailure({ method: 'POST', path: '/instance/v1/zones/fr-par-1/servers', status: 412, type: 'out_of_stock', message: 'STARDUST1-S is out of stock', times: 1 })
    const info = await appError(p.provision(ctx, s, step.locator, step.progress, signal()))
    expect(info).toMatchObject({ code: 'unprocessable', retryable: false, providerMessage: 'STARDUST1-S is out of stock' })
    expect(info.message).toMatch(/no stock of that server type/)
    expect(fake.state.ips.size + fake.state.groups.size).toBe(2)
    // The host service tears down from the recorded locator (no instance).
    expect((await tearDown(fake, p, ctx, step.locator)).done).toBe(true)
    expectEmpty(fake)
  })

  it('a server stopped in place is powered off, then deleted with its volume', async () => {
    const { ctx, p, fake } = await setup()
    const { step } = await provisionAll(p, ctx, spec('h-inplace', 'tcp', { fresh: true }))
    const server = fake.state.servers.get(step.locator.instanceId!)!
    server.state = 'stopped in place'
    let next = await p.delete(ctx, step.locator, undefined, signal())
    expect(next.waitingFor).toMatch(/power off/)
    expect(mutating(fake).at(-1)).toBe('POST /instance/v1/zones/fr-par-1/servers/:id/action')
    // Still stopping: nothing more is sent but a look.
    const sent = mutating(fake).length
    next = await p.delete(ctx, next.locator, next.progress, signal())
    expect(next.waitingFor).toMatch(/finish stopping/)
    expect(mutating(fake).length).toBe(sent)
    fake.advance(DELETE_MS)
    next = await tearDown(fake, p, ctx, next.locator)
    expect(mutating(fake).filter((line) => line.startsWith('DELETE')).length).toBe(4)
    expect(next.done).toBe(true)
    expectEmpty(fake)
  })

  it('each create call is one step: the server is never waited for', async () => {
    const { ctx, p, fake } = await setup()
    let step = await p.provision(ctx, spec('h-steps', 'tcp', { fresh: true }), startLocator(), undefined, signal())
    const progress: Array<string | undefined> = [step.progress]
    while (!step.done) {
      const before = fake.requests.length
      step = await p.provision(ctx, spec('h-steps', 'tcp', { fresh: true }), step.locator, step.progress, signal())
      // At most the step's own call and the image look-up.
      expect(fake.requests.length - before).toBeLessThanOrEqual(2)
      progress.push(step.progress)
    }
    expect(progress).toEqual([PROGRESS.securityGroupCreated, PROGRESS.rulesSet, PROGRESS.ipCreated, PROGRESS.serverCreated, PROGRESS.tagged, PROGRESS.userDataSet, PROGRESS.poweredOn])
    // Powered on, not running yet: the adapter did not wait.
    expect(fake.state.servers.get(step.locator.instanceId!)!.state).toBe('starting')
  })
})

describe('Scaleway adapter: retries never double', () => {
  it('a server is not listed under the app tag until the adapter has recorded it (a refresh cannot adopt it half made)', async () => {
    const { ctx, p } = await setup()
    const s = spec('h-hidden', 'tcp', { fresh: true })
    let step = await p.provision(ctx, s, startLocator(), undefined, signal())
    while (step.progress !== PROGRESS.serverCreated) step = await p.provision(ctx, s, step.locator, step.progress, signal())
    expect(await p.listByTag(ctx, 'fr-par-1', 'exitdesk', signal())).toEqual([])
    // The teardown of a host whose create answer was lost still finds it by its own tag.
    expect(await p.listByTag(ctx, 'fr-par-1', s.tags.host, signal())).toHaveLength(1)
    step = await p.provision(ctx, s, step.locator, step.progress, signal())
    expect(step.progress).toBe(PROGRESS.tagged)
    expect((await p.listByTag(ctx, 'fr-par-1', 'exitdesk', signal())).map((o) => o.tags)).toEqual([['exitdesk', s.tags.host]])
  })

  it('a server create that timed out but was carried out is found by its host tag, not made again', async () => {
    const { ctx, p, fake } = await setup()
    const s = spec('h-late')
    let step = await p.provision(ctx, { ...s, fresh: true }, startLocator(), undefined, signal())
    while (!step.locator.attached.some((r) => r.kind === 'public-ip')) step = await p.provision(ctx, s, step.locator, step.progress, signal())
    fake.setFailure({ method: 'POST', path: '/instance/v1/zones/fr-par-1/servers', afterwards: 503, times: 1 })
    const info = await appError(p.provision(ctx, s, step.locator, step.progress, signal()))
    expect(outcomeUnknown(info)).toBe(true)
    expect(fake.state.servers.size).toBe(1)
    const looked = await p.provision(ctx, { ...s, lookupOnly: true }, step.locator, step.progress, signal())
    expect(looked.unresolved).toBeUndefined()
    expect(looked.locator.instanceId).toBe([...fake.state.servers.keys()][0])
    expect(fake.state.servers.size).toBe(1)
  })

  it('lookupOnly creates nothing and answers unresolved when nothing carries the tag', async () => {
    const { ctx, p, fake } = await setup()
    const step = await p.provision(ctx, spec('h-look', 'tcp', { lookupOnly: true }), startLocator(), undefined, signal())
    expect(step).toMatchObject({ done: false, unresolved: true })
    expect(mutating(fake)).toEqual([])
  })

  it('a retried (not fresh) create looks its group and IP up first and adopts them', async () => {
    const { ctx, p, fake } = await setup()
    const s = spec('h-adopt')
    const first = await p.provision(ctx, { ...s, fresh: true }, startLocator(), undefined, signal())
    // The answer was lost: the locator never recorded the group.
    const again = await p.provision(ctx, s, startLocator(), undefined, signal())
    expect(again.locator.attached.find((r) => r.kind === 'security-group')!.id).toBe(first.locator.attached.find((r) => r.kind === 'security-group')!.id)
    expect(fake.state.groups.size).toBe(1)
  })

  it('a retried poweron on a server already starting is not sent again', async () => {
    const { ctx, p, fake } = await setup()
    const { step } = await provisionAll(p, ctx, spec('h-on', 'tcp', { fresh: true }))
    const before = mutating(fake).length
    const again = await p.provision(ctx, spec('h-on', 'tcp', { lookupOnly: true }), step.locator, PROGRESS.userDataSet, signal())
    expect(again.done).toBe(true)
    expect(mutating(fake).length).toBe(before)
  })

  it('teardown removes a duplicate server carrying the host tag before the IP and group', async () => {
    const { ctx, p, fake } = await setup()
    const s = spec('h-dup', 'tcp', { fresh: true })
    const { step } = await provisionAll(p, ctx, s)
    fake.advance(ACTIVATE_MS)
    // A second server made by a late create, carrying the host's tag.
    const second = await p.provision(ctx, { ...s, fresh: true }, { region: 'fr-par-1', attached: step.locator.attached.filter((r) => r.kind !== 'public-ip') }, PROGRESS.rulesSet, signal())
    const third = await p.provision(ctx, { ...s, fresh: true }, second.locator, second.progress, signal())
    expect(third.locator.instanceId).toBeDefined()
    expect(fake.state.servers.size).toBe(2)
    const done = await tearDown(fake, p, ctx, step.locator, 20)
    expect(done.done).toBe(true)
    expectEmpty(fake)
  })
})

describe('Scaleway adapter: errors and pagination', () => {
  it('each refusal is a sentence with Scaleway’s message', async () => {
    const { ctx, p, fake } = await setup()
    const cases: Array<[number, string, RegExp]> = [
      [403, 'permissions_denied', /may not do that/],
      [403, 'quotas_exceeded', /quotas/],
      [404, 'not_found', /does not know/],
      [409, 'conflict', /conflict/],
      [412, 'precondition_failed', /not in a state/],
      [429, 'too_many_requests', /limiting/],
    ]
    for (const [status, type, sentence] of cases) {
      fake.setFailure({ method: 'POST', path: '/instance/v1/zones/fr-par-1/security_groups', status, type, message: `scw says ${type}`, times: 1 })
      const info = await appError(p.provision(ctx, spec(`h-${status}`, 'tcp', { fresh: true }), startLocator(), undefined, signal()))
      expect(info.message).toMatch(sentence)
      expect(info.providerMessage).toBe(`scw says ${type}`)
      expect(outcomeUnknown(info)).toBe(false)
    }
  })

  it('429 reads Retry-After', async () => {
    const { ctx, p, fake } = await setup()
    fake.setRequestBudget(0)
    const info = await appError(p.listByTag(ctx, 'fr-par-1', 'exitdesk', signal()))
    expect(info.code).toBe('rate-limited')
    expect(info.retryAfterSeconds).toBe(7)
  })

  it('a 5xx, an HTML page or a cut-off body on a create is an unknown outcome; on a read it is not', async () => {
    const { ctx, p, fake } = await setup()
    for (const rule of [{ status: 502, html: true }, { truncated: true }, { status: 500 }]) {
      fake.setFailure({ method: 'POST', path: '/instance/v1/zones/fr-par-1/ips', times: 1, ...rule })
      const step = await p.provision(ctx, spec('h-5xx', 'tcp', { fresh: true }), startLocator(), undefined, signal())
      const ruled = await p.provision(ctx, spec('h-5xx', 'tcp', { fresh: true }), step.locator, step.progress, signal())
      const info = await appError(p.provision(ctx, spec('h-5xx', 'tcp', { fresh: true }), ruled.locator, ruled.progress, signal()))
      expect(outcomeUnknown(info)).toBe(true)
      expect(info.message).toMatch(/Scaleway/)
    }
    fake.setFailure({ method: 'GET', path: '/instance/v1/zones/fr-par-1/servers', status: 503, times: 1 })
    expect(outcomeUnknown(await appError(p.listByTag(ctx, 'fr-par-1', 'exitdesk', signal())))).toBe(false)
  })

  it('a request past its deadline is a timeout sentence', async () => {
    const { fake } = await setup()
    const p = createScalewayProvisioner({ timeoutMs: 200 })
    const ctx: CloudContext = { accountId: 'a', credentials: { accessKey: 'SCW0123456789ABCDEFG', secretKey: fake.secretKey, projectId: fake.projectId }, endpoint: fake.url }
    fake.setFailure({ method: 'GET', delayMs: 2_000, times: 1 })
    const info = await appError(p.verify(ctx, signal()))
    expect(info.code).toBe('timeout')
  })

  it('reads every page at once when X-Total-Count tells the total', async () => {
    const { ctx, p, fake } = await setup({ maxPerPage: 2 })
    for (let index = 0; index < 5; index++) await provisionAll(p, ctx, spec(`h-page-${index}`, 'tcp', { fresh: true }))
    fake.requests.length = 0
    const found = await p.listByTag(ctx, 'fr-par-1', 'exitdesk', signal())
    expect(found).toHaveLength(5)
    expect(new Set(found.map((o) => o.instanceId)).size).toBe(5)
    // per_page=100 is asked; the fake answers 2 a page: 3 pages, the last two asked together.
    expect(fake.requests.map((r) => new URLSearchParams(r.query).get('page'))).toEqual(['1', '2', '3'])
    expect(new URLSearchParams(fake.requests[0]!.query).get('tags')).toBe('exitdesk')
    expect(new URLSearchParams(fake.requests[0]!.query).get('project')).toBe(fake.projectId)
  })

  it('list scopes are the zones in use', () => {
    const p = createScalewayProvisioner()
    expect(p.listScopes([{ region: 'nl-ams-1', attached: [] }, { region: 'fr-par-1', zone: 'fr-par-1', attached: [] }, { region: 'nl-ams-1', attached: [] }])).toEqual(['fr-par-1', 'nl-ams-1'])
    expect(p.listScopes([])).toEqual(['fr-par-1'])
  })
})
