import { useEffect, useRef, useState, type ReactNode } from 'react'
import * as AlertDialog from '@radix-ui/react-alert-dialog'
import { ErrorMessage } from './ErrorMessage'
// The dialog's own rules (.confirm-dialog) sit with the host page's styles, its main user.
import '../features/hosts/hosts.css'

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
  /** A class added to the panel, e.g. a wider one for a list. */
  className?: string
}

/**
 * A modal confirmation on Radix AlertDialog (role "alertdialog"): focus stays inside it,
 * Cancel has focus when it opens (the safe choice), Escape cancels, a click outside does
 * nothing, and focus returns to where it was (the button that opened it). Render it only while
 * it is open: it is always open, and closing it is the parent's `onCancel` unmounting it.
 *
 * The portal puts it at the end of the body, outside the element that opened it; React still
 * sends its focus events up through that element (HostsTable keeps the row of a dialog that
 * has focus rendered that way).
 */
export function ConfirmDialog({ title, children, confirmLabel, pendingLabel, pending, error, errorLead, onConfirm, onCancel, className }: Props) {
  const cancelRef = useRef<HTMLButtonElement>(null)
  // Where focus was when the dialog opened: it goes back there when the dialog goes.
  const [returnTo] = useState(() => (document.activeElement instanceof HTMLElement ? document.activeElement : null))

  useEffect(() => {
    const previous = returnTo
    return () => {
      // Unmounted without Radix closing it first: give focus back now, not a task later.
      if (previous?.isConnected) previous.focus()
    }
  }, [returnTo])

  return (
    <AlertDialog.Root
      open
      onOpenChange={(open) => {
        if (!open) onCancel()
      }}
    >
      <AlertDialog.Portal>
        <AlertDialog.Overlay className="dialog-overlay" />
        <AlertDialog.Content
          className={className ? `dialog-panel confirm-dialog ${className}` : 'dialog-panel confirm-dialog'}
          data-testid="confirm-dialog"
          onOpenAutoFocus={(event) => {
            event.preventDefault()
            cancelRef.current?.focus()
          }}
          onCloseAutoFocus={(event) => {
            // Radix would focus its trigger; there is none: the element that had focus before.
            event.preventDefault()
            const previous = returnTo
            if (previous?.isConnected && document.activeElement !== previous && !document.activeElement?.closest('[role="dialog"],[role="alertdialog"]')) previous.focus()
          }}
        >
          <AlertDialog.Title className="dialog-title">{title}</AlertDialog.Title>
          <AlertDialog.Description asChild>
            <div className="dialog-body">{children}</div>
          </AlertDialog.Description>
          {error !== undefined && error !== null ? <ErrorMessage error={error} lead={errorLead} testId="confirm-error" /> : null}
          <div className="dialog-actions">
            <AlertDialog.Cancel ref={cancelRef} type="button" className="button" data-testid="confirm-cancel">
              Cancel
            </AlertDialog.Cancel>
            {/* Not AlertDialog.Action, which would close at once: the dialog stays, saying "Deleting…", until the parent closes it. */}
            <button type="button" className="button button-danger" data-testid="confirm-delete" disabled={pending} onClick={onConfirm}>
              {pending ? pendingLabel : confirmLabel}
            </button>
          </div>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  )
}
