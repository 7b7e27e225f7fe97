/**
 * The Vultr adapter inside the real host service and account service, against the fake: the
 * whole lifecycle through the account's request budget, and creates whose outcome is unknown
 * (a create Vultr carried out although its answer was lost, and one it carried out late). The
 * service runs on a fake clock that the fake Vultr follows too, so nothing sleeps.
 */
import { describe, expect, it } from 'vitest'
import { BudgetRegistry } from '../../src/main/clouds/budget'
import type { CloudContext } from '../../src/main/clouds/types'
import { createVultrProvisioner, VULTR_MANIFEST } from '../../src/main/clouds/vultr'
import { AppError } from '../../src/shared/errors'
import { LATE_CREATE_WINDOW_MS } from '../../src/main/hosts/stepping'
import { startFakeVultr, type FakeVultr, type FakeVultrOptions } from '../fakes/vultr'
import { closeAfterEach, serviceOnFake } from '../support/cloud-service'
import { FakeClock } from '../support/harness'

const MARKER = 'exitdesk-account-marker'
const closeLater = closeAfterEach()

async function setup(options: FakeVultrOptions = {}) {
  const clock = new FakeClock()
  const f = closeLater(await startFakeVultr({ activateAfterMs: 2_000, okAfterMs: 4_000, deleteAfterMs: 2_000, clock, ...options }))
  const service = await serviceOnFake({ clock, provisioner: createVultrProvisioner({ timeoutMs: 400 }), account: { cloud: 'vultr', label: 'Vultr', endpoint: f.url, credentials: { token: f.token } }, host: { region: 'lhr', plan: 'vc2-1c-1gb' } })
  return { ...service, fake: f }
}

const posts = (f: FakeVultr, path: string): number => f.requests.filter((r) => r.method === 'POST' && r.path === path).length
const hostGroups = (f: FakeVultr): string[] => [...f.state.groups.values()].map((group) => group.description).filter((description) => description !== MARKER)

describe('Vultr in the host service', () => {
  it('both modes: created, active, deleted, gone from table, ledger and cloud; every request passed the account budget', async () => {
    const { hosts, accounts, ledger, fake: f, pass, create, account } = await setup()
    // The key was checked (account, groups, the marker made) before the account and its budget existed.
    expect(f.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v2/account', 'GET /v2/firewalls', 'POST /v2/firewalls'])
    const tcp = await create('exit-tcp')
    const https = await create('exit-https', 'https')
    expect(f.state.instances.size).toBe(2)
    for (let i = 0; i < 4; i++) await pass(2_000)
    const shown = hosts.snapshot().hosts
    expect(shown.map((host) => host.state).sort()).toEqual(['active', 'active'])
    expect(shown.map((host) => host.rawStatus)).toEqual(['active/running/ok', 'active/running/ok'])
    expect(shown.map((host) => host.monthlyCostUsd)).toEqual([5, 5])

    await hosts.delete({ by: 'id', hostId: tcp.id })
    await hosts.delete({ by: 'id', hostId: https.id })
    for (let i = 0; i < 8 && hosts.snapshot().hosts.length > 0; i++) await pass(2_000)
    expect(hosts.snapshot().hosts).toEqual([])
    expect(ledger.read().hosts).toEqual([])
    expect(f.state.instances.size).toBe(0)
    expect(hostGroups(f)).toEqual([])

    const budget = accounts.budgets.get(account.id)
    expect(budget).toBeDefined()
    expect(budget!.sent).toBeGreaterThanOrEqual(f.requests.length - 3)
    expect(f.requests.some((r) => r.status === 429)).toBe(false)
  })

  it('an instance create Vultr carried out but answered 504 is looked up by tag and adopted: one instance, one group', async () => {
    const { hosts, fake: f, pass, create } = await setup()
    f.setFailure({ method: 'POST', path: '/v2/instances', status: 504, afterEffect: true, times: 1 })
    const host = await create('exit-lost-answer', 'https')
    expect(host.rawStatus).toBe('checking whether Vultr made it')
    await pass(2_000)
    expect(hosts.snapshot().hosts[0]?.locator.instanceId).toBe([...f.state.instances.keys()][0])
    for (let i = 0; i < 3; i++) await pass(2_000)
    expect(hosts.snapshot().hosts[0]?.state).toBe('active')
    expect(posts(f, '/v2/instances')).toBe(1)
    expect(f.state.instances.size).toBe(1)
    expect(hostGroups(f)).toHaveLength(1)

    await hosts.delete({ by: 'id', hostId: host.id })
    for (let i = 0; i < 10 && hosts.snapshot().hosts.length > 0; i++) await pass(LATE_CREATE_WINDOW_MS / 4)
    expect(hosts.snapshot().hosts).toEqual([])
    expect(f.state.instances.size + hostGroups(f).length).toBe(0)
  })

  it('a create that timed out and was carried out late becomes a duplicate: removed on its own, never with the group the host still uses', async () => {
    const { hosts, fake: f, pass, create } = await setup()
    // The first POST /instances hangs past the deadline and is not carried out (yet).
    f.setFailure({ method: 'POST', path: '/v2/instances', delayMs: 2_000, ignore: true, times: 1 })
    const host = await create('exit-late')
    expect(host.rawStatus).toBe('checking whether Vultr made it')
    // Inside the late-processing window only look-ups: nothing is created.
    await pass(15_000)
    expect(f.state.instances.size).toBe(0)
    await pass(LATE_CREATE_WINDOW_MS)
    await pass(2_000)
    expect(f.state.instances.size).toBe(1)
    const own = hosts.snapshot().hosts.find((row) => row.id === host.id)!.locator
    const groupId = own.attached.find((resource) => resource.kind === 'firewall')!.id

    // Now Vultr carries out the lost create after all: a second instance, same tag, same group.
    const late = await fetch(`${f.url}/instances`, {
      method: 'POST',
      headers: { authorization: `Bearer ${f.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ region: 'lhr', plan: 'vc2-1c-1gb', os_id: 2284, label: 'exit-late', tags: ['exitdesk', `exitdesk-host-${host.id}`], firewall_group_id: groupId }),
    })
    expect(late.status).toBe(202)
    for (let i = 0; i < 6; i++) await pass(2_000)
    // The duplicate was recognised and removed; the host and its group stay.
    expect(f.state.instances.size).toBe(1)
    expect(f.state.instances.has(own.instanceId!)).toBe(true)
    expect(f.state.groups.has(groupId)).toBe(true)
    expect(hosts.snapshot().hosts.map((row) => row.id)).toEqual([host.id])

    await hosts.delete({ by: 'id', hostId: host.id })
    for (let i = 0; i < 10 && hosts.snapshot().hosts.length > 0; i++) await pass(LATE_CREATE_WINDOW_MS / 4)
    expect(hosts.snapshot().hosts).toEqual([])
    expect(f.state.instances.size + hostGroups(f).length).toBe(0)
  })

  it('a 429 with Retry-After pauses the whole account until then', async () => {
    const { accounts, fake: f, pass, account, create } = await setup({ retryAfterSeconds: 7 })
    await create('exit-limited')
    f.setRequestBudget(0)
    await pass(1_000)
    expect(f.requests.filter((r) => r.status === 429).length).toBeGreaterThan(0)
    const budget = accounts.budgets.get(account.id)!
    expect(budget.tooManyRequests).toBeGreaterThan(0)
    const sent = f.requests.length
    f.setRequestBudget(1_000)
    await pass(3_000) // still inside the 7 s
    expect(f.requests.length).toBe(sent)
    await pass(5_000)
    expect(f.requests.length).toBeGreaterThan(sent)
  })
})

describe('Vultr budget: 30 requests a second', () => {
  it('a background burst stops at 27 in one second without a single 429; a click still has room; the next second goes on', async () => {
    const clock = new FakeClock()
    const fake = closeLater(await startFakeVultr({ clock }))
    const budget = new BudgetRegistry(clock).for('acct-1', VULTR_MANIFEST)!
    const p = createVultrProvisioner()
    const ctx = (priority: 'user' | 'background'): CloudContext => ({ accountId: 'acct-1', credentials: { token: fake.token }, endpoint: fake.url, budget, priority })
    const id = 'cb676a46-66fd-4dfb-b839-443f2e6c0b60'
    let passed = 0
    let refused = 0
    for (let n = 0; n < 40; n++) {
      try {
        await p.status(ctx('background'), { region: 'lhr', instanceId: id, attached: [] }, AbortSignal.timeout(5_000))
        passed++
      } catch (error) {
        if (!(error instanceof AppError) || error.info.code !== 'rate-limited') throw error
        refused++
      }
    }
    expect({ passed, refused }).toEqual({ passed: 27, refused: 13 })
    expect(fake.requests).toHaveLength(27)
    await p.catalog(ctx('user'), AbortSignal.timeout(5_000))
    expect(fake.requests).toHaveLength(29)
    clock.advance(1_000)
    await expect(p.status(ctx('background'), { region: 'lhr', instanceId: id, attached: [] }, AbortSignal.timeout(5_000))).resolves.toBeNull()
    expect(fake.requests.some((r) => r.status === 429)).toBe(false)
  })
})
