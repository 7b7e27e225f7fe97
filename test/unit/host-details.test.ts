/**
 * `hosts:details` and `settings:set-window` through the core's dispatcher (what both the
 * Electron IPC and the web bridge call), with the simulated cloud, a memory keychain and a
 * fake clock; and the close-to-tray decision with the setting.
 */
import { randomUUID } from 'node:crypto'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { SIM_BOOT_MS } from '../../src/main/clouds/simulator'
import { createCore, type Core } from '../../src/main/core'
import { createMemorySecretStore } from '../../src/main/secrets/memory-store'
import { LEDGER_FILE } from '../../src/main/store/ledger'
import { keepRunningInTray } from '../../src/main/tray-menu'
import type { HostDetails, Settings } from '../../src/shared/contract'
import type { Host } from '../../src/shared/domain'
import type { Envelope } from '../../src/shared/errors'
import { FakeClock } from '../support/harness'

const noTimers = { setTimeout: () => 0, clearTimeout: () => undefined }
const https = { mode: 'https' as const, inletsVersion: '0.11.14', domains: ['tunnel.example.com'], letsEncryptIssuer: 'staging' as const }

async function open(dataDir?: string, clock = new FakeClock()): Promise<{ core: Core; dataDir: string; clock: FakeClock }> {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'exitdesk-details-')))
  const core = await createCore({ dataDir: dir, secrets: createMemorySecretStore(), shell: 'web', version: 'test', clock, timers: noTimers })
  return { core, dataDir: dir, clock }
}

async function ok<T>(envelope: Promise<Envelope<unknown>>): Promise<T> {
  const result = await envelope
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`)
  return result.data as T
}

describe('hosts:details', () => {
  it('shows the simulated host with what was made for it, its tags, image and timeline, and no console links', async () => {
    const { core, clock } = await open()
    const host = await ok<Host>(core.dispatch('hosts:create', { requestId: randomUUID(), accountId: 'simulated', name: 'exit-details', region: 'sim-local-1', plan: 'sim-nano', tunnel: https }))
    clock.advance(SIM_BOOT_MS)
    await core.hosts.refresh()
    const details = await ok<HostDetails>(core.dispatch('hosts:details', { hostId: host.id }))
    expect(details.host).toMatchObject({ id: host.id, name: 'exit-details', state: 'active', cloud: 'simulator' })
    expect(details.resources).toEqual([
      { kind: 'instance', id: expect.stringMatching(/^sim-\d+$/), label: 'Simulated instance' },
      { kind: 'firewall', id: expect.stringMatching(/^sim-fw-\d+$/), label: 'Simulated firewall' },
      { kind: 'ip-address', id: expect.stringMatching(/^203\.0\.113\.\d+$/), label: expect.stringContaining('Simulated IPv4') },
    ])
    expect(details.tags).toEqual(['exitdesk', `exitdesk-host-${host.id}`])
    expect(details.image).toBe('Ubuntu 24.04 LTS (simulated)')
    expect(details.timeline.map((entry) => entry.text)).toEqual([expect.stringMatching(/^Create requested/), 'Firewall created', expect.stringMatching(/^Simulated instance created/), expect.stringMatching(/^Host active at 203\.0\.113\./)])
    // The same host as hosts:list shows it.
    const list = await ok<{ hosts: Host[] }>(core.dispatch('hosts:list', {}))
    expect(details.host).toEqual(list.hosts.find((h) => h.id === host.id))
    await core.stop()
  })

  it('answers an unknown host with the same not-found error as the other host channels', async () => {
    const { core } = await open()
    const details = await core.dispatch('hosts:details', { hostId: 'no-such-host' })
    const autoTeardown = await core.dispatch('hosts:set-auto-teardown', { hostId: 'no-such-host', after: '1h' })
    expect(details).toEqual({ ok: false, error: expect.objectContaining({ code: 'not-found', field: 'hostId', retryable: false }) })
    expect(details.ok ? undefined : details.error.message).toBe(autoTeardown.ok ? 'x' : autoTeardown.error.message)
    expect(await core.dispatch('hosts:details', {})).toMatchObject({ ok: false, error: { code: 'invalid-input', field: 'hostId' } })
    await core.stop()
  })
})

describe('settings:set-window', () => {
  it('defaults to keeping Exitdesk in the tray, and a change survives a restart (ledger round trip)', async () => {
    const first = await open()
    expect((await ok<Settings>(first.core.dispatch('settings:get', {}))).window).toEqual({ keepRunningInTray: true })
    expect(first.core.windowSettings()).toEqual({ keepRunningInTray: true })
    const changed = await ok<Settings>(first.core.dispatch('settings:set-window', { keepRunningInTray: false }))
    expect(changed.window).toEqual({ keepRunningInTray: false })
    expect(changed.autoTeardown).toEqual({ defaultAfter: 'never', teardownOnQuit: false })
    // Other settings keep the window's value, and an empty change changes nothing.
    expect((await ok<Settings>(first.core.dispatch('settings:set-auto-teardown', { teardownOnQuit: true }))).window).toEqual({ keepRunningInTray: false })
    expect((await ok<Settings>(first.core.dispatch('settings:set-window', {}))).window).toEqual({ keepRunningInTray: false })
    await first.core.stop()
    expect(JSON.parse(await readFile(join(first.dataDir, LEDGER_FILE), 'utf8')).settings.window).toEqual({ keepRunningInTray: false })

    const second = await open(first.dataDir)
    expect((await ok<Settings>(second.core.dispatch('settings:get', {}))).window).toEqual({ keepRunningInTray: false })
    expect(second.core.windowSettings()).toEqual({ keepRunningInTray: false })
    await second.core.stop()
  })

  it('refuses a value that is not true or false, naming the field, and unknown fields', async () => {
    const { core } = await open()
    const bad = await core.dispatch('settings:set-window', { keepRunningInTray: 'yes' })
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-input', field: 'keepRunningInTray', message: expect.stringMatching(/^keepRunningInTray must be/) } })
    expect(await core.dispatch('settings:set-window', { keepRunningInTrey: false })).toMatchObject({ ok: false, error: { code: 'invalid-input', message: expect.stringContaining('keepRunningInTrey') } })
    expect(core.windowSettings()).toEqual({ keepRunningInTray: true })
    await core.stop()
  })

  it('reads a hand-edited value field by field, falling back to the built-in one', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'exitdesk-window-'))
    await writeFile(join(dataDir, LEDGER_FILE), JSON.stringify({ version: 1, accounts: [], hosts: [], settings: { window: { keepRunningInTray: 'no' } } }))
    const { core } = await open(dataDir)
    expect(core.windowSettings()).toEqual({ keepRunningInTray: true })
    await core.stop()
  })

  it('closing the window keeps Exitdesk in the tray only with a running host and the setting on', () => {
    const running = [{ state: 'active' as const }]
    expect(keepRunningInTray(running, { keepRunningInTray: true })).toBe(true)
    expect(keepRunningInTray(running, { keepRunningInTray: false })).toBe(false)
    expect(keepRunningInTray([], { keepRunningInTray: true })).toBe(false)
    expect(keepRunningInTray(running)).toBe(true)
  })
})
