/**
 * The Linode adapter against the wire-compatible fake (test/fakes/linode.ts). Fake time is
 * advanced explicitly, so nothing here sleeps for a Linode to boot or disappear.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { outcomeUnknown } from '../../src/shared/errors'
import type { HostLocator } from '../../src/shared/domain'
import type { CloudContext, Provisioner } from '../../src/main/clouds/types'
import { createLinodeProvisioner, firewallLabel, LINODE_MANIFEST, linodeState, rootPassword } from '../../src/main/clouds/linode'
import { CatalogService } from '../../src/main/clouds/catalog'
import type { AccountService } from '../../src/main/accounts/account-service'
import { generateHostName, hostNameProblem } from '../../src/shared/naming'
import { redactor } from '../../src/main/redact'
import { startFakeLinode, type FakeLinode, type FakeLinodeOptions } from '../fakes/linode'
import { appError } from '../support/app-error'
import { deleteSteps, provisionSteps, specMaker } from '../support/adapter-steps'

const PROVISION_MS = 60_000
const BOOT_MS = 30_000
const DELETE_MS = 10_000
let fake: FakeLinode | undefined

afterEach(async () => {
  await fake?.close()
  fake = undefined
})

async function setup(options: FakeLinodeOptions = {}, provisioner: Provisioner = createLinodeProvisioner()) {
  fake = await startFakeLinode({ provisionAfterMs: PROVISION_MS, bootAfterMs: BOOT_MS, deleteAfterMs: DELETE_MS, ...options })
  const ctx: CloudContext = { accountId: 'acct-1', credentials: { token: fake.token }, endpoint: fake.url }
  return { fake, ctx, p: provisioner }
}

const signal = (): AbortSignal => AbortSignal.timeout(5_000)

const spec = specMaker({ region: 'fr-par', plan: 'g6-nanode-1' })

const start = (region = 'fr-par'): HostLocator => ({ region, attached: [] })

/** Calls provision until done, as the host service does (each call one quick step). */
const create = provisionSteps(signal, 4)

/** Calls delete until done or until it waits for Linode to remove the instance. */
const tearDown = deleteSteps(signal, 'instance-delete-requested')

const hostTags = (f: FakeLinode): string[] => [...f.state.tags].filter((tag) => tag.startsWith('exitdesk-host-'))

describe('Linode manifest', () => {
  const m = LINODE_MANIFEST
  it('defaults to the cheapest built-in plan, in a built-in region', () => {
    const plan = m.plans.find((candidate) => candidate.id === m.defaultPlan)!
    expect(plan).toBe(m.plans[0])
    expect(plan.monthlyCostUsd).toBe(Math.min(...m.plans.map((candidate) => candidate.monthlyCostUsd)))
    expect(m.regions.map((region) => region.id)).toContain(m.defaultRegion)
    expect(m.image.id).toBe('linode/ubuntu24.04')
    expect(m.rateLimits?.windows).toEqual([{ requests: 200, perSeconds: 60 }])
  })

  it('names: generated ones pass, labels Linode refuses do not', () => {
    for (const seed of [0, 0.3, 0.99]) expect(hostNameProblem(generateHostName(m.nameRule, () => seed), m.nameRule)).toBeUndefined()
    expect(hostNameProblem('exit_node.eu-1', m.nameRule)).toBeUndefined()
    for (const bad of ['1exit', 'ab', 'exit--node', 'exit__node', 'exit..node', 'ends-with-dash-', 'has space', 'a'.repeat(65)]) {
      expect(hostNameProblem(bad, m.nameRule), bad).toBeDefined()
    }
  })

  it('firewall labels fit Linode\'s 32 characters and start with a letter', () => {
    const label = firewallLabel('0b5c7c7e-1d8f-4b43-9a57-6f0c1f3e9d21')
    expect(label).toBe('exitdesk-0b5c7c7e1d8f4b439a576f0')
    expect(label.length).toBeLessThanOrEqual(32)
  })

  it('root passwords are long, mixed and never the same', () => {
    const a = rootPassword()
    expect(a).toHaveLength(40)
    for (const pattern of [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/]) expect(a).toMatch(pattern)
    expect(rootPassword()).not.toBe(a)
  })
})

describe('Linode status mapping', () => {
  it('maps every documented status and keeps unknown ones unknown', () => {
    const table: Record<string, string> = {
      provisioning: 'provisioning',
      booting: 'provisioning',
      running: 'active',
      shutting_down: 'stopping',
      offline: 'stopped',
      stopped: 'stopped',
      deleting: 'deleting',
      migrating: 'active',
      rebuilding: 'provisioning',
      cloning: 'provisioning',
      restoring: 'provisioning',
      resizing: 'provisioning',
      rebooting: 'provisioning',
      busy: 'active',
      billing_suspension: 'error',
    }
    for (const [raw, state] of Object.entries(table)) expect(linodeState(raw), raw).toBe(state)
    expect(linodeState('hibernating')).toBe('unknown')
    expect(linodeState(undefined)).toBe('unknown')
    expect(linodeState('toString')).toBe('unknown')
  })
})

describe('Linode adapter: credentials', () => {
  it('verify answers the account euuid as the identity (never the e-mail), with one request', async () => {
    const { ctx, p, fake } = await setup()
    await expect(p.verify(ctx, signal())).resolves.toEqual({ identity: 'account:e1af5eec-526f-487d-b317-ebeb34c87d71', accountName: 'Example Tunnels (exit@example.com)' })
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v4/account'])
  })

  it('two accounts behind one e-mail are two identities', async () => {
    const { ctx, p } = await setup({ account: { euuid: 'AAAA-1', email: 'same@example.com' } })
    const first = await p.verify(ctx, signal())
    await fake!.close()
    const second = await setup({ account: { euuid: 'BBBB-2', email: 'same@example.com' } })
    const other = await second.p.verify(second.ctx, signal())
    expect(first.identity).not.toBe(other.identity)
  })

  it('a wrong token is "unauthorized" carrying Linode\'s words', async () => {
    const { ctx, p } = await setup()
    const info = await appError(p.verify({ ...ctx, credentials: { token: 'wrong' } }, signal()))
    expect(info.code).toBe('unauthorized')
    expect(info.message).toBe('Linode did not accept the API token. Check it, or create a new one.')
    expect(info.providerMessage).toBe('Invalid Token')
    expect(info.retryable).toBe(false)
  })

  it('a missing token fails before any request is sent', async () => {
    const { ctx, p, fake } = await setup()
    const info = await appError(p.verify({ ...ctx, credentials: {} }, signal()))
    expect(info.code).toBe('unauthorized')
    expect(fake.requests).toHaveLength(0)
  })
})

describe('Linode adapter: catalog', () => {
  it('lists regions with Linodes, Cloud Firewall and Metadata, and plans cheapest first, across pages', async () => {
    const { ctx, p, fake } = await setup({ maxPageSize: 2 })
    const catalog = await p.catalog(ctx, signal())
    expect(catalog.source).toBe('live')
    expect(catalog.note).toBeUndefined()
    const regionIds = catalog.regions.map((r) => r.id).sort()
    expect(regionIds).toEqual(['br-gru', 'fr-par', 'id-cgk', 'nl-ams', 'us-iad', 'us-ord'])
    expect(catalog.plans.map((plan) => plan.id)).toEqual(['g6-nanode-1', 'g6-standard-1', 'g6-standard-2', 'g6-dedicated-2'])
    const nanode = catalog.plans[0]!
    expect(nanode.monthlyCostUsd).toBe(5)
    expect(nanode.costNote).toBe('$6.00/mo in id-cgk, $7.20/mo in br-gru')
    expect(nanode.label).toBe('Nanode 1GB: 1 vCPU, 1 GB RAM, 25 GB storage')
    // 8 regions and 5 types at 2 a page: every page was read.
    const pagesRead = fake.requests.filter((r) => r.path === '/v4/regions').map((r) => new URLSearchParams(r.query).get('page'))
    expect(pagesRead.sort()).toEqual(['1', '2', '3', '4'])
    expect(fake.requests.find((r) => r.path === '/v4/images')?.filter).toEqual({ id: 'linode/ubuntu24.04' })
  })

  it('says so when Linode no longer lists the Ubuntu 24.04 image', async () => {
    const { ctx, p, fake } = await setup()
    fake.setFailure({ method: 'GET', path: '/v4/images', status: 200, body: { data: [], page: 1, pages: 1, results: 0 } })
    const catalog = await p.catalog(ctx, signal())
    expect(catalog.note).toMatch(/does not list the image linode\/ubuntu24\.04/)
  })

  it('falls back to the built-in list, saying why, when Linode cannot be asked', async () => {
    const { ctx, p, fake } = await setup()
    fake.setFailure({ method: 'GET', path: '/v4/linode/types', status: 503 })
    const accounts = { record: () => ({ cloud: 'linode' }), provisioner: () => p, context: async () => ctx } as unknown as AccountService
    const catalog = await new CatalogService({ accounts, clock: { now: () => 0 } }).get('acct-1')
    expect(catalog.source).toBe('built-in')
    expect(catalog.plans[0]?.id).toBe('g6-nanode-1')
    expect(catalog.note).toMatch(/Linode is having trouble \(HTTP 503\)/)
  })
})

describe('Linode adapter: create and delete', () => {
  it('TCP: a firewall open on every TCP port, then the Linode with cloud-init in metadata; active; deleted leaving nothing', async () => {
    const { ctx, p, fake } = await setup()
    const s = spec('h1', 'tcp', { fresh: true })
    const first = await p.provision(ctx, s, start(), undefined, signal())
    expect(first).toMatchObject({ done: false, progress: 'firewall-created' })
    const second = await p.provision(ctx, s, first.locator, first.progress, signal())
    expect(second.done).toBe(true)
    // A fresh create is two round trips: no look-ups.
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /v4/networking/firewalls', 'POST /v4/linode/instances'])

    const [firewall] = [...fake.state.firewalls.values()]
    expect(firewall!.inboundPolicy).toBe('DROP')
    expect(firewall!.outboundPolicy).toBe('ACCEPT')
    expect(firewall!.inbound.map((rule) => `${rule.action} ${rule.protocol} ${rule.ports}`)).toEqual(['ACCEPT TCP 1-65535'])
    expect(firewall!.tags).toEqual(['exitdesk', 'exitdesk-host-h1'])

    const instance = fake.state.instances.get(Number(second.locator.instanceId))!
    expect(instance.userData).toBe(s.userData)
    expect(instance.tags).toEqual(['exitdesk', 'exitdesk-host-h1'])
    expect(instance.image).toBe('linode/ubuntu24.04')
    expect(firewall!.devices).toEqual([instance.id])
    const body = fake.requests[1]!.body as Record<string, unknown>
    expect(body).not.toHaveProperty('stackscript_id')
    expect(body.metadata).toEqual({ user_data: Buffer.from(s.userData).toString('base64') })
    expect(body.firewall_id).toBe(firewall!.id)
    expect(fake.state.stackscripts.size).toBe(0)
    expect(second.locator.attached).toEqual([
      { kind: 'tag', id: 'exitdesk-host-h1' },
      { kind: 'firewall', id: String(firewall!.id) },
    ])

    let seen = await p.status(ctx, second.locator, signal())
    expect(seen).toMatchObject({ state: 'provisioning', rawStatus: 'provisioning', region: 'fr-par', plan: 'g6-nanode-1' })
    fake.advance(PROVISION_MS)
    expect(await p.status(ctx, second.locator, signal())).toMatchObject({ state: 'provisioning', rawStatus: 'booting' })
    fake.advance(BOOT_MS)
    seen = await p.status(ctx, second.locator, signal())
    expect(seen).toMatchObject({ state: 'active', rawStatus: 'running', ipv4: instance.ipv4, ipv6: instance.ipv6 })

    const asked = await tearDown(p, ctx, second)
    expect(asked).toMatchObject({ done: false, progress: 'instance-delete-requested', instancePresent: true })
    expect((await p.status(ctx, second.locator, signal()))?.state).toBe('deleting')
    fake.advance(DELETE_MS)
    const finished = await tearDown(p, ctx, asked)
    expect(finished.done).toBe(true)
    await expect(p.status(ctx, second.locator, signal())).resolves.toBeNull()
    expect(fake.state.instances.size).toBe(0)
    expect(fake.state.firewalls.size).toBe(0)
    expect(hostTags(fake)).toEqual([])
  })

  it('HTTPS: the firewall accepts only 8123, 80 and 443', async () => {
    const { ctx, p, fake } = await setup()
    const done = await create(p, ctx, spec('h2', 'https'))
    expect(done.done).toBe(true)
    const [firewall] = [...fake.state.firewalls.values()]
    expect(firewall!.inbound.map((rule) => `${rule.protocol} ${rule.ports}`)).toEqual(['TCP 8123', 'TCP 80', 'TCP 443'])
    expect(firewall!.inbound.every((rule) => rule.addresses.ipv4?.[0] === '0.0.0.0/0' && rule.addresses.ipv6?.[0] === '::/0')).toBe(true)
    expect(firewall!.inboundPolicy).toBe('DROP')
    fake.advance(DELETE_MS)
    const asked = await tearDown(p, ctx, done)
    fake.advance(DELETE_MS)
    expect((await tearDown(p, ctx, asked)).done).toBe(true)
    expect(fake.state.instances.size + fake.state.firewalls.size + hostTags(fake).length).toBe(0)
  })

  it('an account default firewall is not what applies: the host\'s own firewall is attached', async () => {
    const { ctx, p, fake } = await setup({ defaultFirewall: true })
    const defaultId = fake.state.settings.defaultLinodeFirewall!
    const done = await create(p, ctx, spec('h3', 'tcp'))
    const instanceId = Number(done.locator.instanceId)
    expect(fake.state.firewalls.get(defaultId)!.devices).toEqual([])
    const own = [...fake.state.firewalls.values()].find((firewall) => firewall.id !== defaultId)!
    expect(own.devices).toEqual([instanceId])
    // Without firewall_id the fake would attach the default, as Linode does: the check is real.
    const bare = fake.addInstance({ label: 'someone-else', tags: [], firewallId: defaultId })
    expect(fake.state.firewalls.get(defaultId)!.devices).toEqual([bare.id])
  })

  it('the root password is sent once, differs per Linode, and is redacted wherever it would be echoed', async () => {
    const { ctx, p, fake } = await setup()
    fake.setFailure({ method: 'POST', path: '/v4/linode/instances', status: 400, times: 1 })
    await appError(create(p, ctx, spec('r1')))
    await create(p, ctx, spec('r2'))
    const sent = fake.requests.filter((r) => r.method === 'POST' && r.path === '/v4/linode/instances').map((r) => (r.body as { root_pass: string }).root_pass)
    expect(sent).toHaveLength(2)
    expect(sent[0]).not.toBe(sent[1])
    for (const password of sent) expect(redactor.redactText(`Linode said: root_pass ${password} is weak`)).not.toContain(password)
  })

  it('refuses a cloud-init script over 65,535 bytes before sending the Linode create', async () => {
    const { ctx, p, fake } = await setup()
    const step = await p.provision(ctx, spec('h4', 'tcp', { fresh: true }), start(), undefined, signal())
    const info = await appError(p.provision(ctx, spec('h4', 'tcp', { userData: 'x'.repeat(65_536) }), step.locator, step.progress, signal()))
    expect(info.code).toBe('invalid-input')
    expect(fake.requests.some((r) => r.method === 'POST' && r.path === '/v4/linode/instances')).toBe(false)
  })
})

describe('Linode adapter: unknown outcomes, lookupOnly and fresh', () => {
  it('a firewall and a Linode whose answers were cut off are found by label and tag, never made twice', async () => {
    const { ctx, p, fake } = await setup()
    const s = spec('h5', 'https', { fresh: true })
    fake.setFailure({ method: 'POST', path: '/v4/networking/firewalls', truncate: true, times: 1 })
    const lost = await appError(p.provision(ctx, s, start(), undefined, signal()))
    expect(outcomeUnknown(lost)).toBe(true)
    expect(fake.state.firewalls.size).toBe(1) // Linode made it; its answer was lost

    const found = await p.provision(ctx, { ...s, fresh: false, lookupOnly: true }, start(), undefined, signal())
    expect(found).toMatchObject({ done: false, progress: 'firewall-created' })
    expect(fake.state.firewalls.size).toBe(1)

    fake.setFailure({ method: 'POST', path: '/v4/linode/instances', truncate: true, times: 1 })
    const lostInstance = await appError(p.provision(ctx, { ...s, fresh: false }, found.locator, found.progress, signal()))
    expect(outcomeUnknown(lostInstance)).toBe(true)
    const adopted = await p.provision(ctx, { ...s, fresh: false, lookupOnly: true }, found.locator, found.progress, signal())
    expect(adopted.done).toBe(true)
    expect(fake.state.instances.size).toBe(1)
    expect(adopted.locator.instanceId).toBe(String([...fake.state.instances.keys()][0]))
    expect(fake.requests.filter((r) => r.method === 'POST').map((r) => r.path)).toEqual(['/v4/networking/firewalls', '/v4/linode/instances'])
  })

  it('lookupOnly with nothing there creates nothing and answers unresolved', async () => {
    const { ctx, p, fake } = await setup()
    const firewallStep = await p.provision(ctx, spec('h6', 'tcp', { lookupOnly: true }), start(), undefined, signal())
    expect(firewallStep).toMatchObject({ done: false, unresolved: true })
    const made = await p.provision(ctx, spec('h6', 'tcp'), start(), undefined, signal())
    const instanceStep = await p.provision(ctx, spec('h6', 'tcp', { lookupOnly: true }), made.locator, made.progress, signal())
    expect(instanceStep).toMatchObject({ done: false, unresolved: true })
    expect(fake.requests.filter((r) => r.method === 'POST').map((r) => r.path)).toEqual(['/v4/networking/firewalls'])
    // The look-ups filter on Linode's side with X-Filter.
    expect(fake.requests.find((r) => r.path === '/v4/linode/instances')?.filter).toEqual({ tags: 'exitdesk-host-h6' })
  })

  it('a retried (not fresh) step adopts the Linode an earlier call made instead of paying for two', async () => {
    const { ctx, p, fake } = await setup()
    const first = await create(p, ctx, spec('h7', 'tcp'))
    const again = await p.provision(ctx, spec('h7', 'tcp'), { ...first.locator, instanceId: undefined }, 'firewall-created', signal())
    expect(again.locator.instanceId).toBe(first.locator.instanceId)
    expect(fake.state.instances.size).toBe(1)
  })

  it('teardown leaves the firewall while a duplicate carrying the host tag lives, then removes it', async () => {
    const { ctx, p, fake } = await setup()
    const done = await create(p, ctx, spec('h8', 'tcp'))
    const firewallId = Number(done.locator.attached.find((r) => r.kind === 'firewall')!.id)
    const duplicate = fake.addInstance({ label: 'exit-calm-otter-h8-late', tags: ['exitdesk', 'exitdesk-host-h8'], firewallId })
    const asked = await tearDown(p, ctx, done)
    fake.advance(DELETE_MS)
    const waiting = await tearDown(p, ctx, asked)
    expect(waiting.done).toBe(false)
    expect(waiting.waitingFor).toContain(String(duplicate.id))
    expect(fake.state.firewalls.has(firewallId)).toBe(true)
    expect(fake.state.tags.has('exitdesk-host-h8')).toBe(true)

    // The duplicate is deleted on its own (the host service does that); then the rest goes.
    await tearDown(p, ctx, { locator: { region: 'fr-par', instanceId: String(duplicate.id), attached: [] } })
    fake.advance(DELETE_MS)
    expect((await tearDown(p, ctx, waiting)).done).toBe(true)
    expect(fake.state.instances.size + fake.state.firewalls.size + hostTags(fake).length).toBe(0)
  })

  it('a teardown with nothing recorded still finds the firewall made for the host', async () => {
    const { ctx, p, fake } = await setup()
    await p.provision(ctx, spec('h9', 'https'), start(), undefined, signal())
    const step = await tearDown(p, ctx, { locator: { region: 'fr-par', attached: [{ kind: 'tag', id: 'exitdesk-host-h9' }] } })
    expect(step.done).toBe(true)
    expect(fake.state.firewalls.size).toBe(0)
  })
})

describe('Linode adapter: errors are sentences with Linode\'s words', () => {
  it('403 names the missing permission in Linode\'s words', async () => {
    const { ctx, p, fake } = await setup()
    fake.setFailure({ path: '/v4/account', status: 403, body: { errors: [{ reason: 'Unauthorized' }] } })
    const info = await appError(p.verify(ctx, signal()))
    expect(info.code).toBe('forbidden')
    expect(info.message).toBe('Linode says this token may not do that. Give it the needed scopes.')
    expect(info.providerMessage).toBe('Unauthorized')
  })

  it('400 field errors: "could not accept these settings", with every field and reason', async () => {
    const { ctx, p, fake } = await setup()
    fake.setFailure({ method: 'POST', path: '/v4/linode/instances', status: 400, body: { errors: [{ field: 'root_pass', reason: 'Password does not meet strength requirement.' }, { field: 'region', reason: 'region is not valid' }] } })
    const info = await appError(create(p, ctx, spec('e1')))
    expect(info.code).toBe('unprocessable')
    expect(info.message).toBe('Linode could not accept these settings.')
    expect(info.providerMessage).toBe('root_pass: Password does not meet strength requirement.; region: region is not valid')
    expect(outcomeUnknown(info)).toBe(false)
    expect(info.message + (info.providerMessage ?? '')).not.toMatch(/[A-Za-z0-9!@#%^*=+._-]{40}/)
  })

  it('the fake\'s own validation: a second Linode with the same label is refused with the field', async () => {
    const { ctx, p } = await setup()
    await create(p, ctx, spec('e2'))
    const info = await appError(create(p, ctx, spec('e3', 'tcp', { name: 'exit-calm-otter-e2' })))
    expect(info.providerMessage).toBe('label: Label must be unique among your Linodes')
  })

  it('404 on a status read is "deleted" (null), not an error', async () => {
    const { ctx, p } = await setup()
    await expect(p.status(ctx, { region: 'fr-par', instanceId: '999', attached: [] }, signal())).resolves.toBeNull()
  })

  it('429 says when to try again, from Retry-After', async () => {
    const { ctx, p, fake } = await setup({ retryAfterSeconds: 42 })
    fake.setRequestBudget(0)
    const info = await appError(p.listByTag(ctx, 'account', 'exitdesk', signal()))
    expect(info.code).toBe('rate-limited')
    expect(info.retryAfterSeconds).toBe(42)
    expect(info.message).toMatch(/Exitdesk will try again in 42 s\./)
  })

  it('5xx on the Linode create is an unknown outcome; on a read it is not', async () => {
    const { ctx, p, fake } = await setup()
    fake.setFailure({ method: 'POST', path: '/v4/linode/instances', status: 500, times: 1 })
    const made = await p.provision(ctx, spec('e4'), start(), undefined, signal())
    const info = await appError(p.provision(ctx, spec('e4'), made.locator, made.progress, signal()))
    expect(info.code).toBe('provider-unavailable')
    expect(outcomeUnknown(info)).toBe(true)
    fake.setFailure({ method: 'GET', path: '/v4/linode/instances/1', status: 502, html: true, times: 1 })
    const read = await appError(p.status(ctx, { region: 'fr-par', instanceId: '1', attached: [] }, signal()))
    expect(read.code).toBe('provider-unavailable')
    expect(read.providerMessage).toMatch(/502 Bad Gateway/)
    expect(outcomeUnknown(read)).toBe(false)
  })

  it('a timeout is a plain sentence, and an unknown outcome for a create', async () => {
    const { ctx, p: _unused, fake } = await setup()
    const p = createLinodeProvisioner({ timeoutMs: 200 })
    fake.setFailure({ method: 'POST', path: '/v4/networking/firewalls', delayMs: 2_000, times: 1 })
    const info = await appError(p.provision(ctx, spec('e5', 'tcp', { fresh: true }), start(), undefined, signal()))
    expect(info.code).toBe('timeout')
    expect(info.message).toBe('Linode did not answer in time. Please try again.')
    expect(outcomeUnknown(info)).toBe(true)
  })

  it('a broken body or a foreign 200 is never taken for Linode\'s answer', async () => {
    const { ctx, p, fake } = await setup()
    fake.setFailure({ method: 'GET', path: '/v4/account', truncate: true, times: 1 })
    expect((await appError(p.verify(ctx, signal()))).code).toBe('provider-unavailable')
    fake.setFailure({ method: 'GET', path: '/v4/account', status: 200, html: true, times: 1 })
    expect((await appError(p.verify(ctx, signal()))).message).toBe('Linode answered with something Exitdesk does not understand.')
    fake.setFailure({ method: 'GET', path: '/v4/account', status: 200, body: { email: 'x@example.com' }, times: 1 })
    expect((await appError(p.verify(ctx, signal()))).detail).toBe('account.euuid is missing')
  })
})

describe('Linode adapter: list', () => {
  it('lists every Linode carrying the app tag, pages asked for at once once the total is known', async () => {
    const { ctx, p, fake } = await setup({ maxPageSize: 2 })
    for (let n = 0; n < 7; n++) fake.addInstance({ label: `exit-${n}-node`, tags: ['exitdesk', `exitdesk-host-${n}`] })
    fake.addInstance({ label: 'not-ours', tags: ['web'] })
    const listed = await p.listByTag(ctx, 'account', 'exitdesk', signal())
    expect(listed.map((o) => o.name).sort()).toEqual(['exit-0-node', 'exit-1-node', 'exit-2-node', 'exit-3-node', 'exit-4-node', 'exit-5-node', 'exit-6-node'])
    expect(listed.every((o) => o.state === 'active' && o.ipv4?.startsWith('203.0.113.'))).toBe(true)
    const reads = fake.requests.filter((r) => r.path === '/v4/linode/instances')
    expect(reads.map((r) => new URLSearchParams(r.query).get('page'))).toEqual(['1', '2', '3', '4'])
    expect(reads.every((r) => new URLSearchParams(r.query).get('page_size') === '500')).toBe(true)
    expect(reads.every((r) => JSON.stringify(r.filter) === '{"tags":"exitdesk"}')).toBe(true)
    expect(p.listScopes([])).toEqual(['account'])
  })
})
