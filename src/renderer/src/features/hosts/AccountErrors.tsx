import type { HostsSnapshot } from '../../../../shared/contract'
import type { AccountInfo } from '../../../../shared/domain'

interface Props {
  errors: HostsSnapshot['accountErrors']
  accounts: AccountInfo[]
}

/** Accounts whose last refresh failed: their hosts in the table may be out of date. */
export function AccountErrors({ errors, accounts }: Props) {
  if (errors.length === 0) return null
  return (
    <div className="account-errors">
      {errors.map((problem) => {
        const label = accounts.find((account) => account.id === problem.accountId)?.label ?? 'an account'
        return (
          <p key={problem.accountId} className="banner banner-warn" role="alert">
            Hosts on {label} could not be refreshed: {problem.message}
          </p>
        )
      })}
    </div>
  )
}
