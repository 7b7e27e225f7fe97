import { useState } from 'react'
import type { LedgerRecovery } from '../../../shared/domain'

interface Props {
  recovery: LedgerRecovery | undefined
}

/**
 * The records file was damaged at start: where the old file is and what came back, in main's
 * sentences. Shown until dismissed (for this window; main says it again only after another
 * damaged start).
 */
export function LedgerRecoveryBanner({ recovery }: Props) {
  const [dismissed, setDismissed] = useState<string | undefined>(undefined)
  if (!recovery || dismissed === recovery.message) return null
  return (
    <div className="banner banner-warn banner-recovery" role="alert" data-testid="ledger-recovery-banner">
      <p>{recovery.message}</p>
      <button type="button" className="button button-small" data-testid="ledger-recovery-dismiss" onClick={() => setDismissed(recovery.message)}>
        Dismiss
      </button>
    </div>
  )
}
