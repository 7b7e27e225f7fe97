/**
 * Contract test: the Vultr adapter's requests and the fake's responses, checked against Vultr's
 * own OpenAPI description (vultr-openapi-v2.json, the input of Vultr's generated clients) by
 * `prism proxy --errors` sitting between them. A request the description rejects comes back 422
 * from prism; a response that breaks it comes back 500 (VIOLATIONS). The description's `servers`
 * is https://api.vultr.com/v2 and its paths start below it, so prism is reached at its root and
 * forwards to the fake's /v2. The spec folder is read from EXITDESK_PROVIDER_SPECS (default
 * ../shared/provider-specs) and never copied into the project. Without the spec or prism the
 * suite skips with a printed reason, except when CI is set: then it fails.
 *
 * Two deliberate differences. The description marks the `tag` query parameter of GET /instances
 * `deprecated` (with the instance's single `tag` field, replaced by `tags`), and prism --errors
 * refuses a deprecated parameter outright; yet it is the API's only way to list instances by
 * tag, which Vultr's own clients still send (govultr `ListOptions.Tag`, terraform-provider-vultr's
 * `vultr_instances` data source; "Only one filter per request is allowed", govultr#220). So prism
 * reads a copy, in a temporary folder outside the project, with that one flag removed. And the
 * description types a plan's `monthly_cost` as integer, while
 * Vultr prices its 512 MB plans at $2.50 and $3.50; the fake serves whole-dollar plans here (the
 * adapter reads the field as any number, see test/clouds/vultr.test.ts).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { AppError } from '../../src/shared/errors'
import type { HostLocator } from '../../src/shared/domain'
import type { CloudContext, ProvisionSpec } from '../../src/main/clouds/types'
import { createVultrProvisioner } from '../../src/main/clouds/vultr'
import { FAKE_PLANS, startFakeVultr, type FakeVultr } from '../fakes/vultr'
import { tearDownAll } from '../support/teardown'
import { PROVIDER_SPECS, prismSuite, startPrismProxy, until, type PrismProxy } from '../support/prism'

const SPEC_FILE = path.join(PROVIDER_SPECS, 'vultr', 'vultr-openapi-v2.json')
const ACTIVATE_MS = 30_000
const OK_MS = 40_000
const DELETE_MS = 5_000

const suite = prismSuite('Vultr contract test', SPEC_FILE, `no Vultr OpenAPI description at ${SPEC_FILE}`)

suite('Vultr adapter vs the official OpenAPI description (prism proxy)', () => {
  let fake: FakeVultr
  let prism: PrismProxy
  let ctx: CloudContext
  const p = createVultrProvisioner()
  const signal = (): AbortSignal => AbortSignal.timeout(10_000)

  let tempDir = ''

  beforeAll(async () => {
    tempDir = mkdtempSync(path.join(tmpdir(), 'exitdesk-vultr-spec-'))
    const specFile = path.join(tempDir, 'vultr-openapi-v2.json')
    writeFileSync(specFile, JSON.stringify(withTagFilter(JSON.parse(readFileSync(SPEC_FILE, 'utf8')) as OpenApi)))
    fake = await startFakeVultr({ activateAfterMs: ACTIVATE_MS, okAfterMs: OK_MS, deleteAfterMs: DELETE_MS, plans: FAKE_PLANS.filter((plan) => Number.isInteger(plan.monthly_cost)) })
    prism = await startPrismProxy(specFile, fake.url, 90_000)
    ctx = { accountId: 'contract', credentials: { token: fake.token }, endpoint: prism.url }
  }, 120_000)

  afterAll(async () => {
    await prism?.stop()
    await fake?.close()
    if (tempDir) rmSync(tempDir, { recursive: true, force: true })
  })

  /** Prism's log lines for the requests `run` made (prism logs a little after it answers). */
  const logged = (run: () => Promise<void>): Promise<string> => prism.logged(run, () => fake.requests.length)

  it('verify, catalog, both create modes, status, list and teardown pass with no violation', async () => {
    const output = await logged(async () => {
      const identity = await p.verify(ctx, signal())
      expect(identity.identity).toMatch(/^firewall-group:/)
      const catalog = await p.catalog(ctx, signal())
      expect(catalog.plans.find((plan) => plan.regions?.includes('lhr'))?.id).toBe('vc2-1c-1gb')

      // TCP: fresh (group and rules at once), then the instance.
      const tcp1 = await p.provision(ctx, hostSpec('c1', 'tcp', true), start(), undefined, signal())
      expect(tcp1.progress).toBe('rules-added')
      const tcp = await p.provision(ctx, hostSpec('c1', 'tcp', true), tcp1.locator, tcp1.progress, signal())
      expect(tcp.done).toBe(true)
      expect((await p.status(ctx, tcp.locator, signal()))?.rawStatus).toBe('pending/running/none')

      // HTTPS: every look-up a retried step makes (groups, rules, instances by tag).
      let https = await p.provision(ctx, hostSpec('c2', 'https', false), start(), undefined, signal())
      for (let calls = 1; !https.done && calls < 4; calls++) https = await p.provision(ctx, hostSpec('c2', 'https', false), https.locator, https.progress, signal())
      expect(https.done).toBe(true)

      fake.advance(OK_MS)
      const up = await p.status(ctx, https.locator, signal())
      expect(up?.state).toBe('active')
      expect(up?.ipv4).toMatch(/^198\.51\.100\./)

      const listed = await p.listByTag(ctx, 'account', 'exitdesk', signal())
      expect(listed).toHaveLength(2)

      const teardown = await tearDownAll(p, ctx, [tcp.locator, https.locator], { between: () => fake.advance(DELETE_MS), signal })
      expect(teardown.first.map((step) => step.done)).toEqual([false, false])
      expect(teardown.finals.map((step) => step.done)).toEqual([true, true])
      await expect(p.status(ctx, tcp.locator, signal())).resolves.toBeNull()
    })
    expect(fake.state.instances.size).toBe(0)
    // Only the account marker is left.
    expect([...fake.state.groups.values()].map((group) => group.description)).toEqual(['exitdesk-account-marker'])
    expect(output).toMatch(/Forwarding "post" request to .*\/v2\/firewalls\/[^/]+\/rules/)
    expect(output).toMatch(/Forwarding "post" request to .*\/v2\/instances/)
    expect(output).not.toMatch(/violation|✖|error/i)
  })

  it('rejects a request that breaks the spec before it reaches the fake (validation is real)', async () => {
    const before = fake.requests.length
    const response = await fetch(`${prism.url}/instances`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ region: 'lhr', plan: 'vc2-1c-1gb', tags: 'not-a-list' }),
    })
    expect(response.status).toBe(422)
    const body = (await response.json()) as { validation?: unknown[] }
    expect(body.validation?.length).toBeGreaterThan(0)
    expect(fake.requests.length).toBe(before)
  })

  it('rejects a fake response that breaks the spec (response validation is real)', async () => {
    const id = 'cb676a46-66fd-4dfb-b839-443f2e6c0b60'
    fake.setFailure({ path: `/v2/instances/${id}`, status: 200, body: { instance: { id, status: 'active', ram: 'lots' } }, times: 1 })
    const error = await p.status(ctx, { region: 'lhr', instanceId: id, attached: [] }, signal()).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(AppError)
    expect((error as AppError).info.code).toBe('provider-unavailable')
    await until(() => /errors#VIOLATIONS/.test(prism.log))
    expect(prism.log).toMatch(/errors#VIOLATIONS/)
  })
})

interface OpenApi {
  paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string; deprecated?: boolean }> }>>
}

/** The description with only GET /instances `tag` no longer marked deprecated (see the header). */
function withTagFilter(spec: OpenApi): OpenApi {
  const tag = spec.paths['/instances']?.get?.parameters?.find((parameter) => parameter.in === 'query' && parameter.name === 'tag')
  if (!tag) throw new Error('vultr-openapi-v2.json no longer has the tag filter of GET /instances')
  delete tag.deprecated
  return spec
}

function hostSpec(hostId: string, mode: 'tcp' | 'https', fresh: boolean): ProvisionSpec {
  return {
    hostId,
    name: `exit-contract-${hostId}`,
    region: 'lhr',
    plan: 'vc2-1c-1gb',
    userData: '#cloud-config\nruncmd:\n  - echo exit\n',
    tunnel: { mode, inletsVersion: '0.11.7', domains: mode === 'https' ? ['tunnel.example.com'] : [], letsEncryptIssuer: 'staging' },
    tags: { app: 'exitdesk', host: `exitdesk-host-${hostId}` },
    fresh,
  }
}

function start(): HostLocator {
  return { region: 'lhr', attached: [] }
}
