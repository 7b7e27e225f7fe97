import { useEffect, useId, useRef, useState, type FormEvent } from 'react'
import type { ChannelInput } from '../../../../shared/contract'
import type { Host } from '../../../../shared/domain'
import { KNOWN_INLETS_RELEASES } from '../../../../shared/inlets-versions'
import { useSettings } from '../../api'
import { ErrorMessage } from '../../components/ErrorMessage'
import { FieldError } from '../../components/FieldError'
import { errorInfo, errorSentence } from '../../lib/api-error'
import { CLIENT_COMMAND_FIELDS, clientCommandRequest, draftFor, type ClientCommandDraft, type ClientCommandField } from '../../lib/client-command'
import { matchField } from '../../lib/fields'

interface BuilderProps {
  host: Host
  /** Asks main for the command and copies it; rejects with main's error. */
  onCopy: (request: ChannelInput<'hosts:client-command'>) => Promise<void>
  /** Called once a copy went through (the dialog closes; the details panel stays). */
  onCopied?: () => void
  /** Shows a Cancel button beside "Copy command" (the dialog has one; the panel does not). */
  onCancel?: () => void
  /** Puts focus in the first box once the remembered values arrive (the dialog does). */
  autoFocus?: boolean
}

/**
 * The client command form on its own: where the client sends traffic, which ports (TCP), how
 * it gets the token, where its licence is and which inlets-pro it runs. Prefilled with the last
 * values (main remembers them); main checks each and names the one it refuses. Used by the copy
 * dialog and by the host details panel's Connect tab.
 */
export function ClientCommandBuilder({ host, onCopy, onCopied, onCancel, autoFocus = false }: BuilderProps) {
  const firstRef = useRef<HTMLInputElement>(null)
  const id = useId()
  const settings = useSettings()
  const [draft, setDraft] = useState<ClientCommandDraft | undefined>(undefined)
  const [pending, setPending] = useState(false)
  const [error, setError] = useState<unknown>(undefined)
  const tcp = host.tunnel.mode === 'tcp'

  // Prefill once the remembered values arrive (or with empty boxes if they cannot be read).
  const ready = draft ?? (settings.isPending ? undefined : draftFor(host.tunnel.mode, settings.data?.clientCommand))

  useEffect(() => {
    if (autoFocus && ready && !draft) firstRef.current?.focus()
  }, [autoFocus, ready, draft])

  const errorField = matchField(errorInfo(error)?.field, CLIENT_COMMAND_FIELDS)
  const fieldError = (field: ClientCommandField) => (errorField === field ? errorSentence(error) : undefined)
  const set = (patch: Partial<ClientCommandDraft>) => ready && setDraft({ ...ready, ...patch })

  async function submit(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault()
    if (!ready || pending) return
    setPending(true)
    setError(undefined)
    try {
      await onCopy(clientCommandRequest(host.id, host.tunnel.mode, ready))
      setPending(false)
      onCopied?.()
    } catch (caught) {
      setError(caught)
      setPending(false)
    }
  }

  return (
    <>
      {!ready ? (
        <p className="hint">Loading your last choices…</p>
      ) : (
        <form className="form" onSubmit={(event) => void submit(event)} noValidate>
          <div className="field">
            <label htmlFor={`${id}-upstream`}>{tcp ? 'Upstream (host or IP the ports go to)' : 'Upstream URL (for every domain)'}</label>
            <input
              id={`${id}-upstream`}
              ref={firstRef}
              data-testid="client-upstream"
              value={ready.upstream}
              placeholder={tcp ? '127.0.0.1' : 'http://127.0.0.1:8080'}
              spellCheck={false}
              autoComplete="off"
              aria-invalid={fieldError('upstream') ? true : undefined}
              onChange={(event) => set({ upstream: event.target.value })}
            />
            <FieldError id={`${id}-upstream-error`} message={fieldError('upstream')} />
          </div>
          {tcp ? (
            <div className="field">
              <label htmlFor={`${id}-ports`}>TCP ports</label>
              <input
                id={`${id}-ports`}
                data-testid="client-ports"
                value={ready.ports}
                placeholder="2222,8080"
                inputMode="numeric"
                spellCheck={false}
                autoComplete="off"
                aria-invalid={fieldError('ports') ? true : undefined}
                aria-describedby={`${id}-ports-hint`}
                onChange={(event) => set({ ports: event.target.value })}
              />
              <FieldError id={`${id}-ports-error`} message={fieldError('ports')} />
              <p className="hint" id={`${id}-ports-hint`}>
                Comma separated. The server opens these ports and forwards them to the upstream.
              </p>
            </div>
          ) : null}
          <fieldset className="field">
            <legend>Token</legend>
            <label className="radio">
              <input
                type="radio"
                name={`${id}-token`}
                data-testid="client-token-file"
                checked={ready.tokenMode === 'file'}
                onChange={() => set({ tokenMode: 'file' })}
              />
              <span>
                From a file (<code>--token-file</code>) <span className="muted">— Exitdesk writes it, readable only by you; not visible in ps or shell history.</span>
              </span>
            </label>
            <label className="radio">
              <input
                type="radio"
                name={`${id}-token`}
                data-testid="client-token-inline"
                checked={ready.tokenMode === 'inline'}
                onChange={() => set({ tokenMode: 'inline' })}
              />
              <span>
                In the command (<code>--token</code>) <span className="muted">— visible to other users in ps and kept in shell history.</span>
              </span>
            </label>
          </fieldset>
          <div className="field-pair">
            <div className="field">
              <label htmlFor={`${id}-license`}>Licence file</label>
              <input
                id={`${id}-license`}
                data-testid="client-license"
                value={ready.licenseFile}
                placeholder="$HOME/.inlets/LICENSE"
                spellCheck={false}
                autoComplete="off"
                aria-invalid={fieldError('licenseFile') ? true : undefined}
                aria-describedby={`${id}-license-hint`}
                onChange={(event) => set({ licenseFile: event.target.value })}
              />
              <FieldError id={`${id}-license-error`} message={fieldError('licenseFile')} />
              <p className="hint" id={`${id}-license-hint`}>
                On the computer that runs the client. $HOME works in bash, zsh and PowerShell; in cmd.exe give the full path.
              </p>
            </div>
            <div className="field">
              <label htmlFor={`${id}-version`}>Client inlets-pro version</label>
              <input
                id={`${id}-version`}
                data-testid="client-version"
                list={`${id}-versions`}
                value={ready.clientVersion}
                className="narrow"
                spellCheck={false}
                autoComplete="off"
                aria-invalid={fieldError('clientVersion') ? true : undefined}
                onChange={(event) => set({ clientVersion: event.target.value })}
              />
              <datalist id={`${id}-versions`}>
                {KNOWN_INLETS_RELEASES.map((release) => (
                  <option key={release.version} value={release.version} />
                ))}
              </datalist>
              <FieldError id={`${id}-version-error`} message={fieldError('clientVersion')} />
            </div>
          </div>
          {error !== undefined && !errorField ? <ErrorMessage error={error} lead="The client command could not be made." testId="client-command-error" /> : null}
          <div className="dialog-actions">
            {onCancel ? (
              <button type="button" className="button" data-testid="client-cancel" onClick={onCancel}>
                Cancel
              </button>
            ) : null}
            <button type="submit" className="button button-primary" data-testid="client-copy" disabled={pending}>
              {pending ? 'Copying…' : 'Copy command'}
            </button>
          </div>
        </form>
      )}
    </>
  )
}

interface Props {
  host: Host
  /** Asks main for the command and copies it; rejects with main's error. */
  onCopy: (request: ChannelInput<'hosts:client-command'>) => Promise<void>
  onClose: () => void
}

/**
 * "Copy client command": the ClientCommandBuilder in a modal on the native <dialog>, like
 * ConfirmDialog: focus stays inside, Escape cancels, focus returns afterwards.
 */
export function ClientCommandDialog({ host, onCopy, onClose }: Props) {
  const dialogRef = useRef<HTMLDialogElement>(null)
  const id = useId()

  useEffect(() => {
    const dialog = dialogRef.current
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null
    if (dialog && !dialog.open) dialog.showModal()
    return () => {
      if (dialog?.open) dialog.close()
      previous?.focus()
    }
  }, [])

  return (
    <dialog
      ref={dialogRef}
      className="dialog client-command-dialog"
      aria-labelledby={`${id}-title`}
      data-testid="client-command-dialog"
      onCancel={(event) => {
        event.preventDefault()
        onClose()
      }}
    >
      <h2 id={`${id}-title`} className="dialog-title">
        Client command for {host.name}
      </h2>
      <ClientCommandBuilder host={host} onCopy={onCopy} onCopied={onClose} onCancel={onClose} autoFocus />
    </dialog>
  )
}
