import { useAccounts, useClouds } from '../../api'
import { ErrorMessage } from '../../components/ErrorMessage'
import { Section } from '../../components/Section'
import { cloudOf } from '../../lib/accounts'
import { AccountRow } from './AccountRow'
import { AddAccountForm } from './AddAccountForm'

export function AccountsSection() {
  const accounts = useAccounts()
  const clouds = useClouds()
  const realClouds = (clouds.data ?? []).filter((cloud) => !cloud.simulated)

  return (
    <Section title="Accounts" className="accounts-card">
      {accounts.isError ? (
        <ErrorMessage error={accounts.error} lead="The account list could not be loaded." variant="banner" testId="error-banner" />
      ) : null}
      {clouds.isError ? (
        <ErrorMessage error={clouds.error} lead="The list of clouds could not be loaded." variant="banner" testId="error-banner" />
      ) : null}
      {accounts.isPending ? <p className="muted">Loading accounts…</p> : null}
      {accounts.data ? (
        <ul className="account-list">
          {accounts.data.map((account) => (
            <AccountRow key={account.id} account={account} cloud={cloudOf(clouds.data ?? [], account.cloud)} />
          ))}
        </ul>
      ) : null}
      {clouds.data ? <AddAccountForm clouds={realClouds} /> : null}
    </Section>
  )
}
