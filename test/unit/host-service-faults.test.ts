/**
 * The host service's rules for calls whose outcome is unknown, on the simulated cloud with
 * injected failures (test/support/harness.ts `instrument`): a create that may have been carried
 * out is looked up by its tag and never sent again blind inside the late-processing window; a
 * refusal is retried at once; a create cut short by a crash is treated as unknown too.
 */
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { SIM_BOOT_MS } from '../../src/main/clouds/simulator'
import { LATE_CREATE_WINDOW_MS, LOOKUP_INTERVAL_MS } from '../../src/main/hosts/stepping'
import { openLedger } from '../../src/main/store/ledger'
import { makeHostService } from '../support/harness'

const tcp = { mode: 'tcp' as const, inletsVersion: '0.11.14', domains: [], letsEncryptIssuer: 'prod' as const }
const https = { mode: 'https' as const, inletsVersion: '0.11.14', domains: ['tunnel.exitdesk-owner.dev'], letsEncryptIssuer: 'prod' as const }
const request = (overrides: Record<string, unknown> = {}) => ({ requestId: randomUUID(), accountId: 'simulated', name: 'exit-fault-1', region: 'sim-local-1', plan: 'sim-nano', tunnel: tcp, ...overrides })

describe('HostService: creates whose outcome is unknown', () => {
  it('an answer lost after the cloud acted: the instance is adopted by its tag, never made twice', async () => {
    const { hosts, cloud, clock, simulator } = await makeHostService()
    cloud.failNext('provision', { code: 'timeout', message: 'The cloud did not answer in time.', retryable: true }, { afterSuccess: true })
    const created = await hosts.create(request())
    expect(created).toMatchObject({ state: 'provisioning', rawStatus: 'checking whether Simulated cloud made it' })
    clock.advance(SIM_BOOT_MS)
    await hosts.refresh()
    expect((await simulator.holdings()).instances).toBe(1)
    expect(hosts.snapshot().hosts).toMatchObject([{ id: created.id, state: 'active', busy: false }])
  })

  it('a timeout before the cloud acted: only looked up until the window has passed, then created exactly once', async () => {
    const { hosts, cloud, clock, simulator } = await makeHostService()
    cloud.failNext('provision', { code: 'timeout', message: 'The cloud did not answer in time.', retryable: true })
    const created = await hosts.create(request())
    for (let t = 0; t < LATE_CREATE_WINDOW_MS - LOOKUP_INTERVAL_MS; t += LOOKUP_INTERVAL_MS) {
      clock.advance(LOOKUP_INTERVAL_MS)
      await hosts.refresh()
    }
    expect((await simulator.holdings()).instances).toBe(0)
    expect(cloud.calls.provision).toBeGreaterThan(10) // looked up again and again …
    expect(hosts.snapshot().hosts[0]).toMatchObject({ id: created.id, state: 'provisioning', rawStatus: 'checking whether Simulated cloud made it' })
    clock.advance(LOOKUP_INTERVAL_MS * 2)
    await hosts.refresh()
    expect((await simulator.holdings()).instances).toBe(1) // … and made once the window had passed
  })

  it('a refusal (rate limited) means nothing was made: the create is retried after the back-off, not held for the window', async () => {
    const { hosts, cloud, clock, simulator } = await makeHostService()
    cloud.failNext('provision', { code: 'rate-limited', message: 'Slow down.', retryable: true, retryAfterSeconds: 2, outcome: 'none' })
    const created = await hosts.create(request())
    expect(created.rawStatus).not.toMatch(/checking whether/)
    clock.advance(2_000)
    await hosts.refresh()
    expect((await simulator.holdings()).instances).toBe(1)
  })

  it('an HTTPS create whose firewall answer was lost finds that firewall instead of making a second one', async () => {
    const { hosts, cloud, clock, simulator } = await makeHostService()
    cloud.failNext('provision', { code: 'network', message: 'The connection broke.', retryable: true }, { afterSuccess: true })
    await hosts.create(request({ tunnel: https }))
    for (let i = 0; i < 3; i++) {
      clock.advance(LOOKUP_INTERVAL_MS)
      await hosts.refresh()
    }
    expect(await simulator.holdings()).toEqual({ instances: 1, firewalls: 1 })
  })

  it('a create cut short by a crash is treated as unknown after the restart: looked up, not re-sent', async () => {
    const first = await makeHostService()
    const step = first.cloud.hold('provision')
    void first.hosts.create(request()).catch(() => undefined)
    await expect.poll(() => first.ledger.read().hosts.length).toBe(1)
    // The process dies here, with the create step sent and unanswered (the held call never returns).
    const again = await makeHostService({ dataDir: first.dataDir, clock: first.clock, secrets: first.secrets })
    expect((await openLedger(first.dataDir)).read().hosts[0]).toMatchObject({ phase: 'creating' })
    await again.hosts.refresh()
    expect(again.ledger.read().hosts[0]?.uncertainSince).toBe(first.clock.now())
    expect(again.hosts.snapshot().hosts[0]?.rawStatus).toBe('checking whether Simulated cloud made it')
    expect((await again.simulator.holdings()).instances).toBe(0)
    step.release()
  })
})
