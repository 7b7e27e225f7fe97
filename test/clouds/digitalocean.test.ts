/**
 * The DigitalOcean adapter against the wire-compatible fake (test/fakes/digitalocean.ts).
 * Fake time is advanced explicitly, so nothing here sleeps for a droplet.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { AppError, type AppErrorInfo } from '../../src/shared/errors'
import type { HostLocator } from '../../src/shared/domain'
import type { CloudContext, Provisioner } from '../../src/main/clouds/types'
import { createDigitalOceanProvisioner, DIGITALOCEAN_MANIFEST, firewallName } from '../../src/main/clouds/digitalocean'
import { generateHostName, hostNameProblem } from '../../src/shared/naming'
import { startFakeDigitalOcean, type FakeDigitalOcean, type FakeDigitalOceanOptions } from '../fakes/digitalocean'
import { appError } from '../support/app-error'
import { deleteSteps, specMaker } from '../support/adapter-steps'

const ACTIVATE_MS = 60_000
const DELETE_MS = 10_000
let fake: FakeDigitalOcean | undefined

afterEach(async () => {
  await fake?.close()
  fake = undefined
  vi.restoreAllMocks()
})

async function setup(options: FakeDigitalOceanOptions = {}, provisioner: Provisioner = createDigitalOceanProvisioner()) {
  fake = await startFakeDigitalOcean({ activateAfterMs: ACTIVATE_MS, deleteAfterMs: DELETE_MS, ...options })
  const ctx: CloudContext = { accountId: 'acct-1', credentials: { token: fake.token }, endpoint: fake.url }
  return { fake, ctx, p: provisioner }
}

const signal = (): AbortSignal => AbortSignal.timeout(5_000)

const spec = specMaker({ region: 'lon1', plan: 's-1vcpu-512mb-10gb', inletsVersion: '0.11.7' })

const startLocator = (region = 'lon1'): HostLocator => ({ region, attached: [] })

/**
 * Calls delete again and again, as the host service does across refreshes (each call is one
 * quick step), until it is done or waits for DigitalOcean to remove the droplet.
 */
const tearDown = deleteSteps(signal, 'droplet-delete-requested')

describe('DigitalOcean manifest', () => {
  const m = DIGITALOCEAN_MANIFEST
  it('defaults to the cheapest built-in plan, sold in the default region', () => {
    const plan = m.plans.find((candidate) => candidate.id === m.defaultPlan)!
    expect(plan).toBe(m.plans[0])
    expect(plan.monthlyCostUsd).toBe(Math.min(...m.plans.map((candidate) => candidate.monthlyCostUsd)))
    expect(plan.regions).toContain(m.defaultRegion)
    expect(m.regions.map((region) => region.id)).toContain(m.defaultRegion)
    for (const slug of plan.regions ?? []) expect(m.regions.map((region) => region.id)).toContain(slug)
  })

  it('names: generated ones pass, ones DigitalOcean refuses do not', () => {
    for (const seed of [0, 0.3, 0.99]) expect(hostNameProblem(generateHostName(m.nameRule, () => seed), m.nameRule)).toBeUndefined()
    expect(hostNameProblem('exit.example.com', m.nameRule)).toBeUndefined()
    expect(hostNameProblem('bad_name', m.nameRule)).toBeDefined()
    expect(hostNameProblem('ends-with-dash-', m.nameRule)).toBeDefined()
    expect(hostNameProblem('a'.repeat(256), m.nameRule)).toBeDefined()
  })
})

describe('DigitalOcean adapter: credentials', () => {
  it('verify answers the account e-mail, and the user uuid as the identity when the token names no team', async () => {
    const { ctx, p, fake } = await setup()
    await expect(p.verify(ctx, signal())).resolves.toEqual({ identity: 'user:b6fr89dbf6d9156cace5f3c78dc9851d957381ef', accountName: 'sammy@example.com' })
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v2/account'])
  })

  it('verify with a wrong token is "unauthorized" carrying DigitalOcean\'s words', async () => {
    const { ctx, p } = await setup()
    const info = await appError(p.verify({ ...ctx, credentials: { token: 'dop_v1_wrong' } }, signal()))
    expect(info.code).toBe('unauthorized')
    expect(info.providerMessage).toBe('Unable to authenticate you')
    expect(info.retryable).toBe(false)
  })

  it('a missing token fails before any request is sent', async () => {
    const { ctx, p, fake } = await setup()
    const info = await appError(p.verify({ ...ctx, credentials: {} }, signal()))
    expect(info.code).toBe('unauthorized')
    expect(fake.requests).toHaveLength(0)
  })
})

describe('DigitalOcean adapter: catalog', () => {
  it('lists open regions and available plans, cheapest first, across several pages', async () => {
    // maxPerPage 3 makes the fake split both lists even though the adapter asks for 200.
    const { ctx, p, fake } = await setup({ maxPerPage: 3 })
    const catalog = await p.catalog(ctx, signal())
    expect(catalog.source).toBe('live')
    const regionIds = catalog.regions.map((r) => r.id)
    expect(regionIds).toContain('lon1')
    expect(regionIds).toContain('ric1')
    expect(regionIds).not.toContain('nyc2') // available: false
    expect(regionIds).toHaveLength(13)
    expect(catalog.regions.find((r) => r.id === 'lon1')?.label).toBe('London 1')

    const first = catalog.plans[0]!
    expect(first.id).toBe('s-1vcpu-512mb-10gb')
    expect(first.monthlyCostUsd).toBe(4)
    expect(first.regions).toEqual(expect.arrayContaining(['lon1', 'nyc1', 'fra1']))
    expect(first.regions).not.toContain('syd1')
    const prices = catalog.plans.map((plan) => plan.monthlyCostUsd)
    expect(prices).toEqual([...prices].sort((a, b) => a - b))
    expect(catalog.plans.map((plan) => plan.id)).not.toContain('s-1vcpu-3gb') // available: false
    expect(catalog.plans).toHaveLength(7)

    const sizePages = fake.requests.filter((r) => r.path === '/v2/sizes').map((r) => new URLSearchParams(r.query).get('page'))
    expect(sizePages).toEqual(['1', '2', '3'])
  })

  it('a failing live call throws instead of pretending', async () => {
    const { ctx, p, fake } = await setup()
    fake.setFailure({ path: '/v2/sizes', status: 503, body: { id: 'service_unavailable', message: 'Sizes are resting.' } })
    const info = await appError(p.catalog(ctx, signal()))
    expect(info.code).toBe('provider-unavailable')
    expect(info.providerMessage).toBe('Sizes are resting.')
  })
})

describe('DigitalOcean adapter: TCP lifecycle', () => {
  it('provisions in one step, goes new -> active with an IP, and tears down to nothing', async () => {
    const { ctx, p, fake } = await setup()
    const created = await p.provision(ctx, spec('t1'), startLocator(), undefined, signal())
    expect(created.done).toBe(true)
    // Droplet create makes the per-host tag; it is recorded so teardown removes it too.
    expect(created.locator.attached).toEqual([{ kind: 'tag', id: 'exitdesk-host-t1' }])
    const id = created.locator.instanceId!
    expect(id).toMatch(/^[0-9]+$/)

    // What was asked of DigitalOcean
    const post = fake.requests.find((r) => r.method === 'POST' && r.path === '/v2/droplets')!
    expect(post.body).toEqual({
      name: 'exit-calm-otter-t1',
      region: 'lon1',
      size: 's-1vcpu-512mb-10gb',
      image: 'ubuntu-24-04-x64',
      user_data: '#!/bin/bash\necho "inlets exit server"\n',
      tags: ['exitdesk', 'exitdesk-host-t1'],
      ipv6: true,
      monitoring: false,
    })
    expect(fake.requests.some((r) => r.path.startsWith('/v2/firewalls'))).toBe(false)

    const booting = await p.status(ctx, created.locator, signal())
    expect(booting).toMatchObject({ instanceId: id, state: 'provisioning', rawStatus: 'new', region: 'lon1', plan: 's-1vcpu-512mb-10gb' })
    expect(booting?.ipv4).toBeUndefined()
    expect(booting?.tags).toEqual(['exitdesk', 'exitdesk-host-t1'])
    expect(Date.parse(booting!.createdAt!)).not.toBeNaN()

    fake.advance(ACTIVATE_MS)
    const up = await p.status(ctx, created.locator, signal())
    expect(up).toMatchObject({ state: 'active', rawStatus: 'active' })
    expect(up?.ipv4).toMatch(/^198\.51\.100\.\d+$/)
    expect(up?.ipv6).toMatch(/^2001:db8:/)

    const step1 = await p.delete(ctx, created.locator, undefined, signal())
    expect(step1).toMatchObject({ done: false, progress: 'droplet-delete-requested', waitingFor: 'the droplet to disappear' })
    const step2 = await p.delete(ctx, step1.locator, step1.progress, signal())
    expect(step2.done).toBe(false) // DigitalOcean has not removed it yet
    expect(fake.state.droplets.size).toBe(1)

    fake.advance(DELETE_MS)
    const step3 = await tearDown(p, ctx, step2)
    expect(step3.done).toBe(true)
    await expect(p.status(ctx, step3.locator, signal())).resolves.toBeNull()
    expect(fake.state.droplets.size).toBe(0)
    expect(fake.state.firewalls.size).toBe(0)
    expect([...fake.state.tags]).not.toContain('exitdesk-host-t1')
    expect(fake.requests.filter((r) => r.method === 'DELETE').map((r) => r.path.split('/')[2])).toEqual(['droplets', 'tags'])
  })

  it('a droplet that activates after a number of reads is reported as such', async () => {
    const { ctx, p } = await setup({ activateAfterMs: 10 * 60_000, activateAfterGets: 2 })
    const { locator } = await p.provision(ctx, spec('t2'), startLocator(), undefined, signal())
    expect((await p.status(ctx, locator, signal()))?.rawStatus).toBe('new')
    expect((await p.status(ctx, locator, signal()))?.rawStatus).toBe('new')
    expect((await p.status(ctx, locator, signal()))?.rawStatus).toBe('active')
  })

  it('a repeated create step adopts the droplet carrying the host tag instead of buying a second', async () => {
    const { ctx, p, fake } = await setup()
    const first = await p.provision(ctx, spec('t3'), startLocator(), undefined, signal())
    // The host service crashed before recording `first.locator`: it calls again from the start.
    const again = await p.provision(ctx, spec('t3'), startLocator(), undefined, signal())
    expect(again.locator.instanceId).toBe(first.locator.instanceId)
    expect(fake.state.droplets.size).toBe(1)
    expect(fake.requests.filter((r) => r.method === 'POST' && r.path === '/v2/droplets')).toHaveLength(1)
  })

  it('teardown of a droplet that is already gone goes straight on to its tag, one quick step a call', async () => {
    const { ctx, p, fake } = await setup()
    const { locator } = await p.provision(ctx, spec('t4'), startLocator(), undefined, signal())
    fake.state.droplets.clear()
    const first = await p.delete(ctx, locator, undefined, signal())
    expect(first).toMatchObject({ done: false, progress: 'droplet-gone' })
    const step = await tearDown(p, ctx, first)
    expect(step.done).toBe(true)
    expect([...fake.state.tags]).not.toContain('exitdesk-host-t4')
  })
})

describe('DigitalOcean adapter: HTTPS lifecycle', () => {
  it('creates a tag-targeted firewall with exactly 8123/80/443, then the droplet; teardown removes both', async () => {
    const { ctx, p, fake } = await setup()
    const s = spec('h1', 'https')
    const step1 = await p.provision(ctx, s, startLocator(), undefined, signal())
    expect(step1).toMatchObject({ done: false, progress: 'firewall-created' })
    expect(step1.locator.instanceId).toBeUndefined()
    expect(step1.locator.attached.map((r) => r.kind)).toEqual(['tag', 'firewall'])
    const firewallId = step1.locator.attached.find((r) => r.kind === 'firewall')!.id

    const firewall = fake.state.firewalls.get(firewallId)!
    expect(firewall.name).toBe('exitdesk-h1')
    expect(firewall.tags).toEqual(['exitdesk-host-h1'])
    expect(firewall.droplet_ids).toEqual([])
    expect(firewall.inbound_rules.map((rule) => `${rule.protocol}/${rule.ports}`).sort()).toEqual(['tcp/443', 'tcp/80', 'tcp/8123'])
    for (const rule of firewall.inbound_rules) expect(rule.sources?.addresses).toEqual(['0.0.0.0/0', '::/0'])
    expect(firewall.outbound_rules.map((rule) => `${rule.protocol}/${rule.ports}`).sort()).toEqual(['icmp/0', 'tcp/0', 'udp/0'])
    expect(fake.state.tags.has('exitdesk-host-h1')).toBe(true)

    const step2 = await p.provision(ctx, s, step1.locator, step1.progress, signal())
    expect(step2.done).toBe(true)
    expect(step2.locator.attached).toEqual(step1.locator.attached)
    const droplet = fake.state.droplets.get(Number(step2.locator.instanceId))!
    expect(droplet.tags).toContain('exitdesk-host-h1') // so the firewall applies from first boot

    fake.advance(ACTIVATE_MS)
    expect((await p.status(ctx, step2.locator, signal()))?.state).toBe('active')

    const d1 = await p.delete(ctx, step2.locator, undefined, signal())
    expect(d1.done).toBe(false)
    expect(fake.state.firewalls.size).toBe(1) // the firewall outlives the droplet
    fake.advance(DELETE_MS)
    const d2 = await tearDown(p, ctx, d1)
    expect(d2.done).toBe(true)
    expect(d2.locator.attached).toEqual([])
    expect(fake.state.droplets.size).toBe(0)
    expect(fake.state.firewalls.size).toBe(0)
    expect([...fake.state.tags]).not.toContain('exitdesk-host-h1')

    const order = fake.requests.filter((r) => r.method === 'DELETE').map((r) => r.path.split('/')[2])
    expect(order).toEqual(['droplets', 'firewalls', 'tags'])
  })

  it('tearing down a host known only by its tag (a lost ledger) also finds and removes its firewall', async () => {
    const { ctx, p, fake } = await setup()
    const s = spec('h9', 'https')
    const step1 = await p.provision(ctx, s, startLocator(), undefined, signal())
    const step2 = await p.provision(ctx, s, step1.locator, step1.progress, signal())
    // What a rediscovered host knows: its instance and its own tag, not its firewall.
    const known = { region: 'lon1', instanceId: step2.locator.instanceId, attached: [{ kind: 'tag' as const, id: 'exitdesk-host-h9' }] }
    const d1 = await p.delete(ctx, known, undefined, signal())
    fake.advance(DELETE_MS)
    const d2 = await tearDown(p, ctx, d1)
    expect(d2.done).toBe(true)
    expect(fake.state.droplets.size).toBe(0)
    expect(fake.state.firewalls.size).toBe(0)
    expect([...fake.state.tags]).not.toContain('exitdesk-host-h9')
  })

  it('a retried firewall step after a crash finds the firewall instead of creating a duplicate', async () => {
    const { ctx, p, fake } = await setup()
    const s = spec('h2', 'https')
    const first = await p.provision(ctx, s, startLocator(), undefined, signal())
    // The result was never recorded; the host service starts over with an empty locator.
    const retry = await p.provision(ctx, s, startLocator(), undefined, signal())
    expect(retry.locator.attached).toEqual(first.locator.attached)
    expect(fake.state.firewalls.size).toBe(1)
    expect(fake.requests.filter((r) => r.method === 'POST' && r.path === '/v2/firewalls')).toHaveLength(1)
    expect(fake.requests.filter((r) => r.method === 'POST' && r.path === '/v2/tags')).toHaveLength(1)
  })

  it('teardown of a create that failed before the droplet existed removes the firewall only', async () => {
    const { ctx, p, fake } = await setup()
    const s = spec('h3', 'https')
    const step1 = await p.provision(ctx, s, startLocator(), undefined, signal())
    fake.setFailure({ method: 'POST', path: '/v2/droplets', status: 422, body: { id: 'unprocessable_entity', message: 'Region is sold out.' }, times: 1 })
    await expect(p.provision(ctx, s, step1.locator, step1.progress, signal())).rejects.toBeInstanceOf(AppError)

    const done = await tearDown(p, ctx, { locator: step1.locator })
    expect(done.done).toBe(true)
    expect(done.locator.attached).toEqual([])
    expect(fake.state.firewalls.size).toBe(0)
    expect(fake.requests.some((r) => r.path.startsWith('/v2/droplets/'))).toBe(false)
    // A second teardown call (e.g. after a crash) is harmless: 404 counts as gone.
    await expect(tearDown(p, ctx, { locator: step1.locator })).resolves.toMatchObject({ done: true })
  })

  it('firewall names are made safe for DigitalOcean', () => {
    expect(firewallName('abc_DEF 123')).toBe('exitdesk-abc-DEF-123')
    expect(firewallName('___')).toBe('exitdesk-host')
  })
})

describe('DigitalOcean adapter: listing', () => {
  it('listByTag follows pagination across pages and keeps only tagged droplets', async () => {
    const { ctx, p, fake } = await setup({ maxPerPage: 2 })
    for (const n of [1, 2, 3, 4, 5]) await p.provision(ctx, spec(`l${n}`), startLocator(), undefined, signal())
    await p.provision(ctx, spec('other', 'tcp', { tags: { app: 'someone-else', host: 'someone-else-1' } }), startLocator(), undefined, signal())
    fake.requests.length = 0

    expect(p.listScopes([startLocator('lon1'), startLocator('nyc3')])).toEqual(['account'])
    const listed = await p.listByTag(ctx, 'account', 'exitdesk', signal())
    expect(listed.map((o) => o.name).sort()).toEqual(['l1', 'l2', 'l3', 'l4', 'l5'].map((n) => `exit-calm-otter-${n}`))
    expect(listed.every((o) => o.tags.includes('exitdesk') && o.state === 'provisioning')).toBe(true)
    const pages = fake.requests.map((r) => new URLSearchParams(r.query))
    expect(pages.map((q) => q.get('page'))).toEqual(['1', '2', '3'])
    expect(pages.every((q) => q.get('tag_name') === 'exitdesk' && q.get('per_page') === '200')).toBe(true)
  })

  it('stops after the page bound instead of looping forever', async () => {
    const { ctx, fake } = await setup({ maxPerPage: 1 })
    const p = createDigitalOceanProvisioner({ maxPages: 3 })
    for (const n of [1, 2, 3, 4]) await p.provision(ctx, spec(`b${n}`), startLocator(), undefined, signal())
    const info = await appError(p.listByTag(ctx, 'account', 'exitdesk', signal()))
    expect(info.message).toMatch(/more pages/)
    expect(fake.requests.filter((r) => r.path === '/v2/droplets' && r.method === 'GET').length).toBeLessThanOrEqual(3 + 4)
  })
})

describe('DigitalOcean adapter: errors', () => {
  it('status of an unknown droplet is null, not an error', async () => {
    const { ctx, p } = await setup()
    await expect(p.status(ctx, { region: 'lon1', instanceId: '999999', attached: [] }, signal())).resolves.toBeNull()
  })

  it('404 on a call that needs the resource is not-found with the provider message', async () => {
    const { ctx, p, fake } = await setup()
    fake.setFailure({ path: '/v2/account', status: 404, body: { id: 'not_found', message: 'The resource you were accessing could not be found.' } })
    const info = await appError(p.verify(ctx, signal()))
    expect(info.code).toBe('not-found')
    expect(info.providerMessage).toBe('The resource you were accessing could not be found.')
  })

  it('422 from droplet create is unprocessable with DigitalOcean\'s reason', async () => {
    const { ctx, p, fake } = await setup()
    const info = await appError(p.provision(ctx, spec('e1', 'tcp', { plan: 's-99vcpu-1tb' }), startLocator(), undefined, signal()))
    expect(info.code).toBe('unprocessable')
    expect(info.providerMessage).toBe('You specified an invalid size for Droplet creation.')
    expect(fake.state.droplets.size).toBe(0)
  })

  it('429 is rate-limited with the retry-after seconds', async () => {
    const { ctx, p, fake } = await setup({ retryAfterSeconds: 29 })
    fake.setRequestBudget(0)
    const info = await appError(p.verify(ctx, signal()))
    expect(info.code).toBe('rate-limited')
    expect(info.retryAfterSeconds).toBe(29)
    expect(info.retryable).toBe(true)
    expect(info.providerMessage).toBe('API Rate limit exceeded.')
  })

  it('a spent budget answers 429 exactly from the next request on', async () => {
    const { ctx, p, fake } = await setup({ requestBudget: 1 })
    await expect(p.verify(ctx, signal())).resolves.toBeDefined()
    expect((await appError(p.verify(ctx, signal()))).code).toBe('rate-limited')
    expect(fake.requests.map((r) => r.status)).toEqual([200, 429])
  })

  it('500 is provider-unavailable and retryable, with the provider message', async () => {
    const { ctx, p, fake } = await setup()
    fake.setFailure({ method: 'GET', path: /^\/v2\/droplets\/\d+$/, status: 500, body: { id: 'server_error', message: 'Unexpected server-side error' } })
    const info = await appError(p.status(ctx, { region: 'lon1', instanceId: '3164444', attached: [] }, signal()))
    expect(info.code).toBe('provider-unavailable')
    expect(info.retryable).toBe(true)
    expect(info.providerMessage).toBe('Unexpected server-side error')
  })

  it('a locator whose id is not a droplet id never reaches the network', async () => {
    const { ctx, p, fake } = await setup()
    const info = await appError(p.status(ctx, { region: 'lon1', instanceId: '../account', attached: [] }, signal()))
    expect(info.code).toBe('invalid-input')
    expect(fake.requests).toHaveLength(0)
  })
})

describe('DigitalOcean adapter: cancellation and deadlines', () => {
  it('an aborted signal cancels the request in flight', async () => {
    const { ctx, p, fake } = await setup()
    fake.setFailure({ path: '/v2/account', delayMs: 20_000 })
    const controller = new AbortController()
    const started = Date.now()
    const pending = p.verify(ctx, controller.signal)
    setTimeout(() => controller.abort(), 50)
    const info = await appError(pending)
    expect(info.code).toBe('timeout')
    expect(info.message).toMatch(/cancelled/)
    expect(Date.now() - started).toBeLessThan(5_000)
  })

  it('a slow answer past the deadline is a timeout', async () => {
    const { ctx, p, fake } = await setup({}, createDigitalOceanProvisioner({ timeoutMs: 200 }))
    fake.setFailure({ path: '/v2/regions', delayMs: 20_000 })
    const started = Date.now()
    const info = await appError(p.catalog(ctx, new AbortController().signal))
    expect(info.code).toBe('timeout')
    expect(info.message).toMatch(/did not answer in time/)
    expect(Date.now() - started).toBeLessThan(5_000)
  })

  it("a slow answer past the caller's AbortSignal.timeout() (what withDeadline passes) is a timeout, not a network failure", async () => {
    const { ctx, p, fake } = await setup()
    fake.setFailure({ path: '/v2/account', delayMs: 20_000 })
    const started = Date.now()
    const info = await appError(p.verify(ctx, AbortSignal.timeout(50)))
    expect(info).toMatchObject({ code: 'timeout', message: 'DigitalOcean did not answer in time. Please try again.', retryable: true })
    expect(Date.now() - started).toBeLessThan(5_000)
  })
})

describe('DigitalOcean adapter: 2xx answers it does not understand (a proxy or captive portal)', () => {
  const PORTAL = '<html><body>Welcome to Hotel Wi-Fi. Sign in to continue.</body></html>'

  function expectUnexpected(info: AppErrorInfo, detail: string | RegExp): void {
    expect(info).toMatchObject({ code: 'provider-unavailable', message: 'DigitalOcean answered with something Exitdesk does not understand.', retryable: true })
    // Exitdesk's diagnosis, not DigitalOcean's words: never shown as "The provider said".
    expect(info.providerMessage).toBeUndefined()
    expect(info.detail).toMatch(detail)
    // What was missing, never the body itself.
    expect(info.detail!.length).toBeLessThan(120)
    expect(JSON.stringify(info)).not.toMatch(/Hotel|Wi-Fi|sammy/)
  }

  it('account: a portal page, an empty object, or an account without an email', async () => {
    const { ctx, p, fake } = await setup()
    fake.setFailure({ path: '/v2/account', status: 200, body: PORTAL, times: 1 })
    expectUnexpected(await appError(p.verify(ctx, signal())), 'the answer is not a JSON object with "account"')
    fake.setFailure({ path: '/v2/account', status: 200, body: { message: 'Welcome to Hotel Wi-Fi' }, times: 1 })
    expectUnexpected(await appError(p.verify(ctx, signal())), 'account is missing or not an object')
    fake.setFailure({ path: '/v2/account', status: 200, body: { account: { uuid: 'b6fr89', status: 'active' } }, times: 1 })
    expectUnexpected(await appError(p.verify(ctx, signal())), 'account.email is missing')
    // The real answer still works once the portal is gone.
    await expect(p.verify(ctx, signal())).resolves.toEqual({ identity: 'user:b6fr89dbf6d9156cace5f3c78dc9851d957381ef', accountName: 'sammy@example.com' })
  })

  it('droplet create: a 202 without a droplet, or with a droplet id that is not a number', async () => {
    const { ctx, p, fake } = await setup()
    fake.setFailure({ method: 'POST', path: '/v2/droplets', status: 202, body: { links: { actions: [] } }, times: 1 })
    expectUnexpected(await appError(p.provision(ctx, spec('u1'), startLocator(), undefined, signal())), 'droplet is missing or not an object')
    fake.setFailure({ method: 'POST', path: '/v2/droplets', status: 202, body: { droplet: { id: 'abc', name: 'exit-calm-otter-u1', status: 'new' } }, times: 1 })
    expectUnexpected(await appError(p.provision(ctx, spec('u1'), startLocator(), undefined, signal())), 'droplet.id is not a positive whole number')
  })

  it('firewall create: a 202 without a firewall id', async () => {
    const { ctx, p, fake } = await setup()
    fake.setFailure({ method: 'POST', path: '/v2/firewalls', status: 202, body: { firewall: { name: 'exitdesk-u2' } }, times: 1 })
    expectUnexpected(await appError(p.provision(ctx, spec('u2', 'https'), startLocator(), undefined, signal())), 'firewall.id is missing')
  })

  it('droplet get: a 200 that is a portal page, lacks the status, or has networks that are not lists', async () => {
    const { ctx, p, fake } = await setup()
    const locator: HostLocator = { region: 'lon1', instanceId: '3164444', attached: [] }
    fake.setFailure({ method: 'GET', path: '/v2/droplets/3164444', status: 200, body: PORTAL, times: 1 })
    expectUnexpected(await appError(p.status(ctx, locator, signal())), /not a JSON object/)
    fake.setFailure({ method: 'GET', path: '/v2/droplets/3164444', status: 200, body: { droplet: { id: 3164444, name: 'exit-1' } }, times: 1 })
    expectUnexpected(await appError(p.status(ctx, locator, signal())), 'droplet.status is missing')
    fake.setFailure({ method: 'GET', path: '/v2/droplets/3164444', status: 200, body: { droplet: { id: 3164444, name: 'exit-1', status: 'active', networks: { v4: 'Hotel Wi-Fi' } } }, times: 1 })
    expectUnexpected(await appError(p.status(ctx, locator, signal())), 'droplet.networks.v4 is not a list')
  })

  it('droplets list: no list, or an item without what observe() reads', async () => {
    const { ctx, p, fake } = await setup()
    fake.setFailure({ method: 'GET', path: '/v2/droplets', status: 200, body: { meta: { total: 1 } }, times: 1 })
    expectUnexpected(await appError(p.listByTag(ctx, 'account', 'exitdesk', signal())), 'the answer to GET /v2/droplets has no "droplets" list')
    fake.setFailure({ method: 'GET', path: '/v2/droplets', status: 200, body: PORTAL, times: 1 })
    expectUnexpected(await appError(p.listByTag(ctx, 'account', 'exitdesk', signal())), 'the answer to GET /v2/droplets is not a JSON object')
    fake.setFailure({ method: 'GET', path: '/v2/droplets', status: 200, body: { droplets: [{ id: 1, name: 'exit-1', status: 'active' }, null], meta: { total: 2 } }, times: 1 })
    expectUnexpected(await appError(p.listByTag(ctx, 'account', 'exitdesk', signal())), 'droplets[1] is missing or not an object')
  })

  it('catalog: a size without its regions list', async () => {
    const { ctx, p, fake } = await setup()
    fake.setFailure({ method: 'GET', path: '/v2/sizes', status: 200, body: { sizes: [{ slug: 's-1vcpu-512mb-10gb', memory: 512, vcpus: 1, disk: 10, price_monthly: 4, available: true }], meta: { total: 1 } } })
    expectUnexpected(await appError(p.catalog(ctx, signal())), 'sizes[0].regions is missing')
  })
})

describe('DigitalOcean adapter: secrets', () => {
  it('never writes the token to the console, even on failures', async () => {
    const { ctx, p, fake } = await setup()
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) => vi.spyOn(console, level))
    await p.verify(ctx, signal())
    const { locator } = await p.provision(ctx, spec('s1', 'https'), startLocator(), undefined, signal())
    fake.setFailure({ status: 500 })
    const info = await appError(p.provision(ctx, spec('s1', 'https'), locator, 'firewall-created', signal()))
    const printed = spies.flatMap((spy) => spy.mock.calls.flat().map(String)).join('\n')
    expect(printed).not.toContain(fake.token)
    expect(JSON.stringify(info)).not.toContain(fake.token)
  })
})
