/**
 * Light or dark. "system" (the default) follows the operating system through
 * `prefers-color-scheme`, live; "light" and "dark" are the user's toggle, remembered in this
 * window's localStorage (a display preference, nothing main needs to know). The resolved
 * theme is written to `<html data-theme>`, which styles.css reads — once before the first
 * render (main.tsx), so the window never flashes the other theme.
 */
export const THEME_PREFERENCES = ['system', 'light', 'dark'] as const
export type ThemePreference = (typeof THEME_PREFERENCES)[number]
export type Theme = 'light' | 'dark'

const STORAGE_KEY = 'exitdesk.theme'
const DARK_QUERY = '(prefers-color-scheme: dark)'

export function readThemePreference(storage: Pick<Storage, 'getItem'> | undefined = safeStorage()): ThemePreference {
  const stored = storage?.getItem(STORAGE_KEY)
  return (THEME_PREFERENCES as readonly string[]).includes(stored ?? '') ? (stored as ThemePreference) : 'system'
}

export function resolveTheme(preference: ThemePreference, systemDark: boolean): Theme {
  if (preference === 'system') return systemDark ? 'dark' : 'light'
  return preference
}

function systemPrefersDark(): boolean {
  return typeof matchMedia === 'function' && matchMedia(DARK_QUERY).matches
}

/** localStorage, or undefined where the page may not use it (a sandboxed frame, storage off). */
function safeStorage(): Storage | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage
  } catch {
    return undefined
  }
}

export function applyTheme(preference: ThemePreference = readThemePreference()): Theme {
  const theme = resolveTheme(preference, systemPrefersDark())
  document.documentElement.dataset.theme = theme
  return theme
}

export function saveThemePreference(preference: ThemePreference): void {
  try {
    if (preference === 'system') safeStorage()?.removeItem(STORAGE_KEY)
    else safeStorage()?.setItem(STORAGE_KEY, preference)
  } catch {
    // Storage full or refused: the choice holds for this window until it reloads.
  }
  applyTheme(preference)
}

/** Calls `onChange` when the system's light/dark setting changes; returns the unsubscribe. */
export function onSystemThemeChange(onChange: () => void): () => void {
  if (typeof matchMedia !== 'function') return () => undefined
  const query = matchMedia(DARK_QUERY)
  query.addEventListener('change', onChange)
  return () => query.removeEventListener('change', onChange)
}
