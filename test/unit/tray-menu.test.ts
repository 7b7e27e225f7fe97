/**
 * The tray's menu and its keep-running rule (src/main/tray-menu.ts), from host lists alone.
 */
import { describe, expect, it } from 'vitest'
import type { Host, HostState } from '../../src/shared/domain'
import { deleteConfirmation, hostLabel, keepRunningInTray, monthlyTotal, runningHosts, trayMenuModel, traySummary, type TrayMenuItem } from '../../src/main/tray-menu'

type TrayHost = Pick<Host, 'id' | 'name' | 'state' | 'monthlyCostUsd' | 'region' | 'cloud'>

function host(id: string, state: HostState, monthlyCostUsd?: number, name = `host-${id}`): TrayHost {
  return { id, name, state, region: 'lon1', cloud: 'digitalocean', ...(monthlyCostUsd !== undefined ? { monthlyCostUsd } : {}) }
}

const byId = (items: TrayMenuItem[], id: string): TrayMenuItem | undefined => items.find((item) => item.id === id)

describe('running hosts and the monthly total', () => {
  it('counts every host but the deleted ones, deleting and stopped included (they may still bill)', () => {
    const hosts = [host('a', 'active', 4), host('b', 'provisioning', 5), host('c', 'deleted', 7), host('d', 'deleting', 6), host('e', 'stopped', 1)]
    expect(runningHosts(hosts).map((h) => h.id)).toEqual(['a', 'b', 'd', 'e'])
    expect(monthlyTotal(hosts)).toEqual({ usd: 16, unpriced: 0 })
  })

  it('adds cents without floating-point noise, and counts hosts without a price apart', () => {
    expect(monthlyTotal([host('a', 'active', 0.1), host('b', 'active', 0.2), host('c', 'active')])).toEqual({ usd: 0.3, unpriced: 1 })
  })

  it('summarises for the menu and tooltip', () => {
    expect(traySummary([])).toBe('No hosts running')
    expect(traySummary([host('a', 'deleted', 4)])).toBe('No hosts running')
    expect(traySummary([host('a', 'active', 4)])).toBe('1 host running · $4.00/mo')
    expect(traySummary([host('a', 'active', 4), host('b', 'active', 7.36), host('c', 'deleted', 100)])).toBe('2 hosts running · $11.36/mo')
    expect(traySummary([host('a', 'active', 4), host('b', 'active')])).toBe('2 hosts running · $4.00/mo (+ 1 without a price)')
    expect(traySummary([host('a', 'active', 1234.5)])).toBe('1 host running · $1,234.50/mo')
  })
})

describe('keepRunningInTray', () => {
  it('keeps Exitdesk in the tray while any host is running, and lets it quit when none is', () => {
    expect(keepRunningInTray([])).toBe(false)
    expect(keepRunningInTray([host('a', 'deleted')])).toBe(false)
    expect(keepRunningInTray([host('a', 'deleted'), host('b', 'provisioning')])).toBe(true)
    expect(keepRunningInTray([host('a', 'deleting')])).toBe(true)
    expect(keepRunningInTray([host('a', 'error')])).toBe(true)
  })
})

describe('trayMenuModel', () => {
  it('shows the summary, Open, a Delete submenu of running hosts by name, and Quit', () => {
    const menu = trayMenuModel([host('2', 'active', 4, 'web'), host('1', 'active', 7.36, 'api'), host('3', 'deleted', 5, 'old')])
    expect(menu.map((item) => item.id)).toEqual(['summary', 'separator-1', 'open', 'delete', 'separator-2', 'quit'])
    expect(byId(menu, 'summary')).toEqual({ id: 'summary', label: '2 hosts running · $11.36/mo', enabled: false })
    expect(byId(menu, 'open')).toMatchObject({ label: 'Open Exitdesk', action: { kind: 'open' } })
    expect(byId(menu, 'quit')).toMatchObject({ label: 'Quit Exitdesk', action: { kind: 'quit' } })
    const remove = byId(menu, 'delete')
    expect(remove).toMatchObject({ type: 'submenu', label: 'Delete host', enabled: true })
    expect(remove?.submenu).toEqual([
      { id: 'delete:1', label: 'api (digitalocean, lon1) · $7.36/mo', enabled: true, action: { kind: 'delete', hostId: '1' } },
      { id: 'delete:2', label: 'web (digitalocean, lon1) · $4.00/mo', enabled: true, action: { kind: 'delete', hostId: '2' } },
    ])
  })

  it('shows a host being deleted, disabled (like the window), and never a deleted one', () => {
    const submenu = byId(trayMenuModel([host('1', 'deleting', 4, 'api'), host('2', 'deleted', 4, 'gone')]), 'delete')?.submenu
    expect(submenu).toEqual([{ id: 'delete:1', label: 'api (digitalocean, lon1) · $4.00/mo — deleting…', enabled: false, action: { kind: 'delete', hostId: '1' } }])
  })

  it('disables Delete host with a placeholder when nothing runs (Electron shows an empty submenu oddly)', () => {
    const menu = trayMenuModel([host('1', 'deleted', 4)])
    expect(byId(menu, 'summary')?.label).toBe('No hosts running')
    expect(byId(menu, 'delete')).toEqual({ id: 'delete', type: 'submenu', label: 'Delete host', enabled: false, submenu: [{ id: 'delete:none', label: 'No hosts running', enabled: false }] })
  })

  it('keeps unique ids for hosts of the same name, and a host without a price has no price', () => {
    const submenu = byId(trayMenuModel([host('b', 'active', undefined, 'same'), host('a', 'active', undefined, 'same')]), 'delete')?.submenu ?? []
    expect(submenu.map((item) => item.id)).toEqual(['delete:a', 'delete:b'])
    expect(hostLabel(host('a', 'active', undefined, 'same'))).toBe('same (digitalocean, lon1)')
  })
})

describe('deleteConfirmation', () => {
  it('asks by name, says what stops, and makes Cancel the default and the Escape answer', () => {
    const ask = deleteConfirmation(host('1', 'active', 4, 'api'))
    expect(ask.message).toBe('Delete api?')
    expect(ask.detail).toContain('digitalocean (lon1)')
    expect(ask.detail).toContain('$4.00/mo')
    expect(ask.buttons[ask.confirmId]).toBe('Delete')
    expect(ask.buttons[ask.defaultId]).toBe('Cancel')
    expect(ask.cancelId).toBe(ask.defaultId)
    // No promise of a firewall or anything else a host may not have.
    expect(ask.detail).not.toMatch(/firewall/i)
    expect(deleteConfirmation(host('2', 'active', undefined, 'x')).detail).not.toContain('$')
  })
})
