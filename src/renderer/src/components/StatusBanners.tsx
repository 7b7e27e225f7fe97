import { useAppStatus } from '../api'
import { ErrorMessage } from './ErrorMessage'
import { KeyringBanner } from './KeyringBanner'

/** App-wide notices: main cannot be reached, or the system keychain is missing. */
export function StatusBanners() {
  const status = useAppStatus()
  if (status.isError) {
    return <ErrorMessage error={status.error} lead="Exitdesk could not read its status." variant="banner" testId="error-banner" />
  }
  if (status.data && !status.data.keyring.available) return <KeyringBanner message={status.data.keyring.message} />
  return null
}
