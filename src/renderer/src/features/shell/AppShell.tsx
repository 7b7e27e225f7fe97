import { useEffect, useRef } from 'react'
import * as Tooltip from '@radix-ui/react-tooltip'
import { useAppStatus, useBridgeEvents, useHosts } from '../../api'
import { ErrorBoundary } from '../../components/ErrorBoundary'
import { StatusBanners } from '../../components/StatusBanners'
import { Toasts } from '../../components/toasts'
import { usePage } from '../../hooks/usePage'
import { PAGES, PAGE_TITLES, hashFor, type Page } from '../../lib/route'
import { AccountsPage } from '../accounts/AccountsPage'
import { HostsPage } from '../hosts/HostsPage'
import { SettingsPage } from '../settings/SettingsPage'
import { RunningTotals } from './RunningTotals'
import { ThemeToggle } from './ThemeToggle'
import { useBrowserNotifications } from './useBrowserNotifications'

/**
 * The window: a header (name, navigation, the running total, the theme toggle), app-wide
 * banners, and one page — Hosts by default. Pages are links to #/<page> (lib/route.ts), so
 * they are reachable with Tab and Enter and Back works.
 */
export function AppShell() {
  useBridgeEvents()
  const status = useAppStatus()
  const page = usePage()
  useBrowserNotifications(status.data?.shell === 'web')

  const mainRef = useRef<HTMLElement>(null)
  const firstRender = useRef(true)
  useEffect(() => {
    document.title = page === 'hosts' ? 'Exitdesk' : `${PAGE_TITLES[page]} · Exitdesk`
    // A page change moves focus to the new page (its heading is announced); not on the first load.
    if (firstRender.current) firstRender.current = false
    else mainRef.current?.focus()
  }, [page])

  return (
    <Tooltip.Provider delayDuration={400}>
      <div className="app">
        <a className="skip-link" href="#main" onClick={(event) => { event.preventDefault(); mainRef.current?.focus() }}>
          Skip to content
        </a>
        <header className="app-header">
          <div className="brand">
            <span className="brand-mark" aria-hidden="true" />
            <span className="brand-name">Exitdesk</span>
          </div>
          <nav className="app-nav" aria-label="Main">
            {PAGES.map((candidate) => (
              <NavLink key={candidate} page={candidate} current={page === candidate} />
            ))}
          </nav>
          <div className="header-side">
            <RunningTotals />
            <ThemeToggle />
          </div>
        </header>
        <StatusBanners />
        <main id="main" className="app-main" ref={mainRef} tabIndex={-1} aria-labelledby="page-title">
          <h1 id="page-title" className="page-title">
            {PAGE_TITLES[page]}
          </h1>
          <ErrorBoundary what={`${PAGE_TITLES[page]} page`} key={page}>
            {page === 'hosts' ? <HostsPage /> : page === 'accounts' ? <AccountsPage /> : <SettingsPage />}
          </ErrorBoundary>
        </main>
        <footer className="app-footer small muted">
          {status.data ? `Exitdesk v${status.data.version} · ${status.data.shell === 'electron' ? 'desktop' : 'browser'}` : null}
        </footer>
        <Toasts />
      </div>
    </Tooltip.Provider>
  )
}

function NavLink({ page, current }: { page: Page; current: boolean }) {
  return (
    <a className={current ? 'nav-link nav-current' : 'nav-link'} href={hashFor(page)} aria-current={current ? 'page' : undefined} data-testid={`nav-${page}`}>
      {PAGE_TITLES[page]}
      {page === 'hosts' ? <HostCount /> : null}
    </a>
  )
}

/** How many hosts exist (not yet deleted), beside "Hosts": its own component, so only it follows the list. */
function HostCount() {
  const count = useHosts().data?.hosts.filter((host) => host.state !== 'deleted').length ?? 0
  if (count === 0) return null
  return (
    <>
      <span className="nav-count" aria-hidden="true">
        {count}
      </span>
      <span className="visually-hidden">, {count === 1 ? '1 host' : `${count} hosts`}</span>
    </>
  )
}
