import { useEffect, useId, useRef, type ReactNode } from 'react'
import { ErrorMessage } from './ErrorMessage'

interface Props {
  title: string
  children: ReactNode
  confirmLabel: string
  pendingLabel: string
  pending: boolean
  error?: unknown
  /** A sentence put before main's explanation of `error`, e.g. "The account was not removed." */
  errorLead?: string
  onConfirm: () => void
  onCancel: () => void
}

/**
 * A modal confirmation on the native <dialog>: the browser keeps focus inside it, Cancel has
 * focus when it opens (the safe choice), Escape cancels, and focus returns to where it was.
 * Render it only while it is open.
 */
export function ConfirmDialog({ title, children, confirmLabel, pendingLabel, pending, error, errorLead, onConfirm, onCancel }: Props) {
  const dialogRef = useRef<HTMLDialogElement>(null)
  const cancelRef = useRef<HTMLButtonElement>(null)
  const titleId = useId()
  const bodyId = useId()

  useEffect(() => {
    const dialog = dialogRef.current
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null
    if (dialog && !dialog.open) dialog.showModal()
    cancelRef.current?.focus()
    return () => {
      if (dialog?.open) dialog.close()
      previous?.focus()
    }
  }, [])

  return (
    <dialog
      ref={dialogRef}
      className="dialog"
      aria-labelledby={titleId}
      aria-describedby={bodyId}
      onCancel={(event) => {
        // Escape: close through React state so the dialog and the state never disagree.
        event.preventDefault()
        onCancel()
      }}
    >
      <h2 id={titleId} className="dialog-title">
        {title}
      </h2>
      <div id={bodyId} className="dialog-body">
        {children}
      </div>
      {error !== undefined && error !== null ? <ErrorMessage error={error} lead={errorLead} testId="confirm-error" /> : null}
      <div className="dialog-actions">
        <button ref={cancelRef} type="button" className="button" data-testid="confirm-cancel" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className="button button-danger" data-testid="confirm-delete" disabled={pending} onClick={onConfirm}>
          {pending ? pendingLabel : confirmLabel}
        </button>
      </div>
    </dialog>
  )
}
