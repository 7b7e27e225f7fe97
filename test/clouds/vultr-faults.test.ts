/**
 * The Vultr adapter inside the real host service, through the seeded fault proxy
 * (test/support/fault-proxy.ts) in front of the fake Vultr API: 429s, 5xx, gateway pages,
 * portal pages, mislabelled and cut-off bodies, resets before and after the fake acted, answers
 * held past the deadline, and requests that land late (after the client gave up). Hosts are
 * created and deleted under faults, then the faults stop; nothing may be doubled for long, left
 * behind or stuck. The fake's time follows the service's fake clock.
 */
import { describe, expect, it } from 'vitest'
import { createVultrProvisioner } from '../../src/main/clouds/vultr'
import { startFakeVultr, type FakeVultr } from '../fakes/vultr'
import { closeAfterEach, createAndDeleteUnderFaults, serviceOnFake } from '../support/cloud-service'
import { startFaultProxy } from '../support/fault-proxy'
import { FakeClock } from '../support/harness'

/** A short per-request deadline, so a held answer times out in real time quickly. */
const TIMEOUT_MS = 400
const MARKER = 'exitdesk-account-marker'
const closeLater = closeAfterEach()

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
    const f = closeLater(await startFakeVultr({ clock, activateAfterMs: 3_000, okAfterMs: 6_000, deleteAfterMs: 4_000 }))
    const proxy = closeLater(await startFaultProxy({ target: f.url, seed, rate: 0, clock, giveUpMs: 3_000 }))
    const service = await serviceOnFake({ clock, provisioner: createVultrProvisioner({ timeoutMs: TIMEOUT_MS }), account: { cloud: 'vultr', label: 'Faults', endpoint: proxy.url, credentials: { token: f.token } }, host: { region: 'lhr', plan: 'vc2-1c-1gb', domain: 'tunnel.example.com' } })
    const run = await createAndDeleteUnderFaults(service, proxy, rate, {
      instances: () => f.state.instances.size,
      mostPerHost: () => mostPerHost(f),
      leftovers: () => f.state.instances.size + hostGroups(f),
    })

    expect(run.faults).toBeGreaterThan(5)
    expect(f.state.instances.size).toBe(0)
    expect(hostGroups(f)).toBe(0)
    expect(service.hosts.snapshot().hosts).toEqual([])
    // The account's marker group is never touched by a teardown.
    expect([...f.state.groups.values()].map((group) => group.description)).toEqual([MARKER])
    // Once the creates settled, one instance per host; and hosts were really made.
    expect(run.settledWorst).toBeLessThanOrEqual(1)
    expect(run.peak).toBeGreaterThanOrEqual(4)
  }, 180_000)
})
