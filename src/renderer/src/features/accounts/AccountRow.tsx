import { useState } from 'react'
import type { AccountInfo, CloudInfo } from '../../../../shared/domain'
import { useRemoveAccount, useVerifyAccount } from '../../api'
import { ConfirmDialog } from '../../components/ConfirmDialog'
import { ErrorMessage } from '../../components/ErrorMessage'
import { SimulatedTag } from '../../components/SimulatedTag'

interface Props {
  account: AccountInfo
  cloud: CloudInfo | undefined
}

const STATUS_WORD: Record<AccountInfo['credential'], string> = { ok: 'ok', failing: 'failing', none: 'none needed' }

export function AccountRow({ account, cloud }: Props) {
  const verify = useVerifyAccount()
  const remove = useRemoveAccount()
  const [confirming, setConfirming] = useState(false)
  const simulated = cloud?.simulated ?? false

  return (
    <li className="account-row" data-testid="account-row" data-account-id={account.id}>
      <div className="account-main">
        <div className="account-title">
          <strong>{account.label}</strong>
          <span className="muted">{cloud?.label ?? account.cloud}</span>
          {simulated ? <SimulatedTag /> : null}
          {account.builtIn ? <span className="tag">built in</span> : null}
        </div>
        {account.endpoint ? <div className="small muted mono">{account.endpoint}</div> : null}
        <div className="account-credential">
          <span className="small muted">Credential:</span>{' '}
          <span className={`status status-${account.credential}`} data-testid="account-status">
            <span className="status-dot" aria-hidden="true" />
            {STATUS_WORD[account.credential]}
            {account.credential === 'failing' && account.credentialMessage ? `: ${account.credentialMessage}` : ''}
          </span>
        </div>
        {verify.isError ? <ErrorMessage error={verify.error} lead="The check could not run." /> : null}
        {remove.isError && !confirming ? <ErrorMessage error={remove.error} lead="The account was not removed." /> : null}
      </div>
      <div className="account-actions">
        {account.builtIn ? null : (
          <button
            type="button"
            className="button button-small"
            data-testid="account-verify"
            disabled={verify.isPending}
            onClick={() => verify.mutate(account.id)}
          >
            {verify.isPending ? 'Verifying…' : 'Verify'}
          </button>
        )}
        {account.builtIn ? null : (
          <button type="button" className="button button-small button-danger-quiet" data-testid="account-remove" onClick={() => setConfirming(true)}>
            Remove
          </button>
        )}
      </div>
      {confirming ? (
        <ConfirmDialog
          title={`Remove ${account.label}?`}
          confirmLabel="Remove account"
          pendingLabel="Removing…"
          pending={remove.isPending}
          error={remove.error}
          onCancel={() => {
            remove.reset()
            setConfirming(false)
          }}
          onConfirm={() => remove.mutate(account.id, { onSuccess: () => setConfirming(false) })}
        >
          <p>
            Exitdesk forgets this {cloud?.label ?? account.cloud} account and deletes its credential from the system keychain. Hosts
            already running in it are not deleted and keep costing money: delete them first if you no longer need them.
          </p>
        </ConfirmDialog>
      ) : null}
    </li>
  )
}
