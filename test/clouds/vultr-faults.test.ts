/**
 * The Vultr adapter inside the real host service, through the seeded fault proxy
 * (test/support/fault-proxy.ts) in front of the fake Vultr API: 429s, 5xx, gateway pages,
 * portal pages, mislabelled and cut-off bodies, resets before and after the fake acted, answers
 * held past the deadline, and requests that land late (after the client gave up). Hosts are
 * created and deleted under faults, then the faults stop; nothing may be doubled for long, left
 * behind or stuck. The fake's time follows the service's fake clock.
 */
import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { createVultrProvisioner } from '../../src/main/clouds/vultr'
import type { TunnelMode } from '../../src/shared/domain'
import { startFakeVultr, type FakeVultr } from '../fakes/vultr'
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy'
import { FakeClock, makeHostService } from '../support/harness'

/** A short per-request deadline, so a held answer times out in real time quickly. */
const TIMEOUT_MS = 400
const MARKER = 'exitdesk-account-marker'
let fake: FakeVultr | undefined
let proxy: FaultProxy | undefined

afterEach(async () => {
  await proxy?.close()
  await fake?.close()
  proxy = undefined
  fake = undefined
})

/** Live instances per host tag: more than one is a duplicate (a create carried out late). */
function mostPerHost(f: FakeVultr): number {
  const counts = new Map<string, number>()
  for (const instance of f.state.instances.values()) {
    if (instance.deleteRequestedAtMs !== undefined) continue
    const tag = instance.tags.find((candidate) => candidate.startsWith('exitdesk-host-')) ?? ''
    counts.set(tag, (counts.get(tag) ?? 0) + 1)
  }
  return Math.max(0, ...counts.values())
}

const hostGroups = (f: FakeVultr): number => [...f.state.groups.values()].filter((group) => group.description !== MARKER).length

describe('Vultr under faults, in the host service', () => {
  it.each([
    [7, 0.3],
    [11, 0.3],
    [3, 0.4],
  ])('seed %i at %f: creates and deletes under faults leave nothing behind and no stuck row', async (seed, rate) => {
    const clock = new FakeClock()
    fake = await startFakeVultr({ clock, activateAfterMs: 3_000, okAfterMs: 6_000, deleteAfterMs: 4_000 })
    const f = fake
    proxy = await startFaultProxy({ target: f.url, seed, rate: 0, clock, giveUpMs: 3_000 })
    const p = proxy
    const service = await makeHostService({ clock, provisioners: [createVultrProvisioner({ timeoutMs: TIMEOUT_MS })] })
    const account = await service.accounts.add({ cloud: 'vultr', label: 'Faults', endpoint: p.url, credentials: { token: f.token } })
    let peak = 0
    const pass = async (ms: number): Promise<void> => {
      clock.advance(ms)
      await p.releaseDue()
      await service.hosts.refresh().catch(() => undefined)
      peak = Math.max(peak, f.state.instances.size)
    }

    p.setRate(rate)
    for (let n = 0; n < 6; n++) {
      const mode: TunnelMode = n % 2 ? 'https' : 'tcp'
      await service.hosts
        .create({ requestId: randomUUID(), accountId: account.id, name: `exit-fault-${n}`, region: 'lhr', plan: 'vc2-1c-1gb', tunnel: { mode, inletsVersion: '0.11.14', domains: mode === 'https' ? ['tunnel.example.com'] : [], letsEncryptIssuer: 'staging' } })
        .catch(() => undefined)
      await pass(2_000)
    }
    // Let the creates settle under faults, then delete every row there is (adopted ones too).
    for (let n = 0; n < 40; n++) await pass(10_000)
    const settledWorst = mostPerHost(f)
    for (const host of service.hosts.snapshot().hosts) await service.hosts.delete({ by: 'id', hostId: host.id }).catch(() => undefined)
    for (let n = 0; n < 40; n++) await pass(10_000)

    // The faults stop; everything still under way finishes.
    p.setRate(0)
    await p.releaseAll()
    for (let n = 0; n < 60 && (service.hosts.snapshot().hosts.length > 0 || f.state.instances.size + hostGroups(f) > 0); n++) {
      for (const host of service.hosts.snapshot().hosts) if (!host.busy || host.state !== 'deleting') await service.hosts.delete({ by: 'id', hostId: host.id }).catch(() => undefined)
      await pass(30_000)
    }

    const faults = Object.values(p.stats.faults).reduce((a, b) => a + b, 0)
    expect(faults).toBeGreaterThan(5)
    expect(f.state.instances.size).toBe(0)
    expect(hostGroups(f)).toBe(0)
    expect(service.hosts.snapshot().hosts).toEqual([])
    // The account's marker group is never touched by a teardown.
    expect([...f.state.groups.values()].map((group) => group.description)).toEqual([MARKER])
    // Once the creates settled, one instance per host; and hosts were really made.
    expect(settledWorst).toBeLessThanOrEqual(1)
    expect(peak).toBeGreaterThanOrEqual(4)
  }, 180_000)
})
