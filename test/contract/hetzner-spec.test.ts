/**
 * Contract test: the Hetzner Cloud adapter's requests and the fake's answers, checked against
 * Hetzner's own API description (docs.hetzner.cloud/cloud.spec.json) by `prism proxy --errors`
 * sitting between them. A request the description rejects comes back 422 from Prism; an answer
 * that breaks it comes back 500 (VIOLATIONS). The description's paths (`/servers`, …) sit under
 * the `/v1` of its `servers` URL, which Prism does not strip, so the adapter talks to Prism
 * without `/v1` and the fake answers both forms. The spec folder is read from
 * EXITDESK_PROVIDER_SPECS (default ../shared/provider-specs) and never copied into the project.
 * Without the spec or Prism the suite skips with a printed reason, except when CI is set: then it fails.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { AppError } from '../../src/shared/errors'
import type { HostLocator } from '../../src/shared/domain'
import type { CloudContext, ProvisionSpec, StepResult } from '../../src/main/clouds/types'
import { createHetznerProvisioner } from '../../src/main/clouds/hetzner'
import { startFakeHetzner, type FakeHetzner } from '../fakes/hetzner'
import { tearDownAll } from '../support/teardown'
import { PROVIDER_SPECS, prismSuite, startPrismProxy, until, type PrismProxy } from '../support/prism'

const SPEC_FILE = path.join(PROVIDER_SPECS, 'hetzner', 'cloud.spec.json')
const ACTIVATE_MS = 30_000
const DELETE_MS = 5_000

/**
 * The description names its error answers with lower-case ranges ("4xx", "5xx"), where OpenAPI
 * 3 spells them "4XX"; Prism matches only the latter and reports every error answer as an
 * unknown status. That one line is set aside, and the error bodies are checked against the
 * description's own 4xx schema by `expectDocumentedError` instead.
 */
const LOWERCASE_RANGE = /^.*Violation: response Unable to match the returned status code with those defined in the document: \d{3},4xx,5xx\n?/gm

const suite = prismSuite('Hetzner Cloud contract test', SPEC_FILE, `no Hetzner Cloud API description at ${SPEC_FILE}`)

suite('Hetzner Cloud adapter vs the official API description (prism proxy)', () => {
  let fake: FakeHetzner
  let prism: PrismProxy
  let ctx: CloudContext
  const p = createHetznerProvisioner()
  const signal = (): AbortSignal => AbortSignal.timeout(20_000)

  beforeAll(async () => {
    // Primary IPs kept after their server, so the teardown's DELETE /primary_ips/{id} answers 204 here.
    fake = await startFakeHetzner({ activateAfterMs: ACTIVATE_MS, deleteAfterMs: DELETE_MS, autoDeletePrimaryIps: false })
    const upstream = fake.url.replace(/\/v1$/, '')
    prism = await startPrismProxy(SPEC_FILE, upstream, 90_000)
    ctx = { accountId: 'contract', credentials: { token: fake.token }, endpoint: prism.url }
  }, 120_000)

  afterAll(async () => {
    await prism?.stop()
    await fake?.close()
  })

  /** Prism's log lines for the requests `run` made (Prism logs a little after it answers). */
  const logged = async (run: () => Promise<void>): Promise<string> => (await prism.logged(run, () => fake.requests.length)).replace(LOWERCASE_RANGE, '')

  it('verify, catalogue, both create modes, status, list and teardown pass with no violation', async () => {
    const output = await logged(async () => {
      const identity = await p.verify(ctx, signal())
      expect(identity.identity).toMatch(/^project-marker:\d+$/)
      await expect(p.verify(ctx, signal())).resolves.toEqual(identity)
      const catalog = await p.catalog(ctx, signal())
      expect(catalog.plans[0]?.id).toBe('cx23')

      const created: StepResult[] = []
      for (const [id, mode] of [['c1', 'tcp'], ['c2', 'https']] as const) {
        const first = await p.provision(ctx, hostSpec(id, mode), start(), undefined, signal())
        expect(first.progress).toBe('firewall-created')
        const second = await p.provision(ctx, hostSpec(id, mode), first.locator, first.progress, signal())
        expect(second.done).toBe(true)
        created.push(second)
      }
      // An arm type on a cold cache: the type and its image are looked up.
      const arm = createHetznerProvisioner()
      const armFirst = await arm.provision(ctx, hostSpec('c3', 'tcp', 'cax11'), start(), undefined, signal())
      const armDone = await arm.provision(ctx, hostSpec('c3', 'tcp', 'cax11'), armFirst.locator, armFirst.progress, signal())
      expect(armDone.done).toBe(true)
      created.push(armDone)
      expect((await p.status(ctx, created[0]!.locator, signal()))?.rawStatus).toBe('initializing')

      fake.advance(ACTIVATE_MS)
      const up = await p.status(ctx, created[1]!.locator, signal())
      expect(up?.state).toBe('active')
      expect(up?.ipv4).toMatch(/^198\.51\.100\./)
      expect(await p.listByTag(ctx, 'account', 'exitdesk', signal())).toHaveLength(3)

      const teardown = await tearDownAll(p, ctx, created.map((step) => step.locator), { between: () => fake.advance(DELETE_MS), signal, limit: 10 })
      expect(teardown.first.map((step) => step.done)).toEqual([false, false, false])
      expect(teardown.finals.map((step) => step.done)).toEqual([true, true, true])
      await expect(p.status(ctx, created[0]!.locator, signal())).resolves.toBeNull()
    })
    expect(fake.state.servers.size).toBe(0)
    expect([...fake.state.firewalls.values()].map((firewall) => firewall.name)).toEqual(['exitdesk-project-marker'])
    expect(fake.state.primaryIps.size).toBe(0)
    // Every adapter call went through Prism to the fake, and Prism found nothing to complain about.
    expect(output).toMatch(/Forwarding "post" request to .*\/servers/)
    expect(output).toMatch(/Forwarding "delete" request to .*\/firewalls\//)
    expect(output).toMatch(/Forwarding "delete" request to .*\/primary_ips\//)
    expect(output).not.toMatch(/violation|✖|error/i)
  }, 60_000)

  it('error answers of the fake are Hetzner\'s documented error shape', async () => {
    const output = await logged(async () => {
      const missing = await p.status(ctx, { region: 'hel1', instanceId: '424242', attached: [] }, signal())
      expect(missing).toBeNull()
      await expectDocumentedError(`${prism.url}/servers/424242`, fake.token, '/servers/{id}', 'get')
      fake.setFailure({ method: 'GET', path: '/servers', status: 429, code: 'rate_limit_exceeded', message: 'limit reached', times: 1 })
      await expectDocumentedError(`${prism.url}/servers`, fake.token, '/servers', 'get')
      await expectDocumentedError(`${prism.url}/servers`, 'not-the-token', '/servers', 'get')
      fake.setFailure({ method: 'POST', path: '/servers', status: 422, code: 'invalid_input', message: "invalid input in field 'location'", times: 1 })
      const withFirewall = await p.provision(ctx, hostSpec('c4', 'tcp'), start(), undefined, signal())
      const refused = await p.provision(ctx, hostSpec('c4', 'tcp'), withFirewall.locator, withFirewall.progress, signal()).catch((caught: unknown) => caught)
      expect(refused).toBeInstanceOf(AppError)
      expect((refused as AppError).info.providerMessage).toBe("invalid input in field 'location'")
      const done = await p.delete(ctx, withFirewall.locator, undefined, signal())
      expect(done.done).toBe(true)
    })
    expect(output).not.toMatch(/violation|✖/i)
  }, 30_000)

  it('rejects a request that breaks the description before it reaches the fake (validation is real)', async () => {
    const before = fake.requests.length
    const response = await fetch(`${prism.url}/servers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', server_type: 42 }),
    })
    expect(response.status).toBe(422)
    expect(fake.requests.length).toBe(before)
  })

  it('rejects a fake answer that breaks the description (answer validation is real)', async () => {
    fake.setFailure({ path: '/servers/1', status: 200, body: { server: { id: 1, status: 'sleeping' } }, times: 1 })
    const error = await p.status(ctx, { region: 'hel1', instanceId: '1', attached: [] }, signal()).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(AppError)
    expect((error as AppError).info.code).toBe('provider-unavailable')
    await until(() => /errors#VIOLATIONS/.test(prism.log))
    expect(prism.log).toMatch(/errors#VIOLATIONS/)
  })
})

/** The answer is an error whose body has every field the description's 4xx schema requires, of the right type. */
async function expectDocumentedError(url: string, token: string, pathKey: string, method: string): Promise<void> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
  expect(response.status).toBeGreaterThanOrEqual(400)
  const body = (await response.json()) as { error?: Record<string, unknown> }
  const spec = JSON.parse(readFileSync(SPEC_FILE, 'utf8')) as { paths: Record<string, Record<string, { responses: Record<string, { content: Record<string, { schema: ErrorSchema }> }> }>> }
  const schema = spec.paths[pathKey]![method]!.responses['4xx']!.content['application/json']!.schema
  for (const key of schema.required ?? []) expect(body).toHaveProperty(key)
  const error = schema.properties.error
  for (const key of error.required ?? []) expect(typeof body.error?.[key]).toBe(error.properties[key]!.type)
  expect(body.error?.details === null || typeof body.error?.details === 'object').toBe(true)
}

interface ErrorSchema {
  required?: string[]
  properties: { error: { required?: string[]; properties: Record<string, { type: string }> } }
}

function hostSpec(hostId: string, mode: 'tcp' | 'https', plan = 'cx23'): ProvisionSpec {
  return {
    hostId,
    name: `exit-contract-${hostId}`,
    region: 'hel1',
    plan,
    userData: '#cloud-config\nruncmd:\n  - echo exit\n',
    tunnel: { mode, inletsVersion: '0.11.14', domains: mode === 'https' ? ['tunnel.example.com'] : [], letsEncryptIssuer: 'staging' },
    tags: { app: 'exitdesk', host: `exitdesk-host-${hostId}` },
  }
}

function start(): HostLocator {
  return { region: 'hel1', attached: [] }
}
