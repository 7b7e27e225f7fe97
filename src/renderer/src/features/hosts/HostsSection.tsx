import { useMemo } from 'react'
import type { AccountInfo, CloudInfo, Host } from '../../../../shared/domain'
import { useAccounts, useClouds, useHosts } from '../../api'
import { ErrorMessage } from '../../components/ErrorMessage'
import { Section } from '../../components/Section'
import { AccountErrors } from './AccountErrors'
import { ExportButtons } from './ExportButtons'
import { HostsTable } from './HostsTable'
import { useHostOrder } from './useHostOrder'

/** Stable empties: a fresh `[]` on every render would defeat the table's memo. */
const NO_HOSTS: Host[] = []
const NO_CLOUDS: CloudInfo[] = []
const NO_ACCOUNTS: AccountInfo[] = []

/**
 * The hosts card. A poll that changed nothing gives the same `hosts` array (TanStack Query
 * keeps it), so only the "Updated" time here renders again: the rows are kept and the
 * memoized table is skipped. A poll that changed some hosts keeps the row order (unless names
 * or hosts changed) and re-renders only their rows.
 */
export function HostsSection() {
  const hostsQuery = useHosts()
  const clouds = useClouds()
  const accounts = useAccounts()
  const snapshot = hostsQuery.data
  const order = useHostOrder(snapshot?.hosts ?? NO_HOSTS)

  // In the table's order; only worked out again when the hosts change, not on every clock tick.
  const listed = useMemo(() => order.ids.map((id) => order.byId.get(id)).filter((host): host is Host => host !== undefined), [order])
  const aside = (
    <>
      {snapshot?.refreshedAt ? (
        <span className="small muted" title={new Date(snapshot.refreshedAt).toLocaleString()}>
          Updated {new Date(snapshot.refreshedAt).toLocaleTimeString()}
        </span>
      ) : null}{' '}
      <ExportButtons hosts={listed} />
    </>
  )

  return (
    <Section title="Hosts" aside={aside} className="hosts-card">
      {hostsQuery.isError ? (
        <ErrorMessage error={hostsQuery.error} lead="The host list could not be loaded." variant="banner" testId="error-banner" />
      ) : null}
      {snapshot ? <AccountErrors errors={snapshot.accountErrors} accounts={accounts.data ?? NO_ACCOUNTS} /> : null}
      {hostsQuery.isPending ? <p className="muted">Loading hosts…</p> : null}
      {snapshot && order.ids.length === 0 ? (
        <p className="empty" data-testid="hosts-empty">
          No tunnel hosts yet. Create your first one below: the <strong>Simulated</strong> cloud needs no account and costs nothing,
          so you can try Exitdesk right away. Add a cloud account when you want a real exit server.
        </p>
      ) : null}
      {order.ids.length > 0 ? <HostsTable ids={order.ids} hostsById={order.byId} clouds={clouds.data ?? NO_CLOUDS} accounts={accounts.data ?? NO_ACCOUNTS} /> : null}
    </Section>
  )
}
