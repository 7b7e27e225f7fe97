/**
 * The OVHcloud Public Cloud adapter against the wire-compatible fake (test/fakes/ovh.ts), whose
 * API clock runs an hour ahead of this machine's and which checks every signature: a request
 * signed with the local clock, a wrong secret or another consumer key is refused.
 * Fake time for instance state is advanced explicitly, so nothing here sleeps for an instance.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { BudgetRegistry } from '../../src/main/clouds/budget'
import { apiBase, createOvhProvisioner, INSTANCE_STATES, instanceState, OVH_MANIFEST } from '../../src/main/clouds/ovh'
import { regionLabel } from '../../src/main/clouds/ovh/manifest'
import { carriesTag, displayName, instanceName, tagsFromName } from '../../src/main/clouds/ovh/naming'
import { ovhSignature } from '../../src/main/clouds/ovh/signing'
import type { CloudContext } from '../../src/main/clouds/types'
import type { HostLocator } from '../../src/shared/domain'
import { outcomeUnknown } from '../../src/shared/errors'
import { generateHostName, hostNameProblem } from '../../src/shared/naming'
import { startFakeOvh, type FakeOvh, type FakeOvhOptions } from '../fakes/ovh'
import { FakeClock } from '../support/harness'
import { appError } from '../support/app-error'
import { specMaker } from '../support/adapter-steps'

const ACTIVATE_MS = 60_000
const DELETE_MS = 10_000
const SKEW_S = 3_600
let fake: FakeOvh | undefined

afterEach(async () => {
  await fake?.close()
  fake = undefined
})

async function setup(options: FakeOvhOptions = {}, timeoutMs?: number) {
  fake = await startFakeOvh({ activateAfterMs: ACTIVATE_MS, deleteAfterMs: DELETE_MS, clockSkewSeconds: SKEW_S, ...options })
  const ctx: CloudContext = { accountId: 'acct-1', credentials: { ...fake.credentials }, endpoint: fake.url }
  const p = createOvhProvisioner({ timeoutMs })
  return { fake, ctx, p }
}

const signal = (): AbortSignal => AbortSignal.timeout(5_000)

const spec = specMaker({ region: 'GRA11', plan: 'd2-2' })

const startLocator = (region = 'GRA11'): HostLocator => ({ region, attached: [] })
const calls = (f: FakeOvh): string[] => f.requests.map((r) => `${r.method} ${r.path.replace(f.projectId, '{sn}')}${r.query ? `?${r.query}` : ''}`)

describe('OVHcloud manifest', () => {
  const m = OVH_MANIFEST
  it('defaults to the cheapest priced flavor, IPv4 included; names the project id and API region as public fields', () => {
    const plan = m.plans.find((candidate) => candidate.id === m.defaultPlan)!
    expect(plan.monthlyCostUsd).toBe(Math.min(...m.plans.map((candidate) => candidate.monthlyCostUsd)))
    expect(plan.costNote).toMatch(/IPv4 included/)
    expect(m.regions.map((region) => region.id)).toContain(m.defaultRegion)
    const fields = Object.fromEntries(m.credentialFields.map((field) => [field.key, field]))
    expect(fields.projectId).toMatchObject({ public: true })
    expect(fields.endpoint).toMatchObject({ public: true, optional: true })
    for (const secret of ['applicationKey', 'applicationSecret', 'consumerKey']) expect(fields[secret]?.public).toBeUndefined()
    expect(m.capabilities.httpsFirewall).toBe(false)
    expect(m.rateLimits?.windows).toEqual([{ requests: 60, perSeconds: 60 }])
  })

  it('names: generated ones pass; the instance name carries the host tag and gives it back', () => {
    for (const seed of [0, 0.3, 0.99]) expect(hostNameProblem(generateHostName(m.nameRule, () => seed), m.nameRule)).toBeUndefined()
    const tags = { app: 'exitdesk', host: 'exitdesk-host-6f1c2d3e-0000-4000-8000-0123456789ab' }
    const name = instanceName(tags, 'calm-otter')
    expect(name).toBe('exitdesk-host-6f1c2d3e-0000-4000-8000-0123456789ab.calm-otter')
    expect(tagsFromName(name)).toEqual(['exitdesk', tags.host])
    expect(displayName(name)).toBe('calm-otter')
    expect(carriesTag(name, 'exitdesk')).toBe(true)
    expect(carriesTag(name, tags.host)).toBe(true)
    expect(carriesTag(name, 'exitdesk-host-6f1c2d3e')).toBe(false)
    // Someone's own instances are not Exitdesk's.
    for (const other of ['web-1', 'exitdesk-web.prod', 'exitdesk-host-.x', 'exitdeskhost-1.a']) expect(tagsFromName(other)).toEqual([])
  })
})

describe('OVHcloud endpoints and regions', () => {
  it('the API region picks the base URL (ovh-eu when empty); an account endpoint of its own wins; anything else is refused', () => {
    expect(apiBase({ credentials: {}, endpoint: '' })).toEqual({ apiRegion: 'ovh-eu', baseUrl: 'https://eu.api.ovh.com/1.0' })
    expect(apiBase({ credentials: { endpoint: 'ovh-ca' }, endpoint: '' }).baseUrl).toBe('https://ca.api.ovh.com/1.0')
    expect(apiBase({ credentials: { endpoint: ' ovh-us ' }, endpoint: '' }).baseUrl).toBe('https://api.us.ovhcloud.com/1.0')
    expect(apiBase({ credentials: { endpoint: 'ovh-ca' }, endpoint: 'http://127.0.0.1:9/1.0' })).toEqual({ apiRegion: 'ovh-ca', baseUrl: 'http://127.0.0.1:9/1.0' })
    for (const bad of ['kimsufi-eu', 'constructor', 'https://eu.api.ovh.com/1.0']) expect(() => apiBase({ credentials: { endpoint: bad }, endpoint: '' })).toThrow(/not an OVHcloud API region/)
  })

  it('region codes get their city; unknown codes stay as they are', () => {
    expect(['GRA11', 'SBG5', 'DE1', 'US-EAST-VA-1', 'EU-WEST-PAR', 'BHS5'].map(regionLabel)).toEqual(['Gravelines, FR', 'Strasbourg, FR', 'Frankfurt, DE', 'Vint Hill, US', 'Paris, FR', 'Beauharnois, CA'])
    expect(['XYZ1', 'DEV1', 'UKX'].map(regionLabel)).toEqual(['XYZ1', 'DEV1', 'UKX'])
  })
})

describe('OVHcloud instance states', () => {
  it('maps every status of the schema enum, keeps unknown ones unknown', () => {
    expect(Object.keys(INSTANCE_STATES)).toHaveLength(31)
    expect(['BUILD', 'BUILDING', 'REBUILD'].map(instanceState)).toEqual(['provisioning', 'provisioning', 'provisioning'])
    expect(['ACTIVE', 'SHUTOFF', 'STOPPED', 'DELETING', 'ERROR', 'DELETED', 'SHELVING'].map(instanceState)).toEqual(['active', 'stopped', 'stopped', 'deleting', 'error', 'deleted', 'stopping'])
    expect([instanceState('RESCUE'), instanceState('HIBERNATING'), instanceState(undefined), instanceState('constructor')]).toEqual(['unknown', 'unknown', 'unknown', 'unknown'])
  })
})

describe('OVHcloud signing', () => {
  it('is "$1$" + SHA-1 of secret+consumer+METHOD+url+body+timestamp (checked against Python\'s hashlib)', () => {
    expect(ovhSignature({ applicationSecret: 'AS', consumerKey: 'CK', method: 'get', url: 'https://eu.api.ovh.com/1.0/auth/currentCredential', body: '', timestamp: 1_366_560_945 })).toBe('$1$7967d7352ac7d0636a1ecf092bfaea17512e3928')
    expect(ovhSignature({ applicationSecret: 'AS', consumerKey: 'CK', method: 'POST', url: 'https://eu.api.ovh.com/1.0/cloud/project/p/instance?region=GRA11', body: '{"name":"x"}', timestamp: 1_366_560_945 })).toBe('$1$8fc71c1229b41b24fb9c97ff0b7c6937378825a5')
  })

  it('measures the server time delta once per account, against a clock an hour off, and uses it', async () => {
    const { ctx, p, fake } = await setup()
    await p.verify(ctx, signal())
    await p.catalog(ctx, signal())
    await p.listByTag(ctx, 'account', 'exitdesk', signal())
    expect(calls(fake).filter((call) => call === 'GET /auth/time')).toHaveLength(1)
    expect(calls(fake)[0]).toBe('GET /auth/time')
    expect(p.times.measured).toBe(1)
    // Every other request was signed, and accepted although this machine's clock is an hour behind the API's.
    expect(fake.requests.filter((r) => r.path !== '/auth/time').every((r) => r.signed && r.status === 200)).toBe(true)
    // Another account measures its own.
    await p.verify({ ...ctx, accountId: 'acct-2' }, signal())
    expect(p.times.measured).toBe(2)
  })

  it('the fake really checks the time: a local clock that jumps after the delta was measured is refused once, then measured again', async () => {
    const { ctx, fake } = await setup()
    let jump = 0
    const p = createOvhProvisioner({ now: () => Date.now() + jump })
    await p.verify(ctx, signal())
    // The laptop slept, NTP moved its clock two hours: the kept delta now signs two hours off.
    jump = 2 * SKEW_S * 1000
    const info = await appError(p.verify(ctx, signal()))
    expect(info).toMatchObject({ code: 'unauthorized', providerMessage: 'Invalid signature' })
    expect(fake.requests.at(-1)?.status).toBe(400)
    // The refusal dropped the delta: the next call measures it again and is accepted.
    await expect(p.verify(ctx, signal())).resolves.toMatchObject({ identity: `ovh-eu/project:${fake.projectId}` })
    expect(p.times.measured).toBe(2)
  })
})

describe('OVHcloud credentials and the project identity', () => {
  it('verify reads the project: its id and API region are the identity, never a key', async () => {
    const { ctx, p, fake } = await setup({ projectDescription: 'Tunnels' })
    const found = await p.verify(ctx, signal())
    expect(found).toEqual({ identity: `ovh-eu/project:${fake.projectId}`, accountName: `OVHcloud project Tunnels (${fake.projectId})` })
    expect(calls(fake)).toEqual(['GET /auth/time', 'GET /cloud/project/{sn}'])
    for (const secret of [fake.credentials.applicationKey, fake.credentials.applicationSecret, fake.credentials.consumerKey]) expect(found.identity).not.toContain(secret)
    const ca = await p.verify({ ...ctx, accountId: 'acct-ca', credentials: { ...ctx.credentials, endpoint: 'ovh-ca' } }, signal())
    expect(ca.identity).toBe(`ovh-ca/project:${fake.projectId}`)
  })

  it('a wrong secret, consumer key or application key is refused in OVH\'s words, as a sentence, with nothing secret in it', async () => {
    const { ctx, p, fake } = await setup()
    const badSecret = await appError(p.verify({ ...ctx, credentials: { ...ctx.credentials, applicationSecret: 'not-the-secret' } }, signal()))
    expect(badSecret).toMatchObject({ code: 'unauthorized', providerMessage: 'Invalid signature', retryable: false })
    expect(badSecret.message).toMatch(/application secret and the consumer key/)
    const badConsumer = await appError(p.verify({ ...ctx, credentials: { ...ctx.credentials, consumerKey: 'not-the-consumer' } }, signal()))
    expect(badConsumer).toMatchObject({ code: 'unauthorized', providerMessage: 'This credential is not valid' })
    expect(badConsumer.message).toMatch(/consumer key/)
    const badApp = await appError(p.verify({ ...ctx, credentials: { ...ctx.credentials, applicationKey: 'nope' } }, signal()))
    expect(badApp).toMatchObject({ code: 'unauthorized', providerMessage: 'Invalid application key' })
    for (const info of [badSecret, badConsumer, badApp]) {
      const text = JSON.stringify(info)
      for (const secret of [fake.credentials.applicationSecret, fake.credentials.consumerKey, 'not-the-secret', 'not-the-consumer']) expect(text).not.toContain(secret)
    }
  })

  it('a refused signature drops the delta, so a clock that jumped is measured again on the next call', async () => {
    const { ctx, p } = await setup()
    await p.verify(ctx, signal())
    await appError(p.verify({ ...ctx, credentials: { ...ctx.credentials, applicationSecret: 'wrong' } }, signal()))
    await p.verify(ctx, signal())
    expect(p.times.measured).toBe(2)
  })

  it('another project id is "not found"; a bad API region or a missing key fails before any request', async () => {
    const { ctx, p, fake } = await setup()
    const other = await appError(p.verify({ ...ctx, credentials: { ...ctx.credentials, projectId: 'f'.repeat(32) } }, signal()))
    expect(other).toMatchObject({ code: 'not-found', field: 'credentials.projectId', providerMessage: 'This service does not exist' })
    expect(other.message).toBe(`OVHcloud has no Public Cloud project ${'f'.repeat(32)} for these keys (ovh-eu). Check the project id and the API region.`)
    const sent = fake.requests.length
    expect(await appError(p.verify({ ...ctx, credentials: { ...ctx.credentials, endpoint: 'ovh-mars' } }, signal()))).toMatchObject({ code: 'invalid-input', field: 'credentials.endpoint' })
    expect(await appError(p.verify({ ...ctx, credentials: { ...ctx.credentials, consumerKey: '' } }, signal()))).toMatchObject({ code: 'unauthorized' })
    expect(await appError(p.verify({ ...ctx, credentials: { ...ctx.credentials, projectId: '../me' } }, signal()))).toMatchObject({ code: 'invalid-input' })
    expect(fake.requests.length).toBe(sent)
  })
})

describe('OVHcloud catalogue', () => {
  it('reads the project\'s regions, flavors and images live: priced Linux flavors only, cheapest first, regions with Ubuntu 24.04 only', async () => {
    const { ctx, p, fake } = await setup({ regionsWithoutUbuntu: ['WAW1'] })
    const catalog = await p.catalog(ctx, signal())
    expect(catalog.source).toBe('live')
    expect(catalog.regions.map((r) => r.id).sort()).toEqual(['BHS5', 'GRA11', 'SBG5'])
    expect(catalog.regions.find((r) => r.id === 'GRA11')?.label).toBe('Gravelines, FR')
    expect(catalog.plans.map((plan) => plan.id)).toEqual(['d2-2', 'd2-4', 'b2-7'])
    expect(catalog.plans[0]).toMatchObject({ monthlyCostUsd: 7.23, regions: ['BHS5', 'GRA11', 'SBG5'] })
    expect(catalog.plans[0]!.costNote).toMatch(/IPv4 included/)
    // One round of three lists at once (plus the time, once).
    expect(calls(fake).sort()).toEqual(['GET /auth/time', 'GET /cloud/project/{sn}/flavor', 'GET /cloud/project/{sn}/image?osType=linux', 'GET /cloud/project/{sn}/region'])
  })

  it('a create for a flavor the region lacks, or a region without Ubuntu 24.04, is refused before any POST', async () => {
    const { ctx, p, fake } = await setup({ regionsWithoutUbuntu: ['WAW1'] })
    expect(await appError(p.provision(ctx, spec('x1', 'tcp', { fresh: true, plan: 'z9-99' }), startLocator(), undefined, signal()))).toMatchObject({ code: 'invalid-input', field: 'plan' })
    const noImage = await appError(p.provision(ctx, spec('x2', 'tcp', { fresh: true, region: 'WAW1' }), startLocator('WAW1'), undefined, signal()))
    expect(noImage).toMatchObject({ code: 'unprocessable' })
    expect(noImage.message).toMatch(/no "Ubuntu 24\.04" image in WAW1/)
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(0)
  })

  it('an image OVH republished (the cached id refused with 400) is read again on the next try', async () => {
    const { ctx, p, fake } = await setup()
    await p.catalog(ctx, signal())
    const old = fake.state.images.filter((i) => i.region === 'GRA11' && i.name === 'Ubuntu 24.04' && i.flavorType === null).sort((a, b) => b.creationDate.localeCompare(a.creationDate))[0]!
    // OVH withdraws that build and publishes a new one.
    fake.state.images.splice(fake.state.images.indexOf(old), 1)
    fake.state.images.push({ ...old, id: '11111111-2222-4333-8444-555555555555', creationDate: '2026-11-01T00:00:00Z' })
    const refused = await appError(p.provision(ctx, spec('img', 'tcp', { fresh: true }), startLocator(), undefined, signal()))
    expect(refused).toMatchObject({ code: 'unprocessable', outcome: 'none' })
    fake.requests.length = 0
    const made = await p.provision(ctx, spec('img'), startLocator(), undefined, signal())
    expect(made.done).toBe(true)
    expect(calls(fake).sort()).toEqual(['GET /cloud/project/{sn}/flavor?region=GRA11', 'GET /cloud/project/{sn}/image?osType=linux&region=GRA11', 'GET /cloud/project/{sn}/instance?region=GRA11', 'POST /cloud/project/{sn}/instance'])
    expect([...fake.state.instances.values()][0]!.imageId).toBe('11111111-2222-4333-8444-555555555555')
  })

  it('a failing live call throws instead of pretending (the catalogue service then shows the built-in list)', async () => {
    const { ctx, p, fake } = await setup()
    fake.setFailure({ path: /\/flavor$/, status: 503, message: 'Flavors are resting.' })
    const info = await appError(p.catalog(ctx, signal()))
    expect(info).toMatchObject({ code: 'provider-unavailable', providerMessage: 'Flavors are resting.' })
  })
})

describe('OVHcloud lifecycle', () => {
  it('create (fresh, warm cache: one POST) -> BUILD -> ACTIVE with a public IPv4 -> delete -> 404; the fake holds nothing', async () => {
    const { ctx, p, fake } = await setup()
    await p.catalog(ctx, signal())
    fake.requests.length = 0
    const s = spec('h1', 'https', { fresh: true })
    const created = await p.provision(ctx, s, startLocator(), undefined, signal())
    expect(created).toMatchObject({ done: true, progress: 'instance-created' })
    expect(calls(fake)).toEqual(['POST /cloud/project/{sn}/instance'])
    const flavor = fake.state.flavors.find((f) => f.region === 'GRA11' && f.name === 'd2-2')!
    const image = fake.state.images.filter((i) => i.region === 'GRA11' && i.name === 'Ubuntu 24.04' && i.flavorType === null).sort((a, b) => b.creationDate.localeCompare(a.creationDate))[0]!
    expect(fake.requests[0]!.body).toEqual({
      name: 'exitdesk-host-h1.exit-calm-otter-h1',
      flavorId: flavor.id,
      imageId: image.id,
      region: 'GRA11',
      userData: '#!/bin/bash\necho "inlets exit server"\n',
      monthlyBilling: false,
    })
    expect(created.locator.attached).toEqual([{ kind: 'tag', id: 'exitdesk-host-h1' }])

    const booting = await p.status(ctx, created.locator, signal())
    expect(booting).toMatchObject({ state: 'provisioning', rawStatus: 'BUILD', region: 'GRA11', plan: 'd2-2', name: 'exit-calm-otter-h1', tags: ['exitdesk', 'exitdesk-host-h1'] })
    expect(booting?.ipv4).toBeUndefined()
    fake.advance(ACTIVATE_MS)
    const up = await p.status(ctx, created.locator, signal())
    expect(up).toMatchObject({ state: 'active', rawStatus: 'ACTIVE', ipv4: '198.51.100.1', ipv6: '2001:db8:1::1' })

    const del1 = await p.delete(ctx, created.locator, undefined, signal())
    expect(del1).toMatchObject({ done: false, progress: 'instance-delete-requested', instancePresent: true })
    expect(await p.status(ctx, created.locator, signal())).toMatchObject({ state: 'deleting', rawStatus: 'DELETING' })
    const del2 = await p.delete(ctx, del1.locator, del1.progress, signal())
    expect(del2).toMatchObject({ done: false, instancePresent: true })
    fake.advance(DELETE_MS)
    const del3 = await p.delete(ctx, del2.locator, del2.progress, signal())
    expect(del3).toMatchObject({ done: true })
    expect(del3.locator.attached).toEqual([])
    expect(await p.status(ctx, created.locator, signal())).toBeNull()
    expect(fake.state.instances.size).toBe(0)
    // A delete started over (progress undefined) after the instance is gone is done at once.
    expect(await p.delete(ctx, created.locator, undefined, signal())).toMatchObject({ done: true })
  })

  it('a cold create looks the flavor and image up by region in one parallel round (no catalogue first)', async () => {
    const { ctx, p, fake } = await setup()
    await p.verify(ctx, signal())
    fake.requests.length = 0
    await p.provision(ctx, spec('cold', 'tcp', { fresh: true }), startLocator(), undefined, signal())
    expect(calls(fake).slice(0, 2).sort()).toEqual(['GET /cloud/project/{sn}/flavor?region=GRA11', 'GET /cloud/project/{sn}/image?osType=linux&region=GRA11'])
    expect(calls(fake)[2]).toBe('POST /cloud/project/{sn}/instance')
  })

  it('a retried create finds the instance by its name and makes no second one', async () => {
    const { ctx, p, fake } = await setup()
    const s = spec('retry')
    const first = await p.provision(ctx, { ...s, fresh: true }, startLocator(), undefined, signal())
    // The answer was "lost": the host service asks again from the start, not fresh.
    const again = await p.provision(ctx, s, startLocator(), undefined, signal())
    expect(again).toMatchObject({ done: true, locator: { instanceId: first.locator.instanceId } })
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(1)
    expect(fake.state.instances.size).toBe(1)
    expect(calls(fake)).toContain('GET /cloud/project/{sn}/instance?region=GRA11')
  })

  it('lookupOnly creates nothing: unresolved until the late create shows up, then adopted', async () => {
    const { ctx, p, fake } = await setup()
    const s = spec('late', 'tcp', { lookupOnly: true })
    const nothing = await p.provision(ctx, s, startLocator(), undefined, signal())
    expect(nothing).toMatchObject({ done: false, unresolved: true })
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(0)
    // The earlier create lands late (made by another call, here the fresh path).
    const landed = await p.provision(ctx, { ...s, lookupOnly: false, fresh: true }, startLocator(), undefined, signal())
    const adopted = await p.provision(ctx, s, startLocator(), undefined, signal())
    expect(adopted).toMatchObject({ done: true, locator: { instanceId: landed.locator.instanceId } })
    expect(fake.state.instances.size).toBe(1)
  })

  it('a create that timed out is an unknown outcome (never re-sent blind); the instance it made is then found by name', async () => {
    const { ctx, p, fake } = await setup({}, 300)
    await p.catalog(ctx, signal())
    fake.setFailure({ method: 'POST', path: `/cloud/project/${fake.projectId}/instance`, delayMs: 600, late: true, times: 1 })
    const info = await appError(p.provision(ctx, spec('slow', 'tcp', { fresh: true }), startLocator(), undefined, signal()))
    expect(info.code).toBe('timeout')
    expect(outcomeUnknown(info)).toBe(true)
    await fake.drain()
    expect(fake.state.instances.size).toBe(1)
    const found = await p.provision(ctx, spec('slow', 'tcp', { lookupOnly: true }), startLocator(), undefined, signal())
    expect(found).toMatchObject({ done: true, locator: { instanceId: [...fake.state.instances.keys()][0] } })
  })

  it('lists by the name prefix: the app tag finds every Exitdesk instance and nothing else, a host tag its own', async () => {
    const { ctx, p, fake } = await setup()
    const a = await p.provision(ctx, spec('a', 'tcp', { fresh: true }), startLocator(), undefined, signal())
    await p.provision(ctx, spec('b', 'tcp', { fresh: true, region: 'SBG5' }), startLocator('SBG5'), undefined, signal())
    // Someone's own instance in the same project.
    const flavor = fake.state.flavors.find((f) => f.region === 'GRA11' && f.name === 'd2-2')!
    const image = fake.state.images.find((i) => i.region === 'GRA11')!
    fake.state.instances.set('own', { id: 'own', name: 'exitdesk-web.prod', region: 'GRA11', flavorId: flavor.id, imageId: image.id, userData: '', monthlyBilling: false, createdAtMs: Date.now(), n: 99 })
    const all = await p.listByTag(ctx, 'account', 'exitdesk', signal())
    expect(all.map((o) => o.name).sort()).toEqual(['exit-calm-otter-a', 'exit-calm-otter-b'])
    const one = await p.listByTag(ctx, 'account', 'exitdesk-host-a', signal())
    expect(one.map((o) => o.instanceId)).toEqual([a.locator.instanceId])
    expect(p.listScopes([{ region: 'GRA11', attached: [] }])).toEqual(['account'])
  })
})

describe('OVHcloud errors as sentences', () => {
  it('5xx on a create is an unknown outcome; 429 says when; 409 a conflict; 403 NOT_GRANTED_CALL says which rights', async () => {
    const { ctx, p, fake } = await setup()
    const instancePath = `/cloud/project/${fake.projectId}/instance`
    fake.setFailure({ method: 'POST', path: instancePath, status: 503, message: 'Service temporarily unavailable', times: 1 })
    const unavailable = await appError(p.provision(ctx, spec('e1', 'tcp', { fresh: true }), startLocator(), undefined, signal()))
    expect(unavailable).toMatchObject({ code: 'provider-unavailable', providerMessage: 'Service temporarily unavailable' })
    expect(outcomeUnknown(unavailable)).toBe(true)

    fake.setFailure({ method: 'GET', path: instancePath, status: 429, message: 'Too many requests', headers: { 'retry-after': '7' }, times: 1 })
    const limited = await appError(p.listByTag(ctx, 'account', 'exitdesk', signal()))
    expect(limited).toMatchObject({ code: 'rate-limited', retryAfterSeconds: 7, providerMessage: 'Too many requests' })
    expect(outcomeUnknown(limited)).toBe(false)

    fake.setFailure({ method: 'POST', path: instancePath, status: 409, message: 'Instance is locked', times: 1 })
    const conflict = await appError(p.provision(ctx, spec('e2', 'tcp', { fresh: true }), startLocator(), undefined, signal()))
    expect(conflict).toMatchObject({ code: 'conflict', providerMessage: 'Instance is locked' })
    expect(outcomeUnknown(conflict)).toBe(false)

    fake.setFailure({ method: 'DELETE', status: 403, errorCode: 'NOT_GRANTED_CALL', message: 'This call has not been granted', times: 1 })
    const denied = await appError(p.delete(ctx, { region: 'GRA11', instanceId: '00000000-0000-4000-8000-000000000000', attached: [] }, undefined, signal()))
    expect(denied).toMatchObject({ code: 'forbidden', providerMessage: 'This call has not been granted' })
    expect(denied.message).toMatch(/GET, POST and DELETE on \/cloud\/project/)

    fake.setFailure({ method: 'GET', status: 400, message: 'Invalid parameter region', times: 1 })
    expect(await appError(p.listByTag(ctx, 'account', 'exitdesk', signal()))).toMatchObject({ code: 'unprocessable', providerMessage: 'Invalid parameter region' })
    expect(fake.state.instances.size).toBe(0)
  })

  it('broken bodies and gateway pages are "not OVH\'s answer"; a hung read is a timeout', async () => {
    const { ctx, p, fake } = await setup({}, 300)
    await p.verify(ctx, signal())
    fake.setFailure({ method: 'GET', path: /\/instance$/, truncated: true, times: 1 })
    expect(await appError(p.listByTag(ctx, 'account', 'exitdesk', signal()))).toMatchObject({ code: 'provider-unavailable' })
    fake.setFailure({ method: 'GET', path: /\/instance$/, status: 502, html: true, times: 1 })
    const gateway = await appError(p.listByTag(ctx, 'account', 'exitdesk', signal()))
    expect(gateway).toMatchObject({ code: 'provider-unavailable', providerMessage: '502 Bad Gateway 502 Bad Gateway' })
    fake.setFailure({ method: 'GET', path: /\/instance$/, status: 200, body: { not: 'a list' }, times: 1 })
    expect(await appError(p.listByTag(ctx, 'account', 'exitdesk', signal()))).toMatchObject({ code: 'provider-unavailable' })
    fake.setFailure({ method: 'GET', path: /\/instance$/, delayMs: 1_000, times: 1 })
    const slow = await appError(p.listByTag(ctx, 'account', 'exitdesk', signal()))
    expect(slow.code).toBe('timeout')
    expect(outcomeUnknown(slow)).toBe(false)
  })

  it('every request passes the account budget: with no room nothing is sent, not even the time', async () => {
    const { ctx, p, fake } = await setup()
    const clock = new FakeClock()
    const budget = new BudgetRegistry(clock).for('acct-1', OVH_MANIFEST)!
    const withBudget: CloudContext = { ...ctx, budget, priority: 'background' }
    expect(budget.windows()).toEqual([{ requests: 60, perSeconds: 60 }])
    for (let i = 0; i < 10 && budget.room('background') > 0; i++) await p.listByTag(withBudget, 'account', 'exitdesk', signal())
    while (budget.room('background') > 0) budget.take('background')
    const sent = fake.requests.length
    const refused = await appError(p.verify({ ...withBudget, accountId: 'acct-1' }, signal()))
    expect(refused.code).toBe('rate-limited')
    expect(fake.requests.length).toBe(sent)
    // The time was measured through the budget too (it is the first request the fake saw).
    expect(fake.requests[0]!.path).toBe('/auth/time')
  })
})
