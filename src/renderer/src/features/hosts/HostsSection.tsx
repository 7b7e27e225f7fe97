import { useAccounts, useClouds, useHosts } from '../../api'
import { ErrorMessage } from '../../components/ErrorMessage'
import { Section } from '../../components/Section'
import { visibleHosts } from '../../lib/hosts'
import { AccountErrors } from './AccountErrors'
import { HostsTable } from './HostsTable'

export function HostsSection() {
  const hostsQuery = useHosts()
  const clouds = useClouds()
  const accounts = useAccounts()
  const snapshot = hostsQuery.data
  const hosts = snapshot ? visibleHosts(snapshot.hosts) : []

  const aside = snapshot?.refreshedAt ? (
    <span className="small muted" title={new Date(snapshot.refreshedAt).toLocaleString()}>
      Updated {new Date(snapshot.refreshedAt).toLocaleTimeString()}
    </span>
  ) : null

  return (
    <Section title="Hosts" aside={aside} className="hosts-card">
      {hostsQuery.isError ? (
        <ErrorMessage error={hostsQuery.error} lead="The host list could not be loaded." variant="banner" testId="error-banner" />
      ) : null}
      {snapshot ? <AccountErrors errors={snapshot.accountErrors} accounts={accounts.data ?? []} /> : null}
      {hostsQuery.isPending ? <p className="muted">Loading hosts…</p> : null}
      {snapshot && hosts.length === 0 ? (
        <p className="empty" data-testid="hosts-empty">
          No tunnel hosts yet. Create your first one below: the <strong>Simulated</strong> cloud needs no account and costs nothing,
          so you can try Exitdesk right away. Add a cloud account when you want a real exit server.
        </p>
      ) : null}
      {hosts.length > 0 ? <HostsTable hosts={hosts} clouds={clouds.data ?? []} accounts={accounts.data ?? []} /> : null}
    </Section>
  )
}
