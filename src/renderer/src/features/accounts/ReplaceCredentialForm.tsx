import { useId, useState, type FormEvent } from 'react'
import type { AccountInfo, CloudInfo } from '../../../../shared/domain'
import { useUpdateCredential } from '../../api'
import { FieldError } from '../../components/FieldError'
import { credentialLabels } from '../../lib/accounts'
import { errorInfo, errorSentence } from '../../lib/api-error'
import { matchField } from '../../lib/fields'

interface Props {
  id?: string
  account: AccountInfo
  cloud: CloudInfo
  /** The new credential was verified and saved. */
  onSaved: () => void
  onCancel: () => void
}

/**
 * A new credential for an existing account (a rotated token, or one given the scopes it
 * lacked). Main checks it with the cloud, and that it belongs to the same provider
 * account, before it replaces the one in the keychain; it never comes back to this window.
 */
export function ReplaceCredentialForm({ id, account, cloud, onSaved, onCancel }: Props) {
  const formId = useId()
  const [values, setValues] = useState<Record<string, string>>({})
  const update = useUpdateCredential()

  const labels = credentialLabels(cloud)
  const fields = ['credentials', ...cloud.credentialFields.map((field) => `credentials.${field.key}`)]
  const info = errorInfo(update.error)
  const sentence = update.error ? errorSentence(update.error, labels) : undefined
  const errorField = matchField(info?.field, fields)
  const fieldError = (field: string) => (errorField === field ? sentence : undefined)
  const errorId = (field: string) => `${formId}-${field.replace(/\W/g, '-')}-error`

  function submit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault()
    if (update.isPending) return
    const sent: Record<string, string> = {}
    for (const field of cloud.credentialFields) {
      const value = (values[field.key] ?? '').trim()
      if (value) sent[field.key] = value
    }
    update.mutate(
      { accountId: account.id, credentials: sent },
      {
        onSuccess: () => {
          // The secret has reached main: drop it from this window's memory.
          setValues({})
          onSaved()
        },
      },
    )
  }

  return (
    <form
      id={id}
      className="form replace-credential-form"
      onSubmit={submit}
      noValidate
      autoComplete="off"
      aria-label={`Replace the credential of ${account.label}`}
    >
      {cloud.credentialFields.map((field, index) => {
        const path = `credentials.${field.key}`
        const inputId = `${formId}-credential-${field.key}`
        const hintId = `${inputId}-hint`
        // An error about the credential as a whole is shown under its first field.
        const message = fieldError(path) ?? (index === 0 ? fieldError('credentials') : undefined)
        const describedBy = [message ? errorId(path) : '', field.help ? hintId : ''].filter(Boolean).join(' ')
        return (
          <div className="field" key={field.key}>
            <label htmlFor={inputId}>New {field.label}</label>
            <input
              id={inputId}
              data-testid={`replace-credential-${field.key}`}
              type={field.kind === 'secret' ? 'password' : 'text'}
              value={values[field.key] ?? ''}
              placeholder={field.placeholder}
              autoFocus={index === 0}
              autoComplete="off"
              autoCapitalize="off"
              spellCheck={false}
              aria-invalid={message ? true : undefined}
              aria-describedby={describedBy || undefined}
              onChange={(event) => setValues((all) => ({ ...all, [field.key]: event.target.value }))}
            />
            <FieldError id={errorId(path)} message={message} />
            {field.help ? (
              <p className="hint" id={hintId}>
                {field.help}
              </p>
            ) : null}
          </div>
        )
      })}
      <div className="submit-row">
        <button type="submit" className="button button-primary" data-testid="replace-save" disabled={update.isPending}>
          {update.isPending ? 'Checking the credential…' : 'Verify and save'}
        </button>
        <button
          type="button"
          className="button button-quiet"
          onClick={() => {
            setValues({})
            update.reset()
            onCancel()
          }}
        >
          Cancel
        </button>
      </div>
      {sentence ? (
        <p className="inline-error" role="alert" data-testid="replace-error">
          {sentence}
        </p>
      ) : null}
      <p className="hint">
        It must belong to the same {cloud.label} account. It is checked with {cloud.label} before it replaces the stored one.
      </p>
    </form>
  )
}
