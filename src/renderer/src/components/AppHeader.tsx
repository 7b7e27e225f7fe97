import { useAppStatus } from '../api'

export function AppHeader() {
  const status = useAppStatus()
  return (
    <header className="app-header">
      <div>
        <h1>Exitdesk</h1>
        <p className="tagline">A public exit server for your inlets tunnels on the cheapest cloud VM — created, watched and torn down in a few clicks.</p>
      </div>
      {status.data ? (
        <p className="small muted version">
          v{status.data.version} · {status.data.shell === 'electron' ? 'desktop' : 'browser'}
        </p>
      ) : null}
    </header>
  )
}
