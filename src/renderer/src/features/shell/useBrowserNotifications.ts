import { useEffect, useSyncExternalStore } from 'react'
import { bridge } from '../../bridge'
import { browserNotification, notificationPermission, subscribeNotificationPermission } from '../../browser/notifications'

/**
 * Web mode: shows main's `notify` events with the browser's Notification API once the user has
 * allowed them (Settings → Notifications). Mounted once, in the shell, on every page.
 */
export function useBrowserNotifications(enabled: boolean): void {
  const permission = useSyncExternalStore(subscribeNotificationPermission, notificationPermission, notificationPermission)
  useEffect(() => {
    const api = browserNotification()
    if (!enabled || !api || permission !== 'granted') return undefined
    return bridge.on('notify', (notice) => {
      // `tag`: the same notice delivered twice (two tabs share a tag) replaces, not repeats.
      new api(notice.title, { body: notice.body, tag: notice.id })
    })
  }, [enabled, permission])
}
