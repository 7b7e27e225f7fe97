import { useEffect, useSyncExternalStore } from 'react'
import { applyTheme, onSystemThemeChange, readThemePreference, saveThemePreference, type Theme, type ThemePreference } from '../browser/theme'

/**
 * One preference for the whole window (the header's toggle and the Settings page show the
 * same one): a tiny store, read with useSyncExternalStore.
 */
let current: { preference: ThemePreference; theme: Theme } | undefined
const listeners = new Set<() => void>()

function state(): { preference: ThemePreference; theme: Theme } {
  if (!current) {
    const preference = readThemePreference()
    current = { preference, theme: applyTheme(preference) }
  }
  return current
}

function publish(preference: ThemePreference): void {
  current = { preference, theme: applyTheme(preference) }
  for (const listener of listeners) listener()
}

export function setThemePreference(next: ThemePreference): void {
  saveThemePreference(next)
  publish(next)
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

/** The theme preference and the theme it resolves to, following the system while "system". */
export function useTheme(): { preference: ThemePreference; theme: Theme; setPreference: (next: ThemePreference) => void } {
  const { preference, theme } = useSyncExternalStore(subscribe, state, state)
  useEffect(() => (preference === 'system' ? onSystemThemeChange(() => publish('system')) : undefined), [preference])
  return { preference, theme, setPreference: setThemePreference }
}
