import { useBridgeEvents } from './api'
import { AppHeader } from './components/AppHeader'
import { ErrorBoundary } from './components/ErrorBoundary'
import { StatusBanners } from './components/StatusBanners'
import { AccountsSection } from './features/accounts/AccountsSection'
import { CreateSection } from './features/create/CreateSection'
import { HostsSection } from './features/hosts/HostsSection'

export function App() {
  useBridgeEvents()
  return (
    <div className="app">
      <AppHeader />
      <StatusBanners />
      <main className="app-main">
        <ErrorBoundary what="host table">
          <HostsSection />
        </ErrorBoundary>
        <div className="columns">
          <ErrorBoundary what="create form">
            <CreateSection />
          </ErrorBoundary>
          <ErrorBoundary what="account list">
            <AccountsSection />
          </ErrorBoundary>
        </div>
      </main>
    </div>
  )
}
