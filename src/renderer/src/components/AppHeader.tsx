import { useEffect, useState } from 'react'
import { useAppStatus } from '../api'
import { bridge } from '../bridge'

export function AppHeader() {
  const status = useAppStatus()
  return (
    <header className="app-header">
      <div>
        <h1>Exitdesk</h1>
        <p className="tagline">A public exit server for your inlets tunnels on the cheapest cloud VM — created, watched and torn down in a few clicks.</p>
      </div>
      {status.data ? (
        <div className="header-side">
          {status.data.shell === 'web' ? <BrowserNotifications /> : null}
          <p className="small muted version">
            v{status.data.version} · {status.data.shell === 'electron' ? 'desktop' : 'browser'}
          </p>
        </div>
      ) : null}
    </header>
  )
}

type Permission = 'default' | 'granted' | 'denied' | 'unsupported'

/** The browser's Notification API, or undefined where the page has none (or not in a secure context). */
function browserNotification(): typeof Notification | undefined {
  return typeof Notification === 'function' ? Notification : undefined
}

/**
 * Web mode only: main decides what to notify (the `notify` event), this page shows it with the
 * browser's Notification API. Permission is asked only when the user clicks "Turn on
 * notifications" (browsers refuse or penalise a prompt without a user gesture). In the desktop
 * shell main shows them itself (src/main/notify-desktop.ts), so the window never shows a second copy.
 */
function BrowserNotifications() {
  const api = browserNotification()
  const [permission, setPermission] = useState<Permission>(() => (api ? api.permission : 'unsupported'))

  useEffect(() => {
    if (!api || permission !== 'granted') return undefined
    return bridge.on('notify', (notice) => {
      // `tag`: the same notice delivered twice (two tabs share a tag) replaces, not repeats.
      new api(notice.title, { body: notice.body, tag: notice.id })
    })
  }, [api, permission])

  if (permission === 'unsupported' || permission === 'granted') return null
  if (permission === 'denied') return <p className="small muted">Notifications are blocked for this page in the browser&apos;s settings.</p>
  return (
    <button type="button" className="button button-small" data-testid="enable-notifications" onClick={() => void api?.requestPermission().then((answer) => setPermission(answer))}>
      Turn on notifications
    </button>
  )
}
