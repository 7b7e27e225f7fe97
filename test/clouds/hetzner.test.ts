/**
 * The Hetzner Cloud adapter against the wire-compatible fake (test/fakes/hetzner.ts).
 * Fake time is advanced explicitly, so nothing here sleeps for a server.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { outcomeUnknown, type AppErrorInfo } from '../../src/shared/errors'
import type { HostLocator } from '../../src/shared/domain'
import type { CloudContext, Provisioner } from '../../src/main/clouds/types'
import { createHetznerProvisioner, HETZNER_MANIFEST, MARKER_NAME, SERVER_STATES, serverState } from '../../src/main/clouds/hetzner'
import { generateHostName, hostNameProblem } from '../../src/shared/naming'
import { startFakeHetzner, type FakeHetzner, type FakeHetznerOptions } from '../fakes/hetzner'
import { appError } from '../support/app-error'
import { deleteSteps, provisionSteps, specMaker } from '../support/adapter-steps'

const ACTIVATE_MS = 60_000
const DELETE_MS = 10_000
let fake: FakeHetzner | undefined

afterEach(async () => {
  await fake?.close()
  fake = undefined
})

async function setup(options: FakeHetznerOptions = {}, provisioner: Provisioner = createHetznerProvisioner()) {
  fake = await startFakeHetzner({ activateAfterMs: ACTIVATE_MS, deleteAfterMs: DELETE_MS, ...options })
  const ctx: CloudContext = { accountId: 'acct-1', credentials: { token: fake.token }, endpoint: fake.url }
  return { fake, ctx, p: provisioner }
}

const signal = (): AbortSignal => AbortSignal.timeout(5_000)

const spec = specMaker({ region: 'hel1', plan: 'cx23' })

const startLocator = (region = 'hel1'): HostLocator => ({ region, attached: [] })

/** Provision steps as the host service drives them, until done. */
const provisionAll = provisionSteps(signal, 4)

/** Delete steps as the host service drives them across refreshes, until done or waiting for the server to go. */
const tearDown = deleteSteps(signal, 'server-delete-requested')

function expectEmpty(f: FakeHetzner): void {
  expect([...f.state.servers.keys()]).toEqual([])
  expect([...f.state.firewalls.values()].filter((firewall) => firewall.name !== MARKER_NAME).map((firewall) => firewall.name)).toEqual([])
  expect([...f.state.primaryIps.values()].map((ip) => ip.ip)).toEqual([])
}

describe('Hetzner manifest', () => {
  const m = HETZNER_MANIFEST
  it('defaults to the cheapest built-in plan, sold in the default region, with the IPv4 in its price', () => {
    const plan = m.plans.find((candidate) => candidate.id === m.defaultPlan)!
    expect(plan.monthlyCostUsd).toBe(Math.min(...m.plans.map((candidate) => candidate.monthlyCostUsd)))
    expect(plan.regions).toContain(m.defaultRegion)
    expect(m.regions.map((region) => region.id)).toContain(m.defaultRegion)
    expect(plan.costNote).toMatch(/primary IPv4/)
    expect(m.rateLimits?.windows).toEqual([{ requests: 3_600, perSeconds: 3_600 }])
  })

  it('names: generated ones pass, ones Hetzner refuses do not', () => {
    for (const seed of [0, 0.3, 0.99]) expect(hostNameProblem(generateHostName(m.nameRule, () => seed), m.nameRule)).toBeUndefined()
    expect(hostNameProblem('bad_name', m.nameRule)).toBeDefined()
    expect(hostNameProblem('ends-with-dash-', m.nameRule)).toBeDefined()
    expect(hostNameProblem('a'.repeat(64), m.nameRule)).toBeDefined()
  })
})

describe('Hetzner server states', () => {
  it('maps every documented status, keeps unknown ones unknown', () => {
    expect(Object.keys(SERVER_STATES).sort()).toEqual(['deleting', 'initializing', 'migrating', 'off', 'rebuilding', 'running', 'starting', 'stopping', 'unknown'])
    expect(['initializing', 'starting', 'migrating', 'rebuilding'].map(serverState)).toEqual(['provisioning', 'provisioning', 'provisioning', 'provisioning'])
    expect([serverState('running'), serverState('stopping'), serverState('off'), serverState('deleting')]).toEqual(['active', 'stopping', 'stopped', 'deleting'])
    expect([serverState('unknown'), serverState('hibernating'), serverState(undefined), serverState('constructor')]).toEqual(['unknown', 'unknown', 'unknown', 'unknown'])
  })
})

describe('Hetzner adapter: credentials and the project identity', () => {
  it('the first check makes the project marker; later checks find it and answer the same identity', async () => {
    const { ctx, p, fake } = await setup()
    const first = await p.verify(ctx, signal())
    const marker = [...fake.state.firewalls.values()].find((firewall) => firewall.name === MARKER_NAME)!
    expect(first).toEqual({ identity: `project-marker:${marker.id}`, accountName: `Hetzner Cloud project (marker firewall ${marker.id})` })
    // A marker changes no traffic: no rules, applied to nothing.
    expect(marker.rules).toEqual([])
    expect(marker.servers.size).toBe(0)
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/firewalls', 'POST /v1/firewalls'])

    fake.requests.length = 0
    await expect(p.verify(ctx, signal())).resolves.toEqual(first)
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/firewalls'])
    expect(new URLSearchParams(fake.requests[0]!.query).get('label_selector')).toBe(MARKER_NAME)
  })

  it('two projects (two fakes) have two identities; the token itself is never the identity', async () => {
    const { ctx, p } = await setup()
    const one = await p.verify(ctx, signal())
    const other = await startFakeHetzner({ idOffset: 10_000_000 })
    try {
      const two = await p.verify({ ...ctx, credentials: { token: other.token }, endpoint: other.url }, signal())
      const marker = [...other.state.firewalls.values()][0]!
      expect(two.identity).toBe(`project-marker:${marker.id}`)
      expect(two.identity).not.toBe(one.identity)
      expect(one.identity).not.toContain(ctx.credentials.token!)
    } finally {
      await other.close()
    }
  })

  it('a marker made by another installation at the same moment (409 uniqueness_error) is adopted', async () => {
    const { ctx, p, fake } = await setup()
    // Another installation made the marker between our list and our create; its label is gone too.
    fake.setFailure({ method: 'GET', path: '/v1/firewalls', status: 200, body: { firewalls: [], meta: { pagination: { page: 1, per_page: 50, previous_page: null, next_page: null, last_page: 1, total_entries: 0 } } }, times: 1 })
    const winner = await p.verify(ctx, signal()) // makes the marker
    fake.setFailure({ method: 'GET', path: '/v1/firewalls', status: 200, body: { firewalls: [], meta: { pagination: { page: 1, per_page: 50, previous_page: null, next_page: null, last_page: 1, total_entries: 0 } } }, times: 1 })
    await expect(p.verify(ctx, signal())).resolves.toEqual(winner)
    expect([...fake.state.firewalls.values()].filter((firewall) => firewall.name === MARKER_NAME)).toHaveLength(1)
  })

  it('a wrong token is "unauthorized" with Hetzner\'s words; a read-only one says it needs Read & Write', async () => {
    const { ctx, p } = await setup({ readOnlyToken: 'hz-read-only' })
    const info = await appError(p.verify({ ...ctx, credentials: { token: 'hz-wrong' } }, signal()))
    expect(info).toMatchObject({ code: 'unauthorized', providerMessage: 'unable to authenticate', retryable: false })
    expect(info.message).toMatch(/did not accept the API token/)
    const readOnly = await appError(p.verify({ ...ctx, credentials: { token: 'hz-read-only' } }, signal()))
    expect(readOnly.code).toBe('forbidden')
    expect(readOnly.message).toMatch(/read-only.*Read & Write/)
    expect(readOnly.providerMessage).toMatch(/only allowed to perform GET/)
  })

  it('a missing token fails before any request is sent', async () => {
    const { ctx, p, fake } = await setup()
    const info = await appError(p.verify({ ...ctx, credentials: {} }, signal()))
    expect(info.code).toBe('unauthorized')
    expect(fake.requests).toHaveLength(0)
  })
})

describe('Hetzner adapter: catalogue', () => {
  it('reads locations, types and prices live: cheapest with its IPv4 first, deprecated types left out, across pages', async () => {
    const { ctx, p, fake } = await setup({ maxPerPage: 2 })
    const catalog = await p.catalog(ctx, signal())
    expect(catalog.source).toBe('live')
    expect(catalog.regions.map((r) => r.id).sort()).toEqual(['ash', 'fsn1', 'hel1', 'hil', 'nbg1', 'sin'])
    expect(catalog.regions.find((r) => r.id === 'hel1')?.label).toBe('Helsinki, FI')
    const ids = catalog.plans.map((plan) => plan.id)
    expect(ids[0]).toBe('cx23')
    expect(ids).not.toContain('cx22') // deprecated
    expect(ids).toEqual(expect.arrayContaining(['cax11', 'cpx12', 'cx33']))
    const cx23 = catalog.plans[0]!
    // €4.11 + €0.50 IPv4 = €4.61, at the manifest's rate.
    expect(cx23.monthlyCostUsd).toBeCloseTo(4.61 * 1.16, 2)
    expect(cx23.costNote).toBe('€4.11 + €0.50 primary IPv4 a month, net of VAT')
    expect(cx23.regions).toEqual(['fsn1', 'nbg1', 'hel1'])
    const cpx12 = catalog.plans.find((plan) => plan.id === 'cpx12')!
    expect(cpx12.regions).toEqual(expect.arrayContaining(['ash', 'sin']))
    expect(cpx12.costNote).toMatch(/ash €8\.09.*sin €9\.69/)
    const prices = catalog.plans.map((plan) => plan.monthlyCostUsd)
    expect(prices).toEqual([...prices].sort((a, b) => a - b))
    // Six locations at two a page: the first page says the total, the other two are asked for at once.
    const pages = fake.requests.filter((r) => r.path === '/v1/locations').map((r) => new URLSearchParams(r.query).get('page'))
    expect(pages.sort()).toEqual(['1', '2', '3'])
  })

  it('a project billed in dollars is not converted', async () => {
    const { ctx, p } = await setup({ currency: 'USD' })
    const catalog = await p.catalog(ctx, signal())
    expect(catalog.plans[0]).toMatchObject({ id: 'cx23', monthlyCostUsd: 4.61, costNote: '$4.11 + $0.50 primary IPv4 a month, net of VAT' })
  })

  it('a failing live call throws instead of pretending (the catalogue service then shows the built-in list)', async () => {
    const { ctx, p, fake } = await setup()
    fake.setFailure({ path: '/v1/pricing', status: 503, code: 'unavailable', message: 'Pricing is resting.' })
    const info = await appError(p.catalog(ctx, signal()))
    expect(info.code).toBe('provider-unavailable')
    expect(info.providerMessage).toBe('Pricing is resting.')
  })
})

describe('Hetzner adapter: lifecycle', () => {
  for (const mode of ['tcp', 'https'] as const) {
    it(`${mode}: firewall, then the server with it applied; initializing -> running; teardown leaves nothing`, async () => {
      const { ctx, p, fake } = await setup()
      await p.catalog(ctx, signal()) // as the host service does before a create: fills the image cache
      fake.requests.length = 0
      const s = spec(`${mode}1`, mode, { fresh: true })
      const step1 = await p.provision(ctx, s, startLocator(), undefined, signal())
      expect(step1).toMatchObject({ done: false, progress: 'firewall-created' })
      const firewallId = step1.locator.attached.find((r) => r.kind === 'firewall')!.id
      const firewall = fake.state.firewalls.get(Number(firewallId))!
      expect(firewall.name).toBe(`exitdesk-${mode}1`)
      expect(firewall.labels).toEqual({ exitdesk: '', [`exitdesk-host-${mode}1`]: '' })
      const inbound = firewall.rules.map((rule) => `${rule.direction} ${rule.protocol}/${rule.port} ${rule.source_ips.join(' ')}`)
      expect(inbound.sort()).toEqual(
        mode === 'https' ? ['in tcp/443 0.0.0.0/0 ::/0', 'in tcp/80 0.0.0.0/0 ::/0', 'in tcp/8123 0.0.0.0/0 ::/0'] : ['in tcp/1-65535 0.0.0.0/0 ::/0'],
      )

      const step2 = await p.provision(ctx, s, step1.locator, step1.progress, signal())
      expect(step2.done).toBe(true)
      // A fresh create is two requests: nothing to look up, the image id came with the catalogue.
      expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /v1/firewalls', 'POST /v1/servers'])
      const post = fake.requests.find((r) => r.method === 'POST' && r.path === '/v1/servers')!
      expect(post.body).toEqual({
        name: `exit-calm-otter-${mode}1`,
        server_type: 'cx23',
        image: '161547269', // ubuntu-24.04, x86
        location: 'hel1',
        user_data: '#!/bin/bash\necho "inlets exit server"\n',
        labels: { exitdesk: '', [`exitdesk-host-${mode}1`]: '' },
        firewalls: [{ firewall: Number(firewallId) }],
        public_net: { enable_ipv4: true, enable_ipv6: true },
        start_after_create: true,
      })
      expect(firewall.servers.has(Number(step2.locator.instanceId))).toBe(true)

      const booting = await p.status(ctx, step2.locator, signal())
      expect(booting).toMatchObject({ state: 'provisioning', rawStatus: 'initializing', region: 'hel1', plan: 'cx23' })
      expect(booting?.tags.sort()).toEqual(['exitdesk', `exitdesk-host-${mode}1`])
      fake.advance(ACTIVATE_MS)
      const up = await p.status(ctx, step2.locator, signal())
      expect(up).toMatchObject({ state: 'active', rawStatus: 'running' })
      expect(up?.ipv4).toMatch(/^198\.51\.100\.\d+$/)
      expect(up?.ipv6).toMatch(/^2001:db8:[0-9a-f]+::1$/)
      expect([...fake.state.primaryIps.values()].map((ip) => ip.type).sort()).toEqual(['ipv4', 'ipv6'])

      const del1 = await p.delete(ctx, step2.locator, undefined, signal())
      expect(del1).toMatchObject({ done: false, progress: 'server-delete-requested', instancePresent: true })
      const del2 = await p.delete(ctx, del1.locator, del1.progress, signal())
      expect(del2.done).toBe(false)
      expect((await p.status(ctx, del2.locator, signal()))?.state).toBe('deleting')
      fake.advance(DELETE_MS)
      const done = await tearDown(p, ctx, del2)
      expect(done.done).toBe(true)
      await expect(p.status(ctx, done.locator, signal())).resolves.toBeNull()
      expectEmpty(fake)
    })
  }

  it('primary IPs Hetzner kept after the server (no auto_delete) are deleted by the teardown', async () => {
    const { ctx, p, fake } = await setup({ autoDeletePrimaryIps: false })
    const created = await provisionAll(p, ctx, spec('ip1'))
    expect(created.locator.attached.filter((r) => r.kind === 'public-ip')).toHaveLength(2)
    const del1 = await p.delete(ctx, created.locator, undefined, signal())
    fake.advance(DELETE_MS)
    fake.settle()
    expect(fake.state.primaryIps.size).toBe(2) // unassigned, still billed
    expect((await tearDown(p, ctx, del1)).done).toBe(true)
    expect(fake.requests.filter((r) => r.method === 'DELETE').map((r) => r.path.split('/')[2])).toEqual(['servers', 'firewalls', 'primary_ips', 'primary_ips'])
    expectEmpty(fake)
  })

  it('a cold cache resolves the Ubuntu image of the type\'s architecture (arm for cax11)', async () => {
    const { ctx, p, fake } = await setup()
    const done = await provisionAll(p, ctx, spec('arm1', 'tcp', { plan: 'cax11', fresh: true }))
    expect(done.done).toBe(true)
    const lookups = fake.requests.filter((r) => r.method === 'GET').map((r) => `${r.path}?${r.query}`)
    expect(lookups).toEqual(['/v1/server_types?name=cax11&page=1&per_page=50', '/v1/images?type=system&name=ubuntu-24.04&architecture=arm&status=available&page=1&per_page=50'])
    expect(fake.state.servers.get(Number(done.locator.instanceId))!.image.architecture).toBe('arm')
  })

  it('a firewall still applied (Hetzner has not detached it yet) answers resource_in_use: the step waits, then finishes', async () => {
    const { ctx, p, fake } = await setup()
    const created = await provisionAll(p, ctx, spec('busy1'))
    const del1 = await p.delete(ctx, created.locator, undefined, signal())
    fake.advance(DELETE_MS)
    const gone = await p.delete(ctx, del1.locator, del1.progress, signal())
    expect(gone.progress).toBe('server-gone')
    // Re-apply by hand: as if Hetzner were still detaching it from the deleted server.
    const firewall = fake.state.firewalls.get(Number(gone.locator.attached.find((r) => r.kind === 'firewall')!.id))!
    firewall.servers.add(1)
    const waiting = await p.delete(ctx, gone.locator, gone.progress, signal())
    expect(waiting).toMatchObject({ done: false, progress: 'server-gone', waitingFor: 'Hetzner Cloud to release the firewall from the deleted server' })
    firewall.servers.clear()
    expect((await tearDown(p, ctx, waiting)).done).toBe(true)
    expectEmpty(fake)
  })
})

describe('Hetzner adapter: no duplicate on a retried create', () => {
  it('lookupOnly finds nothing and creates nothing (unresolved), for the firewall and for the server', async () => {
    const { ctx, p, fake } = await setup()
    const s = spec('lk1', 'https', { lookupOnly: true })
    const step = await p.provision(ctx, s, startLocator(), undefined, signal())
    expect(step).toMatchObject({ done: false, unresolved: true })
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(0)
    const withFirewall = await p.provision(ctx, { ...s, lookupOnly: false }, startLocator(), undefined, signal())
    const serverStep = await p.provision(ctx, s, withFirewall.locator, withFirewall.progress, signal())
    expect(serverStep).toMatchObject({ done: false, unresolved: true })
    expect(fake.state.servers.size).toBe(0)
  })

  it('lookupOnly adopts what a create that timed out made late, by the firewall name and the host label', async () => {
    const { ctx, p, fake } = await setup()
    const s = spec('late1', 'https')
    // The firewall create is held past the client's deadline, then carried out.
    fake.setFailure({ method: 'POST', path: '/v1/firewalls', delayMs: 300, late: true, times: 1 })
    const quick = createHetznerProvisioner({ timeoutMs: 150 })
    const info = await appError(quick.provision(ctx, s, startLocator(), undefined, signal()))
    expect(info.code).toBe('timeout')
    expect(outcomeUnknown(info)).toBe(true)
    await fake.drain()
    expect(fake.state.firewalls.size).toBe(1)
    const adopted = await p.provision(ctx, { ...s, lookupOnly: true }, startLocator(), undefined, signal())
    expect(adopted.progress).toBe('firewall-created')
    expect(adopted.locator.attached.find((r) => r.kind === 'firewall')!.id).toBe(String([...fake.state.firewalls.keys()][0]))

    // The server create answers 503 although Hetzner made it: unknown, then found by its label.
    fake.setFailure({ method: 'POST', path: '/v1/servers', afterwards: 503, code: 'unavailable', message: 'try again', times: 1 })
    const unknown = await appError(p.provision(ctx, s, adopted.locator, adopted.progress, signal()))
    expect(outcomeUnknown(unknown)).toBe(true)
    const found = await p.provision(ctx, { ...s, lookupOnly: true }, adopted.locator, adopted.progress, signal())
    expect(found.done).toBe(true)
    expect(found.locator.instanceId).toBe(String([...fake.state.servers.keys()][0]))
    expect(fake.state.servers.size).toBe(1)
    expect(fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/servers')).toHaveLength(1)
  })

  it('a repeated step adopts the server carrying the host label instead of buying a second', async () => {
    const { ctx, p, fake } = await setup()
    const first = await provisionAll(p, ctx, spec('rep1'))
    // The host service crashed before recording the locator: it calls again from the start.
    const again = await provisionAll(p, ctx, spec('rep1'))
    expect(again.locator.instanceId).toBe(first.locator.instanceId)
    expect(again.locator.attached).toEqual(first.locator.attached)
    expect(fake.state.servers.size).toBe(1)
    expect(fake.state.firewalls.size).toBe(1)
  })

  it('a duplicate server carrying the host label keeps the firewall until it is gone too', async () => {
    const { ctx, p, fake } = await setup()
    const real = await provisionAll(p, ctx, spec('dup1'))
    // A late create of another name (so Hetzner's unique names did not stop it) with the same label and firewall.
    const firewallId = Number(real.locator.attached.find((r) => r.kind === 'firewall')!.id)
    const response = await fetch(`${fake.url}/servers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'exit-late-copy', server_type: 'cx23', image: 'ubuntu-24.04', location: 'hel1', labels: { exitdesk: '', 'exitdesk-host-dup1': '' }, firewalls: [{ firewall: firewallId }] }),
    })
    expect(response.status).toBe(201)
    const duplicateId = String(((await response.json()) as { server: { id: number } }).server.id)

    const del1 = await p.delete(ctx, real.locator, undefined, signal())
    fake.advance(DELETE_MS)
    const blocked = await tearDown(p, ctx, del1)
    expect(blocked).toMatchObject({ done: false, waitingFor: `server ${duplicateId}, which carries this host's label, to be deleted first` })
    expect(fake.state.firewalls.has(firewallId)).toBe(true)

    // The duplicate's own teardown (the host service records it with nothing attached) touches no firewall.
    const dup = await p.delete(ctx, { region: 'hel1', instanceId: duplicateId, attached: [] }, undefined, signal())
    fake.advance(DELETE_MS)
    expect((await tearDown(p, ctx, dup)).done).toBe(true)
    expect(fake.state.firewalls.has(firewallId)).toBe(true)
    expect((await tearDown(p, ctx, blocked)).done).toBe(true)
    expectEmpty(fake)
  })

  it('teardown finds a firewall nobody recorded (its create answer was lost) by the host label', async () => {
    const { ctx, p, fake } = await setup()
    const made = await p.provision(ctx, spec('lost1', 'https'), startLocator(), undefined, signal())
    expect(fake.state.firewalls.size).toBe(1)
    // The ledger only knows the host label (as the host service adds it for every teardown).
    const step = await tearDown(p, ctx, { locator: { region: 'hel1', attached: made.locator.attached.filter((r) => r.kind === 'tag') } })
    expect(step.done).toBe(true)
    expectEmpty(fake)
  })
})

describe('Hetzner adapter: list', () => {
  it('one label_selector list, pages read at once when the total is known', async () => {
    const { ctx, p, fake } = await setup({ maxPerPage: 2 })
    for (const id of ['l1', 'l2', 'l3', 'l4', 'l5']) await provisionAll(p, ctx, spec(id, 'tcp', { fresh: true }))
    fake.requests.length = 0
    const listed = await p.listByTag(ctx, 'account', 'exitdesk', signal())
    expect(listed.map((o) => o.name).sort()).toEqual(['l1', 'l2', 'l3', 'l4', 'l5'].map((id) => `exit-calm-otter-${id}`))
    expect(fake.requests.every((r) => new URLSearchParams(r.query).get('label_selector') === 'exitdesk')).toBe(true)
    expect(fake.requests.map((r) => new URLSearchParams(r.query).get('page')).sort()).toEqual(['1', '2', '3'])
    expect(p.listScopes([])).toEqual(['account'])
  })

  it('without a total, follows next_page one page after another', async () => {
    const { ctx, p, fake } = await setup({ maxPerPage: 2, omitTotal: true })
    for (const id of ['n1', 'n2', 'n3']) await provisionAll(p, ctx, spec(id, 'tcp', { fresh: true }))
    fake.requests.length = 0
    expect(await p.listByTag(ctx, 'account', 'exitdesk', signal())).toHaveLength(3)
    expect(fake.requests.map((r) => new URLSearchParams(r.query).get('page'))).toEqual(['1', '2'])
  })

  it('another label does not match, and a server of the project without ours is not listed', async () => {
    const { ctx, p } = await setup()
    await provisionAll(p, ctx, spec('o1'))
    expect(await p.listByTag(ctx, 'account', 'exitdesk-host-other', signal())).toEqual([])
    expect((await p.listByTag(ctx, 'account', 'exitdesk-host-o1', signal())).map((o) => o.name)).toEqual(['exit-calm-otter-o1'])
  })
})

describe('Hetzner adapter: errors as sentences', () => {
  const cases: Array<{ status: number; code: string; message: string; expected: Partial<AppErrorInfo>; sentence: RegExp }> = [
    { status: 403, code: 'forbidden', message: 'insufficient permissions', expected: { code: 'forbidden', retryable: false }, sentence: /may not do that/ },
    { status: 403, code: 'resource_limit_exceeded', message: 'server limit exceeded', expected: { code: 'forbidden', retryable: false }, sentence: /resource limits/ },
    { status: 409, code: 'uniqueness_error', message: 'server name is already used', expected: { code: 'conflict' }, sentence: /already has a resource of that name/ },
    { status: 422, code: 'invalid_input', message: "invalid input in field 'location'", expected: { code: 'unprocessable' }, sentence: /could not accept these settings/ },
    { status: 400, code: 'json_error', message: 'Invalid JSON input', expected: { code: 'unprocessable' }, sentence: /malformed/ },
    { status: 412, code: 'resource_unavailable', message: 'server type unavailable', expected: { code: 'unprocessable' }, sentence: /sold out/ },
    { status: 423, code: 'locked', message: 'server is locked', expected: { code: 'conflict', retryable: true }, sentence: /still busy/ },
  ]
  for (const c of cases) {
    it(`${c.status} ${c.code} on a create is a refusal with Hetzner's words`, async () => {
      const { ctx, p, fake } = await setup()
      fake.setFailure({ method: 'POST', path: '/v1/firewalls', status: c.status, code: c.code, message: c.message, times: 1 })
      const info = await appError(p.provision(ctx, spec('e1'), startLocator(), undefined, signal()))
      expect(info).toMatchObject({ ...c.expected, providerMessage: c.message })
      expect(info.message).toMatch(c.sentence)
      expect(info.message).toMatch(/[.!]$/)
      expect(outcomeUnknown(info)).toBe(false)
    })
  }

  it('429 rate_limit_exceeded says when to try again: at the next refill, not the full reset', async () => {
    const { ctx, p, fake } = await setup()
    fake.setRequestBudget(0)
    const info = await appError(p.listByTag(ctx, 'account', 'exitdesk', signal()))
    expect(info.code).toBe('rate-limited')
    expect(info.retryable).toBe(true)
    // RateLimit-Reset says when all 3,600 are back; the next one has room a second later.
    expect(info.retryAfterSeconds).toBe(1)
    expect(info.message).toMatch(/try again in 1 s\.$/)
    expect(info.providerMessage).toMatch(/3600 requests per hour/)
  })

  it('404 on a read means deleted; 5xx, timeouts and broken bodies of a create are unknown outcomes', async () => {
    const { ctx, p, fake } = await setup()
    await expect(p.status(ctx, { region: 'hel1', instanceId: '999', attached: [] }, signal())).resolves.toBeNull()

    fake.setFailure({ method: 'POST', path: '/v1/firewalls', status: 500, code: 'server_error', message: 'Error within the API backend.', times: 1 })
    const server = await appError(p.provision(ctx, spec('u1'), startLocator(), undefined, signal()))
    expect(server).toMatchObject({ code: 'provider-unavailable', providerMessage: 'Error within the API backend.' })
    expect(outcomeUnknown(server)).toBe(true)

    fake.setFailure({ method: 'POST', path: '/v1/firewalls', truncated: true, times: 1 })
    const broken = await appError(p.provision(ctx, spec('u2'), startLocator(), undefined, signal()))
    expect(broken.message).toBe('Hetzner Cloud answered with something Exitdesk does not understand.')
    expect(outcomeUnknown(broken)).toBe(true)

    fake.setFailure({ method: 'POST', path: '/v1/firewalls', status: 502, html: true, times: 1 })
    const gateway = await appError(p.provision(ctx, spec('u3'), startLocator(), undefined, signal()))
    expect(gateway.code).toBe('provider-unavailable')
    expect(outcomeUnknown(gateway)).toBe(true)

    fake.setFailure({ method: 'GET', path: '/v1/servers', status: 200, body: { servers: 'nope' }, times: 1 })
    const shape = await appError(p.listByTag(ctx, 'account', 'exitdesk', signal()))
    expect(shape.detail).toBe('the answer to GET /servers has no "servers" list')
  })

  it('a server id that is not a number never reaches the URL', async () => {
    const { ctx, p, fake } = await setup()
    const info = await appError(p.status(ctx, { region: 'hel1', instanceId: '../firewalls/1', attached: [] }, signal()))
    expect(info.code).toBe('invalid-input')
    expect(fake.requests).toHaveLength(0)
  })
})
