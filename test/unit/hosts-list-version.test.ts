/**
 * `hosts:list` with the version the window shows: "unchanged" in a few bytes when nothing
 * changed, never when something did (also changes made without an event), and the renderer keeps
 * the very snapshot it shows.
 */
import { randomUUID } from 'node:crypto'
import { describe, expect, it, vi } from 'vitest'
import { SIM_BOOT_MS } from '../../src/main/clouds/simulator'
import type { HostsChanges, HostsSnapshot, HostsUnchanged } from '../../src/shared/contract'
import { applyHostsAnswer } from '../../src/renderer/src/lib/hosts-answer'
import { makeHostService } from '../support/harness'

const tcp = { mode: 'tcp' as const, inletsVersion: '0.11.14', domains: [], letsEncryptIssuer: 'prod' as const }
const request = () => ({ requestId: randomUUID(), accountId: 'simulated', name: `exit-v-${randomUUID().slice(0, 6)}`, region: 'sim-local-1', plan: 'sim-nano', tunnel: tcp })

describe('hosts:list since a version', () => {
  it('answers "unchanged" while nothing changed, and the whole snapshot once something did', async () => {
    const { hosts, clock, ledger } = await makeHostService()
    await hosts.create(request())
    const first = hosts.list()
    const again = hosts.list(first.version)
    expect(again).toEqual({ unchanged: true, version: first.version, refreshedAt: first.refreshedAt })
    expect(JSON.stringify(again).length).toBeLessThan(100)
    clock.advance(SIM_BOOT_MS)
    await hosts.refresh() // the VM boots: state and address change
    const changed = hosts.list(first.version)
    expect('unchanged' in changed).toBe(false)
    expect((changed as HostsSnapshot).hosts[0]?.state).toBe('active')
    // The tunnel check of the now active host reports on its own (a change too); then all is still.
    await vi.waitFor(() => expect(hosts.snapshot().hosts[0]?.readiness?.status).toMatch(/ready|not-ready/))
    const settled = hosts.list()
    const written = ledger.revision
    await hosts.refresh() // nothing new
    expect(hosts.list(settled.version)).toMatchObject({ unchanged: true })
    expect(ledger.revision).toBe(written) // and nothing was written to disk
  })

  it('is never stale: a ledger change made without an event still moves the version', async () => {
    const { hosts, ledger } = await makeHostService()
    await hosts.create(request())
    const shown = hosts.list()
    await ledger.update((data) => void (data.hosts[0]!.lastError = 'changed behind the service\'s back'))
    const answer = hosts.list(shown.version)
    expect('unchanged' in answer).toBe(false)
    expect((answer as HostsSnapshot).hosts[0]?.lastError).toBe('changed behind the service\'s back')
  })

  it('an old version gets only what changed since; a version it never had gets everything', async () => {
    const { hosts } = await makeHostService()
    await hosts.create(request())
    const now = hosts.list()
    expect(hosts.list(now.version - 1)).toMatchObject({ since: now.version - 1, version: now.version })
    expect('accountErrors' in hosts.list(now.version + 7) && !('removed' in hosts.list(now.version + 7))).toBe(true)
  })

  it('sends only the changed hosts, and every window that applies them shows exactly the full list', async () => {
    const { hosts, clock } = await makeHostService()
    const kept: HostsSnapshot[] = []
    const keep = (): void => void kept.push(hosts.snapshot())
    const made: string[] = []
    for (let i = 0; i < 6; i++) {
      made.push((await hosts.create(request())).id)
      keep()
    }
    clock.advance(SIM_BOOT_MS)
    await hosts.refresh()
    keep()
    await vi.waitFor(() => expect(hosts.snapshot().hosts.every((host) => host.readiness?.status === 'ready' || host.readiness?.status === 'not-ready')).toBe(true))
    keep()
    await hosts.delete({ by: 'id', hostId: made[1]! })
    await hosts.delete({ by: 'id', hostId: made[4]! })
    keep()
    for (let i = 0; i < 12; i++) {
      clock.advance(5_000)
      await hosts.refresh()
    }
    made.push((await hosts.create(request())).id)

    const full = hosts.snapshot()
    expect(full.hosts.map((host) => host.id)).not.toContain(made[1])
    // One host changed: the answer carries that host alone.
    const oneBack = hosts.list(full.version - 1) as HostsChanges
    expect(oneBack.hosts.map((host) => host.id)).toEqual([made[6]])
    expect(JSON.stringify(oneBack).length).toBeLessThan(JSON.stringify(full).length / 3)
    const withoutCheckTimes = (snapshot: HostsSnapshot) => snapshot.hosts.map((host) => ({ ...host, readiness: host.readiness ? { ...host.readiness, checkedAt: undefined } : undefined }))
    for (const shown of kept) {
      const answer = hosts.list(shown.version)
      expect('removed' in answer, `version ${shown.version} of ${full.version}`).toBe(true)
      const applied = applyHostsAnswer(shown, answer)!
      expect(applied.version).toBe(full.version)
      expect(withoutCheckTimes(applied)).toEqual(withoutCheckTimes(full))
      // Hosts that did not change keep the very object the window shows.
      for (const host of applied.hosts) if (!(answer as HostsChanges).hosts.some((changed) => changed.id === host.id)) expect(shown.hosts).toContain(host)
    }
  })
})

describe('the renderer keeps what it shows on "unchanged"', () => {
  const shown: HostsSnapshot = { hosts: [], refreshedAt: '2026-12-07T10:00:00.000Z', version: 4, accountErrors: [] }
  it('the same object when even the refresh time is the same, so nothing re-renders', () => {
    expect(applyHostsAnswer(shown, { unchanged: true, version: 4, refreshedAt: shown.refreshedAt })).toBe(shown)
  })
  it('the same hosts with the new refresh time', () => {
    const answer: HostsUnchanged = { unchanged: true, version: 4, refreshedAt: '2026-12-07T10:00:05.000Z' }
    const next = applyHostsAnswer(shown, answer)!
    expect(next.hosts).toBe(shown.hosts)
    expect(next.refreshedAt).toBe(answer.refreshedAt)
  })
  it('a full answer replaces it; "unchanged" about another version is not trusted', () => {
    const full: HostsSnapshot = { ...shown, version: 5 }
    expect(applyHostsAnswer(shown, full)).toBe(full)
    expect(applyHostsAnswer(shown, { unchanged: true, version: 3 })).toBeUndefined()
    expect(applyHostsAnswer(undefined, { unchanged: true, version: 4 })).toBeUndefined()
  })
})
