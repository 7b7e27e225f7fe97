/**
 * The Linode adapter under the real host service (fake clock) against the Linode fake, one fault
 * at a time: a full create → active → delete, creates whose answer was lost (looked up, never
 * re-sent blind), a Linode made late next to its live host, and a delete Linode did not carry
 * out. The fake's time is moved with the service's clock.
 */
import { describe, expect, it } from 'vitest'
import { createLinodeProvisioner } from '../../src/main/clouds/linode'
import { DELETE_GRACE_MS, LATE_CREATE_WINDOW_MS } from '../../src/main/hosts/stepping'
import { startFakeLinode, type FakeLinode, type FakeLinodeOptions } from '../fakes/linode'
import { closeAfterEach, serviceOnFake } from '../support/cloud-service'

const closeLater = closeAfterEach()

/** A short per-request deadline, so a held answer times out in real time quickly. */
const TIMEOUT_MS = 400

async function setup(options: FakeLinodeOptions = {}) {
  const f = closeLater(await startFakeLinode({ provisionAfterMs: 1_000, bootAfterMs: 500, deleteAfterMs: 1_000, ...options }))
  const service = await serviceOnFake({
    provisioner: createLinodeProvisioner({ timeoutMs: TIMEOUT_MS }),
    account: { cloud: 'linode', label: 'Faults', endpoint: f.url, credentials: { token: f.token } },
    host: { region: 'fr-par', plan: 'g6-nanode-1' },
    advance: (ms) => f.advance(ms),
  })
  return { ...service, fake: f }
}

/** What Linode does when it carries out a create Exitdesk stopped waiting for: a Linode with the host's tags. */
async function lateInstance(f: FakeLinode, label: string, hostId: string): Promise<number> {
  const response = await fetch(`${f.url}/v4/linode/instances`, {
    method: 'POST',
    headers: { authorization: `Bearer ${f.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ label, region: 'fr-par', type: 'g6-nanode-1', image: 'linode/ubuntu24.04', root_pass: 'Late-Create-Password-1234', tags: ['exitdesk', `exitdesk-host-${hostId}`] }),
  })
  return ((await response.json()) as { id: number }).id
}

const posts = (f: FakeLinode, path: string): number => f.requests.filter((r) => r.method === 'POST' && r.path === path).length
const deletes = (f: FakeLinode, path: RegExp): number => f.requests.filter((r) => r.method === 'DELETE' && path.test(r.path)).length
const hostTags = (f: FakeLinode): string[] => [...f.state.tags].filter((tag) => tag.startsWith('exitdesk-host-'))
const leftovers = (f: FakeLinode): number => f.state.instances.size + f.state.firewalls.size + hostTags(f).length

describe('Linode through the host service', () => {
  it('HTTPS: create answers at once, the host goes active, and delete leaves no Linode, firewall or host tag', async () => {
    const { hosts, fake: f, pass, create } = await setup()
    const host = await create('exit-whole', 'https')
    expect(host.state).toBe('provisioning')
    expect(posts(f, '/v4/networking/firewalls')).toBe(1)
    expect(posts(f, '/v4/linode/instances')).toBe(1)
    await pass(2_000)
    expect(hosts.snapshot().hosts[0]).toMatchObject({ state: 'active', rawStatus: 'running', monthlyCostUsd: 5 })
    await hosts.delete({ by: 'id', hostId: host.id })
    for (let i = 0; i < 6 && hosts.snapshot().hosts.length > 0; i++) await pass(2_000)
    expect(hosts.snapshot().hosts).toEqual([])
    expect(leftovers(f)).toBe(0)
  })
})

describe('Linode under faults: creates whose answer was lost', () => {
  it('a Linode create answered with a cut-off body is looked up by the host tag and adopted, never sent again', async () => {
    const { hosts, fake: f, pass, create } = await setup()
    f.setFailure({ method: 'POST', path: '/v4/linode/instances', truncate: true, times: 1 })
    const host = await create('exit-cutoff')
    expect(host.rawStatus).toBe('checking whether Linode made it')
    expect(f.state.instances.size).toBe(1) // Linode made it; the answer broke off
    for (let i = 0; i < 3; i++) await pass(2_000)
    expect(posts(f, '/v4/linode/instances')).toBe(1)
    expect(hosts.snapshot().hosts[0]).toMatchObject({ id: host.id, state: 'active', locator: { instanceId: String([...f.state.instances.keys()][0]) } })
    await hosts.delete({ by: 'id', hostId: host.id })
    await pass(LATE_CREATE_WINDOW_MS)
    for (let i = 0; i < 6 && hosts.snapshot().hosts.length > 0; i++) await pass(2_000)
    expect(hosts.snapshot().hosts).toEqual([])
    expect(leftovers(f)).toBe(0)
  })

  it('a create that timed out is only looked up; a Linode made late is adopted, not doubled', async () => {
    const { hosts, fake: f, pass, create } = await setup()
    f.setFailure({ method: 'POST', path: '/v4/linode/instances', delayMs: TIMEOUT_MS * 4, times: 1 })
    const host = await create('exit-late')
    expect(host.rawStatus).toBe('checking whether Linode made it')
    expect(f.state.instances.size).toBe(0)
    await pass(20_000)
    expect(posts(f, '/v4/linode/instances')).toBe(1)
    const late = await lateInstance(f, 'exit-late', host.id)
    await pass(LATE_CREATE_WINDOW_MS)
    await pass(2_000)
    expect(posts(f, '/v4/linode/instances')).toBe(2) // the original and the late one; Exitdesk sent no second create
    expect(hosts.snapshot().hosts).toMatchObject([{ id: host.id, state: 'active', locator: { instanceId: String(late) } }])
    await hosts.delete({ by: 'id', hostId: host.id })
    for (let i = 0; i < 6 && hosts.snapshot().hosts.length > 0; i++) await pass(2_000)
    expect(leftovers(f)).toBe(0)
  })

  it('a Linode made after the window is the duplicate: removed on its own, the live host keeps its firewall', async () => {
    const { hosts, fake: f, pass, create } = await setup()
    const host = await create('exit-dup', 'https')
    await pass(2_000)
    const duplicate = await lateInstance(f, 'exit-dup-late', host.id)
    await pass(1_000)
    const rows = hosts.snapshot().hosts
    expect(rows).toHaveLength(2)
    expect(rows.find((row) => row.locator.instanceId === String(duplicate))).toMatchObject({ state: 'deleting', discovered: true })
    for (let i = 0; i < 4 && hosts.snapshot().hosts.length > 1; i++) await pass(2_000)
    expect(f.state.instances.has(duplicate)).toBe(false)
    expect(f.state.instances.size).toBe(1)
    expect(f.state.firewalls.size).toBe(1)
    expect(hostTags(f)).toEqual([`exitdesk-host-${host.id}`])
    expect(hosts.snapshot().hosts).toMatchObject([{ id: host.id, state: 'active' }])
    await hosts.delete({ by: 'id', hostId: host.id })
    for (let i = 0; i < 6 && hosts.snapshot().hosts.length > 0; i++) await pass(2_000)
    expect(leftovers(f)).toBe(0)
  })
})

describe('Linode under faults: a delete Linode did not carry out', () => {
  it('a 200 that left the Linode in place is sent again after the grace period', async () => {
    const { hosts, fake: f, pass, create } = await setup()
    const host = await create('exit-ignored')
    await pass(2_000)
    f.setFailure({ method: 'DELETE', path: /^\/v4\/linode\/instances\//, ignore: true, times: 1 })
    await hosts.delete({ by: 'id', hostId: host.id })
    await pass(DELETE_GRACE_MS / 2)
    expect(deletes(f, /^\/v4\/linode\/instances\//)).toBe(1)
    expect(hosts.snapshot().hosts[0]?.rawStatus).toBe('waiting for the Linode to disappear')
    await pass(DELETE_GRACE_MS / 2 + 1_000)
    expect(deletes(f, /^\/v4\/linode\/instances\//)).toBe(2)
    for (let i = 0; i < 6 && hosts.snapshot().hosts.length > 0; i++) await pass(2_000)
    expect(hosts.snapshot().hosts).toEqual([])
    expect(leftovers(f)).toBe(0)
  })
})
