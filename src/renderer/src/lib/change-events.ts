/**
 * What the window does with main's change events. Pure: no React, no DOM (the caller passes
 * `document.visibilityState` in).
 *
 * While the window is hidden (minimised, another tab, a locked screen) nothing is fetched:
 * an event only notes that its data went out of date. When the window is visible again the
 * noted data is invalidated once, so it is stale by the time TanStack's focus handling looks
 * and is fetched at most once.
 */

export type ChangeKind = 'hosts' | 'accounts'

/** Which kinds of change arrived while the window was hidden. */
export type MissedChanges = Readonly<Record<ChangeKind, boolean>>

export const NOTHING_MISSED: MissedChanges = { hosts: false, accounts: false }

/** `Document.visibilityState`; anything but "hidden" counts as visible. */
export function isHidden(visibility: string): boolean {
  return visibility === 'hidden'
}

/** A change from main arrived (or its coalesced run came due): fetch now, or note it for later. */
export function onChange(kind: ChangeKind, visibility: string, missed: MissedChanges): { fetchNow: boolean; missed: MissedChanges } {
  if (isHidden(visibility)) return { fetchNow: false, missed: missed[kind] ? missed : { ...missed, [kind]: true } }
  return { fetchNow: true, missed }
}

/**
 * The window's visibility changed: which kinds to invalidate now (an accounts change also
 * changes the host snapshot's account errors, so it brings the hosts along) and what stays noted.
 */
export function onVisibilityChange(visibility: string, missed: MissedChanges): { invalidate: ChangeKind[]; missed: MissedChanges } {
  if (isHidden(visibility)) return { invalidate: [], missed }
  const invalidate: ChangeKind[] = []
  if (missed.accounts) invalidate.push('accounts')
  if (missed.hosts || missed.accounts) invalidate.push('hosts')
  return { invalidate, missed: NOTHING_MISSED }
}

/** True when a `hosts:changed` event carries news the window does not show yet. */
export function isNewHostsVersion(eventVersion: unknown, shownVersion: number | undefined): boolean {
  return shownVersion === undefined || typeof eventVersion !== 'number' || eventVersion > shownVersion
}
