import { useId, useSyncExternalStore } from 'react'
import type { WindowSettings } from '../../../../shared/contract'
import { call, useAppStatus, useSettings } from '../../api'
import { ErrorMessage } from '../../components/ErrorMessage'
import { Section } from '../../components/Section'
import { useTheme } from '../../hooks/useTheme'
import { notificationPermission, requestNotificationPermission, subscribeNotificationPermission } from '../../browser/notifications'
import { THEME_PREFERENCES, type ThemePreference } from '../../browser/theme'
import { AutoTeardownSettings } from './AutoTeardownSettings'
import { useSettingsSave } from './useSettingsSave'

const THEME_LABELS: Record<ThemePreference, string> = { system: 'Same as the system', light: 'Light', dark: 'Dark' }

/** What the user can set: appearance, auto-teardown, the desktop window, notifications. */
export function SettingsPage() {
  return (
    <div className="page settings-page">
      <AppearanceSettings />
      <Section title="Auto-teardown" className="settings-card">
        <AutoTeardownSettings />
      </Section>
      <WindowSettingsCard />
      <NotificationSettings />
    </div>
  )
}

function AppearanceSettings() {
  const { preference, setPreference } = useTheme()
  const name = useId()
  return (
    <Section title="Appearance" className="settings-card">
      <fieldset className="radio-group" data-testid="settings-theme">
        <legend>Theme</legend>
        {THEME_PREFERENCES.map((choice) => (
          <label key={choice} className="radio">
            <input type="radio" name={name} value={choice} checked={preference === choice} data-testid={`settings-theme-${choice}`} onChange={() => setPreference(choice)} /> {THEME_LABELS[choice]}
          </label>
        ))}
      </fieldset>
    </Section>
  )
}

function WindowSettingsCard() {
  const settings = useSettings()
  const status = useAppStatus()
  const hintId = useId()
  const { values, change, error } = useSettingsSave<WindowSettings>(settings.data?.window, (next) => call('settings:set-window', next))
  if (!values) return null
  return (
    <Section title="Desktop window" className="settings-card">
      <label className="checkbox">
        <input
          type="checkbox"
          data-testid="settings-keep-in-tray"
          checked={values.keepRunningInTray}
          aria-describedby={hintId}
          onChange={(event) => change({ keepRunningInTray: event.target.checked })}
        />{' '}
        Keep Exitdesk running in the tray when the window is closed while hosts run
      </label>
      <p className="hint" id={hintId}>
        Auto-teardown and teardown steps go on from the tray (or menu bar), which shows the running total and can delete a host.
        {status.data?.shell === 'web' ? ' This applies to the desktop app; in the browser Exitdesk runs as long as `npm run web` does.' : ''}
      </p>
      {error ? <ErrorMessage error={error} lead="The setting could not be saved." /> : null}
    </Section>
  )
}

function NotificationSettings() {
  const status = useAppStatus()
  const permission = useSyncExternalStore(subscribeNotificationPermission, notificationPermission, notificationPermission)
  const desktop = status.data?.shell === 'electron'
  let body
  if (desktop) body = <p>The desktop app tells you when a host is ready, a teardown finished, or something needs you (a failing credential, a refused create, an auto-teardown in 10 minutes), with the system&apos;s notifications.</p>
  else if (permission === 'unsupported') body = <p className="muted">This browser offers no notifications for this page.</p>
  else if (permission === 'denied') body = <p className="muted">Notifications are blocked for this page in the browser&apos;s settings.</p>
  else if (permission === 'granted') body = <p data-testid="notifications-on">Notifications are on: a host ready, a teardown finished, and anything that needs you.</p>
  else
    body = (
      <>
        <p>Get told when a host is ready, a teardown finished, or something needs you, even with this tab in the background.</p>
        <button type="button" className="button" data-testid="enable-notifications" onClick={() => void requestNotificationPermission()}>
          Turn on notifications
        </button>
      </>
    )
  return (
    <Section title="Notifications" className="settings-card">
      {body}
    </Section>
  )
}
