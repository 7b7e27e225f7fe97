import { useAccounts, useClouds } from '../../api'
import { ErrorMessage } from '../../components/ErrorMessage'
import { Section } from '../../components/Section'
import { cloudOf } from '../../lib/accounts'
import { AccountRow } from './AccountRow'
import { AddAccountForm } from './AddAccountForm'

/** The cloud accounts Exitdesk creates hosts with: their identity and credential state, and "Add account". */
export function AccountsPage() {
  const accounts = useAccounts()
  const clouds = useClouds()
  const realClouds = (clouds.data ?? []).filter((cloud) => !cloud.simulated)

  return (
    <div className="page accounts-page">
      <Section title="Cloud accounts" className="accounts-card" aside={clouds.data ? <AddAccountForm clouds={realClouds} /> : null}>
        {accounts.isError ? <ErrorMessage error={accounts.error} lead="The account list could not be loaded." variant="banner" testId="error-banner" /> : null}
        {clouds.isError ? <ErrorMessage error={clouds.error} lead="The list of clouds could not be loaded." variant="banner" testId="error-banner" /> : null}
        {accounts.isPending ? <p className="muted">Loading accounts…</p> : null}
        {accounts.data ? (
          <ul className="account-list">
            {accounts.data.map((account) => (
              <AccountRow key={account.id} account={account} cloud={cloudOf(clouds.data ?? [], account.cloud)} />
            ))}
          </ul>
        ) : null}
        <p className="hint">
          An account is the provider&apos;s own identity (team, project, subscription), checked when it is added. Credentials stay in the system
          keychain and never come back to this window.
        </p>
      </Section>
    </div>
  )
}
