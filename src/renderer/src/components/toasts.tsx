/**
 * Short confirmations that need no answer ("Creating exit-brave-owl", "3 hosts are being torn
 * down"), on Radix Toast (https://www.radix-ui.com/primitives/docs/components/toast): it
 * announces each one through a live region, pauses its timer while hovered or focused, and
 * F8 moves focus to the toasts. Anything the user must act on stays on the page instead.
 *
 * `showToast` can be called from anywhere (an event handler, a mutation's callback); the
 * `<Toasts />` mounted once in the shell renders them.
 */
import * as Toast from '@radix-ui/react-toast'
import { useSyncExternalStore } from 'react'

export type ToastTone = 'info' | 'success' | 'error'

export interface ToastInput {
  title: string
  description?: string
  tone?: ToastTone
}

interface ShownToast extends Required<Pick<ToastInput, 'title' | 'tone'>> {
  id: number
  description?: string
}

/** At most this many are kept: a burst (a bulk delete of 50 hosts) does not pile up. */
const MAX_TOASTS = 4
const TOAST_MS = 6_000

let nextId = 1
let shown: readonly ShownToast[] = []
const listeners = new Set<() => void>()

function publish(next: readonly ShownToast[]): void {
  shown = next
  for (const listener of listeners) listener()
}

export function showToast(input: ToastInput): void {
  const toast: ShownToast = { id: nextId++, title: input.title, tone: input.tone ?? 'info', ...(input.description ? { description: input.description } : {}) }
  publish([...shown, toast].slice(-MAX_TOASTS))
}

function dismiss(id: number): void {
  publish(shown.filter((toast) => toast.id !== id))
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

const snapshot = (): readonly ShownToast[] => shown

export function Toasts() {
  const toasts = useSyncExternalStore(subscribe, snapshot, snapshot)
  return (
    <Toast.Provider duration={TOAST_MS} label="Notification">
      {toasts.map((toast) => (
        <Toast.Root
          key={toast.id}
          className={`toast toast-${toast.tone}`}
          data-testid="toast"
          // An error is announced at once; the rest politely, after what is being read.
          type={toast.tone === 'error' ? 'foreground' : 'background'}
          onOpenChange={(open) => {
            if (!open) dismiss(toast.id)
          }}
        >
          <Toast.Title className="toast-title">{toast.title}</Toast.Title>
          {toast.description ? <Toast.Description className="toast-description">{toast.description}</Toast.Description> : null}
          <Toast.Close className="toast-close" aria-label={`Dismiss: ${toast.title}`}>
            ×
          </Toast.Close>
        </Toast.Root>
      ))}
      <Toast.Viewport className="toast-viewport" />
    </Toast.Provider>
  )
}
