/**
 * The fault injectors do what they say, one kind at a time — the soak's figures rest on this.
 * The proxy (test/support/fault-proxy.ts): which kinds reach the fake (the call is carried out)
 * and which do not, that a late request lands only after the client gave up and only when its
 * time comes on the clock, and that every kind makes the DigitalOcean client's call fail rather
 * than succeed. The faulty provisioner (test/support/faulty-provisioner.ts): the same for the
 * simulated cloud, and it counts the instances made per host tag.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { DigitalOceanClient } from '../../src/main/clouds/digitalocean/client'
import { AppError } from '../../src/shared/errors'
import { createSimulatorProvisioner } from '../../src/main/clouds/simulator'
import type { ProvisionSpec } from '../../src/main/clouds/types'
import { startFakeDigitalOcean, type FakeDigitalOcean } from '../fakes/digitalocean'
import { createFaultyProvisioner, PROVISIONER_FAULTS, type ProvisionerFault } from '../support/faulty-provisioner'
import { FAULT_KINDS, startFaultProxy, type FaultKind, type FaultProxy } from '../support/fault-proxy'
import { FakeClock } from '../support/harness'
import { mulberry32 } from '../support/prng'

const TIMEOUT_MS = 150
let fake: FakeDigitalOcean | undefined
let proxy: FaultProxy | undefined
afterEach(async () => {
  await proxy?.close()
  await fake?.close()
  proxy = undefined
  fake = undefined
})

/** Whether the fake carries the request out, for each kind. */
const ACTS: Record<FaultKind, boolean> = {
  'rate-limited': false,
  'server-error': false,
  'unavailable-html': false,
  delayed: true,
  late: false, // not before the client gave up: later, when released
  'reset-before': false,
  'reset-after': true,
  truncated: true,
  portal: false,
  mislabelled: true,
}

async function only(kind: FaultKind, clock: FakeClock) {
  fake = await startFakeDigitalOcean({ clock })
  proxy = await startFaultProxy({ target: fake.url, seed: 1, rate: 1, clock, weights: Object.fromEntries(FAULT_KINDS.map((k) => [k, k === kind ? 1 : 0])), lateAfterMs: [10_000, 10_000] })
  return { fake, proxy, client: new DigitalOceanClient({ endpoint: proxy.url, token: fake.token, timeoutMs: TIMEOUT_MS }) }
}

describe('fault proxy', () => {
  for (const kind of FAULT_KINDS) {
    it(`${kind}: the call fails, and the fake ${ACTS[kind] ? 'carried it out' : 'did not carry it out'}`, async () => {
      const clock = new FakeClock()
      const { fake, proxy, client } = await only(kind, clock)
      const tag = `exitdesk-host-${kind}`
      const error = await client.createTag(tag, AbortSignal.timeout(5_000)).then(
        () => undefined,
        (caught: unknown) => caught,
      )
      console.log(`[fault-proxy] ${kind}: the client saw ${error instanceof AppError ? `${error.info.code} "${error.info.message}"${error.info.detail ? ` (${error.info.detail})` : ''}` : String(error)}`)
      expect(error, 'the call must not succeed').toBeInstanceOf(AppError)
      expect((error as AppError).info.retryable).toBe(true)
      expect(fake.state.tags.has(tag)).toBe(ACTS[kind])
      expect(proxy.stats.faults[kind]).toBe(1)
      expect(proxy.log[0]).toMatchObject({ method: 'POST', path: '/v2/tags', fault: kind })
      if (kind === 'rate-limited') expect((error as AppError).info.retryAfterSeconds).toBe(10)
      if (kind === 'late') {
        expect(proxy.pendingLate()).toBe(1)
        // Held until the client's connection closed; then queued on the clock.
        await vi.waitFor(() => expect(proxy.lateQueued()).toBe(1))
        expect(await proxy.releaseDue()).toBe(0) // its time has not come
        expect(fake.state.tags.has(tag)).toBe(false)
        clock.advance(10_000)
        expect(await proxy.releaseDue()).toBe(1)
        expect(fake.state.tags.has(tag)).toBe(true) // carried out late, after the client gave up
        expect(proxy.log.at(-1)).toMatchObject({ method: 'POST', path: '/v2/tags', landedFrom: 0, status: 201 })
      }
    })
  }

  it('the same seed makes the same choices; the rate is the share of faulty requests', async () => {
    const clock = new FakeClock()
    fake = await startFakeDigitalOcean({ clock })
    const picks = async (seed: number): Promise<string[]> => {
      const p = await startFaultProxy({ target: fake!.url, seed, rate: 0.3, clock, weights: { delayed: 0, late: 0 } })
      const client = new DigitalOceanClient({ endpoint: p.url, token: fake!.token, timeoutMs: TIMEOUT_MS })
      for (let i = 0; i < 60; i++) await client.getAccount(AbortSignal.timeout(5_000)).catch(() => undefined)
      await p.close()
      return p.log.map((entry) => entry.fault ?? '-')
    }
    const [a, b] = [await picks(42), await picks(42)]
    expect(a).toEqual(b)
    const faulty = a.filter((fault) => fault !== '-').length
    expect(faulty).toBeGreaterThan(6)
    expect(faulty).toBeLessThan(30)
    // mulberry32 is what makes it repeatable
    expect(mulberry32(42)()).toBe(mulberry32(42)())
  })

  it('refuses a target that is not on loopback', async () => {
    await expect(startFaultProxy({ target: 'https://api.digitalocean.com', seed: 1 })).rejects.toThrow(/loopback/)
  })
})

describe('faulty provisioner', () => {
  const ACTED: Record<ProvisionerFault, boolean> = { 'rate-limited': false, unavailable: false, timeout: false, 'answer-lost': true, late: false }
  const CODES: Record<ProvisionerFault, string> = { 'rate-limited': 'rate-limited', unavailable: 'provider-unavailable', timeout: 'timeout', 'answer-lost': 'network', late: 'timeout' }
  const spec: ProvisionSpec = {
    hostId: 'h1',
    name: 'exit-faulty-1',
    region: 'sim-local-1',
    plan: 'sim-nano',
    userData: '#!/bin/sh\n',
    tunnel: { mode: 'tcp', inletsVersion: '0.11.14', domains: [], letsEncryptIssuer: 'prod' },
    tags: { app: 'exitdesk', host: 'exitdesk-host-h1' },
  }
  const ctx = { accountId: 'simulated', credentials: {}, endpoint: '' }

  for (const kind of PROVISIONER_FAULTS) {
    it(`${kind}: throws ${CODES[kind]}, and the cloud ${ACTED[kind] ? 'acted' : 'did not act'}`, async () => {
      const clock = new FakeClock()
      const simulator = createSimulatorProvisioner({ clock })
      const faulty = createFaultyProvisioner(simulator, { seed: 3, rate: 1, clock, weights: Object.fromEntries(PROVISIONER_FAULTS.map((k) => [k, k === kind ? 1 : 0])), lateAfterMs: [5_000, 5_000] })
      const error = await faulty.provisioner.provision(ctx, spec, { region: 'sim-local-1', attached: [] }, undefined, AbortSignal.timeout(5_000)).then(
        () => undefined,
        (caught: unknown) => caught,
      )
      expect(error).toBeInstanceOf(AppError)
      expect((error as AppError).info).toMatchObject({ code: CODES[kind], retryable: true })
      expect((await simulator.holdings()).instances).toBe(ACTED[kind] ? 1 : 0)
      expect(faulty.instancesByTag.get('exitdesk-host-h1')?.size ?? 0).toBe(ACTED[kind] ? 1 : 0)
      expect(faulty.log[0]).toMatchObject({ method: 'provision', fault: kind, subjects: ['h1'] })
      if (kind === 'late') {
        expect(await faulty.releaseDue()).toBe(0)
        clock.advance(5_000)
        expect(await faulty.releaseDue()).toBe(1)
        expect((await simulator.holdings()).instances).toBe(1)
        expect(faulty.instancesByTag.get('exitdesk-host-h1')?.size).toBe(1)
        expect(faulty.callsFor('h1').at(-1)).toMatchObject({ method: 'provision', landedFrom: 0 })
      }
    })
  }
})
