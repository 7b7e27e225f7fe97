import { describe, expect, it } from 'vitest'
import {
  NOTHING_MISSED,
  isNewHostsVersion,
  onChange,
  onVisibilityChange,
  type MissedChanges,
} from '../../src/renderer/src/lib/change-events'

describe("main's change events and the window's visibility", () => {
  it('fetches at once while the window is visible', () => {
    expect(onChange('hosts', 'visible', NOTHING_MISSED)).toEqual({ fetchNow: true, missed: NOTHING_MISSED })
    expect(onChange('accounts', 'visible', NOTHING_MISSED).fetchNow).toBe(true)
  })

  it('fetches nothing while hidden, only notes what went out of date', () => {
    const afterHosts = onChange('hosts', 'hidden', NOTHING_MISSED)
    expect(afterHosts).toEqual({ fetchNow: false, missed: { hosts: true, accounts: false } })
    const afterBoth = onChange('accounts', 'hidden', afterHosts.missed)
    expect(afterBoth).toEqual({ fetchNow: false, missed: { hosts: true, accounts: true } })
    // A burst of events while hidden changes nothing further.
    expect(onChange('hosts', 'hidden', afterBoth.missed).missed).toBe(afterBoth.missed)
  })

  it('invalidates what was missed once the window is visible again, then forgets it', () => {
    const hostsOnly: MissedChanges = { hosts: true, accounts: false }
    expect(onVisibilityChange('visible', hostsOnly)).toEqual({ invalidate: ['hosts'], missed: NOTHING_MISSED })
    // An accounts change alters the hosts snapshot's account errors too.
    expect(onVisibilityChange('visible', { hosts: false, accounts: true }).invalidate).toEqual(['accounts', 'hosts'])
    expect(onVisibilityChange('visible', NOTHING_MISSED)).toEqual({ invalidate: [], missed: NOTHING_MISSED })
  })

  it('keeps what was missed while the window stays hidden', () => {
    const missed: MissedChanges = { hosts: true, accounts: true }
    expect(onVisibilityChange('hidden', missed)).toEqual({ invalidate: [], missed })
  })

  it('fetches for a hosts:changed event only when it is newer than what is shown', () => {
    expect(isNewHostsVersion(5, undefined)).toBe(true)
    expect(isNewHostsVersion(5, 4)).toBe(true)
    expect(isNewHostsVersion(5, 5)).toBe(false)
    expect(isNewHostsVersion(3, 5)).toBe(false)
    expect(isNewHostsVersion(undefined, 5)).toBe(true)
  })
})
