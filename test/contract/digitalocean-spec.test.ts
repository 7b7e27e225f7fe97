/**
 * Contract test: the DigitalOcean adapter's requests and the fake's responses, checked against
 * DigitalOcean's own OpenAPI description by `prism proxy --errors` sitting between them.
 * A request the spec rejects comes back 422 from prism; a response that breaks the spec comes
 * back 500 (VIOLATIONS). The spec folder is read from EXITDESK_PROVIDER_SPECS (default
 * ../shared/provider-specs) and never copied into the project. Without the spec or prism the
 * suite skips with a printed reason, except when CI is set: then it fails.
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { AppError } from '../../src/shared/errors'
import type { HostLocator } from '../../src/shared/domain'
import type { CloudContext, ProvisionSpec } from '../../src/main/clouds/types'
import { createDigitalOceanProvisioner } from '../../src/main/clouds/digitalocean'
import { startFakeDigitalOcean, type FakeDigitalOcean } from '../fakes/digitalocean'
import { tearDownAll } from '../support/teardown'
import { PROVIDER_SPECS, prismSuite, startPrismProxy, until, type PrismProxy } from '../support/prism'

const SPEC_DIR = path.join(PROVIDER_SPECS, 'digitalocean', 'specification')
const SPEC_FILE = ['exit-node-subset.v2.yaml', 'DigitalOcean-public.v2.yaml'].map((name) => path.join(SPEC_DIR, name)).find((file) => existsSync(file))
const ACTIVATE_MS = 30_000
const DELETE_MS = 5_000

const suite = prismSuite('DigitalOcean contract test', SPEC_FILE, `no DigitalOcean OpenAPI description under ${SPEC_DIR}`)

suite('DigitalOcean adapter vs the official OpenAPI description (prism proxy)', () => {
  let fake: FakeDigitalOcean
  let prism: PrismProxy
  let ctx: CloudContext
  const p = createDigitalOceanProvisioner()
  const signal = (): AbortSignal => AbortSignal.timeout(10_000)

  beforeAll(async () => {
    fake = await startFakeDigitalOcean({ activateAfterMs: ACTIVATE_MS, deleteAfterMs: DELETE_MS })
    prism = await startPrismProxy(SPEC_FILE!, fake.url, 60_000)
    ctx = { accountId: 'contract', credentials: { token: fake.token }, endpoint: prism.url }
  }, 90_000)

  afterAll(async () => {
    await prism?.stop()
    await fake?.close()
  })

  /** Prism's log lines for the requests `run` made (prism logs a little after it answers). */
  const logged = (run: () => Promise<void>): Promise<string> => prism.logged(run, () => fake.requests.length)

  it('verify, catalog, both provision modes, status, list and teardown pass with no violation', async () => {
    const output = await logged(async () => {
      await expect(p.verify(ctx, signal())).resolves.toEqual({ identity: 'user:b6fr89dbf6d9156cace5f3c78dc9851d957381ef', accountName: 'sammy@example.com' })
      const catalog = await p.catalog(ctx, signal())
      expect(catalog.plans[0]?.id).toBe('s-1vcpu-512mb-10gb')

      // TCP: one step, no firewall.
      const tcp = await p.provision(ctx, hostSpec('c1', 'tcp'), start(), undefined, signal())
      expect(tcp.done).toBe(true)
      expect((await p.status(ctx, tcp.locator, signal()))?.rawStatus).toBe('new')

      // HTTPS: tag + firewall, then the droplet.
      const https1 = await p.provision(ctx, hostSpec('c2', 'https'), start(), undefined, signal())
      expect(https1.progress).toBe('firewall-created')
      const https2 = await p.provision(ctx, hostSpec('c2', 'https'), https1.locator, https1.progress, signal())
      expect(https2.done).toBe(true)

      fake.advance(ACTIVATE_MS)
      const up = await p.status(ctx, https2.locator, signal())
      expect(up?.state).toBe('active')
      expect(up?.ipv4).toMatch(/^198\.51\.100\./)

      const listed = await p.listByTag(ctx, 'account', 'exitdesk', signal())
      expect(listed).toHaveLength(2)

      // Teardown: both droplets, then (once gone) the firewall; one quick step a call (droplet
      // gone; firewall and droplets by tag; one DELETE each), as the host service calls it.
      const teardown = await tearDownAll(p, ctx, [tcp.locator, https2.locator], { between: () => fake.advance(DELETE_MS), signal })
      expect(teardown.first.map((step) => step.done)).toEqual([false, false])
      expect(teardown.finals.map((step) => step.done)).toEqual([true, true])
      await expect(p.status(ctx, tcp.locator, signal())).resolves.toBeNull()
    })
    expect(fake.state.droplets.size).toBe(0)
    expect(fake.state.firewalls.size).toBe(0)
    // Every adapter call went through prism to the fake, and prism found nothing to complain about.
    expect(output).toMatch(/Forwarding "post" request to .*\/v2\/firewalls/)
    expect(output).not.toMatch(/violation|✖|error/i)
  })

  it('rejects a request that breaks the spec before it reaches the fake (validation is real)', async () => {
    const before = fake.requests.length
    const response = await fetch(`${prism.url}/v2/droplets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ region: 42 }),
    })
    expect(response.status).toBe(422)
    const body = (await response.json()) as { validation?: unknown[] }
    expect(body.validation?.length).toBeGreaterThan(0)
    expect(fake.requests.length).toBe(before)
  })

  it('rejects a fake response that breaks the spec (response validation is real)', async () => {
    fake.setFailure({ path: '/v2/droplets/1', status: 200, body: { droplet: { id: 1, status: 'sleeping' } }, times: 1 })
    const error = await p.status(ctx, { region: 'lon1', instanceId: '1', attached: [] }, signal()).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(AppError)
    expect((error as AppError).info.code).toBe('provider-unavailable')
    await until(() => /errors#VIOLATIONS/.test(prism.log))
    expect(prism.log).toMatch(/Response body property droplet must have required property 'name'|errors#VIOLATIONS/)
  })
})

function hostSpec(hostId: string, mode: 'tcp' | 'https'): ProvisionSpec {
  return {
    hostId,
    name: `exit-contract-${hostId}`,
    region: 'lon1',
    plan: 's-1vcpu-512mb-10gb',
    userData: '#cloud-config\nruncmd:\n  - echo exit\n',
    tunnel: { mode, inletsVersion: '0.11.7', domains: mode === 'https' ? ['tunnel.example.com'] : [], letsEncryptIssuer: 'staging' },
    tags: { app: 'exitdesk', host: `exitdesk-host-${hostId}` },
  }
}

function start(): HostLocator {
  return { region: 'lon1', attached: [] }
}
