/**
 * The OVHcloud adapter inside the real host service and account service, against the fake (its
 * API clock an hour off this machine's): the whole lifecycle through the account's request
 * budget, and creates whose outcome is unknown (one OVH carried out although it answered 503,
 * one that timed out and landed late). The service runs on a fake clock that the fake's
 * instance states follow too, so nothing sleeps.
 */
import { describe, expect, it } from 'vitest'
import { createOvhProvisioner } from '../../src/main/clouds/ovh'
import { startFakeOvh, type FakeOvh, type FakeOvhOptions } from '../fakes/ovh'
import { closeAfterEach, serviceOnFake } from '../support/cloud-service'
import { FakeClock } from '../support/harness'

const closeLater = closeAfterEach()

async function setup(options: FakeOvhOptions = {}) {
  const clock = new FakeClock()
  const f = closeLater(await startFakeOvh({ activateAfterMs: 2_000, deleteAfterMs: 2_000, clockSkewSeconds: 3_600, clock, ...options }))
  const provisioner = createOvhProvisioner({ timeoutMs: 400 })
  const service = await serviceOnFake({ clock, provisioner, account: { cloud: 'ovh', label: 'OVH', endpoint: f.url, credentials: { ...f.credentials } }, host: { region: 'GRA11', plan: 'd2-2' } })
  return { ...service, fake: f, provisioner }
}

const posts = (f: FakeOvh): number => f.requests.filter((r) => r.method === 'POST').length

describe('OVHcloud in the host service', () => {
  it('both modes: created, active, deleted, gone from table, ledger and cloud; one time measurement; every request after the check passed the budget', async () => {
    const { hosts, accounts, ledger, fake: f, pass, create, account, provisioner } = await setup()
    expect(f.requests.map((r) => `${r.method} ${r.path.replace(f.projectId, '{sn}')}`)).toEqual(['GET /auth/time', 'GET /cloud/project/{sn}'])
    const tcp = await create('exit-tcp')
    const https = await create('exit-https', 'https')
    expect(f.state.instances.size).toBe(2)
    expect([...f.state.instances.values()].map((instance) => instance.name).sort()).toEqual([`exitdesk-host-${https.id}.exit-https`, `exitdesk-host-${tcp.id}.exit-tcp`].sort())
    for (let i = 0; i < 4; i++) await pass(2_000)
    const shown = hosts.snapshot().hosts
    expect(shown.map((host) => host.state)).toEqual(['active', 'active'])
    expect(shown.map((host) => host.rawStatus)).toEqual(['ACTIVE', 'ACTIVE'])
    expect(shown.map((host) => host.monthlyCostUsd)).toEqual([7.23, 7.23])
    expect(shown.every((host) => host.ipv4?.startsWith('198.51.100.'))).toBe(true)

    await hosts.delete({ by: 'id', hostId: tcp.id })
    await hosts.delete({ by: 'id', hostId: https.id })
    for (let i = 0; i < 8 && hosts.snapshot().hosts.length > 0; i++) await pass(2_000)
    expect(hosts.snapshot().hosts).toEqual([])
    expect(ledger.read().hosts).toEqual([])
    f.settle()
    expect(f.state.instances.size).toBe(0)

    expect(provisioner.times.measured).toBe(1)
    const budget = accounts.budgets.get(account.id)
    expect(budget!.sent).toBe(f.requests.length - 2)
    expect(f.requests.every((r) => r.path === '/auth/time' || r.signed)).toBe(true)
  })

  it('a create OVH carried out but answered 503 is looked up by its name and adopted: one instance', async () => {
    const { hosts, fake: f, pass, create } = await setup()
    f.setFailure({ method: 'POST', afterwards: 503, message: 'Service unavailable', times: 1 })
    const host = await create('exit-lost-answer')
    expect(host.rawStatus).toBe('checking whether OVHcloud made it')
    await pass(2_000)
    expect(hosts.snapshot().hosts[0]?.locator.instanceId).toBe([...f.state.instances.keys()][0])
    for (let i = 0; i < 3; i++) await pass(2_000)
    expect(hosts.snapshot().hosts[0]?.state).toBe('active')
    expect(posts(f)).toBe(1)
    expect(f.state.instances.size).toBe(1)

    await hosts.delete({ by: 'id', hostId: host.id })
    for (let i = 0; i < 12 && hosts.snapshot().hosts.length > 0; i++) await pass(60_000)
    expect(hosts.snapshot().hosts).toEqual([])
    f.settle()
    expect(f.state.instances.size).toBe(0)
  })

  it('a create that timed out and landed late is found by its name, never sent again: one instance', async () => {
    const { hosts, fake: f, pass, create } = await setup()
    f.setFailure({ method: 'POST', delayMs: 800, late: true, times: 1 })
    const host = await create('exit-late')
    expect(host.rawStatus).toBe('checking whether OVHcloud made it')
    await pass(2_000)
    await f.drain()
    for (let i = 0; i < 4; i++) await pass(2_000)
    expect(hosts.snapshot().hosts[0]).toMatchObject({ id: host.id, state: 'active' })
    expect(posts(f)).toBe(1)
    expect(f.state.instances.size).toBe(1)
  })
})
