/**
 * The host service under interleavings a user and the clock can produce: the same request
 * twice at once, a delete while a create step is still running in the cloud, a delete of a
 * create whose answer was lost, a create refused in the background, a credential that stops
 * working. Each ends with nothing billable left behind, or says why not.
 */
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { SIM_BOOT_MS, SIM_TEARDOWN_MS } from '../../src/main/clouds/simulator'
import { LATE_CREATE_WINDOW_MS } from '../../src/main/hosts/stepping'
import { makeHostService } from '../support/harness'

const tcp = { mode: 'tcp' as const, inletsVersion: '0.11.14', domains: [], letsEncryptIssuer: 'prod' as const }
const request = (overrides: Record<string, unknown> = {}) => ({ requestId: randomUUID(), accountId: 'simulated', name: 'exit-race-1', region: 'sim-local-1', plan: 'sim-nano', tunnel: tcp, ...overrides })

describe('HostService under races', () => {
  it('the same request sent twice at once makes one host', async () => {
    const { hosts, cloud, simulator } = await makeHostService()
    const input = request()
    const [a, b] = await Promise.all([hosts.create(input), hosts.create(input)])
    expect(a.id).toBe(b.id)
    expect(cloud.calls.provision).toBe(1)
    expect((await simulator.holdings()).instances).toBe(1)
    expect(hosts.snapshot().hosts).toHaveLength(1)
  })

  it('a delete while the create step is still running ends with the instance deleted, not revived', async () => {
    const { hosts, cloud, clock, simulator } = await makeHostService()
    const step = cloud.hold('provision')
    const creating = hosts.create(request())
    await expect.poll(() => hosts.snapshot().hosts.length).toBe(1)
    const hostId = hosts.snapshot().hosts[0]!.id
    const deleting = await hosts.delete({ by: 'id', hostId })
    expect(deleting.state).toBe('deleting')
    step.release() // the cloud answers the create now
    await creating
    expect(hosts.snapshot().hosts[0]).toMatchObject({ state: 'deleting', busy: true })
    expect(hosts.snapshot().hosts[0]?.locator.instanceId).toMatch(/^sim-/) // what the step made is known to the teardown
    for (let i = 0; i < 3; i++) {
      clock.advance(SIM_TEARDOWN_MS)
      await hosts.refresh()
    }
    expect(hosts.snapshot().hosts).toHaveLength(0)
    expect(await simulator.holdings()).toEqual({ instances: 0, firewalls: 0 })
  })

  it('deleting a host whose create answer was lost deletes the instance the cloud made', async () => {
    const { hosts, cloud, clock, simulator } = await makeHostService()
    cloud.failNext('provision', { code: 'timeout', message: 'The cloud did not answer in time.', retryable: true }, { afterSuccess: true })
    const created = await hosts.create(request())
    expect(created.locator.instanceId).toBeUndefined()
    await hosts.delete({ by: 'id', hostId: created.id })
    clock.advance(SIM_TEARDOWN_MS)
    await hosts.refresh()
    await hosts.refresh()
    expect(await simulator.holdings()).toEqual({ instances: 0, firewalls: 0 })
    // The row stays until the cloud can no longer carry out the create it did not answer.
    expect(hosts.snapshot().hosts).toHaveLength(1)
    clock.advance(LATE_CREATE_WINDOW_MS)
    await hosts.refresh()
    expect(hosts.snapshot().hosts).toHaveLength(0)
  })

  it('a create refused on a background retry stays in the table as an error with the reason, until dismissed', async () => {
    const { hosts, cloud, clock, simulator } = await makeHostService()
    cloud.failNext('provision', { code: 'rate-limited', message: 'Slow down.', retryable: true, retryAfterSeconds: 5 })
    const created = await hosts.create(request())
    expect(created.lastError).toContain('Slow down')
    cloud.failNext('provision', { code: 'unprocessable', message: 'The cloud could not accept these settings.', providerMessage: 'plan sold out', retryable: false })
    clock.advance(5_000)
    await hosts.refresh() // the retry is refused
    await hosts.refresh() // leftovers removed; the reason stays
    const row = hosts.snapshot().hosts[0]!
    expect(row).toMatchObject({ id: created.id, state: 'error', busy: false })
    expect(row.lastError).toContain('plan sold out')
    expect(await simulator.holdings()).toEqual({ instances: 0, firewalls: 0 })
    await hosts.delete({ by: 'id', hostId: created.id })
    await hosts.refresh()
    expect(hosts.snapshot().hosts).toHaveLength(0)
  })

  it('a host the cloud reports as archived is torn down, not hidden forever', async () => {
    const { hosts, cloud, clock } = await makeHostService()
    const created = await hosts.create(request())
    clock.advance(SIM_BOOT_MS)
    await hosts.refresh()
    const inner = cloud.provisioner.listByTag
    cloud.provisioner.listByTag = async (...args) => (await inner(...args)).map((o) => ({ ...o, state: 'deleted' as const, rawStatus: 'archive' }))
    await hosts.refresh()
    expect(hosts.snapshot().hosts.find((h) => h.id === created.id)?.state).toBe('deleting')
    cloud.provisioner.listByTag = inner
    clock.advance(SIM_TEARDOWN_MS)
    await hosts.refresh()
    await hosts.refresh()
    expect(hosts.snapshot().hosts).toHaveLength(0)
  })

  it('exposes when a failed step will be tried again', async () => {
    const { hosts, cloud, clock } = await makeHostService()
    cloud.failNext('provision', { code: 'rate-limited', message: 'Slow down.', retryable: true, retryAfterSeconds: 30 })
    const created = await hosts.create(request())
    expect(created.retryAt).toBe(new Date(clock.now() + 30_000).toISOString())
  })
})
