/**
 * The Azure adapter against the wire-compatible fake ARM + Entra ID (test/fakes/azure.ts) on
 * https://127.0.0.1. Fake time is moved on explicitly, so nothing here sleeps for a VM.
 */
import { createHash } from 'node:crypto'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { outcomeUnknown } from '../../src/shared/errors'
import { createAzureProvisioner, groupName, PROGRESS } from '../../src/main/clouds/azure'
import { AZURE_MANIFEST } from '../../src/main/clouds/azure/manifest'
import type { FakeAzure } from '../fakes/azure'
import { appError, contextFor, createUntilDone, deleteUntilDone, guardLookups, haveOpenssl, lookedUp, removeCertificate, signal, spec, startFake, startLocator } from './azure-support'

const HOST = '0d9c7f4e-1b2a-4c3d-8e9f-0a1b2c3d4e5f'
let fake: FakeAzure
let restoreLookups: () => void

beforeEach(() => {
  restoreLookups = guardLookups()
})

afterEach(async () => {
  await fake?.close()
  restoreLookups()
  // Identity and ARM were reached by IP only: no name (login.microsoftonline.com, management.azure.com) was ever looked up.
  expect(lookedUp).toEqual([])
})

afterAll(() => removeCertificate())

const nothingLeft = { groups: 0, vms: 0, nics: 0, publicIps: 0, nsgs: 0, vnets: 0, disks: 0 }

function writes(f: FakeAzure): string[] {
  return f.requests.filter((request) => request.method !== 'GET' && request.path.startsWith('/subscriptions/')).map((request) => `${request.method} ${request.path.replace(/^\/subscriptions\/[^/]+/, '')}`)
}

describe.skipIf(!haveOpenssl)('Azure adapter', () => {
  it('verifies a credential by one read in the subscription, with identity = tenant + subscription, tokens from the fake authority only', async () => {
    fake = await startFake()
    const identity = await createAzureProvisioner().verify(contextFor(fake), signal())
    expect(identity.identity).toBe(`azure:${createHash('sha256').update(`tenant:${fake.tenantId}/subscription:${fake.subscriptionId}`).digest('hex')}`)
    // The ids are credential fields (redacted wherever they would leave main): only their ends are shown.
    expect(identity.accountName).toBe(`subscription …${fake.subscriptionId.slice(-4)} (tenant …${fake.tenantId.slice(-4)})`)
    expect(fake.tokenRequests()).toBe(1)
    expect(fake.requests.map((request) => `${request.method} ${request.path.replace(fake.subscriptionId, '{sub}').replace(fake.tenantId, '{tenant}')}`)).toEqual([
      'GET /{tenant}/v2.0/.well-known/openid-configuration',
      'POST /{tenant}/oauth2/v2.0/token',
      'GET /subscriptions/{sub}/resourcegroups',
    ])
    // Another credential (a second client secret) of the same tenant and subscription is the same account.
    const other = await createAzureProvisioner().verify({ ...contextFor(fake, 'acct-other') }, signal())
    expect(other.identity).toBe(identity.identity)
  })

  it('creates a TCP host (group, all-TCP NSG, Standard static IPv4, VNet, NIC, VM with cloud-init), sees it active, deletes the group and leaves nothing', async () => {
    fake = await startFake()
    const p = createAzureProvisioner()
    const ctx = contextFor(fake)
    const s = spec(HOST, 'tcp', { fresh: true })
    const { step, calls } = await createUntilDone(p, ctx, fake, s)
    expect(step.done).toBe(true)
    expect(calls).toBe(3)
    expect(step.locator.resourceGroup).toBe(groupName(HOST))
    expect(step.locator.instanceId).toBe(`${groupName(HOST)}/${s.name}`)
    // Nothing recorded holds the subscription id: it is a credential field, and the redactor would change it.
    expect(JSON.stringify(step.locator)).not.toContain(fake.subscriptionId)

    const group = fake.groups.get(groupName(HOST))!
    expect(Object.keys(group.tags)).toEqual(['exitdesk', `exitdesk-host-${HOST}`])
    const byType = (type: string) => [...fake.resources.values()].find((resource) => resource.type === type)!
    const nsg = byType('microsoft.network/networksecuritygroups')
    expect(nsg.properties.securityRules).toEqual([expect.objectContaining({ properties: expect.objectContaining({ protocol: 'Tcp', access: 'Allow', direction: 'Inbound', destinationPortRange: '*' }) })])
    const ip = byType('microsoft.network/publicipaddresses')
    expect(ip.body.sku).toEqual({ name: 'Standard', tier: 'Regional' })
    expect(ip.properties.publicIPAllocationMethod).toBe('Static')
    const vm = byType('microsoft.compute/virtualmachines')
    const sent = vm.body.properties as { osProfile: { customData: string; linuxConfiguration: { disablePasswordAuthentication: boolean } }; storageProfile: { imageReference: unknown }; hardwareProfile: { vmSize: string } }
    expect(Buffer.from(sent.osProfile.customData, 'base64').toString('utf8')).toBe(s.userData)
    expect(sent.osProfile.linuxConfiguration.disablePasswordAuthentication).toBe(true)
    expect(sent.storageProfile.imageReference).toEqual({ publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest' })
    expect(sent.hardwareProfile.vmSize).toBe('Standard_B1ls')
    for (const resource of fake.resources.values()) if (resource.type !== 'microsoft.compute/disks') expect(Object.keys(resource.tags)).toContain(`exitdesk-host-${HOST}`)

    // The list names the VM exactly as the create recorded it (ARM upper-cases group names in lists).
    const listed = await p.listByTag(ctx, 'account', 'exitdesk', signal())
    expect(listed.map((observation) => observation.instanceId)).toEqual([step.locator.instanceId])
    const first = await p.status(ctx, step.locator, signal())
    expect(first).toMatchObject({ state: 'provisioning', rawStatus: expect.stringContaining('Creating') })
    fake.advance(3_000)
    const active = await p.status(ctx, step.locator, signal())
    expect(active).toMatchObject({ state: 'active', rawStatus: 'Succeeded, PowerState/running', ipv4: '198.51.100.10', plan: 'Standard_B1ls', region: 'eastus', name: s.name })

    const teardown = await p.delete(ctx, step.locator, undefined, signal())
    expect(teardown).toMatchObject({ done: false, progress: PROGRESS.groupDeleteRequested, instancePresent: true })
    expect((await p.status(ctx, step.locator, signal()))?.state).toBe('deleting')
    const again = await p.delete(ctx, teardown.locator, teardown.progress, signal())
    expect(again.done).toBe(false)
    fake.advance(2_000)
    const gone = await p.delete(ctx, again.locator, again.progress, signal())
    expect(gone.done).toBe(true)
    expect(await p.status(ctx, step.locator, signal())).toBeNull()
    expect(fake.inventory()).toEqual(nothingLeft)
  })

  it('opens only 8123, 80 and 443 for an HTTPS host, and removes everything at teardown', async () => {
    fake = await startFake()
    const p = createAzureProvisioner()
    const ctx = contextFor(fake)
    const { step } = await createUntilDone(p, ctx, fake, spec(HOST, 'https', { fresh: true }))
    expect(step.done).toBe(true)
    const nsg = [...fake.resources.values()].find((resource) => resource.type === 'microsoft.network/networksecuritygroups')!
    const rules = nsg.properties.securityRules as Array<{ properties: { destinationPortRanges?: string[]; destinationPortRange?: string; protocol: string } }>
    expect(rules).toHaveLength(1)
    expect(rules[0]!.properties.destinationPortRanges).toEqual(['8123', '80', '443'])
    expect(rules[0]!.properties.destinationPortRange).toBeUndefined()
    expect(fake.inventory()).toEqual({ groups: 1, vms: 1, nics: 1, publicIps: 1, nsgs: 1, vnets: 1, disks: 1 })
    const { step: last } = await deleteUntilDone(p, ctx, fake, { locator: step.locator })
    expect(last.done).toBe(true)
    expect(fake.inventory()).toEqual(nothingLeft)
  })

  it('a fresh first step creates at once; a retried one looks the host group up first', async () => {
    fake = await startFake()
    const p = createAzureProvisioner()
    const ctx = contextFor(fake)
    await p.provision(ctx, spec(HOST, 'tcp', { fresh: true }), startLocator(), undefined, signal())
    const fresh = fake.requests.filter((request) => request.path.startsWith('/subscriptions/'))
    expect(fresh[0]).toMatchObject({ method: 'PUT', path: expect.stringMatching(/\/resourcegroups\/[^/]+$/) })

    await fake.close()
    fake = await startFake()
    const ctx2 = contextFor(fake, 'acct-azure-2')
    await p.provision(ctx2, spec(HOST, 'tcp'), startLocator(), undefined, signal())
    const retried = fake.requests.filter((request) => request.path.startsWith('/subscriptions/'))
    expect(retried[0]).toMatchObject({ method: 'GET', path: expect.stringMatching(/\/resourcegroups\/[^/]+$/) })
  })

  it('lookupOnly creates nothing and answers unresolved when Azure has nothing for the host', async () => {
    fake = await startFake()
    const p = createAzureProvisioner()
    const step = await p.provision(contextFor(fake), spec(HOST, 'tcp', { lookupOnly: true }), startLocator(), undefined, signal())
    expect(step).toMatchObject({ done: false, unresolved: true })
    expect(writes(fake)).toEqual([])
    expect(fake.inventory()).toEqual(nothingLeft)
  })

  it('a create whose answer was lost is looked up, adopted, and never doubled', async () => {
    fake = await startFake()
    const p = createAzureProvisioner()
    const ctx = contextFor(fake)
    const s = spec(HOST, 'tcp')
    // Step 1 is carried out, then the answer is a 500: the outcome is unknown.
    fake.setFailure({ method: 'PUT', path: /\/resourcegroups\/[^/]+$/, status: 500, afterWork: true, times: 1 })
    const lost = await appError(p.provision(ctx, { ...s, fresh: true }, startLocator(), undefined, signal()))
    expect(outcomeUnknown(lost)).toBe(true)
    expect(lost.message).toMatch(/Azure is having trouble/)

    // Inside the late-processing window: only look-ups. The group is there, its network is not.
    const before = writes(fake).length
    const looked = await p.provision(ctx, { ...s, lookupOnly: true }, startLocator(), undefined, signal())
    expect(looked).toMatchObject({ done: false, unresolved: true })
    expect(writes(fake).length).toBe(before)

    // After the window: the step goes on from what is there.
    const { step } = await createUntilDone(p, ctx, fake, s)
    expect(step.done).toBe(true)

    // The VM's PUT is carried out but its answer lost: the retry finds the VM and adopts it.
    await fake.close()
    fake = await startFake()
    const ctx2 = contextFor(fake, 'acct-azure-3')
    let next = await p.provision(ctx2, { ...s, fresh: true }, startLocator(), undefined, signal())
    fake.advance(1_500)
    next = await p.provision(ctx2, s, next.locator, next.progress, signal())
    fake.advance(1_500)
    fake.setFailure({ method: 'PUT', path: /virtualmachines\/[^/]+$/, status: 503, afterWork: true, times: 1 })
    const vmLost = await appError(p.provision(ctx2, s, next.locator, next.progress, signal()))
    expect(outcomeUnknown(vmLost)).toBe(true)
    const adopted = await p.provision(ctx2, { ...s, lookupOnly: true }, next.locator, next.progress, signal())
    expect(adopted.done).toBe(true)
    expect(adopted.locator.instanceId).toBe(`${groupName(HOST)}/${s.name}`)
    expect(fake.inventory().vms).toBe(1)
    expect(fake.requests.filter((request) => request.method === 'PUT' && /virtualmachines/.test(request.path))).toHaveLength(1)
  })

  it('lists every tagged VM over several pages (nextLink), with its address, and leaves out untagged ones', async () => {
    fake = await startFake({ pageSize: 2 })
    const p = createAzureProvisioner()
    const ctx = contextFor(fake)
    const ids = ['a', 'b', 'c', 'd', 'e'].map((letter) => `${letter.repeat(8)}-1111-4111-8111-111111111111`)
    for (const id of ids) await createUntilDone(p, ctx, fake, spec(id, 'tcp', { fresh: true }))
    // A VM someone else made, without Exitdesk's tag.
    fake.groups.set('someone-else', { name: 'someone-else', location: 'eastus', tags: {} })
    fake.resources.set('/x/vm', { id: '/x/vm', type: 'microsoft.compute/virtualmachines', group: 'someone-else', name: 'web1', location: 'eastus', tags: { team: 'web' }, properties: { provisioningState: 'Succeeded' }, body: {}, createdAtMs: 0, doneAtMs: 0 })
    fake.advance(5_000)
    fake.requests.length = 0
    const listed = await p.listByTag(ctx, 'account', 'exitdesk', signal())
    expect(listed.map((observation) => observation.name).sort()).toEqual(ids.map((id) => `exit-calm-otter-${id.slice(0, 8)}`).sort())
    expect(listed.every((observation) => observation.state === 'active' && observation.ipv4?.startsWith('198.51.100.'))).toBe(true)
    const pages = fake.requests.filter((request) => request.path.endsWith('/providers/microsoft.compute/virtualmachines'))
    expect(pages).toHaveLength(3)
    expect(pages[0]!.query.statusOnly).toBe('true')
    expect(pages.slice(1).every((request) => request.query.$skiptoken !== undefined)).toBe(true)
    const byHostTag = await p.listByTag(ctx, 'account', `exitdesk-host-${ids[2]}`, signal())
    expect(byHostTag).toHaveLength(1)
  })

  it('reads the catalogue from resource SKUs: B1ls only where the subscription may use it', async () => {
    fake = await startFake({ b1lsRegions: ['eastus', 'uksouth'] })
    const catalog = await createAzureProvisioner().catalog(contextFor(fake), signal())
    expect(catalog.source).toBe('live')
    const b1ls = catalog.plans.find((plan) => plan.id === 'Standard_B1ls')!
    expect(b1ls.regions).toEqual(['eastus', 'uksouth'])
    expect(b1ls.monthlyCostUsd).toBeCloseTo(3.8 + 3.65 + 1.54, 2)
    expect(catalog.plans.find((plan) => plan.id === 'Standard_B1s')!.regions).toContain('japaneast')
    expect(catalog.regions.map((region) => region.id)).toContain('japaneast')
  })

  it('never deletes a resource group Exitdesk did not make for the host', async () => {
    fake = await startFake()
    const p = createAzureProvisioner()
    fake.groups.set(groupName(HOST), { name: groupName(HOST), location: 'eastus', tags: { owner: 'someone' } })
    const info = await appError(p.delete(contextFor(fake), { region: 'eastus', resourceGroup: groupName(HOST), attached: [{ kind: 'tag', id: `exitdesk-host-${HOST}` }] }, undefined, signal()))
    expect(info.code).toBe('conflict')
    expect(info.message).toMatch(/not made by Exitdesk/)
    expect(fake.requests.some((request) => request.method === 'DELETE')).toBe(false)
    expect(fake.groups.size).toBe(1)

    // A VM someone tagged "exitdesk" by hand in a shared group: only that VM goes, never the group.
    fake.groups.set('shared', { name: 'shared', location: 'eastus', tags: {} })
    fake.resources.set('/x/db', { id: '/x/db', type: 'microsoft.compute/virtualmachines', group: 'shared', name: 'db1', location: 'eastus', tags: {}, properties: { provisioningState: 'Succeeded' }, body: {}, createdAtMs: 0, doneAtMs: 0 })
    fake.resources.set(`/subscriptions/${fake.subscriptionId}/resourcegroups/shared/providers/microsoft.compute/virtualmachines/web1`.toLowerCase(), { id: 'web1', type: 'microsoft.compute/virtualmachines', group: 'shared', name: 'web1', location: 'eastus', tags: { exitdesk: '' }, properties: { provisioningState: 'Succeeded' }, body: {}, createdAtMs: 0, doneAtMs: 0 })
    const first = await p.delete(contextFor(fake), { region: 'eastus', instanceId: 'shared/web1', attached: [] }, undefined, signal())
    expect(first).toMatchObject({ done: false, instancePresent: true })
    fake.advance(2_000)
    const second = await p.delete(contextFor(fake), first.locator, first.progress, signal())
    expect(second.done).toBe(true)
    expect(fake.groups.has('shared')).toBe(true)
    expect([...fake.resources.values()].map((resource) => resource.name)).toEqual(['db1'])
  })

  it('a teardown finds the group from the host tag alone, and counts an absent group as done', async () => {
    fake = await startFake()
    const p = createAzureProvisioner()
    const ctx = contextFor(fake)
    await createUntilDone(p, ctx, fake, spec(HOST, 'tcp', { fresh: true }))
    // A create whose answers were all lost: the ledger knows only the host's tag.
    const { step } = await deleteUntilDone(p, ctx, fake, { locator: { region: 'eastus', attached: [{ kind: 'tag', id: `exitdesk-host-${HOST}` }] } })
    expect(step.done).toBe(true)
    expect(fake.inventory()).toEqual(nothingLeft)
    const absent = await p.delete(ctx, { region: 'eastus', attached: [{ kind: 'tag', id: `exitdesk-host-${HOST}` }] }, undefined, signal())
    expect(absent.done).toBe(true)
  })

  it('a group delete Azure accepted but did not carry out is sent again when the host service starts over', async () => {
    fake = await startFake()
    const p = createAzureProvisioner()
    const ctx = contextFor(fake)
    const { step } = await createUntilDone(p, ctx, fake, spec(HOST, 'tcp', { fresh: true }))
    fake.setFailure({ method: 'DELETE', path: /\/resourcegroups\/[^/]+$/, ignore: true, times: 1 })
    const first = await p.delete(ctx, step.locator, undefined, signal())
    expect(first).toMatchObject({ done: false, instancePresent: true })
    fake.advance(10_000)
    expect(fake.groups.size).toBe(1)
    // After the grace, the host service calls with progress undefined: the delete goes again.
    const resent = await p.delete(ctx, first.locator, undefined, signal())
    expect(resent.done).toBe(false)
    const { step: last } = await deleteUntilDone(p, ctx, fake, { locator: resent.locator, progress: resent.progress })
    expect(last.done).toBe(true)
    expect(fake.inventory()).toEqual(nothingLeft)
  })

  it('a network resource that ends Failed refuses the create in a sentence; the teardown removes the group', async () => {
    fake = await startFake()
    const p = createAzureProvisioner()
    const ctx = contextFor(fake)
    fake.failNext('microsoft.network/publicipaddresses')
    const first = await p.provision(ctx, spec(HOST, 'tcp', { fresh: true }), startLocator(), undefined, signal())
    fake.advance(1_500)
    const info = await appError(p.provision(ctx, spec(HOST, 'tcp'), first.locator, first.progress, signal()))
    expect(info).toMatchObject({ code: 'unprocessable', retryable: false })
    expect(info.message).toBe("Azure could not create the host's public IP address (provisioning state Failed). Exitdesk removes what was made; try another region or size.")
    const { step } = await deleteUntilDone(p, ctx, fake, { locator: first.locator })
    expect(step.done).toBe(true)
    expect(fake.inventory()).toEqual(nothingLeft)
  })

  it('a VM size the region does not offer the subscription is refused with ARM\'s words', async () => {
    fake = await startFake({ b1lsRegions: ['eastus'] })
    const p = createAzureProvisioner()
    const ctx = contextFor(fake)
    const s = spec(HOST, 'tcp', { region: 'japaneast', fresh: true })
    let step = await p.provision(ctx, s, startLocator('japaneast'), undefined, signal())
    fake.advance(1_500)
    step = await p.provision(ctx, s, step.locator, step.progress, signal())
    fake.advance(1_500)
    const info = await appError(p.provision(ctx, s, step.locator, step.progress, signal()))
    expect(info.code).toBe('unprocessable')
    expect(info.message).toBe('Azure does not offer this VM size in this region to the subscription. Pick another size or region.')
    expect(info.providerMessage).toMatch(/^SkuNotAvailable: The requested VM size/)
  })

  it('manifest: credential fields, identity and documented ARM limits', () => {
    expect(AZURE_MANIFEST.credentialFields.map((field) => field.key)).toEqual(['tenantId', 'clientId', 'clientSecret', 'subscriptionId'])
    expect(AZURE_MANIFEST.credentialFields.find((field) => field.key === 'clientSecret')!.kind).toBe('secret')
    expect(AZURE_MANIFEST.defaultPlan).toBe('Standard_B1ls')
    expect(AZURE_MANIFEST.plans[0]!.monthlyCostUsd).toBe(8.99)
    for (const window of AZURE_MANIFEST.rateLimits!.windows) expect(window.requests).toBeLessThanOrEqual(200 + 10 * window.perSeconds)
  })
})
