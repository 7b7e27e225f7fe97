import { useTheme } from '../../hooks/useTheme'

/**
 * One click between light and dark. The choice is remembered; Settings offers "Same as the
 * system" again, the default.
 */
export function ThemeToggle() {
  const { theme, setPreference } = useTheme()
  const next = theme === 'dark' ? 'light' : 'dark'
  return (
    <button type="button" className="button button-quiet theme-toggle" data-testid="theme-toggle" aria-label={`Switch to ${next} theme`} title={`Switch to ${next} theme`} onClick={() => setPreference(next)}>
      <span aria-hidden="true">{theme === 'dark' ? '☀' : '☾'}</span>
    </button>
  )
}
