/**
 * The Vultr adapter against the wire-compatible fake (test/fakes/vultr.ts). Fake time is
 * advanced explicitly, so nothing here sleeps for an instance.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { outcomeUnknown } from '../../src/shared/errors'
import type { HostLocator } from '../../src/shared/domain'
import type { CloudContext, Provisioner } from '../../src/main/clouds/types'
import { ACCOUNT_MARKER, createVultrProvisioner, instanceState, VULTR_MANIFEST } from '../../src/main/clouds/vultr'
import { generateHostName, hostNameProblem } from '../../src/shared/naming'
import { startFakeVultr, type FakeVultr, type FakeVultrOptions } from '../fakes/vultr'
import { appError } from '../support/app-error'
import { deleteSteps, provisionSteps, specMaker } from '../support/adapter-steps'

const ACTIVATE_MS = 60_000
const OK_MS = 90_000
const DELETE_MS = 10_000
const fakes: FakeVultr[] = []

afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()))
  vi.restoreAllMocks()
})

async function setup(options: FakeVultrOptions = {}, provisioner: Provisioner = createVultrProvisioner()) {
  const fake = await startFakeVultr({ activateAfterMs: ACTIVATE_MS, okAfterMs: OK_MS, deleteAfterMs: DELETE_MS, ...options })
  fakes.push(fake)
  const ctx: CloudContext = { accountId: 'acct-1', credentials: { token: fake.token }, endpoint: fake.url }
  return { fake, ctx, p: provisioner }
}

const signal = (): AbortSignal => AbortSignal.timeout(5_000)

const spec = specMaker({ region: 'lhr', plan: 'vc2-1c-1gb', userData: '#cloud-config\nruncmd:\n  - echo "inlets exit server"\n', inletsVersion: '0.11.7' })

const startLocator = (region = 'lhr'): HostLocator => ({ region, attached: [] })

/** Create steps as the host service calls them (each one quick), until done or `limit` calls. */
const create = provisionSteps(signal, 5)

/** Teardown steps until done or waiting for Vultr to remove the instance. */
const tearDown = deleteSteps(signal, 'instance-delete-requested')

const ruleKeys = (fake: FakeVultr, groupId: string): string[] =>
  fake.state.groups
    .get(groupId)!
    .rules.map((rule) => `${rule.ip_type} ${rule.protocol} ${rule.port} ${rule.subnet}/${rule.subnet_size}`)
    .sort()

describe('Vultr manifest', () => {
  const m = VULTR_MANIFEST
  it('defaults to the cheapest built-in plan with a public IPv4 sold in the default region', () => {
    const inRegion = m.plans.filter((plan) => !plan.regions || plan.regions.includes(m.defaultRegion))
    const plan = m.plans.find((candidate) => candidate.id === m.defaultPlan)!
    expect(plan.monthlyCostUsd).toBe(Math.min(...inRegion.map((candidate) => candidate.monthlyCostUsd)))
    expect(m.plans.some((candidate) => candidate.id.endsWith('-v6'))).toBe(false)
    expect(m.regions.map((region) => region.id)).toContain(m.defaultRegion)
    for (const slug of m.plans.flatMap((candidate) => candidate.regions ?? [])) expect(m.regions.map((region) => region.id)).toContain(slug)
    expect(m.rateLimits?.windows).toEqual([{ requests: 30, perSeconds: 1 }])
  })

  it('names: generated ones pass, ones that are no hostname do not', () => {
    for (const seed of [0, 0.3, 0.99]) expect(hostNameProblem(generateHostName(m.nameRule, () => seed), m.nameRule)).toBeUndefined()
    expect(hostNameProblem('bad_name', m.nameRule)).toBeDefined()
    expect(hostNameProblem('ends-with-dash-', m.nameRule)).toBeDefined()
    expect(hostNameProblem('a'.repeat(64), m.nameRule)).toBeDefined()
  })
})

describe('Vultr status mapping', () => {
  it('reads status, power_status and server_status together', () => {
    const state = (status: string, power: string, server: string) => instanceState({ status, power_status: power, server_status: server })
    expect(state('pending', 'running', 'none')).toBe('provisioning')
    expect(state('active', 'running', 'none')).toBe('provisioning')
    expect(state('active', 'running', 'installingbooting')).toBe('provisioning')
    expect(state('active', 'running', 'ok')).toBe('active')
    expect(state('active', 'stopped', 'ok')).toBe('stopped')
    expect(state('resizing', 'running', 'ok')).toBe('provisioning')
    expect(state('suspended', 'stopped', 'ok')).toBe('error')
    expect(state('active', 'running', 'locked')).toBe('unknown')
    expect(state('frozen', 'running', 'ok')).toBe('unknown')
    expect(state('active', 'hibernating', 'ok')).toBe('unknown')
  })
})

describe('Vultr adapter: credentials and identity', () => {
  it('verify marks the account with one empty firewall group and answers its id as the identity, never the e-mail', async () => {
    const { ctx, p, fake } = await setup()
    const first = await p.verify(ctx, signal())
    const markers = [...fake.state.groups.values()].filter((group) => group.description === ACCOUNT_MARKER)
    expect(markers).toHaveLength(1)
    expect(markers[0]!.rules).toEqual([])
    expect(first).toEqual({ identity: `firewall-group:${markers[0]!.id}`, accountName: 'Example Account (admin@example.com)' })
    expect(first.identity).not.toContain('example.com')
    // Asked again (a replaced key, an identity proof): the same marker, nothing new made.
    await expect(p.verify(ctx, signal())).resolves.toEqual(first)
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(1)
    expect(fake.state.groups.size).toBe(1)
  })

  it('two accounts with the same e-mail and name are two identities', async () => {
    const one = await setup()
    const two = await setup()
    const [a, b] = await Promise.all([one.p.verify(one.ctx, signal()), two.p.verify(two.ctx, signal())])
    expect(a.accountName).toBe(b.accountName)
    expect(a.identity).not.toBe(b.identity)
  })

  it('of several markers (two Exitdesks at once) the oldest is the identity', async () => {
    const { ctx, p, fake } = await setup()
    const first = await p.verify(ctx, signal())
    fake.advance(1_000)
    await fetch(`${fake.url}/firewalls`, { method: 'POST', headers: { authorization: `Bearer ${fake.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ description: ACCOUNT_MARKER }) })
    await expect(p.verify(ctx, signal())).resolves.toEqual(first)
  })

  it('a wrong key is "unauthorized" carrying Vultr\'s words; a missing key sends nothing', async () => {
    const { ctx, p, fake } = await setup()
    const info = await appError(p.verify({ ...ctx, credentials: { token: 'WRONGKEY' } }, signal()))
    expect(info).toMatchObject({ code: 'unauthorized', providerMessage: 'Invalid API token.', retryable: false })
    expect(info.message).toBe('Vultr did not accept the API token. Check it, or create a new one.')
    const before = fake.requests.length
    expect((await appError(p.verify({ ...ctx, credentials: {} }, signal()))).code).toBe('unauthorized')
    expect(fake.requests.length).toBe(before)
  })

  it('a key without the firewall permission is refused in a sentence, before it is saved', async () => {
    const { ctx, p, fake } = await setup()
    fake.setFailure({ path: '/v2/firewalls', status: 403, body: { error: 'Unauthorized access to firewall.', status: 403 } })
    const info = await appError(p.verify(ctx, signal()))
    expect(info).toMatchObject({ code: 'forbidden', providerMessage: 'Unauthorized access to firewall.' })
    expect(info.message).toMatch(/^Vultr says this token may not do that/)
  })
})

describe('Vultr adapter: catalog', () => {
  it('offers only plans with a public IPv4, cheapest first, read page after page by cursor', async () => {
    const { ctx, p, fake } = await setup({ maxPerPage: 3 })
    const catalog = await p.catalog(ctx, signal())
    expect(catalog.source).toBe('live')
    expect(catalog.regions.find((region) => region.id === 'lhr')?.label).toBe('London (GB)')
    const ids = catalog.plans.map((plan) => plan.id)
    expect(ids.filter((id) => id.endsWith('-v6') || id.endsWith('-free') || id.startsWith('vcg'))).toEqual([])
    expect(ids).toEqual(['vc2-1c-0.5gb', 'vc2-1c-1gb', 'vhf-1c-1gb', 'vc2-1c-2gb'])
    const cheapestIn = (region: string) => catalog.plans.find((plan) => !plan.regions || plan.regions.includes(region))
    expect(cheapestIn('lhr')).toMatchObject({ id: 'vc2-1c-1gb', monthlyCostUsd: 5 })
    expect(cheapestIn('ewr')).toMatchObject({ id: 'vc2-1c-0.5gb', monthlyCostUsd: 3.5 })
    expect(cheapestIn('lhr')?.label).toMatch(/IPv4 included/)

    // 8 plans, 3 a page: three requests, each after the one before (a cursor names the next page).
    const planPages = fake.requests.filter((r) => r.path === '/v2/plans').map((r) => new URLSearchParams(r.query))
    expect(planPages).toHaveLength(3)
    expect(planPages.every((q) => q.get('per_page') === '500')).toBe(true)
    expect(planPages[0]!.get('cursor')).toBeNull()
    expect(planPages.slice(1).every((q) => (q.get('cursor') ?? '').length > 0)).toBe(true)
  })

  it('a failing live call throws with the provider message instead of pretending', async () => {
    const { ctx, p, fake } = await setup()
    fake.setFailure({ path: '/v2/plans', status: 503, body: { error: 'Plans are resting.', status: 503 } })
    const info = await appError(p.catalog(ctx, signal()))
    expect(info).toMatchObject({ code: 'provider-unavailable', providerMessage: 'Plans are resting.', retryable: true })
  })
})

describe('Vultr adapter: TCP lifecycle', () => {
  it('firewall group with every TCP port, then the instance with base64 cloud-init; active after ok; teardown leaves nothing', async () => {
    const { ctx, p, fake } = await setup()
    const s = spec('t1', 'tcp', { fresh: true })
    const step1 = await p.provision(ctx, s, startLocator(), undefined, signal())
    expect(step1).toMatchObject({ done: false, progress: 'rules-added' })
    const groupId = step1.locator.attached.find((r) => r.kind === 'firewall')!.id
    expect(fake.state.groups.get(groupId)!.description).toBe('exitdesk-host-t1')
    expect(ruleKeys(fake, groupId)).toEqual(['v4 tcp 1:65535 0.0.0.0/0', 'v6 tcp 1:65535 ::/0'])

    const step2 = await p.provision(ctx, s, step1.locator, step1.progress, signal())
    expect(step2.done).toBe(true)
    const id = step2.locator.instanceId!
    const post = fake.requests.find((r) => r.method === 'POST' && r.path === '/v2/instances')!
    const body = post.body as Record<string, unknown>
    expect(body).toEqual({
      region: 'lhr',
      plan: 'vc2-1c-1gb',
      os_id: 2284,
      label: 'exit-calm-otter-t1',
      hostname: 'exit-calm-otter-t1',
      user_data: Buffer.from(s.userData).toString('base64'),
      tags: ['exitdesk', 'exitdesk-host-t1'],
      enable_ipv6: true,
      firewall_group_id: groupId,
      backups: 'disabled',
      activation_email: false,
    })
    // user_data, not a startup script: nothing else holds the tunnel's secrets.
    expect(Buffer.from(body.user_data as string, 'base64').toString('utf8')).toBe(s.userData)
    expect(body).not.toHaveProperty('script_id')
    expect(fake.requests.some((r) => r.path.startsWith('/v2/startup-scripts'))).toBe(false)
    expect(fake.state.instances.get(id)!.userData).toBe(s.userData)
    // The fresh create: group, two rules and the OS list in the first call; the instance in the second.
    expect(fake.requests.map((r) => `${r.method} ${r.path}`).sort()).toEqual(
      ['GET /v2/os', 'POST /v2/firewalls', 'POST /v2/instances', `POST /v2/firewalls/${groupId}/rules`, `POST /v2/firewalls/${groupId}/rules`].sort(),
    )

    const booting = await p.status(ctx, step2.locator, signal())
    expect(booting).toMatchObject({ instanceId: id, state: 'provisioning', rawStatus: 'pending/running/none', region: 'lhr', plan: 'vc2-1c-1gb', name: 'exit-calm-otter-t1' })
    expect(booting?.ipv4).toBeUndefined() // main_ip is "0.0.0.0" until assigned
    expect(booting?.tags).toEqual(['exitdesk', 'exitdesk-host-t1'])
    expect(Date.parse(booting!.createdAt!)).not.toBeNaN()

    fake.advance(ACTIVATE_MS)
    const installing = await p.status(ctx, step2.locator, signal())
    expect(installing).toMatchObject({ state: 'provisioning', rawStatus: 'active/running/installingbooting' })
    expect(installing?.ipv4).toMatch(/^198\.51\.100\.\d+$/)
    fake.advance(OK_MS - ACTIVATE_MS)
    const up = await p.status(ctx, step2.locator, signal())
    expect(up).toMatchObject({ state: 'active', rawStatus: 'active/running/ok' })
    expect(up?.ipv6).toMatch(/^2001:db8:/)

    const d1 = await p.delete(ctx, step2.locator, undefined, signal())
    expect(d1).toMatchObject({ done: false, progress: 'instance-delete-requested', instancePresent: true })
    const d2 = await p.delete(ctx, d1.locator, d1.progress, signal())
    expect(d2.done).toBe(false) // Vultr has not removed it yet
    expect(fake.state.groups.size).toBe(1) // the group outlives the instance
    fake.advance(DELETE_MS)
    const d3 = await tearDown(p, ctx, d2)
    expect(d3).toMatchObject({ done: true, locator: { attached: [] } })
    await expect(p.status(ctx, d3.locator, signal())).resolves.toBeNull()
    expect(fake.state.instances.size).toBe(0)
    expect(fake.state.groups.size).toBe(0)
    expect(fake.requests.filter((r) => r.method === 'DELETE').map((r) => r.path.split('/')[2])).toEqual(['instances', 'firewalls'])
  })
})

describe('Vultr adapter: HTTPS lifecycle', () => {
  it('opens exactly 8123, 80 and 443 for IPv4 and IPv6, in three looked-up steps; teardown removes instance and group', async () => {
    const { ctx, p, fake } = await setup()
    const s = spec('h1', 'https')
    const step1 = await p.provision(ctx, s, startLocator(), undefined, signal())
    expect(step1).toMatchObject({ done: false, progress: 'firewall-created' })
    const groupId = step1.locator.attached.find((r) => r.kind === 'firewall')!.id
    expect(fake.state.groups.get(groupId)!.rules).toEqual([])
    const step2 = await p.provision(ctx, s, step1.locator, step1.progress, signal())
    expect(step2.progress).toBe('rules-added')
    expect(ruleKeys(fake, groupId)).toEqual(
      ['v4 tcp 443 0.0.0.0/0', 'v4 tcp 80 0.0.0.0/0', 'v4 tcp 8123 0.0.0.0/0', 'v6 tcp 443 ::/0', 'v6 tcp 80 ::/0', 'v6 tcp 8123 ::/0'].sort(),
    )
    const step3 = await p.provision(ctx, s, step2.locator, step2.progress, signal())
    expect(step3.done).toBe(true)
    expect(fake.state.instances.get(step3.locator.instanceId!)!.firewallGroupId).toBe(groupId)

    fake.advance(OK_MS)
    expect((await p.status(ctx, step3.locator, signal()))?.state).toBe('active')
    const d1 = await p.delete(ctx, step3.locator, undefined, signal())
    fake.advance(DELETE_MS)
    const d2 = await tearDown(p, ctx, d1)
    expect(d2.done).toBe(true)
    expect(fake.state.instances.size + fake.state.groups.size).toBe(0)
  })

  it('a retried create after a crash adopts the group, its rules and the instance instead of making them twice', async () => {
    const { ctx, p, fake } = await setup()
    const s = spec('h2', 'https')
    const done = await create(p, ctx, s)
    expect(done.done).toBe(true)
    // Every answer was lost: the host service starts over with an empty locator.
    const again = await create(p, ctx, s)
    expect(again.locator.instanceId).toBe(done.locator.instanceId)
    expect(again.locator.attached).toEqual(done.locator.attached)
    expect(fake.state.instances.size).toBe(1)
    expect(fake.state.groups.size).toBe(1)
    expect([...fake.state.groups.values()][0]!.rules).toHaveLength(6)
    expect(fake.requests.filter((r) => r.method === 'POST' && r.path === '/v2/instances')).toHaveLength(1)
    expect(fake.requests.filter((r) => r.method === 'POST' && r.path === '/v2/firewalls')).toHaveLength(1)
  })

  it('rules a lost answer left half-added are completed, not repeated', async () => {
    const { ctx, p, fake } = await setup()
    const s = spec('h3', 'https')
    const step1 = await p.provision(ctx, s, startLocator(), undefined, signal())
    const groupId = step1.locator.attached.find((r) => r.kind === 'firewall')!.id
    fake.setFailure({ method: 'POST', path: `/v2/firewalls/${groupId}/rules`, status: 504, afterEffect: true, times: 1 })
    const info = await appError(p.provision(ctx, s, step1.locator, step1.progress, signal()))
    expect(outcomeUnknown(info)).toBe(true)
    const retried = await p.provision(ctx, s, step1.locator, step1.progress, signal())
    expect(retried.progress).toBe('rules-added')
    expect(fake.state.groups.get(groupId)!.rules).toHaveLength(6)
  })
})

describe('Vultr adapter: unknown outcomes (lookupOnly, fresh)', () => {
  it('an instance create that timed out but happened is found by its tag, never sent again', async () => {
    const { ctx, p, fake } = await setup()
    const s = spec('u1')
    const ready = await create(p, ctx, s, 2)
    expect(ready.progress).toBe('rules-added')
    fake.setFailure({ method: 'POST', path: '/v2/instances', status: 504, afterEffect: true, times: 1 })
    const info = await appError(p.provision(ctx, s, ready.locator, ready.progress, signal()))
    expect(info.outcome).toBe('unknown')
    expect(info.message).toMatch(/^Vultr is having trouble \(HTTP 504\)/)

    const looked = await p.provision(ctx, { ...s, lookupOnly: true }, ready.locator, ready.progress, signal())
    expect(looked.done).toBe(true)
    expect(looked.locator.instanceId).toBe([...fake.state.instances.keys()][0])
    expect(fake.requests.filter((r) => r.method === 'POST' && r.path === '/v2/instances')).toHaveLength(1)
  })

  it('lookupOnly with nothing made creates nothing and answers unresolved, at every step', async () => {
    const { ctx, p, fake } = await setup()
    const s = spec('u2', 'https', { lookupOnly: true })
    const group = await p.provision(ctx, s, startLocator(), undefined, signal())
    expect(group).toMatchObject({ done: false, unresolved: true })
    expect(group.waitingFor).toMatch(/firewall group/)

    const made = await p.provision(ctx, spec('u2', 'https'), startLocator(), undefined, signal())
    const rules = await p.provision(ctx, s, made.locator, made.progress, signal())
    expect(rules).toMatchObject({ done: false, unresolved: true })
    const added = await p.provision(ctx, spec('u2', 'https'), made.locator, made.progress, signal())
    const instance = await p.provision(ctx, s, added.locator, added.progress, signal())
    expect(instance).toMatchObject({ done: false, unresolved: true })
    expect(fake.state.instances.size).toBe(0)
    expect(fake.requests.filter((r) => r.method === 'POST' && r.path === '/v2/instances')).toHaveLength(0)
  })

  it('fresh skips every look-up; a step that is not fresh looks before it creates', async () => {
    const fresh = await setup()
    await create(fresh.p, fresh.ctx, spec('f1', 'https', { fresh: true }))
    expect(fresh.fake.requests.filter((r) => r.method === 'GET' && r.path !== '/v2/os')).toEqual([])

    const looked = await setup()
    await create(looked.p, looked.ctx, spec('f2', 'https'))
    const gets = looked.fake.requests.filter((r) => r.method === 'GET').map((r) => r.path.replace(/[0-9a-f-]{36}/, '{id}'))
    expect(gets).toEqual(expect.arrayContaining(['/v2/firewalls', '/v2/firewalls/{id}/rules', '/v2/instances']))
  })
})

describe('Vultr adapter: teardown', () => {
  it('a duplicate instance carrying the host tag keeps the group until it is gone too', async () => {
    const { ctx, p, fake } = await setup()
    const s = spec('d1', 'https')
    const host = await create(p, ctx, s)
    const groupId = host.locator.attached.find((r) => r.kind === 'firewall')!.id
    // A create carried out late: a second instance with the same tag and group.
    const late = await fetch(`${fake.url}/instances`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ region: 'lhr', plan: 'vc2-1c-1gb', os_id: 2284, label: s.name, tags: ['exitdesk', 'exitdesk-host-d1'], firewall_group_id: groupId }),
    })
    const duplicateId = ((await late.json()) as { instance: { id: string } }).instance.id

    const d1 = await p.delete(ctx, host.locator, undefined, signal())
    fake.advance(DELETE_MS)
    const waiting = await tearDown(p, ctx, d1)
    expect(waiting).toMatchObject({ done: false, progress: 'instance-gone' })
    expect(waiting.waitingFor).toContain(duplicateId)
    expect(fake.state.groups.has(groupId)).toBe(true)

    // The duplicate's own teardown (its record has no host tag: nothing but the instance).
    const dup = await p.delete(ctx, { region: 'lhr', instanceId: duplicateId, attached: [] }, undefined, signal())
    fake.advance(DELETE_MS)
    await expect(tearDown(p, ctx, dup)).resolves.toMatchObject({ done: true })
    expect(fake.state.groups.has(groupId)).toBe(true)

    await expect(tearDown(p, ctx, waiting)).resolves.toMatchObject({ done: true })
    expect(fake.state.instances.size + fake.state.groups.size).toBe(0)
  })

  it('an instance without the host tag that the user attached to the group keeps the group too', async () => {
    const { ctx, p, fake } = await setup()
    const host = await create(p, ctx, spec('d5', 'tcp'))
    const groupId = host.locator.attached.find((r) => r.kind === 'firewall')!.id
    const other = await fetch(`${fake.url}/instances`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ region: 'lhr', plan: 'vc2-1c-1gb', os_id: 2284, label: 'users-own', firewall_group_id: groupId }),
    })
    const otherId = ((await other.json()) as { instance: { id: string } }).instance.id
    const d1 = await p.delete(ctx, host.locator, undefined, signal())
    fake.advance(DELETE_MS)
    const waiting = await tearDown(p, ctx, d1)
    expect(waiting).toMatchObject({ done: false, progress: 'instance-gone', waitingFor: "the instance still using this host's firewall group to be deleted first" })
    expect(fake.state.groups.has(groupId)).toBe(true)
    fake.state.instances.get(otherId)!.firewallGroupId = ''
    await expect(tearDown(p, ctx, waiting)).resolves.toMatchObject({ done: true })
    expect(fake.state.groups.size).toBe(0)
    expect(fake.state.instances.has(otherId)).toBe(true)
  })

  it('a host known only by its tag (a lost ledger) loses its unrecorded group too; a second teardown is harmless', async () => {
    const { ctx, p, fake } = await setup()
    const host = await create(p, ctx, spec('d2', 'https'))
    const known: HostLocator = { region: 'lhr', instanceId: host.locator.instanceId, attached: [{ kind: 'tag', id: 'exitdesk-host-d2' }] }
    const d1 = await p.delete(ctx, known, undefined, signal())
    fake.advance(DELETE_MS)
    await expect(tearDown(p, ctx, d1)).resolves.toMatchObject({ done: true })
    expect(fake.state.instances.size + fake.state.groups.size).toBe(0)
    await expect(tearDown(p, ctx, { locator: known })).resolves.toMatchObject({ done: true })
  })

  it('never touches the account marker or another host\'s group', async () => {
    const { ctx, p, fake } = await setup()
    await p.verify(ctx, signal())
    const other = await create(p, ctx, spec('keep', 'tcp'))
    const host = await create(p, ctx, spec('d3', 'tcp'))
    const d1 = await p.delete(ctx, host.locator, undefined, signal())
    fake.advance(DELETE_MS)
    await expect(tearDown(p, ctx, d1)).resolves.toMatchObject({ done: true })
    expect([...fake.state.groups.values()].map((group) => group.description).sort()).toEqual([ACCOUNT_MARKER, 'exitdesk-host-keep'])
    expect(fake.state.instances.has(other.locator.instanceId!)).toBe(true)
  })

  it('a create that failed before the instance existed tears down to its group only', async () => {
    const { ctx, p, fake } = await setup()
    const s = spec('d4', 'tcp')
    const ready = await create(p, ctx, s, 2)
    fake.setFailure({ method: 'POST', path: '/v2/instances', status: 400, body: { error: 'Plan is not available in the selected region.', status: 400 }, times: 1 })
    const info = await appError(p.provision(ctx, s, ready.locator, ready.progress, signal()))
    expect(info).toMatchObject({ code: 'unprocessable', providerMessage: 'Plan is not available in the selected region.', outcome: 'none' })
    await expect(tearDown(p, ctx, { locator: ready.locator })).resolves.toMatchObject({ done: true })
    expect(fake.state.groups.size).toBe(0)
  })
})

describe('Vultr adapter: listing', () => {
  it('listByTag follows the cursor page after page with per_page 500 and keeps only tagged instances', async () => {
    const { ctx, p, fake } = await setup({ maxPerPage: 2 })
    for (const n of [1, 2, 3, 4, 5]) await create(p, ctx, spec(`l${n}`, 'tcp', { fresh: true }))
    await create(p, ctx, spec('other', 'tcp', { fresh: true, tags: { app: 'someone-else', host: 'someone-else-1' } }))
    fake.requests.length = 0
    expect(p.listScopes([startLocator('lhr'), startLocator('ewr')])).toEqual(['account'])
    const listed = await p.listByTag(ctx, 'account', 'exitdesk', signal())
    expect(listed.map((o) => o.name).sort()).toEqual(['l1', 'l2', 'l3', 'l4', 'l5'].map((n) => `exit-calm-otter-${n}`))
    const pages = fake.requests.map((r) => new URLSearchParams(r.query))
    expect(pages).toHaveLength(3)
    expect(pages.every((q) => q.get('tag') === 'exitdesk' && q.get('per_page') === '500')).toBe(true)
    expect(new Set(pages.map((q) => q.get('cursor'))).size).toBe(3)
  })

  it('stops after the page bound instead of following cursors forever', async () => {
    const { ctx, fake, p: unbounded } = await setup({ maxPerPage: 1 })
    for (const n of [1, 2, 3, 4]) await create(unbounded, ctx, spec(`b${n}`, 'tcp', { fresh: true }))
    const p = createVultrProvisioner({ maxPages: 3 })
    fake.requests.length = 0
    expect((await appError(p.listByTag(ctx, 'account', 'exitdesk', signal()))).message).toMatch(/more pages/)
    expect(fake.requests.length).toBeLessThanOrEqual(3)
  })
})

describe('Vultr adapter: errors as sentences', () => {
  it('status of an unknown instance is null (deleted), not an error', async () => {
    const { ctx, p } = await setup()
    await expect(p.status(ctx, { region: 'lhr', instanceId: 'cb676a46-66fd-4dfb-b839-443f2e6c0b60', attached: [] }, signal())).resolves.toBeNull()
  })

  it.each([
    [400, 'unprocessable', 'Vultr rejected the request as malformed.'],
    [403, 'forbidden', 'Vultr says this token may not do that. Give it the needed scopes.'],
    [404, 'not-found', 'Vultr does not know that resource (it may already be gone).'],
    [422, 'unprocessable', 'Vultr could not accept these settings.'],
    [500, 'provider-unavailable', 'Vultr is having trouble (HTTP 500). Please try again in a minute.'],
  ])('HTTP %i is %s with Vultr\'s own words', async (status, code, message) => {
    const { ctx, p, fake } = await setup()
    fake.setFailure({ path: '/v2/account', status, body: { error: `Vultr says ${status}.`, status } })
    const info = await appError(p.verify(ctx, signal()))
    expect(info).toMatchObject({ code, message, providerMessage: `Vultr says ${status}.` })
  })

  it('429 is rate-limited with the Retry-After seconds', async () => {
    const { ctx, p, fake } = await setup({ retryAfterSeconds: 3 })
    fake.setRequestBudget(0)
    const info = await appError(p.catalog(ctx, signal()))
    expect(info).toMatchObject({ code: 'rate-limited', retryAfterSeconds: 3, retryable: true, providerMessage: 'Rate limit reached - please try your request again later.' })
    expect(info.message).toMatch(/try again in 3 s/)
  })

  it('a gateway page and a body cut off mid-answer are sentences, never a crash', async () => {
    const { ctx, p, fake } = await setup()
    fake.setFailure({ path: '/v2/regions', status: 502, html: true, times: 1 })
    expect(await appError(p.catalog(ctx, signal()))).toMatchObject({ code: 'provider-unavailable', providerMessage: '502 502 Bad Gateway' })
    fake.setFailure({ path: '/v2/regions', truncate: true, times: 1 })
    const cut = await appError(p.catalog(ctx, signal()))
    expect(['network', 'provider-unavailable']).toContain(cut.code)
    expect(cut.retryable).toBe(true)
  })

  it('a 2xx that is not Vultr\'s answer is an unknown outcome, with what was missing in `detail` only', async () => {
    const { ctx, p, fake } = await setup()
    const ready = await create(p, ctx, spec('x1'), 2)
    fake.setFailure({ method: 'POST', path: '/v2/instances', status: 202, body: { instance: { label: 'no id' } }, times: 1 })
    const info = await appError(p.provision(ctx, spec('x1'), ready.locator, ready.progress, signal()))
    expect(info).toMatchObject({ code: 'provider-unavailable', message: 'Vultr answered with something Exitdesk does not understand.', detail: 'instance.id is missing' })
    expect(info.providerMessage).toBeUndefined()
    expect(outcomeUnknown(info)).toBe(true)
  })

  it('a slow answer past the deadline is a timeout; a mutating one has an unknown outcome', async () => {
    const { ctx, p, fake } = await setup({}, createVultrProvisioner({ timeoutMs: 200 }))
    fake.setFailure({ method: 'POST', path: '/v2/firewalls', delayMs: 20_000 })
    const started = Date.now()
    const info = await appError(p.provision(ctx, spec('x2', 'https', { fresh: true }), startLocator(), undefined, new AbortController().signal))
    expect(info).toMatchObject({ code: 'timeout', message: 'Vultr did not answer in time. Please try again.', outcome: 'unknown' })
    expect(Date.now() - started).toBeLessThan(5_000)
  })

  it('a locator whose id is not a Vultr id never reaches the network', async () => {
    const { ctx, p, fake } = await setup()
    expect((await appError(p.status(ctx, { region: 'lhr', instanceId: '../account', attached: [] }, signal()))).code).toBe('invalid-input')
    expect(fake.requests).toHaveLength(0)
  })
})

describe('Vultr adapter: secrets', () => {
  it('the root password and console link of a new instance, and the key, go nowhere', async () => {
    const { ctx, p, fake } = await setup()
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) => vi.spyOn(console, level))
    const done = await create(p, ctx, spec('s1', 'tcp', { fresh: true }))
    expect(JSON.stringify(done)).not.toMatch(/password|novnc/)
    const listed = await p.listByTag(ctx, 'account', 'exitdesk', signal())
    expect(JSON.stringify(listed)).not.toMatch(/password|novnc/)
    fake.setFailure({ status: 500, body: { error: `echo ${fake.token}`, status: 500 } })
    const info = await appError(p.status(ctx, done.locator, signal()))
    expect(info.code).toBe('provider-unavailable')
    const printed = spies.flatMap((spy) => spy.mock.calls.flat().map(String)).join('\n')
    expect(printed).not.toContain(fake.token)
  })
})
