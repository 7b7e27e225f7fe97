/**
 * The soak's and the SIGKILL test's eyes on each cloud (test/soak/targets/): a host made through
 * the real host service must show up in what a target counts — its instance with the host's tag,
 * its firewall or security group (none where the cloud has none: OVHcloud), what else it made
 * (Scaleway's flexible IP and volume, Civo's public IP) — and vanish from it after its teardown.
 * Without this, "0 leftovers, 0 duplicates" could pass because a target looked in the wrong place.
 * And the fault proxy's made-up provider answers (test/soak/targets/rest-shapes.ts, ec2.ts) must be
 * what each adapter knows as its provider's: a 429 it reads as a rate limit, a 500 as a server error.
 */
import { randomUUID } from 'node:crypto'
import { describe, it } from 'vitest'
import { AppError } from '../../src/shared/errors'
import { FAULT_KINDS } from '../support/fault-proxy'
import { FakeClock } from '../support/harness'
import { cloudTarget } from './driver'
import { CLOUDS, CLOUD_NAMES } from './targets'

describe.concurrent('soak targets see what a host makes', () => {
  for (const cloud of CLOUD_NAMES) {
    it(`${cloud}: an HTTPS host is counted (instance, firewall, tags) while it lives, and nothing after its teardown`, { timeout: 60_000 }, async ({ expect }) => {
      // A generous deadline: no faults here, and a loaded machine must not turn this into a fault test.
      const module = CLOUDS[cloud]
      const target = await cloudTarget(module, { seed: 1, timeoutMs: 5_000 })
      try {
        const host = await target.hosts.create({
          requestId: randomUUID(),
          accountId: target.accountId,
          name: 'exit-target-check',
          region: target.region,
          plan: target.plan,
          tunnel: { mode: 'https', inletsVersion: '0.11.14', domains: ['t.exitdesk-soak.example'], letsEncryptIssuer: 'staging' },
        })
        const row = () => target.ledger.read().hosts.find((h) => h.id === host.id)
        for (let n = 0; n < 60 && !(row()?.phase === 'created' && row()?.state === 'active'); n++) {
          await target.hosts.refresh()
          await target.advance(2_000)
        }
        expect(row(), 'the host came up').toMatchObject({ phase: 'created', state: 'active' })
        const living = await target.leftovers()
        expect(living.instances, 'its instance is seen').toBe(1)
        if (module.noFirewall) {
          // Nothing of the kind to see: then nothing may be counted as one either.
          expect(living.firewalls + living.tags, `no firewall is made (${module.noFirewall})`).toBe(0)
        } else {
          expect(living.firewalls + living.tags, 'its firewall (or security group, NSG) is seen').toBeGreaterThanOrEqual(1)
        }
        if (module.othersPerHost !== undefined) expect(living.others ?? 0, 'what else it made is seen (addresses, volumes)').toBe(module.othersPerHost)
        expect(await target.liveInstanceTags(), "the instance carries the host's tag").toEqual([`exitdesk-host-${host.id}`])
        expect(await target.leftoverHosts(), 'what is left names the host').toContain(host.id)
        expect(target.createsByTag().get(`exitdesk-host-${host.id}`), 'one instance made for it').toBe(1)
        expect(target.firewallsByHost().get(host.id), module.noFirewall ? 'no firewall made for it' : 'one firewall (security group, NSG) made for it').toBe(module.noFirewall ? undefined : 1)

        await target.hosts.delete({ by: 'id', hostId: host.id })
        for (let n = 0; n < 120 && row(); n++) {
          await target.hosts.refresh()
          await target.advance(5_000)
        }
        expect(row(), 'the row is gone').toBeUndefined()
        expect(await target.leftovers()).toMatchObject({ instances: 0, firewalls: 0, tags: 0, others: 0 })
        // Signed requests (OVHcloud) reached the fake as they were signed: none refused, through the proxy.
        if (target.signatureRefusals) expect(target.signatureRefusals(), 'requests the fake refused for their signature').toEqual({ altered: 0, stale: 0 })
      } finally {
        await target.close()
      }
    })
  }
})

describe.concurrent("the fault proxy answers in each provider's own error shapes", () => {
  for (const cloud of CLOUD_NAMES) {
    it(`${cloud}: an injected 429 is read as that provider's rate limit, an injected 500 as its server error`, { timeout: 60_000 }, async ({ expect }) => {
      const module = CLOUDS[cloud]
      for (const [kind, check] of [
        ['rate-limited', (error: AppError) => expect(error.info.code, `${cloud} 429: ${error.info.message}`).toBe('rate-limited')],
        ['server-error', (error: AppError) => expect(error.info, `${cloud} 500: ${error.info.message}`).toMatchObject({ retryable: true, code: expect.not.stringMatching(/^(internal|rate-limited)$/) })],
      ] as const) {
        const weights = Object.fromEntries(FAULT_KINDS.map((other) => [other, other === kind ? 1 : 0]))
        const fixture = await module.start({ seed: 1, clock: new FakeClock(), weights })
        try {
          fixture.proxy.setRate(1)
          const provisioner = module.provisioner({ timeoutMs: 5_000, env: fixture.env })
          const error = await provisioner.verify({ accountId: 'shape-check', credentials: fixture.account.credentials, endpoint: fixture.account.endpoint }, AbortSignal.timeout(30_000)).then(
            () => undefined,
            (thrown: unknown) => thrown,
          )
          expect(error, `${cloud}: verify failed on the injected ${kind}`).toBeInstanceOf(AppError)
          expect(fixture.proxy.stats.faults[kind], `${cloud}: the proxy injected ${kind}`).toBeGreaterThan(0)
          check(error as AppError)
        } finally {
          await fixture.close()
        }
      }
    })
  }
})
