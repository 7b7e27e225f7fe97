/**
 * The Hetzner Cloud adapter inside the real host service: one fault at a time (an answer that
 * is not Hetzner's, a create carried out late), then the seeded fault proxy
 * (test/support/fault-proxy.ts) in front of the fake — 429s, 5xx, gateway and portal pages,
 * mislabelled and cut-off bodies, resets before and after the fake acted, answers held past the
 * deadline, requests that land after the client gave up. Nothing may be doubled, left behind
 * (server, firewall, primary IP) or stuck. The fake's time follows the service's fake clock.
 */
import { describe, expect, it } from 'vitest'
import { createHetznerProvisioner, HETZNER_MANIFEST, MARKER_NAME } from '../../src/main/clouds/hetzner'
import { CatalogService } from '../../src/main/clouds/catalog'
import { LATE_CREATE_WINDOW_MS } from '../../src/main/hosts/stepping'
import { startFakeHetzner, type FakeHetzner } from '../fakes/hetzner'
import { startFaultProxy } from '../support/fault-proxy'
import { closeAfterEach, createAndDeleteUnderFaults, serviceOnFake } from '../support/cloud-service'
import { FakeClock } from '../support/harness'

/** A short per-request deadline, so a held answer times out in real time quickly. */
const TIMEOUT_MS = 400
const closeLater = closeAfterEach()

const serverPosts = (f: FakeHetzner): number => f.requests.filter((r) => r.method === 'POST' && /\/servers$/.test(r.path)).length

/** Servers per host label: more than one would be a duplicate. */
function mostPerHost(f: FakeHetzner): number {
  const counts = new Map<string, number>()
  for (const server of f.state.servers.values()) {
    const label = Object.keys(server.labels).find((key) => key.startsWith('exitdesk-host-')) ?? ''
    counts.set(label, (counts.get(label) ?? 0) + 1)
  }
  return Math.max(0, ...counts.values())
}

function leftovers(f: FakeHetzner): number {
  return f.state.servers.size + [...f.state.firewalls.values()].filter((firewall) => firewall.name !== MARKER_NAME).length + f.state.primaryIps.size
}

/** The service and an account on the fake; with `seed`, the account's endpoint is a fault proxy in front of it (faults off until `setRate`). */
async function setup(seed?: number) {
  const clock = new FakeClock()
  const f = closeLater(await startFakeHetzner({ clock, activateAfterMs: 5_000, deleteAfterMs: 4_000 }))
  // The fake answers paths with and without /v1; the proxy forwards to its origin.
  const proxy = seed === undefined ? undefined : closeLater(await startFaultProxy({ target: f.url.replace(/\/v1$/, ''), seed, rate: 0, clock, giveUpMs: 3_000 }))
  const service = await serviceOnFake({ clock, provisioner: createHetznerProvisioner({ timeoutMs: TIMEOUT_MS }), account: { cloud: 'hetzner', label: 'Faults', endpoint: proxy?.url ?? f.url, credentials: { token: f.token } }, host: { region: 'hel1', plan: 'cx23' } })
  return { ...service, fake: f, proxy }
}

describe('Hetzner in the host service, one fault at a time', () => {
  it('create both modes -> active -> delete through the service leaves nothing', async () => {
    const { hosts, clock, fake: f, create } = await setup()
    await create('exit-svc-tcp', 'tcp')
    await create('exit-svc-https', 'https')
    for (let n = 0; n < 4; n++) {
      clock.advance(3_000)
      await hosts.refresh()
    }
    expect(hosts.snapshot().hosts.map((host) => host.state)).toEqual(['active', 'active'])
    expect(hosts.snapshot().hosts.every((host) => host.ipv4?.startsWith('198.51.100.'))).toBe(true)
    for (const host of hosts.snapshot().hosts) await hosts.delete({ by: 'id', hostId: host.id })
    for (let n = 0; n < 10 && hosts.snapshot().hosts.length > 0; n++) {
      clock.advance(3_000)
      await hosts.refresh()
    }
    expect(hosts.snapshot().hosts).toEqual([])
    f.settle()
    expect(leftovers(f)).toBe(0)
  }, 30_000)

  it('the create form gets the live catalogue, and the built-in one with the reason when Hetzner cannot be read', async () => {
    const { accounts, clock, fake: f, account } = await setup()
    const live = await new CatalogService({ accounts, clock }).get(account.id)
    expect(live).toMatchObject({ source: 'live' })
    expect(live.plans[0]?.id).toBe('cx23')
    f.setFailure({ path: '/v1/server_types', status: 503, code: 'unavailable', message: 'Server types are resting.' })
    const fallback = await new CatalogService({ accounts, clock }).get(account.id)
    expect(fallback).toMatchObject({ source: 'built-in', plans: HETZNER_MANIFEST.plans, regions: HETZNER_MANIFEST.regions })
    expect(fallback.note).toContain('Server types are resting.')
  }, 30_000)

  it('a server create answered "201" as text/html is an unknown outcome: looked up by label, never re-sent blind, no duplicate', async () => {
    const { hosts, clock, fake: f, create } = await setup()
    // Hetzner made the server, but the answer was relabelled by something in between.
    f.setFailure({ method: 'POST', path: '/v1/servers', status: 201, headers: { 'content-type': 'text/html' }, body: { server: { id: 1 } }, times: 1 })
    const host = await create('exit-mislabelled')
    expect(host.state).toBe('provisioning')
    for (let n = 0; n < 4; n++) {
      clock.advance(15_000)
      await hosts.refresh()
    }
    expect(serverPosts(f)).toBe(1)
    expect(f.state.servers.size).toBe(0) // the fake answered without creating: nothing to find yet
    clock.advance(LATE_CREATE_WINDOW_MS)
    await hosts.refresh()
    clock.advance(2_000)
    await hosts.refresh()
    expect(serverPosts(f)).toBe(2) // only after the late-processing window
    expect(f.state.servers.size).toBe(1)
  }, 30_000)

  it('a server create that times out and lands late is adopted, not doubled', async () => {
    const { hosts, clock, fake: f, create } = await setup()
    f.setFailure({ method: 'POST', path: '/v1/servers', delayMs: TIMEOUT_MS + 300, late: true, times: 1 })
    const host = await create('exit-late')
    await f.drain()
    expect(f.state.servers.size).toBe(1)
    for (let n = 0; n < 4; n++) {
      clock.advance(5_000)
      await hosts.refresh()
    }
    const row = hosts.snapshot().hosts.find((candidate) => candidate.id === host.id)
    expect(row?.locator.instanceId).toBe(String([...f.state.servers.keys()][0]))
    expect(serverPosts(f)).toBe(1)
    expect(hosts.snapshot().hosts).toHaveLength(1)
  }, 30_000)
})

describe('Hetzner under faults, in the host service', () => {
  it.each([
    [5, 0.3],
    [23, 0.3],
  ])('seed %i at %f: creates and deletes under faults leave no duplicate, nothing behind and no stuck row', async (seed, rate) => {
    const service = await setup(seed)
    const { hosts, fake: f } = service
    const run = await createAndDeleteUnderFaults(service, service.proxy!, rate, {
      instances: () => f.state.servers.size,
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
