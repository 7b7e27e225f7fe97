/**
 * The Scaleway adapter inside the real host service: the whole create (seven recorded steps
 * advanced by refreshes), one fault at a time (an answer that is not Scaleway's, a server create
 * carried out late), then the seeded fault proxy (test/support/fault-proxy.ts) in front of the
 * fake. Nothing may be doubled, left behind (server, volume, flexible IP, security group) or
 * stuck. The fake's time follows the service's fake clock.
 */
import { describe, expect, it } from 'vitest'
import { createScalewayProvisioner, SCALEWAY_MANIFEST } from '../../src/main/clouds/scaleway'
import { CatalogService } from '../../src/main/clouds/catalog'
import { LATE_CREATE_WINDOW_MS } from '../../src/main/hosts/stepping'
import { startFakeScaleway, type FakeScaleway } from '../fakes/scaleway'
import { startFaultProxy } from '../support/fault-proxy'
import { closeAfterEach, createAndDeleteUnderFaults, serviceOnFake } from '../support/cloud-service'
import { FakeClock } from '../support/harness'

const TIMEOUT_MS = 400
const closeLater = closeAfterEach()

const serverPosts = (f: FakeScaleway): number => f.requests.filter((r) => r.method === 'POST' && /\/servers$/.test(r.path)).length

/** Servers per host tag: more than one would be a duplicate. */
function mostPerHost(f: FakeScaleway): number {
  const counts = new Map<string, number>()
  for (const server of f.state.servers.values()) {
    const tag = server.tags.find((candidate) => candidate.startsWith('exitdesk-host-')) ?? ''
    counts.set(tag, (counts.get(tag) ?? 0) + 1)
  }
  return Math.max(0, ...counts.values())
}

function leftovers(f: FakeScaleway): number {
  return f.state.servers.size + f.state.volumes.size + f.state.ips.size + f.state.groups.size
}

async function setup(seed?: number) {
  const clock = new FakeClock()
  const f = closeLater(await startFakeScaleway({ clock, activateAfterMs: 5_000, deleteAfterMs: 4_000 }))
  const proxy = seed === undefined ? undefined : closeLater(await startFaultProxy({ target: f.url, seed, rate: 0, clock, giveUpMs: 3_000 }))
  const service = await serviceOnFake({ clock, provisioner: createScalewayProvisioner({ timeoutMs: TIMEOUT_MS }), account: { cloud: 'scaleway', label: 'Faults', endpoint: proxy?.url ?? f.url, credentials: { accessKey: 'SCW0123456789ABCDEFG', secretKey: f.secretKey, projectId: f.projectId } }, host: { region: 'fr-par-1', plan: 'STARDUST1-S' } })
  return { ...service, fake: f, proxy }
}

describe('Scaleway in the host service, one fault at a time', () => {
  it('create both modes -> active (cloud-init and poweron on later refreshes) -> delete leaves nothing', async () => {
    const { hosts, clock, fake: f, create } = await setup()
    await create('exit-svc-tcp', 'tcp')
    await create('exit-svc-https', 'https')
    for (let n = 0; n < 8; n++) {
      clock.advance(3_000)
      await hosts.refresh()
    }
    expect(hosts.snapshot().hosts.map((host) => host.state)).toEqual(['active', 'active'])
    expect(hosts.snapshot().hosts.every((host) => host.ipv4?.startsWith('198.51.100.'))).toBe(true)
    expect([...f.state.servers.values()].every((server) => server.userData.get('cloud-init')?.includes('inlets'))).toBe(true)
    for (const host of hosts.snapshot().hosts) await hosts.delete({ by: 'id', hostId: host.id })
    for (let n = 0; n < 12 && hosts.snapshot().hosts.length > 0; n++) {
      clock.advance(3_000)
      await hosts.refresh()
    }
    expect(hosts.snapshot().hosts).toEqual([])
    f.settle()
    expect(leftovers(f)).toBe(0)
  }, 30_000)

  it('the create form gets the live catalogue, and the built-in one with the reason when Scaleway cannot be read', async () => {
    const { accounts, clock, fake: f, account } = await setup()
    const live = await new CatalogService({ accounts, clock }).get(account.id)
    expect(live).toMatchObject({ source: 'live' })
    expect(live.plans[0]?.id).toBe('STARDUST1-S')
    f.setFailure({ path: /\/products\/servers$/, status: 503, type: 'service_unavailable', message: 'Products are resting.' })
    const fallback = await new CatalogService({ accounts, clock }).get(account.id)
    expect(fallback).toMatchObject({ source: 'built-in', plans: SCALEWAY_MANIFEST.plans, regions: SCALEWAY_MANIFEST.regions })
    expect(fallback.note).toContain('Products are resting.')
  }, 30_000)

  it('a server create answered "201" as text/html is an unknown outcome: looked up by tag, never re-sent blind, no duplicate', async () => {
    const { hosts, clock, fake: f, create } = await setup()
    f.setFailure({ method: 'POST', path: '/instance/v1/zones/fr-par-1/servers', status: 201, headers: { 'content-type': 'text/html' }, body: { server: { id: 'x' } }, times: 1 })
    const host = await create('exit-mislabelled')
    expect(host.state).toBe('provisioning')
    for (let n = 0; n < 4; n++) {
      clock.advance(15_000)
      await hosts.refresh()
    }
    expect(serverPosts(f)).toBe(1)
    expect(f.state.servers.size).toBe(0)
    clock.advance(LATE_CREATE_WINDOW_MS)
    await hosts.refresh()
    for (let n = 0; n < 6; n++) {
      clock.advance(3_000)
      await hosts.refresh()
    }
    expect(serverPosts(f)).toBe(2) // only after the late-processing window
    expect(f.state.servers.size).toBe(1)
    expect(hosts.snapshot().hosts.find((candidate) => candidate.id === host.id)?.state).toBe('active')
  }, 30_000)

  it('a server create that times out and lands late is adopted and finished (cloud-init, poweron), not doubled', async () => {
    const { hosts, clock, fake: f, create } = await setup()
    f.setFailure({ method: 'POST', path: '/instance/v1/zones/fr-par-1/servers', delayMs: TIMEOUT_MS + 300, late: true, times: 1 })
    const host = await create('exit-late')
    await f.drain()
    expect(f.state.servers.size).toBe(1)
    for (let n = 0; n < 8; n++) {
      clock.advance(5_000)
      await hosts.refresh()
    }
    const row = hosts.snapshot().hosts.find((candidate) => candidate.id === host.id)
    const server = [...f.state.servers.values()][0]!
    expect(row?.locator.instanceId).toBe(server.id)
    expect(serverPosts(f)).toBe(1)
    expect(hosts.snapshot().hosts).toHaveLength(1)
    // Not left stopped: the remaining steps ran.
    expect(server.userData.get('cloud-init')).toContain('inlets')
    expect(row?.state).toBe('active')
  }, 30_000)
})

describe('Scaleway under faults, in the host service', () => {
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
    expect(run.peak).toBeGreaterThanOrEqual(3)
    expect(run.worst).toBe(1)
    expect(leftovers(f)).toBe(0)
    expect(hosts.snapshot().hosts).toEqual([])
  }, 180_000)
})
