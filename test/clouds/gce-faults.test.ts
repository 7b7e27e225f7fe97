/**
 * The GCE adapter inside the real host service, through the seeded fault proxy
 * (test/support/fault-proxy.ts) in front of the fake Compute API: 429s, 5xx, gateway pages,
 * portal pages, mislabelled and cut-off bodies, resets before and after the fake acted, answers
 * held past the deadline, and requests that land late (after the client gave up). Hosts are
 * created and deleted under faults, then the faults stop; nothing may be doubled, left behind
 * or stuck. The fake's time follows the service's fake clock.
 */
import { randomUUID } from 'node:crypto'
import { OAuth2Client } from 'google-auth-library'
import { describe, expect, it } from 'vitest'
import { createGceProvisioner } from '../../src/main/clouds/gce'
import { startFakeGce, type FakeGce } from '../fakes/gce'
import { closeAfterEach, createAndDeleteUnderFaults, serviceOnFake } from '../support/cloud-service'
import { startFaultProxy } from '../support/fault-proxy'
import { FakeClock, makeHostService } from '../support/harness'

/** A short per-request deadline, so a held answer times out in real time quickly. */
const TIMEOUT_MS = 400
const closeLater = closeAfterEach()

function staticToken(token: string): OAuth2Client {
  const client = new OAuth2Client()
  client.setCredentials({ access_token: token, expiry_date: Date.now() + 24 * 3600_000 })
  return client
}

const posts = (f: FakeGce, what: string): number => f.requests.filter((r) => r.method === 'POST' && r.path.endsWith(what)).length

/** Instances per host label: more than one would be a duplicate. */
function mostPerHost(f: FakeGce): number {
  const counts = new Map<string, number>()
  for (const instance of f.state.instances.values()) {
    const label = instance.labels.exitdesk_host ?? ''
    counts.set(label, (counts.get(label) ?? 0) + 1)
  }
  return Math.max(0, ...counts.values())
}

describe('GCE operations that fail after they were accepted, in the host service', () => {
  it('a firewall rule whose operation fails refuses the create in words, before any instance is asked for', async () => {
    const clock = new FakeClock()
    const f = closeLater(await startFakeGce({ clock, operationMs: 4_000, stagingAfterMs: 3_000, runningAfterMs: 10_000, deleteAfterMs: 4_000 }))
    const service = await makeHostService({ clock, provisioners: [createGceProvisioner({ credentialFor: () => staticToken(f.token), timeoutMs: 2_000 })] })
    const account = await service.accounts.add({ cloud: 'gce', label: 'Ops', credentials: { serviceAccountKey: JSON.stringify(f.newKey()) }, endpoint: f.url })
    f.failNextFirewallOperation([{ code: 'QUOTA_EXCEEDED', message: "Quota 'FIREWALLS' exceeded.  Limit: 100.0 globally." }], 403)
    const host = await service.hosts.create({ requestId: randomUUID(), accountId: account.id, name: 'exit-rule-refused', region: 'us-central1-a', plan: 'e2-micro', tunnel: { mode: 'tcp', inletsVersion: '0.11.14', domains: [], letsEncryptIssuer: 'staging' } })
    expect(f.state.firewalls.size + f.state.instances.size).toBe(0) // the rule's operation runs; nothing else asked for yet
    let seenError = ''
    for (let n = 0; n < 30 && (service.hosts.snapshot().hosts.some((h) => h.busy) || n < 2); n++) {
      clock.advance(5_000)
      await service.hosts.refresh()
      seenError ||= service.hosts.snapshot().hosts.find((h) => h.id === host.id)?.lastError ?? ''
    }
    const row = service.hosts.snapshot().hosts.find((h) => h.id === host.id)
    // The refusal stays in the table (no form was waiting any more), in words, with Google's.
    expect(`${row?.lastError ?? ''} ${seenError}`).toContain("Quota 'FIREWALLS' exceeded")
    expect(row).toMatchObject({ state: 'error', busy: false })
    expect(posts(f, '/instances')).toBe(0)
    expect(f.state.instances.size).toBe(0)
    expect(f.state.firewalls.size).toBe(0)
  }, 60_000)
})

describe('GCE under faults, in the host service', () => {
  it.each([
    [7, 0.3],
    [11, 0.3],
  ])('seed %i at %f: creates and deletes under faults leave no duplicate, nothing behind and no stuck row', async (seed, rate) => {
    const clock = new FakeClock()
    const f = closeLater(await startFakeGce({ clock, operationMs: 4_000, stagingAfterMs: 3_000, runningAfterMs: 10_000, deleteAfterMs: 4_000 }))
    const proxy = closeLater(await startFaultProxy({ target: f.url, seed, rate: 0, clock, giveUpMs: 3_000 }))
    const service = await serviceOnFake({
      clock,
      provisioner: createGceProvisioner({ credentialFor: () => staticToken(f.token), timeoutMs: TIMEOUT_MS }),
      account: { cloud: 'gce', label: 'Faults', endpoint: proxy.url, credentials: { serviceAccountKey: JSON.stringify(f.newKey()), projectId: f.project } },
      host: { region: 'us-central1-a', plan: 'e2-micro', domain: 'tunnel.example.com' },
    })
    const run = await createAndDeleteUnderFaults(service, proxy, rate, {
      instances: () => f.state.instances.size,
      mostPerHost: () => mostPerHost(f),
      leftovers: () => f.state.instances.size + f.state.firewalls.size,
    })

    expect(run.faults).toBeGreaterThan(5)
    // Hosts were really made (most of the six), and never two instances for one host.
    expect(run.peak).toBeGreaterThanOrEqual(4)
    expect(run.worst).toBe(1)
    expect(f.state.instances.size).toBe(0)
    expect(f.state.firewalls.size).toBe(0)
    expect(service.hosts.snapshot().hosts).toEqual([])
    // Every instance insert any try sent carried the same requestId per host name.
    const inserts = f.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/instances'))
    const byName = new Map<string, Set<string>>()
    for (const insert of inserts) {
      const name = String((insert.body as { name?: string }).name)
      byName.set(name, new Set([...(byName.get(name) ?? []), insert.query.requestId ?? '']))
    }
    for (const requestIds of byName.values()) expect(requestIds.size).toBe(1)
  }, 180_000)
})
