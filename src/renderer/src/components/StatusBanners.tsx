import { useAppStatus } from '../api'
import { memoryStoreNotice } from '../lib/secret-store'
import { ErrorMessage } from './ErrorMessage'
import { KeyringBanner } from './KeyringBanner'

/** App-wide notices: main cannot be reached, the system keychain is missing, or secrets live in memory only. */
export function StatusBanners() {
  const status = useAppStatus()
  if (status.isError) {
    return <ErrorMessage error={status.error} lead="Exitdesk could not read its status." variant="banner" testId="error-banner" />
  }
  if (status.data && !status.data.keyring.available) return <KeyringBanner message={status.data.keyring.message} />
  const memoryNotice = memoryStoreNotice(status.data)
  if (memoryNotice) {
    return (
      <div className="banner banner-warn" role="status" data-testid="memory-store-banner">
        <p>{memoryNotice}</p>
      </div>
    )
  }
  return null
}
