/**
 * The desktop shell's window settings in the ledger's `settings` (beside the copy dialog's and
 * the auto-teardown values), read field by field like ./hosts/auto-teardown-settings.ts so a
 * hand-edited or older file falls back to the built-in values instead of breaking the window.
 */
import type { WindowSettings } from '../shared/contract'
import type { Ledger } from './store/ledger'

/**
 * Closing the window keeps Exitdesk in the tray while a host runs: auto-teardown and teardown
 * steps only go on while main runs, so quitting on close by default would leave hosts billing.
 */
export const BUILT_IN_WINDOW_SETTINGS: WindowSettings = { keepRunningInTray: true }

export function windowSettings(ledger: Ledger): WindowSettings {
  const stored = ledger.read().settings?.window
  return {
    keepRunningInTray: typeof stored?.keepRunningInTray === 'boolean' ? stored.keepRunningInTray : BUILT_IN_WINDOW_SETTINGS.keepRunningInTray,
  }
}

/** Changes the fields given; the others keep their value. */
export async function saveWindowSettings(ledger: Ledger, change: Partial<WindowSettings>): Promise<WindowSettings> {
  const defined = Object.fromEntries(Object.entries(change).filter(([, value]) => value !== undefined)) as Partial<WindowSettings>
  const next = { ...windowSettings(ledger), ...defined }
  await ledger.update((data) => {
    data.settings = { ...data.settings, window: next }
  })
  return next
}
