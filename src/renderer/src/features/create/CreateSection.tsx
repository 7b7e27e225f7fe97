import { useAccounts, useClouds } from '../../api'
import { ErrorMessage } from '../../components/ErrorMessage'
import { Section } from '../../components/Section'
import { AutoTeardownSettings } from './AutoTeardownSettings'
import { CreateForm } from './CreateForm'

export function CreateSection() {
  const accounts = useAccounts()
  const clouds = useClouds()

  let body
  if (accounts.isError || clouds.isError) {
    body = <ErrorMessage error={accounts.error ?? clouds.error} lead="The create form could not be prepared." variant="banner" testId="error-banner" />
  } else if (!accounts.data || !clouds.data) {
    body = <p className="muted">Loading clouds and accounts…</p>
  } else if (accounts.data.length === 0) {
    body = <p className="muted">There is no account to create a host with yet. Add one under Accounts.</p>
  } else {
    body = <CreateForm accounts={accounts.data} clouds={clouds.data} />
  }

  return (
    <Section title="Create a tunnel host" className="create-card">
      {body}
      <AutoTeardownSettings />
    </Section>
  )
}
