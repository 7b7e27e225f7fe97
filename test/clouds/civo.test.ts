/**
 * The Civo adapter against the wire-compatible fake (test/fakes/civo.ts). Fake time is advanced
 * explicitly, so nothing here sleeps for an instance.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { outcomeUnknown } from '../../src/shared/errors'
import type { HostLocator } from '../../src/shared/domain'
import type { CloudContext, Provisioner } from '../../src/main/clouds/types'
import { CIVO_MANIFEST, createCivoProvisioner, INSTANCE_STATES, instanceState, PROGRESS, ubuntuImage } from '../../src/main/clouds/civo'
import { generateHostName, hostNameProblem } from '../../src/shared/naming'
import { startFakeCivo, type FakeCivo, type FakeCivoOptions } from '../fakes/civo'
import { appError } from '../support/app-error'
import { deleteSteps, provisionSteps, specMaker } from '../support/adapter-steps'

const ACTIVATE_MS = 60_000
const DELETE_MS = 10_000
let fake: FakeCivo | undefined

afterEach(async () => {
  await fake?.close()
  fake = undefined
})

async function setup(options: FakeCivoOptions = {}, provisioner: Provisioner = createCivoProvisioner()) {
  fake = await startFakeCivo({ activateAfterMs: ACTIVATE_MS, deleteAfterMs: DELETE_MS, ...options })
  const ctx: CloudContext = { accountId: 'acct-1', credentials: { token: fake.token }, endpoint: fake.url }
  return { fake, ctx, p: provisioner }
}

const signal = (): AbortSignal => AbortSignal.timeout(5_000)

const spec = specMaker({ region: 'LON1', plan: 'g4s.xsmall' })

const startLocator = (region = 'LON1'): HostLocator => ({ region, attached: [] })

/** Provision steps as the host service drives them, until done. */
const provisionAll = provisionSteps(signal, 5)

/** Delete steps until done or waiting for the instance to go. */
const tearDown = deleteSteps(signal, PROGRESS.instanceDeleteRequested)

function expectEmpty(f: FakeCivo): void {
  f.settle()
  expect([...f.state.instances.keys()]).toEqual([])
  expect([...f.state.firewalls.values()].map((firewall) => firewall.name)).toEqual([])
  expect([...f.state.ips.values()].map((ip) => ip.address)).toEqual([])
}

const calls = (f: FakeCivo): string[] => f.requests.map((r) => `${r.method} ${r.path}`)

describe('Civo manifest', () => {
  const m = CIVO_MANIFEST
  it('defaults to the cheapest built-in size, in a built-in region, IPv4 included, with a conservative budget', () => {
    const plan = m.plans.find((candidate) => candidate.id === m.defaultPlan)!
    expect(plan.monthlyCostUsd).toBe(Math.min(...m.plans.map((candidate) => candidate.monthlyCostUsd)))
    expect(plan.costNote).toMatch(/IPv4 included/)
    expect(m.regions.map((region) => region.id)).toContain(m.defaultRegion)
    expect(m.capabilities.listScope).toBe('region')
    expect(m.rateLimits?.windows.length).toBeGreaterThan(0)
  })

  it('names: generated ones pass, ones Civo refuses as a hostname do not', () => {
    for (const seed of [0, 0.3, 0.99]) expect(hostNameProblem(generateHostName(m.nameRule, () => seed), m.nameRule)).toBeUndefined()
    expect(hostNameProblem('bad_name', m.nameRule)).toBeDefined()
    expect(hostNameProblem('a'.repeat(64), m.nameRule)).toBeDefined()
  })
})

describe('Civo instance states', () => {
  it('maps the documented and observed statuses, in either case, and keeps unknown ones unknown', () => {
    expect(['BUILDING', 'building', 'STARTING', 'REBOOTING'].map(instanceState)).toEqual(['provisioning', 'provisioning', 'provisioning', 'provisioning'])
    expect(['ACTIVE', 'SHUTOFF', 'STOPPED', 'STOPPING', 'DELETING', 'ERROR', 'FAILED'].map(instanceState)).toEqual(['active', 'stopped', 'stopped', 'stopping', 'deleting', 'error', 'error'])
    expect([instanceState('MIGRATING'), instanceState(undefined), instanceState(null), instanceState('constructor')]).toEqual(['unknown', 'unknown', 'unknown', 'unknown'])
    expect(Object.values(INSTANCE_STATES)).not.toContain('unknown')
  })
})

describe('Civo adapter: credentials and the account identity', () => {
  it('one GET /v2/quota proves the key; the identity is the quota record id, never the e-mail or the key', async () => {
    const { ctx, p, fake } = await setup({ accountId: '44aab548-61ca-11e5-860e-5cf9389be614' })
    const identity = await p.verify(ctx, signal())
    expect(identity).toEqual({ identity: 'civo-quota:44aab548-61ca-11e5-860e-5cf9389be614', accountName: 'Civo account (owner@example.com)' })
    expect(calls(fake)).toEqual(['GET /v2/quota'])
    expect(identity.identity).not.toContain('owner@example.com')
    expect(identity.identity).not.toContain(fake.token)
  })

  it('two accounts (two fakes) have two identities', async () => {
    const { ctx, p } = await setup()
    const other = await startFakeCivo()
    try {
      const one = await p.verify(ctx, signal())
      const two = await p.verify({ ...ctx, credentials: { token: other.token }, endpoint: other.url }, signal())
      expect(two.identity).toBe(`civo-quota:${other.accountId}`)
      expect(two.identity).not.toBe(one.identity)
    } finally {
      await other.close()
    }
  })

  it('a wrong key is refused in a sentence with Civo\'s own words; an empty one is refused without a request', async () => {
    const { ctx, p, fake } = await setup()
    const info = await appError(p.verify({ ...ctx, credentials: { token: 'not-the-key' } }, signal()))
    expect(info.code).toBe('unauthorized')
    expect(info.message).toMatch(/^Civo did not accept the API key\./)
    expect(info.providerMessage).toBe('Authentication with that API key failed')
    fake.requests.length = 0
    expect((await appError(p.verify({ ...ctx, credentials: { token: ' ' } }, signal()))).code).toBe('unauthorized')
    expect(fake.requests).toEqual([])
  })
})

describe('Civo adapter: catalogue', () => {
  it('reads regions and sizes live, with monthly prices; Kubernetes sizes and full regions are not offered', async () => {
    const { ctx, p } = await setup()
    const catalog = await p.catalog(ctx, signal())
    expect(catalog.source).toBe('live')
    expect(catalog.regions.map((region) => region.id).sort()).toEqual(['FRA1', 'LON1', 'NYC1'])
    expect(catalog.plans.map((plan) => [plan.id, plan.monthlyCostUsd])).toEqual([
      ['g4s.xsmall', 5],
      ['g4s.small', 10],
      ['g4s.medium', 20],
    ])
    expect(catalog.plans[0]!.costNote).toBe('public IPv4 included')
    expect(catalog.plans[0]!.label).toBe('1 vCPU, 1 GB RAM, 25 GB disk (xSmall - Standard)')
  })

  it('sizes without a price take the built-in one, and say so; unknown unpriced sizes are left out', async () => {
    const { ctx, p } = await setup({ withoutPrices: true })
    const catalog = await p.catalog(ctx, signal())
    expect(catalog.plans.map((plan) => plan.id)).toEqual(['g4s.xsmall', 'g4s.small'])
    expect(catalog.plans[0]!.costNote).toMatch(/built-in price/)
  })

  it('Ubuntu 24.04 is chosen from the disk images, 22.04 only when 24.04 is missing', () => {
    const images = [
      { id: 'a', name: 'debian-11', version: '11', distribution: 'debian', state: 'available' },
      { id: 'b', name: 'ubuntu-jammy', version: '22.04', distribution: 'ubuntu', state: 'available' },
      { id: 'c', name: 'ubuntu-noble', version: '24.04', distribution: 'ubuntu', state: 'available' },
    ]
    expect(ubuntuImage(images)?.id).toBe('c')
    expect(ubuntuImage(images.slice(0, 2))?.id).toBe('b')
    expect(ubuntuImage([{ ...images[2]!, state: 'deprecated' }])).toBeUndefined()
  })
})

describe('Civo adapter: create → active → delete leaves nothing', () => {
  for (const mode of ['tcp', 'https'] as const) {
    it(`${mode.toUpperCase()}: firewall, rules, instance with a public IP, then all of it gone`, async () => {
      const { ctx, p, fake } = await setup()
      const s = spec(`h-${mode}`, mode, { fresh: true })
      const created = await provisionAll(p, ctx, s)
      expect(created.done).toBe(true)
      expect(created.locator.instanceId).toBeDefined()

      const instance = fake.state.instances.get(created.locator.instanceId!)!
      expect(instance.tags).toEqual(['exitdesk', `exitdesk-host-h-${mode}`])
      expect(instance.script).toBe(s.userData)
      expect(instance.size).toBe('g4s.xsmall')
      const firewall = fake.state.firewalls.get(instance.firewallId)!
      expect(firewall.name).toBe(`exitdesk-host-h-${mode}`)
      expect(created.locator.attached).toContainEqual({ kind: 'firewall', id: firewall.id })
      const ingress = firewall.rules.filter((rule) => rule.direction === 'ingress').map((rule) => `${rule.protocol} ${rule.start_port}-${rule.end_port} ${rule.cidr.join(',')}`)
      expect(ingress.sort()).toEqual(mode === 'https' ? ['tcp 443-443 0.0.0.0/0', 'tcp 80-80 0.0.0.0/0', 'tcp 8123-8123 0.0.0.0/0'] : ['tcp 1-65535 0.0.0.0/0'])
      expect(firewall.rules.filter((rule) => rule.direction === 'egress').map((rule) => rule.protocol).sort()).toEqual(['tcp', 'udp'])
      // The instance joined the region's default network, built from Ubuntu 24.04.
      const create = fake.requests.find((r) => r.method === 'POST' && r.path === '/v2/instances')!.body as Record<string, unknown>
      expect(create).toMatchObject({ public_ip: 'create', region: 'LON1', count: 1, firewall_id: firewall.id, tags: `exitdesk exitdesk-host-h-${mode}` })
      expect(fake.state.networks.get(create.network_id as string)?.region).toBe('LON1')
      // The create answer's initial_password is nowhere in what the host service records.
      expect(JSON.stringify(created)).not.toMatch(/pw-/)

      const building = await p.status(ctx, created.locator, signal())
      expect(building).toMatchObject({ state: 'provisioning', rawStatus: 'BUILDING', region: 'LON1', plan: 'g4s.xsmall' })
      expect(building?.ipv4).toBeUndefined()
      fake.advance(ACTIVATE_MS)
      const active = await p.status(ctx, created.locator, signal())
      expect(active).toMatchObject({ state: 'active', rawStatus: 'ACTIVE', ipv4: '198.51.100.1', tags: ['exitdesk', `exitdesk-host-h-${mode}`] })

      const first = await tearDown(p, ctx, created)
      expect(first).toMatchObject({ done: false, progress: PROGRESS.instanceDeleteRequested, instancePresent: true })
      expect((await p.status(ctx, created.locator, signal()))?.state).toBe('deleting')
      // The firewall stays while Civo still has the instance.
      const waiting = await p.delete(ctx, first.locator, first.progress, signal())
      expect(waiting.progress).toBe(PROGRESS.instanceDeleteRequested)
      expect(fake.state.firewalls.size).toBe(1)
      fake.advance(DELETE_MS)
      expect(await p.status(ctx, created.locator, signal())).toBeNull()
      const done = await tearDown(p, ctx, waiting)
      expect(done.done).toBe(true)
      expectEmpty(fake)
    })
  }

  it('Civo\'s default rules (open to all) are removed when a firewall comes with them', async () => {
    const { ctx, p, fake } = await setup({ alwaysDefaultRules: true })
    const created = await provisionAll(p, ctx, spec('h-defaults', 'https', { fresh: true }))
    const firewall = [...fake.state.firewalls.values()][0]!
    expect(created.done).toBe(true)
    const ingress = firewall.rules.filter((rule) => rule.direction === 'ingress')
    expect(ingress.map((rule) => `${rule.protocol} ${rule.start_port}`).sort()).toEqual(['tcp 443', 'tcp 80', 'tcp 8123'])
    // The default egress rules are equal to ours: nothing added twice.
    expect(firewall.rules.filter((rule) => rule.direction === 'egress').map((rule) => rule.protocol).sort()).toEqual(['icmp', 'tcp', 'udp'])
  })

  it('a script that is not a program is refused before anything is made', async () => {
    const { ctx, p, fake } = await setup()
    const info = await appError(p.provision(ctx, spec('h-yaml', 'tcp', { userData: '#cloud-config\nruncmd: []\n' }), startLocator(), undefined, signal()))
    expect(info.code).toBe('invalid-input')
    expect(fake.requests).toEqual([])
  })

  it('a fresh create looks nothing up: networks, firewall, rules, then images and the instance', async () => {
    const { ctx, p, fake } = await setup()
    await provisionAll(p, ctx, spec('h-fresh', 'tcp', { fresh: true }))
    expect(calls(fake).filter((call) => call.startsWith('GET /v2/instances') || call === 'GET /v2/firewalls')).toEqual([])
  })
})

describe('Civo adapter: a create whose outcome is unknown is never sent again blind', () => {
  it('a lost answer to POST /v2/instances: lookupOnly finds the instance by its tag; no second instance', async () => {
    const { ctx, p, fake } = await setup()
    const s = spec('h-lost')
    let step = await p.provision(ctx, s, startLocator(), undefined, signal())
    step = await p.provision(ctx, s, step.locator, step.progress, signal())
    expect(step.progress).toBe(PROGRESS.firewallReady)
    fake.setFailure({ method: 'POST', path: '/v2/instances', truncated: true, times: 1 })
    const lost = await appError(p.provision(ctx, s, step.locator, step.progress, signal()))
    expect(outcomeUnknown(lost)).toBe(true)
    expect(fake.state.instances.size).toBe(1)
    const found = await p.provision(ctx, { ...s, lookupOnly: true }, step.locator, step.progress, signal())
    expect(found.done).toBe(true)
    expect(found.locator.instanceId).toBe([...fake.state.instances.keys()][0])
    expect(fake.state.instances.size).toBe(1)
  })

  it('lookupOnly with nothing made answers unresolved and creates nothing, at every step', async () => {
    const { ctx, p, fake } = await setup()
    const s = spec('h-nothing', 'https', { lookupOnly: true })
    const first = await p.provision(ctx, s, startLocator(), undefined, signal())
    expect(first).toMatchObject({ done: false, unresolved: true })
    expect(fake.state.firewalls.size).toBe(0)
    // The firewall exists, its rules do not: the rules are not added blind either.
    const made = await p.provision(ctx, { ...s, lookupOnly: false }, startLocator(), undefined, signal())
    const rules = await p.provision(ctx, s, made.locator, made.progress, signal())
    expect(rules).toMatchObject({ done: false, unresolved: true })
    expect([...fake.state.firewalls.values()][0]!.rules).toEqual([])
    const ready = await p.provision(ctx, { ...s, lookupOnly: false }, made.locator, made.progress, signal())
    const instance = await p.provision(ctx, s, ready.locator, ready.progress, signal())
    expect(instance).toMatchObject({ done: false, unresolved: true })
    expect(fake.state.instances.size).toBe(0)
  })

  it('a retried firewall step finds the firewall by its name; a create that landed anyway is adopted', async () => {
    const { ctx, p, fake } = await setup()
    const s = spec('h-fw')
    fake.setFailure({ method: 'POST', path: '/v2/firewalls', afterwards: 503, times: 1 })
    const failed = await appError(p.provision(ctx, s, startLocator(), undefined, signal()))
    expect(outcomeUnknown(failed)).toBe(true)
    expect(fake.state.firewalls.size).toBe(1)
    const again = await p.provision(ctx, { ...s, lookupOnly: true }, startLocator(), undefined, signal())
    expect(again.locator.attached).toContainEqual({ kind: 'firewall', id: [...fake.state.firewalls.keys()][0] })
    expect(fake.state.firewalls.size).toBe(1)
    // A create sent while the first one's answer was still lost meets the name clash and adopts it.
    const clash = await p.provision(ctx, { ...s, fresh: true }, startLocator(), undefined, signal())
    expect(clash.locator.attached).toContainEqual({ kind: 'firewall', id: [...fake.state.firewalls.keys()][0] })
    expect(fake.state.firewalls.size).toBe(1)
  })

  it('timeouts, 5xx and HTML answers to a create are unknown outcomes; a 4xx is a refusal', async () => {
    const { ctx, fake } = await setup()
    const p = createCivoProvisioner({ timeoutMs: 300 })
    const s = spec('h-faults', 'tcp', { fresh: true })
    fake.setFailure({ method: 'POST', path: '/v2/firewalls', delayMs: 2_000, times: 1 })
    const timedOut = await appError(p.provision(ctx, s, startLocator(), undefined, signal()))
    expect(timedOut.code).toBe('timeout')
    expect(outcomeUnknown(timedOut)).toBe(true)
    fake.setFailure({ method: 'POST', path: '/v2/firewalls', status: 200, html: true, times: 1 })
    expect(outcomeUnknown(await appError(p.provision(ctx, s, startLocator(), undefined, signal())))).toBe(true)
    fake.setFailure({ method: 'POST', path: '/v2/firewalls', status: 502, html: true, times: 1 })
    const gateway = await appError(p.provision(ctx, s, startLocator(), undefined, signal()))
    expect(gateway.message).toMatch(/Civo is having trouble \(HTTP 502\)/)
    expect(outcomeUnknown(gateway)).toBe(true)
    fake.setFailure({ method: 'POST', path: '/v2/firewalls', status: 422, code: 'parameter_invalid', reason: 'name is too long', times: 1 })
    const refused = await appError(p.provision(ctx, s, startLocator(), undefined, signal()))
    expect(refused).toMatchObject({ code: 'unprocessable', message: 'Civo could not accept these settings.', providerMessage: 'name is too long', outcome: 'none' })
    expect(outcomeUnknown(refused)).toBe(false)
  })
})

describe('Civo adapter: errors are sentences', () => {
  it('403, 404, 400, 429 with Retry-After, 500 and a broken body', async () => {
    const { ctx, p, fake } = await setup()
    fake.setFailure({ path: '/v2/quota', status: 403, code: 'authentication_access_denied', reason: 'You do not have access', times: 1 })
    expect(await appError(p.verify(ctx, signal()))).toMatchObject({ code: 'forbidden', message: 'Civo says this API key may not do that.', providerMessage: 'You do not have access' })
    fake.setFailure({ path: '/v2/quota', status: 400, code: 'quota_limit_reached', reason: 'Quota limit reached', times: 1 })
    expect(await appError(p.verify(ctx, signal()))).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/reached its quota/) })
    fake.setRequestBudget(0)
    const limited = await appError(p.verify(ctx, signal()))
    expect(limited).toMatchObject({ code: 'rate-limited', retryAfterSeconds: 7, retryable: true })
    expect(limited.message).toBe('Civo is limiting how fast Exitdesk may call it. Exitdesk will try again in 7 s.')
    fake.setRequestBudget(100)
    fake.setFailure({ path: '/v2/quota', status: 500, times: 1 })
    expect(await appError(p.verify(ctx, signal()))).toMatchObject({ code: 'provider-unavailable', retryable: true, outcome: 'none' })
    fake.setFailure({ path: '/v2/quota', truncated: true, times: 1 })
    expect((await appError(p.verify(ctx, signal()))).message).toBe('Civo answered with something Exitdesk does not understand.')
    // 404 on a status check is "gone", not an error.
    expect(await p.status(ctx, { region: 'LON1', instanceId: '00000000-0000-4000-8000-000000000000', attached: [] }, signal())).toBeNull()
    // An id that is no UUID never reaches the URL.
    expect((await appError(p.status(ctx, { region: 'LON1', instanceId: '../quota', attached: [] }, signal()))).code).toBe('invalid-input')
  })
})

describe('Civo adapter: teardown never removes what a live instance of the host uses', () => {
  it('a duplicate carrying the host tag keeps the firewall until it is gone', async () => {
    const { ctx, p, fake } = await setup({ activateAfterMs: 0 })
    const s = spec('h-dup', 'tcp', { fresh: true })
    const created = await provisionAll(p, ctx, s)
    // A late create made a second instance carrying the host's tag, with the same firewall.
    const body = fake.requests.find((r) => r.method === 'POST' && r.path === '/v2/instances')!.body as Record<string, unknown>
    const res = await fetch(`${fake.url}/v2/instances`, { method: 'POST', headers: { authorization: `bearer ${fake.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ ...body, hostname: 'exit-duplicate' }) })
    const duplicate = (await res.json()) as { id: string }
    const first = await tearDown(p, ctx, created)
    fake.advance(DELETE_MS)
    const blocked = await tearDown(p, ctx, first)
    expect(blocked.done).toBe(false)
    expect(blocked.waitingFor).toContain(duplicate.id)
    expect(fake.state.firewalls.size).toBe(1)
    await p.delete(ctx, { region: 'LON1', instanceId: duplicate.id, attached: [] }, undefined, signal())
    fake.advance(DELETE_MS)
    const done = await tearDown(p, ctx, blocked)
    expect(done.done).toBe(true)
    expectEmpty(fake)
  })

  it('a teardown with no recorded firewall finds it by the host tag\'s name; a 404 instance counts as gone', async () => {
    const { ctx, p, fake } = await setup()
    const s = spec('h-unrecorded')
    await p.provision(ctx, s, startLocator(), undefined, signal())
    const locator: HostLocator = { region: 'LON1', instanceId: '00000000-0000-4000-8000-000000000001', attached: [{ kind: 'tag', id: s.tags.host }] }
    const done = await tearDown(p, ctx, { locator })
    expect(done.done).toBe(true)
    expectEmpty(fake)
  })
})

describe('Civo adapter: listing', () => {
  it('lists by tag per region, every page, the pages after the first at once', async () => {
    const { ctx, p, fake } = await setup({ maxPerPage: 2, activateAfterMs: 0 })
    for (let n = 0; n < 5; n++) await provisionAll(p, ctx, spec(`h-list-${n}`, 'tcp', { fresh: true }))
    await provisionAll(p, ctx, spec('h-other-region', 'tcp', { fresh: true, region: 'FRA1' }))
    fake.requests.length = 0
    // Each page answer held a moment, so pages asked for together are seen together.
    fake.setFailure({ method: 'GET', path: '/v2/instances', delayMs: 50, times: 3 })
    fake.resetMaxInFlight()
    const listed = await p.listByTag(ctx, 'LON1', 'exitdesk', signal())
    // Page 1 alone, then pages 2 and 3 together.
    expect(fake.maxInFlight()).toBe(2)
    expect(listed.map((o) => o.name).sort()).toEqual([0, 1, 2, 3, 4].map((n) => `exit-calm-otter-h-list-${n}`))
    expect(listed.every((o) => o.region === 'LON1' && o.state === 'active')).toBe(true)
    expect(fake.requests.map((r) => new URLSearchParams(r.query).get('page'))).toEqual(['1', '2', '3'])
    expect(new URLSearchParams(fake.requests[0]!.query).get('tags')).toBe('exitdesk')
    const one = await p.listByTag(ctx, 'LON1', 'exitdesk-host-h-list-3', signal())
    expect(one.map((o) => o.name)).toEqual(['exit-calm-otter-h-list-3'])
    expect(p.listScopes([{ region: 'FRA1', attached: [] }, { region: 'LON1', attached: [] }, { region: 'FRA1', attached: [] }])).toEqual(['FRA1', 'LON1'])
    expect(p.listScopes([])).toEqual(['LON1'])
  })
})

describe('Civo adapter: a firewall Civo refuses to delete', () => {
  it('"in use" waits; any other refusal is an error in a sentence', async () => {
    const { ctx, p, fake } = await setup({ activateAfterMs: 0 })
    const created = await provisionAll(p, ctx, spec('h-refuse', 'tcp', { fresh: true }))
    const first = await tearDown(p, ctx, created)
    fake.advance(DELETE_MS)
    fake.setFailure({ method: 'DELETE', path: /^\/v2\/firewalls\/[^/]+$/, status: 400, code: 'database_firewall_delete_failed', reason: 'The firewall is in use', times: 1 })
    const waiting = await tearDown(p, ctx, first, 2)
    expect(waiting).toMatchObject({ done: false, progress: PROGRESS.instanceGone, waitingFor: 'Civo to release the firewall from the deleted instance' })
    fake.setFailure({ method: 'DELETE', path: /^\/v2\/firewalls\/[^/]+$/, status: 400, code: 'parameter_invalid', reason: 'region is required', times: 1 })
    expect(await appError(p.delete(ctx, waiting.locator, waiting.progress, signal()))).toMatchObject({ code: 'unprocessable', message: 'Civo rejected the request as malformed.', providerMessage: 'region is required' })
    expect((await p.delete(ctx, waiting.locator, waiting.progress, signal())).done).toBe(true)
    expectEmpty(fake)
  })
})
