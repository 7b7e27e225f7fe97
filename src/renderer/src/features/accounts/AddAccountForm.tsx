import { useEffect, useId, useState, type FormEvent } from 'react'
import * as Dialog from '@radix-ui/react-dialog'
import type { CloudInfo } from '../../../../shared/domain'
import { call, useAddAccount, useAppStatus } from '../../api'
import { FieldError } from '../../components/FieldError'
import { credentialLabels } from '../../lib/accounts'
import { errorInfo, errorSentence } from '../../lib/api-error'
import { matchField } from '../../lib/fields'
import { credentialDestination } from '../../lib/secret-store'
import { showToast } from '../../components/toasts'

interface Props {
  /** The clouds an account can be added for (the simulated one needs none). */
  clouds: CloudInfo[]
}

/**
 * Adds a cloud account, in a dialog (Radix: focus kept inside, Escape closes, focus returns to
 * "Add account"). What was typed stays while the dialog is closed and opened again, except
 * the secret once main has it. The credential is sent to main once, here; main verifies it
 * with a cheap API call before keeping it in the system keychain, and never sends it back.
 */
export function AddAccountForm({ clouds }: Props) {
  const formId = useId()
  const [open, setOpen] = useState(false)
  const [cloudChoice, setCloudChoice] = useState<string | undefined>(undefined)
  const [label, setLabel] = useState('')
  // Kept per cloud, so switching clouds never sends one cloud's secret to another.
  const [credentials, setCredentials] = useState<Record<string, Record<string, string>>>({})
  const [endpoints, setEndpoints] = useState<Record<string, string>>({})
  const [advancedOpen, setAdvancedOpen] = useState(false)
  const [saved, setSaved] = useState<string | undefined>(undefined)
  const add = useAddAccount()
  const status = useAppStatus()

  const cloud = clouds.find((candidate) => candidate.id === cloudChoice) ?? clouds[0]
  const shownCloud = open ? cloud?.id : undefined

  // Main loads the picked cloud's SDK while the credential is typed, so Add does not wait for it.
  useEffect(() => {
    if (shownCloud) call('clouds:prepare', { cloud: shownCloud }).catch(() => undefined)
  }, [shownCloud])

  if (!cloud) return <p className="muted">No other clouds are available in this version.</p>

  const values = credentials[cloud.id] ?? {}
  const endpoint = endpoints[cloud.id] ?? ''
  const labels = credentialLabels(cloud)
  const fields = ['cloud', 'label', 'endpoint', 'credentials', ...cloud.credentialFields.map((field) => `credentials.${field.key}`)]
  const info = errorInfo(add.error)
  const sentence = add.error ? errorSentence(add.error, labels) : undefined
  const errorField = matchField(info?.field, fields)
  const fieldError = (field: string) => (errorField === field ? sentence : undefined)
  const errorId = (field: string) => `${formId}-${field.replace(/\W/g, '-')}-error`

  function setCredential(key: string, value: string): void {
    if (!cloud) return
    setCredentials((all) => ({ ...all, [cloud.id]: { ...(all[cloud.id] ?? {}), [key]: value } }))
  }

  function submit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault()
    if (!cloud || add.isPending) return
    setSaved(undefined)
    const sent: Record<string, string> = {}
    for (const field of cloud.credentialFields) {
      const value = (values[field.key] ?? '').trim()
      if (value) sent[field.key] = value
    }
    const trimmedEndpoint = endpoint.trim()
    add.mutate(
      { cloud: cloud.id, label: label.trim(), endpoint: trimmedEndpoint || undefined, credentials: sent },
      {
        onSuccess: (account) => {
          // The secret has reached main: drop it from this window's memory.
          setCredentials((all) => ({ ...all, [cloud.id]: {} }))
          setSaved(`Added ${account.label}: its credential works.`)
          showToast({ title: `Added ${account.label}`, description: `Its ${cloud.label} credential works.`, tone: 'success' })
          setLabel('')
          setOpen(false)
        },
        onError: (error) => {
          if (errorInfo(error)?.field === 'endpoint') setAdvancedOpen(true)
        },
      },
    )
  }

  return (
    <Dialog.Root
      open={open}
      onOpenChange={(next) => {
        setOpen(next)
        if (!next) setSaved(undefined)
      }}
    >
      <Dialog.Trigger asChild>
        <button type="button" className="button button-primary" data-testid="account-add-open">
          Add account
        </button>
      </Dialog.Trigger>
      <Dialog.Portal>
        <Dialog.Overlay className="dialog-overlay" />
        <Dialog.Content className="dialog-panel add-account-dialog" aria-describedby={`${formId}-intro`}>
          <Dialog.Title className="dialog-title">Add a cloud account</Dialog.Title>
          <Dialog.Description id={`${formId}-intro`} className="hint">
            Exitdesk creates and removes tunnel hosts with this account. Only what it needs is asked for.
          </Dialog.Description>
          <form id={`${formId}-form`} className="form add-account-form" onSubmit={submit} noValidate autoComplete="off">
            <div className="field-pair">
              <div className="field">
                <label htmlFor={`${formId}-cloud`}>Cloud</label>
                <select
                  id={`${formId}-cloud`}
                  data-testid="account-cloud"
                  value={cloud.id}
                  autoFocus
                  aria-invalid={fieldError('cloud') ? true : undefined}
                  aria-describedby={fieldError('cloud') ? errorId('cloud') : undefined}
                  onChange={(event) => {
                    setCloudChoice(event.target.value)
                    setSaved(undefined)
                  }}
                >
                  {clouds.map((candidate) => (
                    <option key={candidate.id} value={candidate.id}>
                      {candidate.label}
                    </option>
                  ))}
                </select>
                <FieldError id={errorId('cloud')} message={fieldError('cloud')} />
              </div>
              <div className="field">
                <label htmlFor={`${formId}-label`}>Label</label>
                <input
                  id={`${formId}-label`}
                  data-testid="account-label"
                  value={label}
                  placeholder={`e.g. My ${cloud.label}`}
                  maxLength={60}
                  autoComplete="off"
                  aria-invalid={fieldError('label') ? true : undefined}
                  aria-describedby={fieldError('label') ? errorId('label') : undefined}
                  onChange={(event) => setLabel(event.target.value)}
                />
                <FieldError id={errorId('label')} message={fieldError('label')} />
              </div>
            </div>

            {cloud.credentialFields.map((field) => {
              const path = `credentials.${field.key}`
              const inputId = `${formId}-credential-${field.key}`
              const hintId = `${inputId}-hint`
              const describedBy = [fieldError(path) ? errorId(path) : '', field.help ? hintId : ''].filter(Boolean).join(' ')
              return (
                <div className="field" key={`${cloud.id}-${field.key}`}>
                  <label htmlFor={inputId}>{field.label}</label>
                  <input
                    id={inputId}
                    data-testid={`credential-${field.key}`}
                    type={field.kind === 'secret' ? 'password' : 'text'}
                    value={values[field.key] ?? ''}
                    placeholder={field.placeholder}
                    autoComplete="off"
                    autoCapitalize="off"
                    spellCheck={false}
                    aria-invalid={fieldError(path) ? true : undefined}
                    aria-describedby={describedBy || undefined}
                    onChange={(event) => setCredential(field.key, event.target.value)}
                  />
                  <FieldError id={errorId(path)} message={fieldError(path)} />
                  {field.help ? (
                    <p className="hint" id={hintId}>
                      {field.help}
                    </p>
                  ) : null}
                </div>
              )
            })}

            {cloud.supportsEndpoint ? (
              <details className="advanced" open={advancedOpen} onToggle={(event) => setAdvancedOpen(event.currentTarget.open)}>
                <summary>Advanced</summary>
                <div className="field">
                  <label htmlFor={`${formId}-endpoint`}>API endpoint</label>
                  <input
                    id={`${formId}-endpoint`}
                    data-testid="account-endpoint"
                    type="url"
                    value={endpoint}
                    placeholder={cloud.defaultEndpoint}
                    autoComplete="off"
                    spellCheck={false}
                    aria-invalid={fieldError('endpoint') ? true : undefined}
                    aria-describedby={[fieldError('endpoint') ? errorId('endpoint') : '', `${formId}-endpoint-hint`].filter(Boolean).join(' ')}
                    onChange={(event) => setEndpoints((all) => ({ ...all, [cloud.id]: event.target.value }))}
                  />
                  <FieldError id={errorId('endpoint')} message={fieldError('endpoint')} />
                  <p className="hint" id={`${formId}-endpoint-hint`}>
                    Leave empty to use {cloud.defaultEndpoint ?? "the cloud's own API"}.
                  </p>
                </div>
              </details>
            ) : null}

            <div className="submit-row">
              <button type="submit" className="button button-primary" data-testid="account-save" disabled={add.isPending}>
                {add.isPending ? 'Checking the credential…' : 'Verify and save'}
              </button>
              <Dialog.Close asChild>
                <button type="button" className="button button-quiet" data-testid="account-add-close">
                  Close
                </button>
              </Dialog.Close>
            </div>
            {sentence ? (
              <p className="inline-error" role="alert" data-testid="account-error">
                {sentence}
              </p>
            ) : null}
            {saved && !add.error ? (
              <p className="success" role="status">
                {saved}
              </p>
            ) : null}
            <p className="hint" data-testid="account-credential-destination">
              The credential is checked with {cloud.label} first{cloud.identity.marker ? ` (the first check makes ${cloud.identity.marker}; Exitdesk never removes it)` : ', with a call that only reads'}, then {credentialDestination(status.data)}. It never comes back to this window.
            </p>
          </form>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  )
}
