import { useAppStatus } from '../api'
import { memoryStoreNotice } from '../lib/secret-store'
import { ErrorMessage } from './ErrorMessage'
import { KeyringBanner } from './KeyringBanner'
import { LedgerRecoveryBanner } from './LedgerRecoveryBanner'

/**
 * App-wide notices: main cannot be reached, the system keychain is missing, or secrets live in
 * memory only; above them, what was recovered from a damaged records file.
 */
export function StatusBanners() {
  const status = useAppStatus()
  return (
    <>
      <LedgerRecoveryBanner recovery={status.data?.ledgerRecovery} />
      <StoreBanners status={status} />
    </>
  )
}

function StoreBanners({ status }: { status: ReturnType<typeof useAppStatus> }) {
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
