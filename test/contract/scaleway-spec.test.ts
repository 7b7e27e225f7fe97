/**
 * Contract test: the Scaleway adapter's Instance API requests and the fake's answers, checked
 * against the Instance API description (../shared/provider-specs/scaleway/scaleway.instance.v1.Api.yml)
 * by `prism proxy --errors` sitting between them. A request the description rejects comes back
 * 422 from Prism; an answer that breaks it comes back 500 (VIOLATIONS).
 *
 * The description covers only `/instance/v1/…`; the adapter also reads the Account API (verify)
 * and the Marketplace API (the Ubuntu image), which no stored description covers. A small
 * router on 127.0.0.1 sends `/instance/` to Prism and the rest straight to the fake.
 *
 * The description documents no error answers (only each call's success status), so Prism
 * reports every 4xx as "Unable to match the returned status code"; error bodies are checked
 * against Scaleway's documented shape (`message`, `type`) here instead, and those lines are set
 * aside. The spec folder is read from EXITDESK_PROVIDER_SPECS (default ../shared/provider-specs)
 * and never copied into the project. Without the spec or Prism the suite skips with a printed
 * reason, except when CI is set: then it fails.
 */
import { existsSync, readFileSync } from 'node:fs'
import { createServer, request as httpRequest, type Server } from 'node:http'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { AppError } from '../../src/shared/errors'
import type { HostLocator } from '../../src/shared/domain'
import type { CloudContext, ProvisionSpec, StepResult } from '../../src/main/clouds/types'
import { createScalewayProvisioner } from '../../src/main/clouds/scaleway'
import { startFakeScaleway, type FakeScaleway } from '../fakes/scaleway'
import { PROVIDER_SPECS, prismSuite, startPrismProxy, until, type PrismProxy } from '../support/prism'

const SPEC_FILE = path.join(PROVIDER_SPECS, 'scaleway', 'scaleway.instance.v1.Api.yml')
const ACTIVATE_MS = 30_000
const DELETE_MS = 5_000

const UNDOCUMENTED_STATUS = /^.*Violation: response Unable to match the returned status code with those defined in the document.*\n?/gm

const suite = prismSuite('Scaleway contract test', SPEC_FILE, `no Scaleway Instance API description at ${SPEC_FILE}`)

suite('Scaleway adapter vs the Instance API description (prism proxy)', () => {
  let fake: FakeScaleway
  let prism: PrismProxy
  let router: Server
  let ctx: CloudContext
  // The description (2022) lists six zones; nl-ams-3, pl-waw-2 and pl-waw-3 opened later and
  // Prism refuses them (422), so the catalogue here asks only the zones the description knows.
  const p = createScalewayProvisioner({ zones: specZones() })
  const signal = (): AbortSignal => AbortSignal.timeout(20_000)

  beforeAll(async () => {
    fake = await startFakeScaleway({ activateAfterMs: ACTIVATE_MS, deleteAfterMs: DELETE_MS })
    prism = await startPrismProxy(SPEC_FILE, fake.url, 90_000)
    router = await startRouter(prism.url, fake.url)
    const address = router.address()
    ctx = { accountId: 'contract', credentials: { accessKey: 'SCW0123456789ABCDEFG', secretKey: fake.secretKey, projectId: fake.projectId }, endpoint: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` }
  }, 120_000)

  afterAll(async () => {
    await new Promise<void>((resolve) => (router ? router.close(() => resolve()) : resolve()))
    router?.closeAllConnections()
    await prism?.stop()
    await fake?.close()
  })

  /** Prism's log lines for the Instance requests `run` made (Prism logs a little after it answers). */
  const logged = async (run: () => Promise<void>): Promise<string> => (await prism.logged(run, () => fake.requests.filter((r) => r.path.startsWith('/instance/')).length)).replace(UNDOCUMENTED_STATUS, '')

  it('catalogue, both create modes (every step), status, list and teardown pass with no violation', async () => {
    const output = await logged(async () => {
      await expect(p.verify(ctx, signal())).resolves.toMatchObject({ identity: `project:${fake.projectId}` })
      const catalog = await p.catalog(ctx, signal())
      expect(catalog.plans[0]?.id).toBe('STARDUST1-S')

      const created: StepResult[] = []
      for (const [id, mode] of [['c1', 'tcp'], ['c2', 'https']] as const) {
        // Not fresh: every look-up (security groups, IPs, servers by tag) goes through Prism too.
        let step = await p.provision(ctx, hostSpec(id, mode), start(), undefined, signal())
        for (let calls = 1; !step.done && calls < 10; calls++) step = await p.provision(ctx, hostSpec(id, mode), step.locator, step.progress, signal())
        expect(step.done).toBe(true)
        created.push(step)
      }
      expect((await p.status(ctx, created[0]!.locator, signal()))?.rawStatus).toBe('starting')
      fake.advance(ACTIVATE_MS)
      const up = await p.status(ctx, created[1]!.locator, signal())
      expect(up?.state).toBe('active')
      expect(up?.ipv4).toMatch(/^198\.51\.100\./)
      expect(await p.listByTag(ctx, 'fr-par-1', 'exitdesk', signal())).toHaveLength(2)

      for (const step of created) {
        let next = await p.delete(ctx, step.locator, undefined, signal())
        for (let calls = 1; !next.done && calls < 12; calls++) {
          if (next.progress === 'server-delete-requested') fake.advance(DELETE_MS)
          next = await p.delete(ctx, next.locator, next.progress, signal())
        }
        expect(next.done).toBe(true)
      }
      await expect(p.status(ctx, created[0]!.locator, signal())).resolves.toBeNull()
    })
    expect(fake.state.servers.size + fake.state.ips.size + fake.state.groups.size + fake.state.volumes.size).toBe(0)
    expect(output).toMatch(/Forwarding "post" request to .*\/servers/)
    expect(output).toMatch(/Forwarding "patch" request to .*\/user_data\/cloud-init/)
    expect(output).toMatch(/Forwarding "put" request to .*\/rules/)
    expect(output).toMatch(/Forwarding "post" request to .*\/action/)
    expect(output).toMatch(/Forwarding "delete" request to .*\/ips\//)
    expect(output).toMatch(/Forwarding "delete" request to .*\/security_groups\//)
    expect(output).not.toMatch(/violation|✖|error/i)
  }, 60_000)

  it('a server deleted before poweron (DELETE, then its volume) passes too', async () => {
    const output = await logged(async () => {
      let step = await p.provision(ctx, hostSpec('c3', 'tcp'), start(), undefined, signal())
      while (!step.locator.instanceId) step = await p.provision(ctx, hostSpec('c3', 'tcp'), step.locator, step.progress, signal())
      let next = await p.delete(ctx, step.locator, undefined, signal())
      for (let calls = 1; !next.done && calls < 12; calls++) next = await p.delete(ctx, next.locator, next.progress, signal())
      expect(next.done).toBe(true)
    })
    expect(output).toMatch(/Forwarding "delete" request to .*\/volumes\//)
    expect(output).not.toMatch(/violation|✖|error/i)
    expect(fake.state.volumes.size).toBe(0)
  }, 30_000)

  it('error answers of the fake have Scaleway\'s documented shape and become sentences', async () => {
    const missing = await p.status(ctx, { region: 'fr-par-1', instanceId: '00000000-0000-4000-8000-000000000001', attached: [] }, signal())
    expect(missing).toBeNull()
    for (const [status, type] of [[401, 'denied_authentication'], [403, 'permissions_denied'], [404, 'not_found'], [409, 'conflict'], [412, 'precondition_failed'], [429, 'too_many_requests']] as const) {
      fake.setFailure({ method: 'GET', path: '/instance/v1/zones/fr-par-1/servers', status, type, message: `injected ${type}`, times: 1 })
      const response = await fetch(`${prism.url}/instance/v1/zones/fr-par-1/servers`, { headers: { 'x-auth-token': fake.secretKey } })
      expect(response.status).toBe(status)
      const body = (await response.json()) as Record<string, unknown>
      expect(typeof body.message).toBe('string')
      expect(body.type).toBe(type)
    }
    fake.setFailure({ method: 'GET', path: '/instance/v1/zones/fr-par-1/servers', status: 403, type: 'permissions_denied', message: 'insufficient permissions', times: 1 })
    const refused = await p.listByTag(ctx, 'fr-par-1', 'exitdesk', signal()).catch((caught: unknown) => caught)
    expect(refused).toBeInstanceOf(AppError)
    expect((refused as AppError).info.providerMessage).toBe('insufficient permissions')
  }, 30_000)

  it('rejects a request that breaks the description before it reaches the fake (validation is real)', async () => {
    const before = fake.requests.length
    const response = await fetch(`${prism.url}/instance/v1/zones/fr-par-1/servers`, {
      method: 'POST',
      headers: { 'x-auth-token': fake.secretKey, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', commercial_type: 42 }),
    })
    expect(response.status).toBe(422)
    expect(fake.requests.length).toBe(before)
  })

  it('rejects a fake answer that breaks the description (answer validation is real)', async () => {
    const id = '00000000-0000-4000-8000-000000000002'
    fake.setFailure({ path: `/instance/v1/zones/fr-par-1/servers/${id}`, status: 200, body: { server: { id, name: 'x', state: 'sleeping' } }, times: 1 })
    const error = await p.status(ctx, { region: 'fr-par-1', instanceId: id, attached: [] }, signal()).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(AppError)
    expect((error as AppError).info.code).toBe('provider-unavailable')
    await until(() => /errors#VIOLATIONS/.test(prism.log))
    expect(prism.log).toMatch(/errors#VIOLATIONS/)
  })
})

/** The `zone` enum of the description's servers list. */
function specZones(): string[] {
  if (!existsSync(SPEC_FILE)) return []
  const text = readFileSync(SPEC_FILE, 'utf8')
  const block = /\/instance\/v1\/zones\/\{zone\}\/servers:[\s\S]*?enum:\s*\n((?:\s+- [a-z0-9-]+\n)+)/.exec(text)
  return block ? [...block[1]!.matchAll(/- ([a-z0-9-]+)/g)].map((match) => match[1]!) : []
}

/** Sends `/instance/…` to Prism and every other path (Account, Marketplace) straight to the fake. */
function startRouter(prismUrl: string, fakeUrl: string): Promise<Server> {
  const server = createServer((incoming, outgoing) => {
    const target = new URL(incoming.url ?? '/', (incoming.url ?? '').startsWith('/instance/') ? prismUrl : fakeUrl)
    const forward = httpRequest(target, { method: incoming.method, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(outgoing)
    })
    forward.on('error', () => {
      if (!outgoing.headersSent) outgoing.writeHead(502)
      outgoing.end()
    })
    incoming.pipe(forward)
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

function hostSpec(hostId: string, mode: 'tcp' | 'https'): ProvisionSpec {
  return {
    hostId,
    name: `exit-contract-${hostId}`,
    region: 'fr-par-1',
    plan: 'STARDUST1-S',
    userData: '#cloud-config\nruncmd:\n  - echo exit\n',
    tunnel: { mode, inletsVersion: '0.11.14', domains: mode === 'https' ? ['tunnel.example.com'] : [], letsEncryptIssuer: 'staging' },
    tags: { app: 'exitdesk', host: `exitdesk-host-${hostId}` },
  }
}

function start(): HostLocator {
  return { region: 'fr-par-1', attached: [] }
}
