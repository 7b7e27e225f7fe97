/**
 * The OVHcloud adapter inside the real host service, behind the seeded fault proxy
 * (test/support/fault-proxy.ts) in front of the fake — 429s, 5xx, gateway and portal pages,
 * mislabelled and cut-off bodies, resets before and after the fake acted, answers held past the
 * deadline, requests that land after the client gave up. The proxy keeps the Host header, so the
 * signatures (which cover the URL the client used) stay valid. Nothing may be doubled, left
 * behind or stuck. The fake's instance states follow the service's fake clock.
 */
import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { CatalogService } from '../../src/main/clouds/catalog'
import { createOvhProvisioner, OVH_MANIFEST } from '../../src/main/clouds/ovh'
import { tagsFromName } from '../../src/main/clouds/ovh/naming'
import type { TunnelMode } from '../../src/shared/domain'
import { startFakeOvh, type FakeOvh } from '../fakes/ovh'
import { startFaultProxy, type FaultProxy, type ProviderShape } from '../support/fault-proxy'
import { FakeClock, makeHostService } from '../support/harness'

const TIMEOUT_MS = 400
let fake: FakeOvh | undefined
let proxy: FaultProxy | undefined

afterEach(async () => {
  await proxy?.close()
  await fake?.close()
  proxy = undefined
  fake = undefined
})

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
  fake = await startFakeOvh({ clock, activateAfterMs: 5_000, deleteAfterMs: 4_000, clockSkewSeconds: -900 })
  const f = fake
  if (seed !== undefined) proxy = await startFaultProxy({ target: f.url.replace(/\/1\.0$/, ''), seed, rate: 0, clock, giveUpMs: 3_000, preserveHost: true, shape: ovhShape() })
  const service = await makeHostService({ clock, provisioners: [createOvhProvisioner({ timeoutMs: TIMEOUT_MS })] })
  const account = await service.accounts.add({ cloud: 'ovh', label: 'Faults', endpoint: proxy ? `${proxy.url.replace(/\/$/, '')}/1.0` : f.url, credentials: { ...f.credentials } })
  const create = (name: string, mode: TunnelMode = 'tcp') =>
    service.hosts.create({
      requestId: randomUUID(),
      accountId: account.id,
      name,
      region: 'GRA11',
      plan: 'd2-2',
      tunnel: { mode, inletsVersion: '0.11.14', domains: mode === 'https' ? ['tunnel.exitdesk-owner.dev'] : [], letsEncryptIssuer: 'staging' },
    })
  return { ...service, clock, fake: f, account, create }
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
    const { hosts, clock, fake: f, create } = await setup(seed)
    const p = proxy!
    let worst = 0
    let peak = 0
    const pass = async (ms: number): Promise<void> => {
      clock.advance(ms)
      await p.releaseDue()
      await hosts.refresh().catch(() => undefined)
      worst = Math.max(worst, mostPerHost(f))
      peak = Math.max(peak, f.state.instances.size)
    }

    p.setRate(rate)
    for (let n = 0; n < 6; n++) {
      await create(`exit-fault-${n}`, n % 2 ? 'https' : 'tcp').catch(() => undefined)
      await pass(2_000)
    }
    for (let n = 0; n < 40; n++) await pass(10_000)
    for (const host of hosts.snapshot().hosts) await hosts.delete({ by: 'id', hostId: host.id }).catch(() => undefined)
    for (let n = 0; n < 40; n++) await pass(10_000)

    p.setRate(0)
    await p.releaseAll()
    for (let n = 0; n < 60 && (hosts.snapshot().hosts.length > 0 || f.state.instances.size > 0); n++) {
      for (const host of hosts.snapshot().hosts) if (!host.busy || host.state !== 'deleting') await hosts.delete({ by: 'id', hostId: host.id }).catch(() => undefined)
      await pass(30_000)
      f.settle()
    }

    const faults = Object.values(p.stats.faults).reduce((a, b) => a + b, 0)
    expect(faults).toBeGreaterThan(5)
    expect(peak).toBeGreaterThanOrEqual(4)
    expect(worst).toBe(1)
    expect(f.state.instances.size).toBe(0)
    expect(hosts.snapshot().hosts).toEqual([])
    // Through the proxy (and for requests landing late) every signature still held.
    expect(f.requests.filter((r) => r.status === 400 || r.status === 403)).toEqual([])
  }, 180_000)
})
