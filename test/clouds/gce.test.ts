/**
 * The Google Compute Engine adapter, on the official SDK, against the wire-compatible fake
 * (test/fakes/gce.ts) on 127.0.0.1. The SDK reaches the fake over plain http (`apiEndpoint`,
 * `port`, `protocol: 'http'`, `fallback: true`) with an injected OAuth2 client holding a static
 * token; one suite uses the real credential path (a self-signed JWT from the key, checked by
 * the fake against the key's public half). Fake time is advanced explicitly: nothing sleeps.
 */
import { createHash, randomUUID } from 'node:crypto'
import { OAuth2Client } from 'google-auth-library'
import { afterEach, describe, expect, it } from 'vitest'
import { AppError, outcomeUnknown } from '../../src/shared/errors'
import type { HostLocator, TunnelMode } from '../../src/shared/domain'
import type { CloudContext, ProvisionSpec, Provisioner, StepResult } from '../../src/main/clouds/types'
import { createGceProvisioner, GCE_MANIFEST, instanceState, type GceProvisionerOptions } from '../../src/main/clouds/gce'
import { generateHostName, hostNameProblem } from '../../src/shared/naming'
import { startFakeGce, type FakeGce, type FakeGceOptions, type FakeServiceAccountKey } from '../fakes/gce'
import { appError } from '../support/app-error'

const OPERATION_MS = 5_000
const RUNNING_MS = 30_000
let fake: FakeGce | undefined

afterEach(async () => {
  await fake?.close()
  fake = undefined
})

/** The tests' auth client: google-auth-library's OAuth2 client holding a static, unexpired token (never refreshed, so nothing is asked of Google). */
export function staticTokenClient(token: string): OAuth2Client {
  const client = new OAuth2Client()
  client.setCredentials({ access_token: token, token_type: 'Bearer', expiry_date: Date.now() + 24 * 3600_000 })
  return client
}

async function setup(options: FakeGceOptions = {}, provisionerOptions: GceProvisionerOptions = {}) {
  fake = await startFakeGce({ operationMs: OPERATION_MS, stagingAfterMs: 10_000, runningAfterMs: RUNNING_MS, ...options })
  const key = fake.newKey()
  const token = fake.token
  const p = createGceProvisioner({ credentialFor: () => staticTokenClient(token), ...provisionerOptions })
  const ctx: CloudContext = { accountId: 'acct-1', credentials: { serviceAccountKey: JSON.stringify(key, null, 2), projectId: fake.project }, endpoint: fake.url }
  return { fake, ctx, p, key }
}

const signal = (): AbortSignal => AbortSignal.timeout(10_000)

function spec(mode: TunnelMode = 'tcp', overrides: Partial<ProvisionSpec> = {}): ProvisionSpec {
  const hostId = randomUUID()
  return {
    hostId,
    name: `exit-${hostId.slice(0, 8)}`,
    region: 'us-central1-a',
    plan: 'e2-micro',
    userData: '#!/bin/bash\necho "inlets exit server"\n',
    tunnel: { mode, inletsVersion: '0.11.14', domains: mode === 'https' ? ['tunnel.example.com'] : [], letsEncryptIssuer: 'staging' },
    tags: { app: 'exitdesk', host: `exitdesk-host-${hostId}` },
    fresh: true,
    ...overrides,
  }
}

const startLocator = (region = 'us-central1-a'): HostLocator => ({ region, attached: [] })

/** Calls provision as the host service does, advancing fake time while an operation runs. */
async function createHost(p: Provisioner, ctx: CloudContext, s: ProvisionSpec, f: FakeGce): Promise<StepResult> {
  let step = await p.provision(ctx, s, startLocator(s.region), undefined, signal())
  for (let calls = 0; !step.done && calls < 10; calls++) {
    if (step.unresolved) throw new Error('unresolved')
    f.advance(OPERATION_MS)
    step = await p.provision(ctx, { ...s, fresh: false }, step.locator, step.progress, signal())
  }
  return step
}

/** Calls delete as the host service does across refreshes, advancing fake time between calls. */
async function tearDown(p: Provisioner, ctx: CloudContext, locator: HostLocator, f: FakeGce, progress?: string, limit = 12): Promise<StepResult> {
  let step = await p.delete(ctx, locator, progress, signal())
  for (let calls = 1; !step.done && calls < limit; calls++) {
    f.advance(OPERATION_MS)
    step = await p.delete(ctx, step.locator, step.progress, signal())
  }
  return step
}

const posts = (f: FakeGce, what: string) => f.requests.filter((r) => r.method === 'POST' && r.path.endsWith(what))

describe('GCE manifest and states', () => {
  const m = GCE_MANIFEST
  it('defaults to e2-micro in a free-tier zone, priced with its external IPv4 and boot disk', () => {
    const plan = m.plans.find((candidate) => candidate.id === m.defaultPlan)!
    expect(plan.id).toBe('e2-micro')
    expect(plan.monthlyCostUsd).toBe(Math.min(...m.plans.map((candidate) => candidate.monthlyCostUsd)))
    // 6.12 (machine) + 3.65 (IPv4) + 0.40 (10 GB standard disk)
    expect(plan.monthlyCostUsd).toBeCloseTo(10.17, 2)
    expect(plan.costNote).toMatch(/IPv4/)
    expect(plan.costNote).toMatch(/boot disk/)
    expect(m.regions.map((region) => region.id)).toContain(m.defaultRegion)
    expect(m.regions.find((region) => region.id === 'us-central1-a')?.label).toMatch(/free-tier/)
    expect(m.regions.find((region) => region.id === 'europe-west2-a')?.label).not.toMatch(/free-tier/)
    expect(m.image.id).toBe('projects/ubuntu-os-cloud/global/images/family/ubuntu-2404-lts-amd64')
    expect(m.rateLimits?.windows).toEqual([{ requests: 1_500, perSeconds: 60 }])
  })

  it('names: generated ones pass, ones GCE refuses do not', () => {
    for (const seed of [0, 0.3, 0.99]) expect(hostNameProblem(generateHostName(m.nameRule, () => seed), m.nameRule)).toBeUndefined()
    expect(hostNameProblem('Exit', m.nameRule)).toBeDefined()
    expect(hostNameProblem('exit.example.com', m.nameRule)).toBeDefined()
    expect(hostNameProblem('1exit', m.nameRule)).toBeDefined()
    expect(hostNameProblem('a'.repeat(64), m.nameRule)).toBeDefined()
  })

  it('maps every documented status; TERMINATED is stopped, not deleted; unknown words stay unknown', () => {
    expect(['PROVISIONING', 'STAGING'].map(instanceState)).toEqual(['provisioning', 'provisioning'])
    expect(instanceState('RUNNING')).toBe('active')
    expect(['STOPPING', 'SUSPENDING'].map(instanceState)).toEqual(['stopping', 'stopping'])
    expect(['STOPPED', 'SUSPENDED', 'TERMINATED'].map(instanceState)).toEqual(['stopped', 'stopped', 'stopped'])
    expect(instanceState('SOMETHING_NEW')).toBe('unknown')
    expect(instanceState(undefined)).toBe('unknown')
  })
})

describe('GCE adapter: the SDK is loaded only when a GCE account is used', () => {
  it('no module of the adapter imports the SDK or the auth library except as types or by dynamic import()', async () => {
    const { readdirSync, readFileSync } = await import('node:fs')
    const dir = 'src/main/clouds/gce'
    const files = readdirSync(dir).filter((file) => file.endsWith('.ts'))
    expect(files.length).toBeGreaterThan(5)
    for (const file of files) {
      const source = readFileSync(`${dir}/${file}`, 'utf8')
      expect(source, file).not.toMatch(/^import (?!type )[^\n]*from '(@google-cloud\/compute|google-auth-library|google-gax)'/m)
      expect(source, file).not.toMatch(/require\(['"](@google-cloud\/compute|google-auth-library|google-gax)/)
    }
    expect(readFileSync(`${dir}/client.ts`, 'utf8')).toContain("import('@google-cloud/compute')")
  })
})

describe('GCE adapter: the service-account key', () => {
  const base = (f: FakeGce): FakeServiceAccountKey => f.newKey()
  const cases: Array<[string, (key: Record<string, unknown>) => unknown, RegExp]> = [
    ['not JSON', (key) => JSON.stringify(key).slice(0, -10), /not valid JSON/],
    ['a JSON list', (key) => JSON.stringify([key]), /not a JSON object/],
    ['another key type', (key) => JSON.stringify({ ...key, type: 'authorized_user' }), /not a service-account key/],
    ['no type', (key) => JSON.stringify({ ...key, type: undefined }), /no "type"/],
    ['no project_id', (key) => JSON.stringify({ ...key, project_id: '' }), /no "project_id"/],
    ['a bad project_id', (key) => JSON.stringify({ ...key, project_id: 'My Project' }), /not a Google Cloud project id/],
    ['no client_email', (key) => JSON.stringify({ ...key, client_email: undefined }), /no "client_email"/],
    ['a user e-mail', (key) => JSON.stringify({ ...key, client_email: 'sammy@example.com' }), /not a service account's address/],
    ['no client_id', (key) => JSON.stringify({ ...key, client_id: undefined }), /no "client_id"/],
    ['no private key', (key) => JSON.stringify({ ...key, private_key: undefined }), /no "private_key"/],
    ['a damaged private key', (key) => JSON.stringify({ ...key, private_key: `${String(key.private_key).slice(0, 300)}\n-----END PRIVATE KEY-----\n` }), /does not parse/],
  ]

  it.each(cases)('%s is refused field by field, before any request, quoting nothing of the key', async (_what, damage, expected) => {
    const { ctx, p, fake: f } = await setup()
    const key = base(f) as unknown as Record<string, unknown>
    const text = damage(key) as string
    const info = await appError(p.verify({ ...ctx, credentials: { ...ctx.credentials, serviceAccountKey: text } }, signal()))
    expect(info.code).toBe('invalid-input')
    expect(info.field).toBe('credentials.serviceAccountKey')
    expect(info.message).toMatch(expected)
    const said = JSON.stringify(info)
    for (const [field, value] of Object.entries(key)) if (!['type', 'auth_uri', 'token_uri'].includes(field) && typeof value === 'string') expect(said).not.toContain(value.slice(0, 40))
    expect(said).not.toContain('PRIVATE KEY-----\n')
    expect(said).not.toContain(text.slice(0, 30))
    expect(f.requests).toHaveLength(0)
  })

  it('a project id that is not one is refused before any request', async () => {
    const { ctx, p, fake: f } = await setup()
    const info = await appError(p.verify({ ...ctx, credentials: { ...ctx.credentials, projectId: '123456789012' } }, signal()))
    expect(info).toMatchObject({ code: 'invalid-input', field: 'credentials.projectId' })
    expect(f.requests).toHaveLength(0)
  })
})

describe('GCE adapter: verify and identity', () => {
  it('answers the project and the service account by its unique id, with one cheap GET', async () => {
    const { ctx, p, fake: f, key } = await setup()
    const digest = createHash('sha256').update(`project:${f.project}/service-account:${key.client_id}`).digest('hex')
    await expect(p.verify(ctx, signal())).resolves.toEqual({ identity: `gce-sha256:${digest}`, accountName: `${f.project} (${key.client_email})` })
    expect(f.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`GET projects/${f.project}`])
  })

  it('without a project id the key\'s own project_id is used; a project id given is asked for instead', async () => {
    const { ctx, p, fake: f } = await setup()
    const withoutProject = await p.verify({ ...ctx, credentials: { serviceAccountKey: ctx.credentials.serviceAccountKey! } }, signal())
    expect(withoutProject).toEqual(await p.verify(ctx, signal()))
    await appError(p.verify({ ...ctx, credentials: { ...ctx.credentials, projectId: 'other-project-1' } }, signal()))
    expect(f.requests.map((r) => r.path)).toEqual([`projects/${f.project}`, `projects/${f.project}`, 'projects/other-project-1'])
  })

  it('the identity never spells out the project id, which main redacts as a credential value', async () => {
    const { ctx, p, fake: f, key } = await setup()
    const { identity } = await p.verify(ctx, signal())
    expect(identity).not.toContain(f.project)
    expect(identity).not.toContain(key.client_id)
  })

  it('a new key of the same service account is the same account; another service account is not', async () => {
    const { ctx, p, fake: f, key } = await setup()
    const sameAccount = f.newKey({ clientId: key.client_id, clientEmail: key.client_email })
    const other = f.newKey()
    const a = await p.verify(ctx, signal())
    const b = await p.verify({ ...ctx, credentials: { ...ctx.credentials, serviceAccountKey: JSON.stringify(sameAccount) } }, signal())
    const c = await p.verify({ ...ctx, credentials: { ...ctx.credentials, serviceAccountKey: JSON.stringify(other) } }, signal())
    expect(b.identity).toBe(a.identity)
    expect(c.identity).not.toBe(a.identity)
  })

  it('the real credential path: a self-signed JWT from the key, verified by the fake; nothing but the endpoint is asked', async () => {
    const { ctx, fake: f, key } = await setup()
    const real = createGceProvisioner()
    await expect(real.verify(ctx, signal())).resolves.toMatchObject({ accountName: `${f.project} (${key.client_email})` })
    f.revokeKey(key.client_email)
    const info = await appError(real.verify({ ...ctx, accountId: 'acct-2' }, signal()))
    expect(info.code).toBe('unauthorized')
    expect(info.message).toMatch(/service-account key/)
    expect(info.providerMessage).toMatch(/invalid authentication credentials/)
  })

  it('an unknown project is "not found" in a sentence', async () => {
    const { ctx, p } = await setup()
    const info = await appError(p.verify({ ...ctx, credentials: { ...ctx.credentials, projectId: 'another-project' } }, signal()))
    expect(info.code).toBe('not-found')
    expect(info.providerMessage).toContain('another-project')
  })

  it('the SDK never reaches a host other than the account endpoint', async () => {
    const { GceTransport } = await import('../../src/main/clouds/gce/transport')
    let asked = 0
    const transport = new GceTransport({ origin: 'http://127.0.0.1:9', credential: { getRequestHeaders: () => Promise.resolve((asked++, { authorization: 'Bearer x' })) } })
    const info = await appError(transport.fetch('http://metadata.google.internal/computeMetadata/v1/instance'))
    expect(info.message).toMatch(/outside the account's endpoint/)
    expect(asked).toBe(0)
  })
})

describe('GCE adapter: catalog', () => {
  it('lists the project\'s zones that are UP, free-tier ones marked; plans are the built-in priced list', async () => {
    const { ctx, p } = await setup()
    const catalog = await p.catalog(ctx, signal())
    expect(catalog.source).toBe('live')
    expect(catalog.regions.map((r) => r.id)).toContain('us-central1-a')
    expect(catalog.regions.find((r) => r.id === 'us-west1-a')?.label).toMatch(/free-tier/)
    expect(catalog.plans[0]?.id).toBe('e2-micro')
  })
})

describe('GCE adapter: lifecycle', () => {
  it('TCP: firewall rule (all TCP) -> instance -> active with an IPv4 -> delete -> the fake holds nothing', async () => {
    const { ctx, p, fake: f } = await setup()
    const s = spec('tcp')
    const step1 = await p.provision(ctx, s, startLocator(), undefined, signal())
    expect(step1).toMatchObject({ done: false })
    expect(step1.progress).toMatch(/^firewall-requested:operation-/)
    expect(step1.locator.attached).toEqual([
      { kind: 'firewall', id: s.tags.host },
      { kind: 'tag', id: s.tags.host },
    ])
    const rule = f.state.firewalls.get(s.tags.host)!
    expect(rule.body).toMatchObject({ network: 'global/networks/default', direction: 'INGRESS', sourceRanges: ['0.0.0.0/0'], targetTags: [s.tags.host], allowed: [{ IPProtocol: 'tcp' }] })

    // The rule's operation is still running: the next step only looks.
    const waiting = await p.provision(ctx, { ...s, fresh: false }, step1.locator, step1.progress, signal())
    expect(waiting).toMatchObject({ done: false, progress: step1.progress, waitingFor: 'Google to create the firewall rule' })
    expect(posts(f, '/instances')).toHaveLength(0)

    f.advance(OPERATION_MS)
    const step2 = await p.provision(ctx, s, step1.locator, step1.progress, signal())
    expect(step2.progress).toMatch(/^instance-requested:operation-[^:]+$/)
    expect(step2.locator.instanceId).toBeUndefined()
    const insert = posts(f, '/instances')[0]!
    expect(insert.path).toBe(`projects/${f.project}/zones/us-central1-a/instances`)
    expect(insert.query.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(insert.body).toEqual({
      name: s.name,
      machineType: 'zones/us-central1-a/machineTypes/e2-micro',
      labels: { exitdesk_app: 'exitdesk', exitdesk_host: s.tags.host },
      tags: { items: [s.tags.host] },
      metadata: { items: [{ key: 'user-data', value: s.userData }] },
      disks: [
        {
          boot: true,
          autoDelete: true,
          initializeParams: {
            sourceImage: 'projects/ubuntu-os-cloud/global/images/family/ubuntu-2404-lts-amd64',
            diskSizeGb: '10',
            diskType: 'zones/us-central1-a/diskTypes/pd-standard',
            labels: { exitdesk_app: 'exitdesk', exitdesk_host: s.tags.host },
            // The SDK's serializer sends the empty proto map; the contract test checks the field exists.
            resourceManagerTags: {},
          },
        },
      ],
      // Ephemeral: no natIP named, so nothing is reserved.
      networkInterfaces: [{ network: 'global/networks/default', accessConfigs: [{ name: 'External NAT', type: 'ONE_TO_ONE_NAT' }] }],
    })

    // The instance's operation still runs: the next step only looks, and asks for nothing again.
    const step3 = await p.provision(ctx, { ...s, fresh: false }, step2.locator, step2.progress, signal())
    expect(step3).toMatchObject({ done: false, progress: step2.progress, waitingFor: 'Google to create the instance' })
    expect(posts(f, '/instances')).toHaveLength(1)
    f.advance(OPERATION_MS)
    const step4 = await p.provision(ctx, s, step3.locator, step3.progress, signal())
    expect(step4.done).toBe(true)
    const id = step4.locator.instanceId!
    expect(id).toBe([...f.state.instances.values()][0]!.id)

    const booting = await p.status(ctx, step4.locator, signal())
    expect(booting).toMatchObject({ instanceId: id, name: s.name, region: 'us-central1-a', plan: 'e2-micro', state: 'provisioning', rawStatus: 'PROVISIONING' })
    expect(booting?.ipv4).toBeUndefined()
    f.advance(10_000)
    expect(await p.status(ctx, step4.locator, signal())).toMatchObject({ state: 'provisioning', rawStatus: 'STAGING' })
    expect(booting?.tags.sort()).toEqual(['exitdesk', s.tags.host].sort())

    f.advance(RUNNING_MS)
    const up = await p.status(ctx, step4.locator, signal())
    expect(up).toMatchObject({ state: 'active', rawStatus: 'RUNNING' })
    expect(up?.ipv4).toMatch(/^198\.51\.100\.\d+$/)

    const d1 = await p.delete(ctx, step4.locator, undefined, signal())
    expect(d1).toMatchObject({ done: false, progress: 'instance-delete-requested', instancePresent: true })
    expect((await p.status(ctx, d1.locator, signal()))?.rawStatus).toBe('STOPPING')
    expect(f.state.firewalls.size).toBe(1) // the rule outlives the instance
    const done = await tearDown(p, ctx, d1.locator, f, d1.progress)
    expect(done.done).toBe(true)
    await expect(p.status(ctx, done.locator, signal())).resolves.toBeNull()
    expect(f.state.instances.size).toBe(0)
    expect(f.state.firewalls.size).toBe(0)
    expect(f.state.addresses.size).toBe(0)
    expect(f.requests.filter((r) => r.method === 'DELETE').map((r) => r.path.split('/').at(-2))).toEqual(['instances', 'firewalls'])
  })

  it('HTTPS: the host\'s own rule opens exactly 8123, 80 and 443 to its network tag only, and goes at teardown', async () => {
    const { ctx, p, fake: f } = await setup()
    const s = spec('https')
    const created = await createHost(p, ctx, s, f)
    expect(created.done).toBe(true)
    const rule = f.state.firewalls.get(s.tags.host)!
    expect(rule.body.allowed).toEqual([{ IPProtocol: 'tcp', ports: ['8123', '80', '443'] }])
    expect(rule.body.targetTags).toEqual([s.tags.host])
    const instance = [...f.state.instances.values()][0]!
    expect(instance.networkTags).toEqual([s.tags.host])

    // A second host gets a rule of its own: nothing is shared or overwritten.
    const other = spec('tcp')
    await createHost(p, ctx, other, f)
    expect(f.state.firewalls.size).toBe(2)
    expect(f.state.firewalls.get(s.tags.host)!.body.allowed).toEqual([{ IPProtocol: 'tcp', ports: ['8123', '80', '443'] }])

    expect((await tearDown(p, ctx, created.locator, f)).done).toBe(true)
    expect([...f.state.firewalls.keys()]).toEqual([other.tags.host])
    expect(f.state.instances.size).toBe(1)
  })

  it('a teardown of a host known only by its label (a lost ledger) finds its rule by name and removes it', async () => {
    const { ctx, p, fake: f } = await setup()
    const s = spec('https')
    const created = await createHost(p, ctx, s, f)
    const known: HostLocator = { region: 'us-central1-a', instanceId: created.locator.instanceId, attached: [{ kind: 'tag', id: s.tags.host }] }
    expect((await tearDown(p, ctx, known, f)).done).toBe(true)
    expect(f.state.instances.size + f.state.firewalls.size).toBe(0)
  })

  it('the rule stays while another live instance carries the host label (a duplicate), and goes after it', async () => {
    const { ctx, p, fake: f } = await setup()
    const s = spec('tcp')
    const created = await createHost(p, ctx, s, f)
    const twin = f.addInstance({ name: 'late-twin', zone: 'us-east1-b', labels: { exitdesk_app: 'exitdesk', exitdesk_host: s.tags.host } })
    let step = await p.delete(ctx, created.locator, undefined, signal())
    for (let calls = 0; calls < 4; calls++) {
      f.advance(OPERATION_MS)
      step = await p.delete(ctx, step.locator, step.progress, signal())
    }
    expect(step.done).toBe(false)
    expect(step.waitingFor).toContain('us-east1-b/late-twin')
    expect(f.state.firewalls.size).toBe(1)
    f.state.instances.delete(twin.id)
    step = await p.delete(ctx, step.locator, step.progress, signal())
    for (let calls = 0; !step.done && calls < 4; calls++) {
      f.advance(OPERATION_MS)
      step = await p.delete(ctx, step.locator, step.progress, signal())
    }
    expect(step.done).toBe(true)
    expect(f.state.firewalls.size).toBe(0)
  })
})

describe('GCE adapter: nothing doubled', () => {
  it('lookupOnly with nothing made creates nothing and answers unresolved', async () => {
    const { ctx, p, fake: f } = await setup()
    const s = spec('tcp', { fresh: false, lookupOnly: true })
    const step = await p.provision(ctx, s, startLocator(), undefined, signal())
    expect(step).toMatchObject({ done: false, unresolved: true })
    expect(f.requests.filter((r) => r.method !== 'GET')).toHaveLength(0)
  })

  it('an instance insert that timed out but was carried out is found by lookupOnly and adopted, never inserted again', async () => {
    const { ctx, p: unused, fake: f } = await setup()
    void unused
    const p = createGceProvisioner({ credentialFor: () => staticTokenClient(f.token), timeoutMs: 300 })
    const s = spec('tcp')
    const step1 = await p.provision(ctx, s, startLocator(), undefined, signal())
    f.advance(OPERATION_MS)
    f.setFailure({ method: 'POST', path: /\/instances$/, hang: true, carryOut: true, times: 1 })
    const info = await appError(p.provision(ctx, s, step1.locator, step1.progress, signal()))
    expect(info.code).toBe('timeout')
    expect(outcomeUnknown(info)).toBe(true)
    expect(f.state.instances.size).toBe(1)

    const looked = await p.provision(ctx, { ...s, fresh: false, lookupOnly: true }, step1.locator, step1.progress, signal())
    expect(looked.done).toBe(true)
    expect(looked.locator.instanceId).toBe([...f.state.instances.values()][0]!.id)
    expect(posts(f, '/instances')).toHaveLength(1)
  })

  it('a create step repeated from the start after a crash adopts the rule (409) and the instance (by name and label)', async () => {
    const { ctx, p, fake: f } = await setup()
    const s = spec('https')
    const first = await createHost(p, ctx, s, f)
    const again = await createHost(p, ctx, { ...s, fresh: false }, f)
    expect(again.locator.instanceId).toBe(first.locator.instanceId)
    expect(f.state.instances.size).toBe(1)
    expect(f.state.firewalls.size).toBe(1)
    expect(posts(f, '/instances')).toHaveLength(1)
  })

  it('even a blind repeat of the insert makes no second instance: GCE ignores the same requestId', async () => {
    const { ctx, p, fake: f } = await setup()
    const s = spec('tcp')
    const step1 = await p.provision(ctx, s, startLocator(), undefined, signal())
    f.advance(OPERATION_MS)
    const a = await p.provision(ctx, s, step1.locator, step1.progress, signal())
    const b = await p.provision(ctx, s, step1.locator, step1.progress, signal())
    expect(b.progress).toBe(a.progress)
    expect(posts(f, '/instances')).toHaveLength(2)
    expect(new Set(posts(f, '/instances').map((r) => r.query.requestId)).size).toBe(1)
    expect(f.state.instances.size).toBe(1)
  })

  it('a name taken by an instance Exitdesk did not make is a conflict in words, not an adoption', async () => {
    const { ctx, p, fake: f } = await setup()
    const s = spec('tcp')
    f.addInstance({ name: s.name, zone: 'us-central1-a', labels: { team: 'web' } })
    const step1 = await p.provision(ctx, s, startLocator(), undefined, signal())
    f.advance(OPERATION_MS)
    const info = await appError(p.provision(ctx, s, step1.locator, step1.progress, signal()))
    expect(info).toMatchObject({ code: 'conflict', field: 'name', retryable: false })
    expect(info.message).toContain('did not make')
  })

  it('an accepted create that fails in its operation (quota) is refused in a sentence with Google\'s words', async () => {
    const { ctx, p, fake: f } = await setup()
    f.failNextInstanceOperation([{ code: 'QUOTA_EXCEEDED', message: "Quota 'CPUS' exceeded.  Limit: 0.0 in region us-central1." }], 403)
    const s = spec('tcp')
    const step1 = await p.provision(ctx, s, startLocator(), undefined, signal())
    f.advance(OPERATION_MS)
    const step2 = await p.provision(ctx, s, step1.locator, step1.progress, signal())
    f.advance(OPERATION_MS)
    const info = await appError(p.provision(ctx, s, step2.locator, step2.progress, signal()))
    expect(info).toMatchObject({ code: 'unprocessable', retryable: false })
    expect(info.message).toMatch(/quota/)
    expect(info.providerMessage).toContain("Quota 'CPUS' exceeded")
    expect(f.state.instances.size).toBe(0)
    // What the refused create made (the rule) goes with a teardown.
    expect((await tearDown(p, ctx, step2.locator, f)).done).toBe(true)
    expect(f.state.firewalls.size).toBe(0)
  })
})

describe('GCE labels, names and request ids', () => {
  it('tags become label values under GCE\'s rules; a value GCE refuses is refused before any request', async () => {
    const { labelFilter, labelsFor, tagsFromLabels, requestIdFor } = await import('../../src/main/clouds/gce/labels')
    const host = `exitdesk-host-${randomUUID()}`
    expect(labelsFor({ app: 'exitdesk', host })).toEqual({ exitdesk_app: 'exitdesk', exitdesk_host: host })
    expect(labelFilter(host)).toBe(`labels.exitdesk_host = "${host}"`)
    expect(tagsFromLabels({ exitdesk_app: 'exitdesk', exitdesk_host: host, team: 'web', flag: '' }).sort()).toEqual(['exitdesk', 'flag', host, 'team=web'].sort())
    expect(() => labelFilter('Exitdesk Host')).toThrow(AppError)
    expect(() => labelsFor({ app: 'exitdesk', host: 'x'.repeat(64) })).toThrow(AppError)
    const id = randomUUID()
    expect(requestIdFor(id, 'instances.insert')).toBe(requestIdFor(id, 'instances.insert'))
    expect(requestIdFor(id, 'instances.insert')).not.toBe(requestIdFor(randomUUID(), 'instances.insert'))
    expect(requestIdFor(id, 'instances.insert')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  })
})

describe('GCE adapter: list by label', () => {
  it('one aggregated list per project, filtered by label, follows every page past page 2', async () => {
    const { ctx, p, fake: f } = await setup({ maxPageSize: 2 })
    const zones = ['us-central1-a', 'us-east1-b', 'europe-west2-a']
    for (let n = 0; n < 7; n++) f.addInstance({ name: `exit-${n}`, zone: zones[n % 3]!, labels: { exitdesk_app: 'exitdesk', exitdesk_host: `exitdesk-host-${n}` }, forcedStatus: n === 6 ? 'TERMINATED' : undefined })
    f.addInstance({ name: 'not-ours', zone: 'us-central1-a', labels: { team: 'web' } })
    const found = await p.listByTag(ctx, 'project', 'exitdesk', signal())
    expect(found.map((o) => o.name).sort()).toEqual(['exit-0', 'exit-1', 'exit-2', 'exit-3', 'exit-4', 'exit-5', 'exit-6'])
    expect(found.find((o) => o.name === 'exit-6')).toMatchObject({ state: 'stopped', rawStatus: 'TERMINATED' })
    expect(found.find((o) => o.name === 'exit-4')?.region).toBe('us-east1-b')
    const lists = f.requests.filter((r) => r.path.endsWith('/aggregated/instances'))
    expect(lists).toHaveLength(4)
    expect(lists.map((r) => r.query.filter)).toEqual(Array(4).fill('labels.exitdesk_app = "exitdesk"'))
    expect(lists.map((r) => Boolean(r.query.pageToken))).toEqual([false, true, true, true])
    expect(p.listScopes([{ region: 'us-central1-a', attached: [] }])).toEqual(['project'])

    const one = await p.listByTag(ctx, 'project', 'exitdesk-host-3', signal())
    expect(one.map((o) => o.name)).toEqual(['exit-3'])
    expect(one[0]!.tags.sort()).toEqual(['exitdesk', 'exitdesk-host-3'])
  })

  it('an answer that always names a next page is read only so far', async () => {
    const { ctx, fake: f } = await setup({ maxPageSize: 1 })
    const p = createGceProvisioner({ credentialFor: () => staticTokenClient(f.token), maxPages: 3 })
    for (let n = 0; n < 5; n++) f.addInstance({ name: `exit-${n}`, zone: 'us-central1-a', labels: { exitdesk_app: 'exitdesk' } })
    const info = await appError(p.listByTag(ctx, 'project', 'exitdesk', signal()))
    expect(info.message).toMatch(/kept returning more pages/)
    expect(f.requests).toHaveLength(3)
  })
})

describe('GCE adapter: errors become sentences', () => {
  const get = (f: FakeGce) => `projects/${f.project}`

  it.each([
    [401, undefined, 'unauthorized', /did not accept the service-account key/],
    [403, 'forbidden', 'forbidden', /Compute Instance Admin/],
    [403, 'accessNotConfigured', 'forbidden', /API is not enabled/],
    [403, 'quotaExceeded', 'unprocessable', /quota/],
    [403, 'rateLimitExceeded', 'rate-limited', /per-minute API quota/],
    [429, 'rateLimitExceeded', 'rate-limited', /per-minute API quota/],
    [500, 'backendError', 'provider-unavailable', /having trouble/],
    [503, 'backendError', 'provider-unavailable', /having trouble/],
  ] as const)('HTTP %i %s -> %s with Google\'s message', async (status, reason, code, sentence) => {
    const { ctx, p, fake: f } = await setup()
    f.setFailure({ path: get(f), status, reason, message: `Google says ${status}` })
    const info = await appError(p.verify(ctx, signal()))
    expect(info.code).toBe(code)
    expect(info.message).toMatch(sentence)
    expect(info.providerMessage).toBe(`Google says ${status}`)
    if (code === 'rate-limited') {
      expect(info.retryable).toBe(true)
      expect(info.retryAfterSeconds).toBeGreaterThan(0)
      expect(info.retryAfterSeconds).toBeLessThanOrEqual(60)
    }
    // A read: whatever failed, nothing was changed.
    expect(outcomeUnknown(info)).toBe(false)
  })

  it('a 403 rateLimitExceeded pauses the account\'s whole budget: the next call is refused without being sent', async () => {
    const { RequestBudget } = await import('../../src/main/clouds/budget')
    const { ctx, p, fake: f } = await setup()
    const budget = new RequestBudget({ provider: GCE_MANIFEST.label, windows: GCE_MANIFEST.rateLimits!.windows, clock: { now: () => Date.now() } })
    const limited: CloudContext = { ...ctx, budget }
    f.setFailure({ path: `projects/${f.project}`, status: 403, reason: 'rateLimitExceeded', message: "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute'", times: 1 })
    expect((await appError(p.verify(limited, signal()))).code).toBe('rate-limited')
    const sent = f.requests.length
    const refused = await appError(p.listByTag(limited, 'project', 'exitdesk', signal()))
    expect(refused.code).toBe('rate-limited')
    expect(f.requests.length).toBe(sent)
  })

  it('a 5xx on a mutating call is an unknown outcome; a 4xx refusal is not', async () => {
    const { ctx, p, fake: f } = await setup()
    f.setFailure({ method: 'POST', path: /firewalls$/, status: 503, times: 1 })
    const info = await appError(p.provision(ctx, spec('tcp'), startLocator(), undefined, signal()))
    expect(outcomeUnknown(info)).toBe(true)
    f.setFailure({ method: 'POST', path: /firewalls$/, status: 400, reason: 'invalid', message: "Invalid value for field 'resource.sourceRanges[0]'", times: 1 })
    const refused = await appError(p.provision(ctx, spec('tcp'), startLocator(), undefined, signal()))
    expect(refused).toMatchObject({ code: 'unprocessable', providerMessage: "Invalid value for field 'resource.sourceRanges[0]'" })
    expect(outcomeUnknown(refused)).toBe(false)
  })

  it('a portal page, a cut-off body and a gateway page are never taken for Google\'s answer', async () => {
    const { ctx, p, fake: f } = await setup()
    f.setFailure({ method: 'POST', path: /firewalls$/, status: 200, body: '<html>Welcome to the hotel Wi-Fi</html>', times: 1 })
    const portal = await appError(p.provision(ctx, spec('tcp'), startLocator(), undefined, signal()))
    expect(portal.message).toMatch(/does not understand/)
    expect(outcomeUnknown(portal)).toBe(true)

    f.setFailure({ method: 'POST', path: /firewalls$/, truncate: true, times: 1 })
    const cut = await appError(p.provision(ctx, spec('tcp'), startLocator(), undefined, signal()))
    expect(cut.detail).toMatch(/not complete JSON/)
    expect(outcomeUnknown(cut)).toBe(true)

    f.setFailure({ path: `projects/${f.project}`, status: 502, body: '<html><body><h1>502 Bad Gateway</h1></body></html>', times: 1 })
    const gateway = await appError(p.verify(ctx, signal()))
    expect(gateway).toMatchObject({ code: 'provider-unavailable', providerMessage: '502 Bad Gateway' })
  })

  it('a request that hangs past the deadline is a timeout; on a read it changed nothing', async () => {
    const { ctx, fake: f } = await setup()
    const p = createGceProvisioner({ credentialFor: () => staticTokenClient(f.token), timeoutMs: 300 })
    f.setFailure({ path: `projects/${f.project}`, hang: true, times: 1 })
    const info = await appError(p.verify(ctx, signal()))
    expect(info.code).toBe('timeout')
    expect(outcomeUnknown(info)).toBe(false)
  })

  it('a delete sent again while the first is under way, refused as not ready, waits instead of failing', async () => {
    const { ctx, p, fake: f } = await setup()
    const created = await createHost(p, ctx, spec('tcp'), f)
    const first = await p.delete(ctx, created.locator, undefined, signal())
    expect(first.instancePresent).toBe(true)
    f.setFailure({ method: 'DELETE', path: /\/instances\//, status: 400, reason: 'resourceNotReady', message: "The resource 'projects/p/zones/us-central1-a/instances/x' is not ready", times: 1 })
    // The host service starts over after its grace: progress undefined.
    const again = await p.delete(ctx, first.locator, undefined, signal())
    expect(again).toMatchObject({ done: false, progress: 'instance-delete-requested', instancePresent: true })
    // A refusal of a delete of an instance that is not being deleted stays a refusal.
    const other = await createHost(p, ctx, spec('tcp'), f)
    f.setFailure({ method: 'DELETE', path: /\/instances\//, status: 400, reason: 'invalid', message: 'Invalid value', times: 1 })
    await expect(p.delete(ctx, other.locator, undefined, signal())).rejects.toBeInstanceOf(AppError)
  })

  it('a 404 on the instance is "gone" (null), and a delete of a gone instance goes on to the rule', async () => {
    const { ctx, p, fake: f } = await setup()
    const s = spec('tcp')
    const created = await createHost(p, ctx, s, f)
    f.state.instances.clear()
    await expect(p.status(ctx, created.locator, signal())).resolves.toBeNull()
    const step = await p.delete(ctx, created.locator, undefined, signal())
    expect(step.progress).toBe('instance-gone')
    expect((await tearDown(p, ctx, step.locator, f, step.progress)).done).toBe(true)
    expect(f.state.firewalls.size).toBe(0)
  })
})
