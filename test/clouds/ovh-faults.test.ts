/**
 * The OVHcloud adapter inside the real host service, behind the seeded fault proxy
 * (test/support/fault-proxy.ts) in front of the fake — 429s, 5xx, gateway and portal pages,
 * mislabelled and cut-off bodies, resets before and after the fake acted, answers held past the
 * deadline, requests that land after the client gave up. The proxy keeps the Host header, so the
 * signatures (which cover the URL the client used) stay valid. Nothing may be doubled, left
 * behind or stuck. The fake's instance states follow the service's fake clock.
 */
import { describe, expect, it } from 'vitest'
import { CatalogService } from '../../src/main/clouds/catalog'
import { createOvhProvisioner, OVH_MANIFEST } from '../../src/main/clouds/ovh'
import { tagsFromName } from '../../src/main/clouds/ovh/naming'
import { startFakeOvh, type FakeOvh } from '../fakes/ovh'
import { startFaultProxy, type ProviderShape } from '../support/fault-proxy'
import { closeAfterEach, createAndDeleteUnderFaults, serviceOnFake } from '../support/cloud-service'
import { FakeClock } from '../support/harness'

const TIMEOUT_MS = 400
const closeLater = closeAfterEach()

/** OVH's own error bodies for the proxy's 429 and 500 (`message`, as go-ovh's APIError reads it). */
function ovhShape(): ProviderShape {
  return {
    name: 'ovh',
    rateLimited: ({ retryAfterSeconds }) => ({ status: 429, contentType: 'application/json; charset=utf-8', body: JSON.stringify({ message: 'Too many requests' }), headers: { 'retry-after': String(retryAfterSeconds) } }),
    serverError: () => ({ status: 500, contentType: 'application/json; charset=utf-8', body: JSON.stringify({ message: 'Internal server error' }) }),
    createdId(body) {
      try {
        const parsed = JSON.parse(body.toString('utf8')) as { id?: unknown }
        return typeof parsed.id === 'string' ? parsed.id : undefined
      } catch {
        return undefined
      }
    },
  }
}

/** Instances per host tag: more than one would be a duplicate. */
function mostPerHost(f: FakeOvh): number {
  const counts = new Map<string, number>()
  for (const instance of f.state.instances.values()) {
    const tag = tagsFromName(instance.name)[1] ?? ''
    counts.set(tag, (counts.get(tag) ?? 0) + 1)
  }
  return Math.max(0, ...counts.values())
}

async function setup(seed?: number) {
  const clock = new FakeClock()
  const f = closeLater(await startFakeOvh({ clock, activateAfterMs: 5_000, deleteAfterMs: 4_000, clockSkewSeconds: -900 }))
  const proxy = seed === undefined ? undefined : closeLater(await startFaultProxy({ target: f.url.replace(/\/1\.0$/, ''), seed, rate: 0, clock, giveUpMs: 3_000, preserveHost: true, shape: ovhShape() }))
  const service = await serviceOnFake({ clock, provisioner: createOvhProvisioner({ timeoutMs: TIMEOUT_MS }), account: { cloud: 'ovh', label: 'Faults', endpoint: proxy ? `${proxy.url.replace(/\/$/, '')}/1.0` : f.url, credentials: { ...f.credentials } }, host: { region: 'GRA11', plan: 'd2-2' } })
  return { ...service, fake: f, proxy }
}

describe('OVHcloud in the host service, one fault at a time', () => {
  it('the create form gets the live catalogue, and the built-in one with the reason when OVH cannot be read', async () => {
    const { accounts, clock, fake: f, account } = await setup()
    const live = await new CatalogService({ accounts, clock }).get(account.id)
    expect(live).toMatchObject({ source: 'live' })
    expect(live.plans[0]?.id).toBe('d2-2')
    f.setFailure({ path: /\/flavor$/, status: 503, message: 'Flavors are resting.' })
    const fallback = await new CatalogService({ accounts, clock }).get(account.id)
    expect(fallback).toMatchObject({ source: 'built-in', plans: OVH_MANIFEST.plans, regions: OVH_MANIFEST.regions })
    expect(fallback.note).toContain('Flavors are resting.')
  }, 30_000)

  it('an instance create answered "200" as text/html is an unknown outcome: looked up by name, never re-sent blind inside the window', async () => {
    const { hosts, clock, fake: f, create } = await setup()
    f.setFailure({ method: 'POST', status: 200, headers: { 'content-type': 'text/html' }, body: { id: 'x' }, times: 1 })
    await create('exit-mislabelled')
    for (let n = 0; n < 4; n++) {
      clock.advance(15_000)
      await hosts.refresh()
    }
    expect(f.requests.filter((r) => r.method === 'POST')).toHaveLength(1)
    expect(f.state.instances.size).toBe(0)
  }, 30_000)
})

describe('OVHcloud under faults, in the host service', () => {
  it.each([
    [5, 0.3],
    [23, 0.3],
  ])('seed %i at %f: creates and deletes under faults leave no duplicate, nothing behind and no stuck row', async (seed, rate) => {
    const service = await setup(seed)
    const { hosts, fake: f } = service
    const run = await createAndDeleteUnderFaults(service, service.proxy!, rate, {
      instances: () => f.state.instances.size,
      mostPerHost: () => mostPerHost(f),
      leftovers: () => f.state.instances.size,
      afterCleanupPass: () => f.settle(),
    })
    expect(run.faults).toBeGreaterThan(5)
    expect(run.peak).toBeGreaterThanOrEqual(4)
    expect(run.worst).toBe(1)
    expect(f.state.instances.size).toBe(0)
    expect(hosts.snapshot().hosts).toEqual([])
    // Through the proxy (and for requests landing late) every signature still held.
    expect(f.requests.filter((r) => r.status === 400 || r.status === 403)).toEqual([])
  }, 180_000)
})
