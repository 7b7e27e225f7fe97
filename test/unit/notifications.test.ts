/**
 * The `notify` events: each kind fires once per occasion, passes the redactor, and the desktop
 * glue shows it with Electron's Notification (a stand-in here).
 */
import { randomUUID } from 'node:crypto'
import { describe, expect, it, vi } from 'vitest'
import { SIM_BOOT_MS, SIM_TUNNEL_START_MS } from '../../src/main/clouds/simulator'
import { createEventBus } from '../../src/main/events'
import { Notifier } from '../../src/main/hosts/notifications'
import { READINESS_LIMITS } from '../../src/main/hosts/readiness/scheduler'
import { showDesktopNotice, type DesktopNotificationClass } from '../../src/main/notify-desktop'
import { REDACTED, Redactor } from '../../src/main/redact'
import type { Notice } from '../../src/shared/contract'
import type { AccountInfo } from '../../src/shared/domain'
import { FakeClock, makeHostService } from '../support/harness'

const tcp = { mode: 'tcp' as const, inletsVersion: '0.11.14', domains: [], letsEncryptIssuer: 'prod' as const }

/** A host service whose `notify` events are collected (the harness keeps its bus to itself). */
async function withNotices() {
  const made = await makeHostService()
  const notices: Notice[] = []
  // The harness's bus is private to the service: listen on it through the service's deps.
  const events = (made.hosts as unknown as { deps: { events: ReturnType<typeof createEventBus> } }).deps.events
  events.on('notify', (notice) => void notices.push(notice))
  return { ...made, notices }
}

describe('notifications', () => {
  it('host ready: once, when the tunnel of a host created in this run turns ready', async () => {
    const s = await withNotices()
    const created = await s.hosts.create({ requestId: randomUUID(), accountId: 'simulated', name: 'exit-ready-n', region: 'sim-local-1', plan: 'sim-nano', tunnel: tcp })
    s.clock.advance(SIM_BOOT_MS)
    await s.hosts.refresh()
    await vi.waitFor(() => expect(s.hosts.snapshot().hosts[0]?.readiness?.status).toMatch(/^(ready|not-ready)$/))
    s.clock.advance(Math.max(SIM_TUNNEL_START_MS, READINESS_LIMITS.notReadyIntervalMs))
    await s.hosts.refresh()
    await vi.waitFor(() => expect(s.hosts.snapshot().hosts[0]?.readiness?.status).toBe('ready'))
    // Checked again later, still ready: no second notice.
    s.clock.advance(READINESS_LIMITS.readyIntervalMs)
    await s.hosts.refresh()
    await s.hosts.refresh()
    expect(s.notices.filter((n) => n.kind === 'host-ready')).toEqual([expect.objectContaining({ hostId: created.id, title: 'exit-ready-n is ready' })])
  })

  it('create refused: said when no form waits for the answer, not when the form shows it', async () => {
    const s = await withNotices()
    s.cloud.failNext('provision', { code: 'unprocessable', message: 'The cloud refused.', retryable: false })
    await expect(s.hosts.create({ requestId: randomUUID(), accountId: 'simulated', name: 'exit-refused-1', region: 'sim-local-1', plan: 'sim-nano', tunnel: tcp })).rejects.toBeDefined()
    expect(s.notices.filter((n) => n.kind === 'create-refused')).toHaveLength(0)

    // First a retryable failure (the form is answered), then the refusal in a background step.
    s.cloud.failNext('provision', { code: 'provider-unavailable', retryable: true })
    s.cloud.failNext('provision', { code: 'unprocessable', message: 'The plan is sold out.', retryable: false })
    const host = await s.hosts.create({ requestId: randomUUID(), accountId: 'simulated', name: 'exit-refused-2', region: 'sim-local-1', plan: 'sim-nano', tunnel: tcp })
    s.clock.advance(60_000)
    await s.hosts.refresh()
    await s.hosts.refresh()
    const refused = s.notices.filter((n) => n.kind === 'create-refused')
    expect(refused).toEqual([expect.objectContaining({ hostId: host.id, title: 'exit-refused-2 could not be created', body: expect.stringContaining('The plan is sold out.') })])
  })

  it('credential failing: once per account going from working to failing, redacted', () => {
    const secret = 'dop_v1_0123456789abcdef0123456789abcdef'
    const redactor = new Redactor()
    redactor.remember(secret)
    const events = createEventBus(redactor)
    const accounts: AccountInfo[] = [
      { id: 'a1', cloud: 'digitalocean', label: 'Work', credential: 'ok', builtIn: false },
      { id: 'a2', cloud: 'digitalocean', label: 'Old', credential: 'failing', credentialMessage: 'Already failing.', builtIn: false },
    ]
    const notifier = new Notifier({ events, clock: new FakeClock(), accounts: () => accounts })
    const seen: Notice[] = []
    events.on('notify', (notice) => void seen.push(notice))

    accounts[0] = { ...accounts[0]!, credential: 'failing', credentialMessage: `Unable to authenticate you (token ${secret}).` }
    events.emit('accounts:changed', { at: 'now' })
    events.emit('accounts:changed', { at: 'later' }) // still failing: not news
    expect(seen).toHaveLength(1)
    expect(seen[0]).toMatchObject({ kind: 'credential-failing', accountId: 'a1', title: 'Work needs a new credential' })
    expect(seen[0]?.body).toContain(REDACTED)
    expect(JSON.stringify(seen)).not.toContain(secret)

    // Fixed, then failing again: said again.
    accounts[0] = { ...accounts[0]!, credential: 'ok', credentialMessage: undefined }
    events.emit('accounts:changed', { at: 'fixed' })
    accounts[0] = { ...accounts[0]!, credential: 'failing', credentialMessage: 'Revoked.' }
    events.emit('accounts:changed', { at: 'again' })
    expect(seen.map((n) => n.accountId)).toEqual(['a1', 'a1'])
    notifier.stop()
    events.emit('accounts:changed', { at: 'stopped' })
    expect(seen).toHaveLength(2)
  })

  it('every notice passes the redactor: a host name carrying a secret is not sent as it is', () => {
    const secret = 'supersecretvalue1234567890'
    const redactor = new Redactor()
    redactor.remember(secret)
    const events = createEventBus(redactor)
    const notifier = new Notifier({ events, clock: new FakeClock(), accounts: () => [] })
    const seen: Notice[] = []
    events.on('notify', (notice) => void seen.push(notice))
    notifier.teardownFinished({ id: 'h1', name: `exit-${secret}` }, undefined)
    notifier.autoTeardownSoon({ id: 'h1', name: `exit-${secret}` }, 10)
    expect(seen.map((n) => n.kind)).toEqual(['teardown-finished', 'auto-teardown-soon'])
    expect(JSON.stringify(seen)).not.toContain(secret)
    expect(new Set(seen.map((n) => n.id)).size).toBe(2)
  })
})

describe('desktop notifications (the Electron glue)', () => {
  function fakeNotification(supported = true) {
    const shown: Array<{ title: string; body: string; silent?: boolean; clicks: Array<() => void> }> = []
    const Fake = class {
      private readonly entry: (typeof shown)[number]
      constructor(options: { title: string; body: string; silent?: boolean }) {
        this.entry = { ...options, clicks: [] }
      }
      static isSupported(): boolean {
        return supported
      }
      on(_event: 'click', listener: () => void): void {
        this.entry.clicks.push(listener)
      }
      show(): void {
        shown.push(this.entry)
      }
    }
    return { Notification: Fake as unknown as DesktopNotificationClass, shown }
  }
  const notice: Notice = { id: 'n1', kind: 'auto-teardown-soon', title: 'exit-1 will be deleted in 10 minutes', body: 'Auto-teardown deletes exit-1 in 10 minutes.', at: '2026-11-25T10:00:00Z', hostId: 'h1' }

  it('shows the title and sentence, with a sound only for what needs the user, and reports a click', () => {
    const { Notification, shown } = fakeNotification()
    const clicked: Notice[] = []
    expect(showDesktopNotice(notice, { Notification, onClick: (n) => clicked.push(n) })).toBe(true)
    expect(shown).toEqual([expect.objectContaining({ title: notice.title, body: notice.body, silent: false })])
    shown[0]?.clicks[0]?.()
    expect(clicked).toEqual([notice])
    showDesktopNotice({ ...notice, kind: 'host-ready' }, { Notification })
    expect(shown[1]?.silent).toBe(true)
  })

  it('does nothing where the system has no notifications', () => {
    const { Notification, shown } = fakeNotification(false)
    expect(showDesktopNotice(notice, { Notification })).toBe(false)
    expect(shown).toHaveLength(0)
  })
})
