/**
 * The auto-teardown settings in the ledger's `settings` (beside the copy dialog's values), read
 * field by field so a hand-edited or older file falls back to the built-in values instead of
 * breaking the window.
 */
import type { AutoTeardownSettings } from '../../shared/contract'
import { AUTO_TEARDOWN_CHOICES } from '../../shared/domain'
import type { Ledger } from '../store/ledger'

/** A new installation keeps hosts until deleted: a deadline the user never chose would surprise. */
export const BUILT_IN_AUTO_TEARDOWN: AutoTeardownSettings = { defaultAfter: 'never', teardownOnQuit: false }

export function autoTeardownSettings(ledger: Ledger): AutoTeardownSettings {
  const stored = ledger.read().settings?.autoTeardown
  return {
    defaultAfter: AUTO_TEARDOWN_CHOICES.find((choice) => choice === stored?.defaultAfter) ?? BUILT_IN_AUTO_TEARDOWN.defaultAfter,
    teardownOnQuit: typeof stored?.teardownOnQuit === 'boolean' ? stored.teardownOnQuit : BUILT_IN_AUTO_TEARDOWN.teardownOnQuit,
  }
}

/** Changes the fields given; the others keep their value. */
export async function saveAutoTeardownSettings(ledger: Ledger, change: Partial<AutoTeardownSettings>): Promise<AutoTeardownSettings> {
  const next = { ...autoTeardownSettings(ledger), ...definedOnly(change) }
  await ledger.update((data) => {
    data.settings = { ...data.settings, autoTeardown: next }
  })
  return next
}

function definedOnly(change: Partial<AutoTeardownSettings>): Partial<AutoTeardownSettings> {
  return Object.fromEntries(Object.entries(change).filter(([, value]) => value !== undefined))
}
