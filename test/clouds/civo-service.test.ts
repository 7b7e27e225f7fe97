/**
 * The Civo adapter inside the real host service and account service, against the fake: the
 * whole lifecycle through the account's request budget, and a create whose answer was lost.
 * The service runs on a fake clock that the fake Civo follows too, so nothing sleeps.
 */
import { describe, expect, it } from 'vitest'
import { createCivoProvisioner } from '../../src/main/clouds/civo'
import { startFakeCivo, type FakeCivoOptions } from '../fakes/civo'
import { closeAfterEach, serviceOnFake } from '../support/cloud-service'
import { FakeClock } from '../support/harness'

const closeLater = closeAfterEach()

async function setup(options: FakeCivoOptions = {}) {
  const clock = new FakeClock()
  const f = closeLater(await startFakeCivo({ activateAfterMs: 2_000, deleteAfterMs: 2_000, clock, ...options }))
  const service = await serviceOnFake({ clock, provisioner: createCivoProvisioner({ timeoutMs: 400 }), account: { cloud: 'civo', label: 'Civo', endpoint: f.url, credentials: { token: f.token } }, host: { region: 'LON1', plan: 'g4s.xsmall' } })
  return { ...service, fake: f }
}

describe('Civo in the host service', () => {
  it('both modes: created, active, deleted, gone from table, ledger and cloud (instance, firewall, IP); every request passed the budget', async () => {
    const { hosts, accounts, ledger, fake: f, pass, create, account } = await setup()
    expect(f.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v2/quota'])
    const tcp = await create('exit-tcp')
    const https = await create('exit-https', 'https')
    for (let i = 0; i < 8 && hosts.snapshot().hosts.some((host) => host.state !== 'active'); i++) await pass(2_000)
    const shown = hosts.snapshot().hosts
    expect(shown.map((host) => host.state).sort()).toEqual(['active', 'active'])
    expect(shown.map((host) => host.rawStatus)).toEqual(['ACTIVE', 'ACTIVE'])
    expect(shown.map((host) => host.monthlyCostUsd)).toEqual([5, 5])
    expect(f.state.instances.size).toBe(2)
    expect(f.state.firewalls.size).toBe(2)

    await hosts.delete({ by: 'id', hostId: tcp.id })
    await hosts.delete({ by: 'id', hostId: https.id })
    for (let i = 0; i < 10 && hosts.snapshot().hosts.length > 0; i++) await pass(2_000)
    expect(hosts.snapshot().hosts).toEqual([])
    expect(ledger.read().hosts).toEqual([])
    f.settle()
    expect(f.state.instances.size).toBe(0)
    expect(f.state.firewalls.size).toBe(0)
    expect(f.state.ips.size).toBe(0)

    const budget = accounts.budgets.get(account.id)
    expect(budget).toBeDefined()
    expect(budget!.sent).toBeGreaterThanOrEqual(f.requests.length - 1)
    expect(f.requests.some((r) => r.status === 429)).toBe(false)
  })

  it('an instance create Civo carried out but answered 503 is looked up by its tag and adopted: one instance, one firewall', async () => {
    const { hosts, fake: f, pass, create } = await setup()
    f.setFailure({ method: 'POST', path: '/v2/instances', afterwards: 503, times: 1 })
    await create('exit-lost')
    for (let i = 0; i < 12 && hosts.snapshot().hosts.some((host) => host.state !== 'active'); i++) await pass(5_000)
    expect(hosts.snapshot().hosts.map((host) => host.state)).toEqual(['active'])
    expect(f.requests.filter((r) => r.method === 'POST' && r.path === '/v2/instances')).toHaveLength(1)
    expect(f.state.instances.size).toBe(1)
    expect(f.state.firewalls.size).toBe(1)
  })
})
