/**
 * Auto-teardown on the fake clock: the deadline recorded at create (or later), carried out by
 * the service's own refreshes and tick, once, surviving a restart; and its 10-minute warning.
 */
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { AccountService } from '../../src/main/accounts/account-service'
import { CatalogService } from '../../src/main/clouds/catalog'
import { createRegistry } from '../../src/main/clouds/registry'
import { createSimulatorProvisioner, SIM_BOOT_MS, SIM_TEARDOWN_MS } from '../../src/main/clouds/simulator'
import { createEventBus } from '../../src/main/events'
import { WARNING_BEFORE_MS } from '../../src/main/hosts/auto-teardown'
import { autoTeardownSettings, saveAutoTeardownSettings } from '../../src/main/hosts/auto-teardown-settings'
import { HostService, IDLE_TICK_MS } from '../../src/main/hosts/host-service'
import { detailsKeyFor } from '../../src/main/hosts/tunnel-tokens'
import { quitPlan, tearDownBeforeQuit } from '../../src/main/quit-teardown'
import { createMemorySecretStore } from '../../src/main/secrets/memory-store'
import type { SecretStore } from '../../src/main/secrets/secret-store'
import { LEDGER_FILE, openLedger } from '../../src/main/store/ledger'
import { parseLedger } from '../../src/main/store/schema'
import type { Notice } from '../../src/shared/contract'
import { AUTO_TEARDOWN_MS } from '../../src/shared/domain'
import { FakeClock, instrument } from '../support/harness'

const HOUR = 3_600_000
const tcp = { mode: 'tcp' as const, inletsVersion: '0.11.14', domains: [], letsEncryptIssuer: 'prod' as const }

/** Timers that only run when the test fires them, so the service's own tick is driven by hand. */
function manualTimers() {
  const pending = new Map<number, { callback: () => void; ms: number }>()
  let next = 1
  return {
    timers: {
      setTimeout: (callback: () => void, ms: number) => {
        pending.set(next, { callback, ms })
        return next++
      },
      clearTimeout: (handle: unknown) => void pending.delete(handle as number),
    },
    /** The delay the service asked for, and runs the callback. */
    fire(): number {
      const [handle, timer] = [...pending].find(([, t]) => t.ms !== 5_000) ?? [] // the readiness tick is 5 s
      if (!timer || handle === undefined) throw new Error('no tick scheduled')
      pending.delete(handle)
      timer.callback()
      return timer.ms
    },
  }
}

async function service(options: { dataDir?: string; clock?: FakeClock; secrets?: SecretStore; timers?: ReturnType<typeof manualTimers>['timers'] } = {}) {
  const clock = options.clock ?? new FakeClock()
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'exitdesk-test-')))
  const cloud = instrument(createSimulatorProvisioner({ clock, stateDir: dataDir }))
  const ledger = await openLedger(dataDir)
  const secrets = options.secrets ?? createMemorySecretStore()
  const events = createEventBus()
  const registry = createRegistry({ clock, extra: [cloud.provisioner] })
  const accounts = new AccountService({ ledger, secrets, registry, clock, onChange: () => events.emit('accounts:changed', { at: new Date(clock.now()).toISOString() }) })
  const catalogs = new CatalogService({ accounts, clock })
  const hosts = new HostService({ ledger, accounts, catalogs, secrets, clock, events, timers: options.timers ?? { setTimeout: () => 0, clearTimeout: () => undefined } })
  const notices: Notice[] = []
  events.on('notify', (notice) => void notices.push(notice))
  return { hosts, ledger, clock, cloud, dataDir, secrets, notices, events }
}

function request(overrides: Record<string, unknown> = {}) {
  return { requestId: randomUUID(), accountId: 'simulated', name: 'exit-auto-1', region: 'sim-local-1', plan: 'sim-nano', tunnel: tcp, ...overrides }
}

/** Refreshes until the teardown the refreshes carry out is done (the simulated instance takes SIM_TEARDOWN_MS). */
async function finishTeardown(s: Awaited<ReturnType<typeof service>>): Promise<void> {
  await s.hosts.refresh()
  s.clock.advance(SIM_TEARDOWN_MS)
  await s.hosts.refresh()
}

describe('auto-teardown', () => {
  it('records the deadline at create, shows it on the host, and fires at the deadline, not before', async () => {
    const s = await service()
    const created = await s.hosts.create(request({ deleteAfter: '1h' }))
    expect(created.deleteAt).toBe(new Date(s.clock.now() + HOUR).toISOString())
    expect(created.deleteAfter).toBe('1h')
    s.clock.advance(SIM_BOOT_MS)
    await s.hosts.refresh()

    s.clock.advance(HOUR - SIM_BOOT_MS - 1) // one millisecond before
    await s.hosts.refresh()
    expect(s.hosts.snapshot().hosts[0]).toMatchObject({ state: 'active', busy: false })

    s.clock.advance(1)
    await s.hosts.refresh()
    const going = s.hosts.snapshot().hosts[0]
    expect(going).toMatchObject({ state: 'deleting', notice: 'Deleted after 1 h, as set at create.' })
    expect(going?.deleteAt).toBeUndefined()
    await finishTeardown(s)
    expect(s.hosts.snapshot().hosts).toHaveLength(0)
    expect(s.cloud.calls.delete).toBeGreaterThan(0)
    const finished = s.notices.filter((n) => n.kind === 'teardown-finished')
    expect(finished).toEqual([expect.objectContaining({ hostId: created.id, title: 'exit-auto-1 was deleted', body: expect.stringContaining('Deleted after 1 h, as set at create.') })])
  })

  it('starts the teardown only once, however many refreshes pass the deadline', async () => {
    const s = await service()
    await s.hosts.create(request({ deleteAfter: '1h' }))
    s.clock.advance(SIM_BOOT_MS)
    await s.hosts.refresh()
    s.clock.advance(HOUR)
    await s.hosts.refresh()
    const deletes = s.cloud.calls.delete
    const stillGoing = s.hosts.snapshot().hosts[0]
    // A second refresh while the instance stops: the teardown goes on, it is not started again.
    await s.hosts.refresh()
    expect(s.hosts.snapshot().hosts[0]?.notice).toBe(stillGoing?.notice)
    expect(s.cloud.calls.delete - deletes).toBeLessThanOrEqual(1)
    await finishTeardown(s)
    expect(s.notices.filter((n) => n.kind === 'teardown-finished')).toHaveLength(1)
  })

  it('is carried out by the service\'s own tick with no window polling, which wakes for the deadline', async () => {
    const manual = manualTimers()
    const s = await service({ timers: manual.timers })
    await s.hosts.create(request({ deleteAfter: '1h' }))
    s.clock.advance(SIM_BOOT_MS)
    await s.hosts.refresh()
    s.hosts.start()
    // Settled hosts tick once a minute; a deadline further off than that changes nothing.
    expect(s.hosts.nextTickMs()).toBe(IDLE_TICK_MS)
    s.clock.advance(HOUR - SIM_BOOT_MS - WARNING_BEFORE_MS - 20_000)
    expect(s.hosts.nextTickMs()).toBe(20_000) // the 10-minute warning is nearer than the idle minute
    s.clock.advance(20_000)
    manual.fire()
    await s.hosts.refresh()
    expect(s.notices.map((n) => n.kind)).toContain('auto-teardown-soon')
    s.clock.advance(WARNING_BEFORE_MS - 30_000)
    expect(s.hosts.nextTickMs()).toBe(30_000) // and so is the deadline, warned of already
    s.clock.advance(30_000)
    manual.fire()
    await s.hosts.refresh() // joins the refresh the tick started
    expect(s.hosts.snapshot().hosts[0]?.state).toBe('deleting')
    s.hosts.stop()
  })

  it('survives a restart of the service on the same data folder (and goes at the deadline after it)', async () => {
    const clock = new FakeClock()
    const secrets = createMemorySecretStore()
    const first = await service({ clock, secrets })
    const created = await first.hosts.create(request({ deleteAfter: '8h' }))
    first.hosts.stop()

    const second = await service({ dataDir: first.dataDir, clock, secrets })
    expect(second.hosts.snapshot().hosts[0]?.deleteAt).toBe(created.deleteAt)
    clock.advance(8 * HOUR - 1)
    await second.hosts.refresh()
    expect(second.hosts.snapshot().hosts[0]?.state).toBe('active')
    clock.advance(1)
    await second.hosts.refresh()
    expect(second.hosts.snapshot().hosts[0]).toMatchObject({ state: 'deleting', notice: 'Deleted after 8 h, as set at create.' })
  })

  it('comes back from the keychain copy when the records file is lost, and still fires', async () => {
    const clock = new FakeClock()
    const secrets = createMemorySecretStore()
    const first = await service({ clock, secrets })
    const created = await first.hosts.create(request({ deleteAfter: '24h' }))
    first.hosts.stop()
    await rm(join(first.dataDir, LEDGER_FILE))

    const second = await service({ dataDir: first.dataDir, clock, secrets })
    await second.hosts.refresh() // found again by its tag, and taken back with its details
    expect(second.hosts.snapshot().hosts[0]).toMatchObject({ id: created.id, discovered: false, deleteAt: created.deleteAt, deleteAfter: '24h' })
    clock.advance(24 * HOUR)
    await second.hosts.refresh()
    expect(second.hosts.snapshot().hosts[0]?.state).toBe('deleting')
  })

  it('"never" never fires, and a create without a choice takes the default from the settings', async () => {
    const s = await service()
    const kept = await s.hosts.create(request({ deleteAfter: 'never' }))
    expect(kept.deleteAt).toBeUndefined()
    const plain = await s.hosts.create(request({ name: 'exit-auto-2' }))
    expect(plain.deleteAt).toBeUndefined() // the built-in default is "never"
    await saveAutoTeardownSettings(s.ledger, { defaultAfter: '24h' })
    const defaulted = await s.hosts.create(request({ name: 'exit-auto-3' }))
    expect(defaulted.deleteAfter).toBe('24h')

    s.clock.advance(AUTO_TEARDOWN_MS['7d'] * 4)
    await s.hosts.refresh()
    const states = Object.fromEntries(s.hosts.snapshot().hosts.map((h) => [h.name, h.state]))
    expect(states).toMatchObject({ 'exit-auto-1': 'active', 'exit-auto-2': 'active', 'exit-auto-3': 'deleting' })
  })

  it('can be changed later (counted from then) or cancelled, and the change is kept in the keychain copy', async () => {
    const s = await service()
    const created = await s.hosts.create(request({ deleteAfter: '1h' }))
    s.clock.advance(30 * 60_000)
    const changed = await s.hosts.setAutoTeardown(created.id, '8h')
    expect(changed.deleteAt).toBe(new Date(s.clock.now() + 8 * HOUR).toISOString())
    const copy = JSON.parse((await s.secrets.get(detailsKeyFor(created.id))) ?? '{}') as { autoTeardown?: { at: number; after: string } }
    expect(copy.autoTeardown).toMatchObject({ at: s.clock.now() + 8 * HOUR, after: '8h', setAt: 'later' })

    s.clock.advance(HOUR) // past the first deadline: the new one holds
    await s.hosts.refresh()
    expect(s.hosts.snapshot().hosts[0]?.state).toBe('active')
    s.clock.advance(7 * HOUR)
    await s.hosts.refresh()
    expect(s.hosts.snapshot().hosts[0]).toMatchObject({ state: 'deleting', notice: 'Deleted after 8 h, as set later.' })

    const other = await s.hosts.create(request({ name: 'exit-auto-2', deleteAfter: '1h' }))
    const cancelled = await s.hosts.setAutoTeardown(other.id, 'never')
    expect(cancelled.deleteAt).toBeUndefined()
    s.clock.advance(AUTO_TEARDOWN_MS['7d'])
    await s.hosts.refresh()
    expect(s.hosts.snapshot().hosts.find((h) => h.id === other.id)?.state).toBe('active')
  })

  it('refuses to set it on an unknown host or on one already being torn down, naming the field', async () => {
    const s = await service()
    await expect(s.hosts.setAutoTeardown('no-such-host', '1h')).rejects.toMatchObject({ info: { code: 'not-found', field: 'hostId' } })
    const created = await s.hosts.create(request())
    await s.hosts.delete({ by: 'id', hostId: created.id })
    await expect(s.hosts.setAutoTeardown(created.id, '1h')).rejects.toMatchObject({ info: { code: 'conflict', field: 'after' } })
  })

  it('does not touch a host already tearing down (a user Delete before the deadline)', async () => {
    const s = await service()
    const created = await s.hosts.create(request({ deleteAfter: '1h' }))
    s.clock.advance(SIM_BOOT_MS)
    await s.hosts.refresh()
    await s.hosts.delete({ by: 'id', hostId: created.id })
    s.clock.advance(HOUR)
    await s.hosts.refresh()
    const host = s.hosts.snapshot().hosts[0]
    expect(host?.notice).toBeUndefined() // the user's delete, not an auto-teardown
    await finishTeardown(s)
    expect(s.notices.filter((n) => n.kind === 'teardown-finished')).toEqual([expect.objectContaining({ body: expect.stringContaining('Everything Exitdesk made') })])
  })

  it('warns once, ten minutes before, also across a restart', async () => {
    const clock = new FakeClock()
    const secrets = createMemorySecretStore()
    const s = await service({ clock, secrets })
    const created = await s.hosts.create(request({ deleteAfter: '1h' }))
    clock.advance(HOUR - WARNING_BEFORE_MS - 1)
    await s.hosts.refresh()
    expect(s.notices.filter((n) => n.kind === 'auto-teardown-soon')).toHaveLength(0)
    clock.advance(1)
    await s.hosts.refresh()
    clock.advance(60_000)
    await s.hosts.refresh()
    expect(s.notices.filter((n) => n.kind === 'auto-teardown-soon')).toEqual([expect.objectContaining({ hostId: created.id, title: 'exit-auto-1 will be deleted in 10 minutes' })])
    s.hosts.stop()

    const again = await service({ dataDir: s.dataDir, clock, secrets })
    await again.hosts.refresh()
    expect(again.notices.filter((n) => n.kind === 'auto-teardown-soon')).toHaveLength(0)
  })

  it('lists the hosts left billable for the quit flow, and tears every host down on request', async () => {
    const s = await service()
    await s.hosts.create(request())
    // The simulated cloud bills nothing: it is not "left billable".
    expect(s.hosts.hostsLeftBillable()).toEqual([])
    s.clock.advance(SIM_BOOT_MS)
    await s.hosts.refresh()
    await s.hosts.tearDownAll()
    expect(s.hosts.hostsTearingDown()).toHaveLength(1)
    expect(s.hosts.snapshot().hosts[0]?.notice).toBe('Deleted when Exitdesk quit, as set in Settings.')
  })
})

describe('the deadline on disk', () => {
  const record = { id: 'h1', name: 'exit-1', cloud: 'simulator', accountId: 'simulated', region: 'r', plan: 'p', state: 'active', rawStatus: 'active', createdAt: '2026-11-25T10:00:00Z', tunnel: tcp, locator: { region: 'r', attached: [] }, phase: 'created' }

  it('loads records written before it existed (no deadline), and records with one', () => {
    const old = parseLedger(JSON.stringify({ version: 1, accounts: [], hosts: [record] }))
    expect(old).toMatchObject({ ok: true, quarantined: [] })
    expect(old.ok && old.data.hosts[0]?.autoTeardown).toBeUndefined()
    const withDeadline = parseLedger(JSON.stringify({ version: 1, accounts: [], hosts: [{ ...record, autoTeardown: { at: 1, after: '1h', setAt: 'create' } }] }))
    expect(withDeadline.ok && withDeadline.data.hosts[0]?.autoTeardown).toEqual({ at: 1, after: '1h', setAt: 'create' })
  })

  it('sets aside a record whose deadline is damaged, naming it', () => {
    const parsed = parseLedger(JSON.stringify({ version: 1, accounts: [], hosts: [{ ...record, autoTeardown: { at: 'soon', after: '3h' } }] }))
    expect(parsed).toMatchObject({ ok: true, quarantined: [{ kind: 'host', problem: expect.stringContaining('autoTeardown.at') }] })
  })
})

describe('tear down every host on quit (the Electron shell\'s quit flow)', () => {
  it('quits at once when the setting is off or nothing is billable, else asks, listing what stays billable', async () => {
    const s = await service()
    const core = { hosts: s.hosts, events: s.events, autoTeardownSettings: () => autoTeardownSettings(s.ledger) }
    await s.hosts.create(request())
    expect(quitPlan(core)).toMatchObject({ kind: 'quit', billable: [] }) // simulated: bills nothing
    // A billable host, as the plan sees it: the service's list stands in for a real cloud.
    const real = { ...s.hosts.snapshot().hosts[0]!, name: 'exit-real-1', cloud: 'digitalocean' as const, region: 'lon1', monthlyCostUsd: 4 }
    const withBillable = { ...core, hosts: Object.assign(Object.create(s.hosts) as HostService, { hostsLeftBillable: () => [real] }) }
    expect(quitPlan(withBillable)).toMatchObject({ kind: 'quit', billable: [real] })
    await saveAutoTeardownSettings(s.ledger, { teardownOnQuit: true })
    const plan = quitPlan(withBillable)
    expect(plan).toMatchObject({ kind: 'ask', question: 'Delete this host before quitting?' })
    expect(plan.kind === 'ask' && plan.detail).toBe('• exit-real-1 — digitalocean lon1, $4.00/mo\n\nIf you quit without deleting, it stays running and billable (about $4.00 a month).')
  })

  it('starts every teardown and resolves once the cloud confirmed them, or at the time limit with what is left', async () => {
    const s = await service()
    const core = { hosts: s.hosts, events: s.events, autoTeardownSettings: () => autoTeardownSettings(s.ledger) }
    await s.hosts.create(request())
    s.clock.advance(SIM_BOOT_MS)
    await s.hosts.refresh()
    const limit: { fire?: () => void } = {}
    const timeIsUp = (): void => limit.fire?.()
    const waiting = tearDownBeforeQuit(core, { timeoutMs: 30_000, setTimeout: (callback) => (limit.fire = callback), clearTimeout: () => undefined })
    await vi.waitFor(() => expect(s.hosts.hostsTearingDown()).toHaveLength(1))
    s.clock.advance(SIM_TEARDOWN_MS)
    await s.hosts.refresh()
    expect(await waiting).toEqual({ done: true, left: [] })

    await s.hosts.create(request({ name: 'exit-auto-2' }))
    limit.fire = undefined
    const cut = tearDownBeforeQuit(core, { timeoutMs: 30_000, setTimeout: (callback) => (limit.fire = callback), clearTimeout: () => undefined })
    await vi.waitFor(() => expect(limit.fire).toBeDefined()) // waiting for the cloud now
    expect(s.hosts.hostsTearingDown()).toHaveLength(1)
    timeIsUp()
    expect(await cut).toMatchObject({ done: false, left: [expect.objectContaining({ name: 'exit-auto-2' })] })
  })
})
