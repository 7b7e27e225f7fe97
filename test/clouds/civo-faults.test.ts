/**
 * The Civo adapter inside the real host service: one fault at a time (an answer that is not
 * Civo's, a create carried out late), the create form's catalogue with and without Civo, then
 * the seeded fault proxy (test/support/fault-proxy.ts) in front of the fake — 429s, 5xx, gateway
 * and portal pages, mislabelled and cut-off bodies, resets before and after the fake acted,
 * answers held past the deadline, requests that land after the client gave up. Nothing may be
 * doubled, left behind (instance, firewall, public IP) or stuck. The fake's time follows the
 * service's fake clock.
 */
import { describe, expect, it } from 'vitest'
import { CIVO_MANIFEST, createCivoProvisioner } from '../../src/main/clouds/civo'
import { CatalogService } from '../../src/main/clouds/catalog'
import { LATE_CREATE_WINDOW_MS } from '../../src/main/hosts/stepping'
import { startFakeCivo, type FakeCivo } from '../fakes/civo'
import { startFaultProxy } from '../support/fault-proxy'
import { closeAfterEach, createAndDeleteUnderFaults, serviceOnFake } from '../support/cloud-service'
import { FakeClock } from '../support/harness'

/** A short per-request deadline, so a held answer times out in real time quickly. */
const TIMEOUT_MS = 400
const closeLater = closeAfterEach()

const instancePosts = (f: FakeCivo): number => f.requests.filter((r) => r.method === 'POST' && r.path === '/v2/instances').length

/** Instances per host tag: more than one would be a duplicate. */
function mostPerHost(f: FakeCivo): number {
  const counts = new Map<string, number>()
  for (const instance of f.state.instances.values()) {
    const tag = instance.tags.find((candidate) => candidate.startsWith('exitdesk-host-')) ?? ''
    counts.set(tag, (counts.get(tag) ?? 0) + 1)
  }
  return Math.max(0, ...counts.values())
}

function leftovers(f: FakeCivo): number {
  return f.state.instances.size + f.state.firewalls.size + f.state.ips.size
}

/** The service and an account on the fake; with `seed`, the account's endpoint is a fault proxy in front of it (faults off until `setRate`). */
async function setup(seed?: number) {
  const clock = new FakeClock()
  const f = closeLater(await startFakeCivo({ clock, activateAfterMs: 5_000, deleteAfterMs: 4_000 }))
  const proxy = seed === undefined ? undefined : closeLater(await startFaultProxy({ target: f.url, seed, rate: 0, clock, giveUpMs: 3_000 }))
  const service = await serviceOnFake({ clock, provisioner: createCivoProvisioner({ timeoutMs: TIMEOUT_MS }), account: { cloud: 'civo', label: 'Faults', endpoint: proxy?.url ?? f.url, credentials: { token: f.token } }, host: { region: 'LON1', plan: 'g4s.xsmall' } })
  return { ...service, fake: f, proxy }
}

describe('Civo in the host service, one fault at a time', () => {
  it('the create form gets the live catalogue, and the built-in one with the reason when Civo cannot be read', async () => {
    const { accounts, clock, fake: f, account } = await setup()
    const live = await new CatalogService({ accounts, clock }).get(account.id)
    expect(live).toMatchObject({ source: 'live' })
    expect(live.plans[0]?.id).toBe('g4s.xsmall')
    f.setFailure({ path: '/v2/sizes', status: 503, code: 'service_unavailable', reason: 'Sizes are resting.' })
    const fallback = await new CatalogService({ accounts, clock }).get(account.id)
    expect(fallback).toMatchObject({ source: 'built-in', plans: CIVO_MANIFEST.plans, regions: CIVO_MANIFEST.regions })
    expect(fallback.note).toContain('Sizes are resting.')
  }, 30_000)

  it('an instance create answered "200" as text/html is an unknown outcome: looked up by tag, never re-sent blind, no duplicate', async () => {
    const { hosts, clock, fake: f, create } = await setup()
    // The answer was relabelled by something in between, and Civo did not make it.
    f.setFailure({ method: 'POST', path: '/v2/instances', status: 200, headers: { 'content-type': 'text/html' }, body: { id: 'x' }, times: 1 })
    const host = await create('exit-mislabelled')
    expect(host.state).toBe('provisioning')
    for (let n = 0; n < 4; n++) {
      clock.advance(15_000)
      await hosts.refresh()
    }
    expect(instancePosts(f)).toBe(1)
    expect(f.state.instances.size).toBe(0)
    clock.advance(LATE_CREATE_WINDOW_MS)
    await hosts.refresh()
    clock.advance(2_000)
    await hosts.refresh()
    expect(instancePosts(f)).toBe(2) // only after the late-processing window
    expect(f.state.instances.size).toBe(1)
  }, 30_000)

  it('an instance create that times out and lands late is adopted, not doubled', async () => {
    const { hosts, clock, fake: f, create } = await setup()
    f.setFailure({ method: 'POST', path: '/v2/instances', delayMs: TIMEOUT_MS + 300, late: true, times: 1 })
    const host = await create('exit-late')
    for (let n = 0; n < 3 && instancePosts(f) === 0; n++) {
      clock.advance(2_000)
      await hosts.refresh()
    }
    await f.drain()
    expect(f.state.instances.size).toBe(1)
    for (let n = 0; n < 4; n++) {
      clock.advance(5_000)
      await hosts.refresh()
    }
    const row = hosts.snapshot().hosts.find((candidate) => candidate.id === host.id)
    expect(row?.locator.instanceId).toBe([...f.state.instances.keys()][0])
    expect(instancePosts(f)).toBe(1)
    expect(hosts.snapshot().hosts).toHaveLength(1)
  }, 30_000)
})

describe('Civo under faults, in the host service', () => {
  it.each([
    [5, 0.3],
    [23, 0.3],
  ])('seed %i at %f: creates and deletes under faults leave no duplicate, nothing behind and no stuck row', async (seed, rate) => {
    const service = await setup(seed)
    const { hosts, fake: f } = service
    const run = await createAndDeleteUnderFaults(service, service.proxy!, rate, {
      instances: () => f.state.instances.size,
      mostPerHost: () => mostPerHost(f),
      leftovers: () => leftovers(f),
      afterCleanupPass: () => f.settle(),
    })
    expect(run.faults).toBeGreaterThan(5)
    expect(run.peak).toBeGreaterThanOrEqual(4)
    expect(run.worst).toBe(1)
    expect(leftovers(f)).toBe(0)
    expect(hosts.snapshot().hosts).toEqual([])
  }, 180_000)
})
