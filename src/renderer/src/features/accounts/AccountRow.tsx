import { useId, useRef, useState } from 'react'
import type { AccountInfo, CloudInfo } from '../../../../shared/domain'
import { useRemoveAccount, useVerifyAccount } from '../../api'
import { ConfirmDialog } from '../../components/ConfirmDialog'
import { ErrorMessage } from '../../components/ErrorMessage'
import { SimulatedTag } from '../../components/SimulatedTag'
import { ReplaceCredentialForm } from './ReplaceCredentialForm'

interface Props {
  account: AccountInfo
  cloud: CloudInfo | undefined
}

const STATUS_WORD: Record<AccountInfo['credential'], string> = { ok: 'ok', failing: 'failing', none: 'none needed' }

export function AccountRow({ account, cloud }: Props) {
  const verify = useVerifyAccount()
  const remove = useRemoveAccount()
  const [confirming, setConfirming] = useState(false)
  const [replacing, setReplacing] = useState(false)
  const [replaced, setReplaced] = useState(false)
  const replaceButtonRef = useRef<HTMLButtonElement>(null)
  const replaceFormId = useId()
  const simulated = cloud?.simulated ?? false
  // The built-in simulated account has no credential; a cloud this version does not know has no form.
  const replaceable = !account.builtIn && !simulated && cloud !== undefined && cloud.credentialFields.length > 0
  const failing = account.credential === 'failing'
  const closeReplace = () => {
    setReplacing(false)
    replaceButtonRef.current?.focus()
  }

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
        {replaceable && failing && !replacing ? (
          <p className="hint warn-text">Replace the credential to keep managing this account&apos;s hosts.</p>
        ) : null}
        {replaced && !replacing && !failing ? (
          <p className="success small" role="status">
            The new credential works and is saved.
          </p>
        ) : null}
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
        {replaceable ? (
          <button
            ref={replaceButtonRef}
            type="button"
            className={failing ? 'button button-small button-primary' : 'button button-small'}
            data-testid="account-replace-open"
            aria-expanded={replacing}
            aria-controls={replacing ? replaceFormId : undefined}
            onClick={() => {
              setReplaced(false)
              setReplacing(true)
            }}
          >
            Replace credential
          </button>
        ) : null}
        {account.builtIn ? null : (
          <button type="button" className="button button-small button-danger-quiet" data-testid="account-remove" onClick={() => setConfirming(true)}>
            Remove
          </button>
        )}
      </div>
      {replacing && replaceable ? (
        <ReplaceCredentialForm
          id={replaceFormId}
          account={account}
          cloud={cloud}
          onSaved={() => {
            verify.reset()
            setReplaced(true)
            closeReplace()
          }}
          onCancel={closeReplace}
        />
      ) : null}
      {confirming ? (
        <ConfirmDialog
          title={`Remove ${account.label}?`}
          confirmLabel="Remove account"
          pendingLabel="Removing…"
          pending={remove.isPending}
          error={remove.error}
          errorLead="The account was not removed."
          onCancel={() => {
            remove.reset()
            setConfirming(false)
          }}
          onConfirm={() => remove.mutate(account.id, { onSuccess: () => setConfirming(false) })}
        >
          <p>
            Exitdesk forgets this {cloud?.label ?? account.cloud} account and deletes its credential from the system keychain. Nothing
            is changed in the cloud itself.
          </p>
          <p>
            An account that still has hosts cannot be removed, so nothing is left running and billed unseen: delete its hosts first.
          </p>
        </ConfirmDialog>
      ) : null}
    </li>
  )
}
