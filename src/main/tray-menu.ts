/**
 * What the tray (menu bar) shows and decides, from the core's host list alone: free of Electron
 * so it is unit-tested (test/unit/tray-menu.test.ts). src/main/tray.ts turns the items into an
 * Electron `Menu` and carries out their actions.
 * https://www.electronjs.org/docs/latest/api/tray
 * https://www.electronjs.org/docs/latest/api/menu-item
 */
import type { WindowSettings } from '../shared/contract'
import type { Host } from '../shared/domain'

/** What a menu item does when clicked; the glue maps each to Electron calls. */
export type TrayAction = { kind: 'open' } | { kind: 'delete'; hostId: string } | { kind: 'quit' }

/** A plain-data subset of Electron's MenuItemConstructorOptions, with an action instead of a click function. */
export interface TrayMenuItem {
  id: string
  type?: 'normal' | 'separator' | 'submenu'
  label?: string
  enabled?: boolean
  submenu?: TrayMenuItem[]
  action?: TrayAction
}

type TrayHost = Pick<Host, 'id' | 'name' | 'state' | 'monthlyCostUsd' | 'region' | 'cloud'>

const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 })

/** Hosts that still exist in a cloud (and may bill): every state but `deleted`. */
export function runningHosts<H extends Pick<Host, 'state'>>(hosts: readonly H[]): H[] {
  return hosts.filter((host) => host.state !== 'deleted')
}

/**
 * Whether closing the last window leaves Exitdesk running in the tray: yes while any host is
 * running, so its polling, teardown steps and auto-teardown go on, and the user has not turned
 * "keep running in the tray" off in Settings; otherwise it quits. The one place for the decision.
 */
export function keepRunningInTray(hosts: readonly Pick<Host, 'state'>[], settings: Pick<WindowSettings, 'keepRunningInTray'> = { keepRunningInTray: true }): boolean {
  return settings.keepRunningInTray && runningHosts(hosts).length > 0
}

/** The running hosts' total, and how many have no known price (not counted in it). */
export function monthlyTotal(hosts: readonly Pick<Host, 'state' | 'monthlyCostUsd'>[]): { usd: number; unpriced: number } {
  let total = 0
  let unpriced = 0
  for (const host of runningHosts(hosts)) {
    if (host.monthlyCostUsd === undefined || !Number.isFinite(host.monthlyCostUsd)) unpriced += 1
    else total += host.monthlyCostUsd
  }
  return { usd: Math.round(total * 100) / 100, unpriced }
}

/** "2 hosts running · $8.00/mo" — the menu's first line and the tray's tooltip. */
export function traySummary(hosts: readonly Pick<Host, 'state' | 'monthlyCostUsd'>[]): string {
  const count = runningHosts(hosts).length
  if (count === 0) return 'No hosts running'
  const { usd: total, unpriced } = monthlyTotal(hosts)
  const hostWord = count === 1 ? 'host' : 'hosts'
  const extra = unpriced > 0 ? ` (+ ${unpriced} without a price)` : ''
  return `${count} ${hostWord} running · ${usd.format(total)}/mo${extra}`
}

/** One host's line in the delete submenu: its name, where it runs, and what it costs. */
export function hostLabel(host: TrayHost): string {
  const cost = host.monthlyCostUsd === undefined ? '' : ` · ${usd.format(host.monthlyCostUsd)}/mo`
  const deleting = host.state === 'deleting' ? ' — deleting…' : ''
  return `${host.name} (${host.cloud}, ${host.region})${cost}${deleting}`
}

/**
 * The tray menu: the summary (not clickable), Open Exitdesk, a Delete host submenu listing each
 * running host by name (a host already being deleted is shown, disabled, like the window's
 * button), and Quit. Hosts are in name order so the menu does not reshuffle as states change.
 */
export function trayMenuModel(hosts: readonly TrayHost[]): TrayMenuItem[] {
  const running = runningHosts(hosts).sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id))
  const deletable: TrayMenuItem[] = running.map((host) => ({
    id: `delete:${host.id}`,
    label: hostLabel(host),
    enabled: host.state !== 'deleting',
    action: { kind: 'delete', hostId: host.id },
  }))
  return [
    { id: 'summary', label: traySummary(hosts), enabled: false },
    { id: 'separator-1', type: 'separator' },
    { id: 'open', label: 'Open Exitdesk', action: { kind: 'open' } },
    {
      id: 'delete',
      type: 'submenu',
      label: 'Delete host',
      enabled: deletable.length > 0,
      submenu: deletable.length > 0 ? deletable : [{ id: 'delete:none', label: 'No hosts running', enabled: false }],
    },
    { id: 'separator-2', type: 'separator' },
    { id: 'quit', label: 'Quit Exitdesk', action: { kind: 'quit' } },
  ]
}

/** The native confirmation asked before a delete from the tray; Cancel is the default (Enter/Escape keep the host). */
export interface DeleteConfirmation {
  message: string
  detail: string
  buttons: [string, string]
  /** Index of the confirming button. */
  confirmId: 0
  defaultId: 1
  cancelId: 1
}

export function deleteConfirmation(host: TrayHost): DeleteConfirmation {
  const saving = host.monthlyCostUsd === undefined ? '' : ` It stops ${usd.format(host.monthlyCostUsd)}/mo of charges.`
  return {
    message: `Delete ${host.name}?`,
    detail: `Exitdesk removes this host from ${host.cloud} (${host.region}) with everything it created for it. The tunnel stops working.${saving}`,
    buttons: ['Delete', 'Cancel'],
    confirmId: 0,
    defaultId: 1,
    cancelId: 1,
  }
}
