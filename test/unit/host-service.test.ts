import { randomUUID } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { SIM_BOOT_MS, SIM_TEARDOWN_MS } from '../../src/main/clouds/simulator'
import { BUSY_TICK_MS, IDLE_TICK_MS, MIN_REFRESH_INTERVAL_MS } from '../../src/main/hosts/host-service'
import { AppError } from '../../src/shared/errors'
import { LEDGER_FILE } from '../../src/main/store/ledger'
import { FakeClock, makeHostService } from '../support/harness'

const tcp = { mode: 'tcp' as const, inletsVersion: '0.11.14', domains: [], letsEncryptIssuer: 'prod' as const }
const https = { mode: 'https' as const, inletsVersion: '0.11.14', domains: ['tunnel.example.com'], letsEncryptIssuer: 'staging' as const }

function request(overrides: Record<string, unknown> = {}) {
  return { requestId: randomUUID(), accountId: 'simulated', name: 'exit-test-1', region: 'sim-local-1', plan: 'sim-nano', tunnel: tcp, ...overrides }
}

describe('HostService', () => {
  it('records a created host at once and walks it provisioning -> active -> deleting -> gone', async () => {
    const { hosts, clock, simulator, ledger } = await makeHostService()
    const created = await hosts.create(request())
    expect(created.state).toBe('provisioning')
    expect(created.locator.instanceId).toMatch(/^sim-/)
    expect(ledger.read().hosts).toHaveLength(1)

    await hosts.refresh()
    expect(hosts.snapshot().hosts[0]?.state).toBe('provisioning')
    expect(hosts.snapshot().hosts[0]?.ipv4).toBeUndefined()

    clock.advance(SIM_BOOT_MS)
    await hosts.refresh()
    const active = hosts.snapshot().hosts[0]!
    expect(active.state).toBe('active')
    expect(active.ipv4).toMatch(/^203\.0\.113\.\d+$/)
    expect(active.busy).toBe(false)

    const deleting = await hosts.delete({ by: 'id', hostId: created.id })
    expect(deleting.state).toBe('deleting')
    await hosts.refresh()
    expect(hosts.snapshot().hosts[0]?.state).toBe('deleting')
    clock.advance(SIM_TEARDOWN_MS)
    await hosts.refresh()
    expect(hosts.snapshot().hosts).toHaveLength(0)
    expect(await simulator.holdings()).toEqual({ instances: 0, firewalls: 0 })
  })

  it('HTTPS: creates the firewall first and removes it only after the instance is gone', async () => {
    const { hosts, clock, cloud } = await makeHostService()
    const created = await hosts.create(request({ tunnel: https }))
    expect(created.locator.attached).toEqual([{ kind: 'firewall', id: expect.stringMatching(/^sim-fw-/) }])
    expect(cloud.calls.provision).toBe(2)
    clock.advance(SIM_BOOT_MS)
    await hosts.refresh()
    await hosts.delete({ by: 'id', hostId: created.id })
    await hosts.refresh() // instance still terminating: firewall must stay
    expect(hosts.snapshot().hosts[0]?.locator.attached.filter((resource) => resource.kind === 'firewall')).toHaveLength(1)
    clock.advance(SIM_TEARDOWN_MS)
    await hosts.refresh()
    expect(hosts.snapshot().hosts).toHaveLength(0)
  })

  it('refreshes every host with ONE list call per account scope, not one per host', async () => {
    const { hosts, cloud } = await makeHostService()
    for (let i = 0; i < 5; i++) await hosts.create(request({ name: `exit-test-${i}` }))
    const before = { list: cloud.calls.listByTag, status: cloud.calls.status }
    await hosts.refresh()
    expect(cloud.calls.listByTag - before.list).toBe(1)
    expect(cloud.calls.status - before.status).toBe(0)
  })

  it('pushes a change event only when something changed, numbered like the snapshot', async () => {
    const { hosts, clock, changes } = await makeHostService()
    await hosts.create(request())
    await hosts.refresh()
    const seen = changes()
    expect(hosts.snapshot().version).toBe(seen)
    await hosts.refresh() // nothing new in the cloud
    expect(changes()).toBe(seen)
    clock.advance(SIM_BOOT_MS)
    await hosts.refresh() // active now, with an IP
    expect(changes()).toBe(seen + 1)
    expect(hosts.snapshot().version).toBe(seen + 1)
  })

  it('does not start a list-triggered refresh right after one ended (a slow cloud is not refreshed back to back)', async () => {
    const { hosts, cloud, clock } = await makeHostService()
    cloud.during('listByTag', () => clock.advance(5_000)) // the cloud takes 5 s to answer
    await hosts.refresh()
    const calls = cloud.calls.listByTag
    clock.advance(MIN_REFRESH_INTERVAL_MS - 1)
    hosts.list() // 6.5 s after the refresh started, but just after it ended
    await Promise.resolve()
    await new Promise((resolve) => setImmediate(resolve))
    expect(cloud.calls.listByTag).toBe(calls)
    clock.advance(1)
    hosts.list()
    await hosts.refresh() // joins the refresh list() started
    expect(cloud.calls.listByTag).toBe(calls + 1)
  })

  it('a refresh whose record cannot be written settles quietly with a one-line log, and the next one works', async () => {
    const { hosts, ledger, clock } = await makeHostService()
    await hosts.create(request())
    clock.advance(SIM_BOOT_MS)
    const update = ledger.update.bind(ledger)
    ledger.update = () => Promise.reject(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }))
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    await expect(hosts.refresh()).resolves.toBeUndefined()
    expect(log).toHaveBeenCalledWith(expect.stringContaining('ENOSPC'))
    log.mockRestore()
    ledger.update = update
    await hosts.refresh()
    expect(hosts.snapshot().hosts[0]?.state).toBe('active')
  })

  it('coalesces concurrent refreshes into one run', async () => {
    const { hosts, cloud } = await makeHostService()
    await hosts.create(request())
    const before = cloud.calls.listByTag
    await Promise.all([hosts.refresh(), hosts.refresh(), hosts.refresh()])
    expect(cloud.calls.listByTag - before).toBe(1)
  })

  it('list() answers from memory and starts at most one background refresh per interval', async () => {
    const { hosts, cloud, clock } = await makeHostService()
    const before = cloud.calls.listByTag
    hosts.list()
    hosts.list()
    await hosts.refresh() // joins the one already running
    expect(cloud.calls.listByTag - before).toBe(1)
    hosts.list()
    await hosts.refresh()
    expect(cloud.calls.listByTag - before).toBe(2) // explicit refresh still runs; list() did not add one
    clock.advance(MIN_REFRESH_INTERVAL_MS)
    hosts.list()
    await hosts.refresh()
    expect(cloud.calls.listByTag - before).toBe(3)
  })

  it('never creates a second host for a repeated request id', async () => {
    const { hosts, cloud } = await makeHostService()
    const input = request()
    const first = await hosts.create(input)
    const second = await hosts.create(input)
    expect(second.id).toBe(first.id)
    expect(cloud.calls.provision).toBe(1)
  })

  it('adopts an instance whose create answer was lost instead of creating another', async () => {
    const { hosts, cloud, simulator, clock } = await makeHostService()
    cloud.failNext('provision', { code: 'timeout', message: 'The cloud did not answer in time.', retryable: true }, { afterSuccess: true })
    const created = await hosts.create(request())
    expect(created.state).toBe('provisioning')
    expect(created.locator.instanceId).toBeUndefined()
    expect(created.lastError).toContain('did not answer')
    clock.advance(60_000)
    await hosts.refresh()
    const adopted = hosts.snapshot().hosts[0]!
    expect(adopted.locator.instanceId).toMatch(/^sim-/)
    expect(cloud.calls.provision).toBe(1)
    expect((await simulator.holdings()).instances).toBe(1)
  })

  it('backs off after a failing step and retries on a later refresh', async () => {
    const { hosts, cloud, clock } = await makeHostService()
    const created = await hosts.create(request())
    clock.advance(SIM_BOOT_MS)
    cloud.failNext('delete', { code: 'rate-limited', message: 'Slow down.', retryable: true, retryAfterSeconds: 30 })
    const deleting = await hosts.delete({ by: 'id', hostId: created.id })
    expect(deleting.lastError).toContain('Slow down')
    const calls = cloud.calls.delete
    await hosts.refresh()
    expect(cloud.calls.delete).toBe(calls) // still backing off
    clock.advance(30_000)
    await hosts.refresh()
    expect(cloud.calls.delete).toBe(calls + 1)
  })

  it('leaves a rate-limited account alone until the provider says, and reports it as a sentence', async () => {
    const { hosts, cloud, clock } = await makeHostService()
    await hosts.create(request())
    cloud.failNext('listByTag', { code: 'rate-limited', message: 'The cloud is limiting how fast Exitdesk may call it.', providerMessage: 'Too many requests', retryable: true, retryAfterSeconds: 20 })
    await hosts.refresh()
    expect(hosts.snapshot().accountErrors).toEqual([{ accountId: 'simulated', message: expect.stringContaining('Too many requests') }])
    const calls = cloud.calls.listByTag
    clock.advance(19_000)
    await hosts.refresh()
    expect(cloud.calls.listByTag).toBe(calls)
    clock.advance(1_000)
    await hosts.refresh()
    expect(cloud.calls.listByTag).toBe(calls + 1)
    expect(hosts.snapshot().accountErrors).toEqual([])
  })

  it('a refused create surfaces the error and leaves nothing behind', async () => {
    const { hosts, cloud, simulator } = await makeHostService()
    cloud.failNext('provision', { code: 'unprocessable', message: 'The cloud could not accept these settings.', providerMessage: 'size unavailable', retryable: false })
    await expect(hosts.create(request())).rejects.toMatchObject({ info: { code: 'unprocessable', providerMessage: 'size unavailable' } })
    // What earlier steps may have made is looked for and removed in the background; then the row goes.
    await expect.poll(() => hosts.snapshot().hosts).toHaveLength(0)
    expect(await simulator.holdings()).toEqual({ instances: 0, firewalls: 0 })
  })

  it('resumes recorded teardown steps after a restart', async () => {
    const first = await makeHostService()
    const created = await first.hosts.create(request({ tunnel: https }))
    first.clock.advance(SIM_BOOT_MS)
    await first.hosts.delete({ by: 'id', hostId: created.id })
    // "Restart": a new service over the same ledger, keychain and simulated cloud state.
    const clock = new FakeClock(first.clock.now() + SIM_TEARDOWN_MS)
    const second = await makeHostService({ dataDir: first.dataDir, clock, secrets: first.secrets })
    expect(second.hosts.snapshot().hosts[0]?.state).toBe('deleting')
    await second.hosts.refresh()
    expect(second.hosts.snapshot().hosts).toHaveLength(0)
    expect(await second.simulator.holdings()).toEqual({ instances: 0, firewalls: 0 })
  })

  it('deletes by IP among its tagged hosts', async () => {
    const { hosts, clock } = await makeHostService()
    await hosts.create(request())
    clock.advance(SIM_BOOT_MS)
    await hosts.refresh()
    const ip = hosts.snapshot().hosts[0]!.ipv4!
    const deleting = await hosts.delete({ by: 'ip', accountId: 'simulated', ip })
    expect(deleting.state).toBe('deleting')
    await expect(hosts.delete({ by: 'ip', accountId: 'simulated', ip: '192.0.2.1' })).rejects.toMatchObject({ info: { code: 'not-found', field: 'ip' } })
  })

  it('shows tagged hosts it did not create, and can tear them down', async () => {
    const a = await makeHostService()
    await a.hosts.create(request())
    // The ledger is lost (new machine, deleted file): the host must not stay hidden and billing.
    await rm(join(a.dataDir, LEDGER_FILE))
    const b = await makeHostService({ dataDir: a.dataDir, clock: a.clock })
    expect(b.hosts.snapshot().hosts).toHaveLength(0)
    await b.hosts.refresh()
    const found = b.hosts.snapshot().hosts
    expect(found).toHaveLength(1)
    expect(found[0]).toMatchObject({ discovered: true, name: 'exit-test-1', cloud: 'simulator' })
    await expect(b.hosts.copyableTunnel(found[0]!.id)).rejects.toMatchObject({ info: { code: 'conflict' } })
    await b.hosts.delete({ by: 'id', hostId: found[0]!.id })
    b.clock.advance(SIM_TEARDOWN_MS)
    await b.hosts.refresh()
    expect(b.hosts.snapshot().hosts).toHaveLength(0)
    expect(await b.simulator.holdings()).toEqual({ instances: 0, firewalls: 0 })
  })

  it('finishes the teardown of a host deleted outside Exitdesk, removing what was attached', async () => {
    const { hosts, clock, simulator } = await makeHostService()
    const created = await hosts.create(request({ tunnel: https }))
    clock.advance(SIM_BOOT_MS)
    await hosts.refresh()
    // Someone deletes the instance in the cloud's console.
    const ctx = { accountId: 'simulated', credentials: {}, endpoint: '' }
    const signal = new AbortController().signal
    await simulator.delete(ctx, { ...created.locator, attached: [] }, undefined, signal)
    clock.advance(SIM_TEARDOWN_MS)
    expect(await simulator.holdings()).toEqual({ instances: 0, firewalls: 1 })
    await hosts.refresh() // sees it gone, starts teardown of the firewall
    await hosts.refresh()
    expect(hosts.snapshot().hosts).toHaveLength(0)
    expect(await simulator.holdings()).toEqual({ instances: 0, firewalls: 0 })
  })

  it('validates name, region and plan against the cloud before calling it', async () => {
    const { hosts, cloud } = await makeHostService()
    await expect(hosts.create(request({ name: 'Bad_Name' }))).rejects.toMatchObject({ info: { code: 'invalid-input', field: 'name' } })
    await expect(hosts.create(request({ region: 'mars-1' }))).rejects.toMatchObject({ info: { field: 'region' } })
    await expect(hosts.create(request({ plan: 'huge' }))).rejects.toMatchObject({ info: { field: 'plan' } })
    expect(cloud.calls.provision).toBe(0)
  })

  it('polls fast while anything changes and slowly when settled', async () => {
    const { hosts, clock } = await makeHostService()
    expect(hosts.nextTickMs()).toBe(IDLE_TICK_MS)
    await hosts.create(request())
    await hosts.refresh()
    expect(hosts.nextTickMs()).toBe(BUSY_TICK_MS)
    clock.advance(SIM_BOOT_MS)
    await hosts.refresh()
    expect(hosts.nextTickMs()).toBe(IDLE_TICK_MS)
  })

  it('gives the tunnel (for the client command) only for an active host, with its token', async () => {
    const { hosts, clock } = await makeHostService()
    const created = await hosts.create(request())
    await expect(hosts.copyableTunnel(created.id)).rejects.toBeInstanceOf(AppError)
    clock.advance(SIM_BOOT_MS)
    await hosts.refresh()
    const { record, token } = await hosts.copyableTunnel(created.id)
    expect(token).toHaveLength(64)
    expect(record.ipv4).toBe(hosts.snapshot().hosts[0]!.ipv4!)
    expect(JSON.stringify(hosts.snapshot())).not.toContain(token)
  })
})
