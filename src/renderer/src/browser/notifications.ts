/**
 * Web mode: the browser's Notification permission, as one small store, so the Settings page's
 * "Turn on notifications" button and the shell's listener (which shows main's `notify`
 * events) agree. Permission is asked only on the user's click: browsers refuse or penalise a
 * prompt without a user gesture. In the desktop shell main shows notifications itself
 * (src/main/notify-desktop.ts), so the window never shows a second copy.
 */
export type NotificationPermissionState = 'default' | 'granted' | 'denied' | 'unsupported'

/** The browser's Notification API, or undefined where the page has none (or not in a secure context). */
export function browserNotification(): typeof Notification | undefined {
  return typeof Notification === 'function' ? Notification : undefined
}

let permission: NotificationPermissionState | undefined
const listeners = new Set<() => void>()

export function notificationPermission(): NotificationPermissionState {
  permission ??= browserNotification()?.permission ?? 'unsupported'
  return permission
}

export function subscribeNotificationPermission(listener: () => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

export async function requestNotificationPermission(): Promise<NotificationPermissionState> {
  const api = browserNotification()
  if (!api) return 'unsupported'
  permission = await api.requestPermission()
  for (const listener of listeners) listener()
  return permission
}
