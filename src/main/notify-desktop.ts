/**
 * The Electron glue for notifications: main decides (./hosts/notifications.ts emits `notify` on
 * the event bus), and in the desktop shell main shows them itself with Electron's Notification,
 * so they appear while the window is hidden or closed to the tray. The window does not show
 * them too (it does only in web mode, where no main process can).
 *
 * Wiring (src/main/index.ts): `core.events.on('notify', (notice) => showDesktopNotice(notice, { Notification, onClick: () => showWindow() }))`.
 * The payload has passed the redactor already (EventBus.emit).
 */
import type { Notice } from '../shared/contract'

/** Just what is used of Electron's Notification, so this module loads (and is tested) without Electron. */
export interface DesktopNotification {
  on(event: 'click', listener: () => void): unknown
  show(): void
}
export type DesktopNotificationClass = {
  new (options: { title: string; body: string; silent?: boolean }): DesktopNotification
  isSupported(): boolean
}

export interface DesktopNoticeOptions {
  /** Electron's `Notification`; passed in so this module does not import electron itself. */
  Notification: DesktopNotificationClass
  /** Brings the window forward (e.g. from the tray) when the notification is clicked. */
  onClick?: (notice: Notice) => void
}

/** Shows one notice; returns whether the system could show it. */
export function showDesktopNotice(notice: Notice, options: DesktopNoticeOptions): boolean {
  if (!options.Notification.isSupported()) return false
  // Only what needs the user makes a sound; "ready" and "deleted" are news, not alarms.
  const urgent = notice.kind === 'credential-failing' || notice.kind === 'create-refused' || notice.kind === 'auto-teardown-soon'
  const shown = new options.Notification({ title: notice.title, body: notice.body, silent: !urgent })
  if (options.onClick) shown.on('click', () => options.onClick?.(notice))
  shown.show()
  return true
}
