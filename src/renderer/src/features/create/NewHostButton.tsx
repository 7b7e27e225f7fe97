/**
 * "New host": the Hosts toolbar's primary button. The dialog behind it (NewHostDialog.tsx:
 * the form, react-hook-form, zod and the contract's schemas, about 200 kB) is a chunk of its
 * own, loaded when the window is idle after its first paint or on the first click, whichever
 * comes first, so the window's start does not wait for a form nobody has opened yet. Once
 * loaded the dialog stays mounted (closed), so what was typed survives closing it.
 */
import * as Dialog from '@radix-ui/react-dialog'
import { Suspense, lazy, useEffect, useState } from 'react'
import { whenIdle } from '../../browser/idle'

const loadDialog = () => import('./NewHostDialog')
const NewHostDialog = lazy(loadDialog)

export function NewHostButton() {
  const [open, setOpen] = useState(false)
  const [used, setUsed] = useState(false)

  // Warm the chunk once the window is idle: the first click then opens at once.
  useEffect(() => whenIdle(() => void loadDialog().catch(() => undefined)), [])

  return (
    <Dialog.Root
      open={open}
      onOpenChange={(next) => {
        setOpen(next)
        if (next) setUsed(true)
      }}
    >
      <Dialog.Trigger asChild>
        <button type="button" className="button button-primary" data-testid="new-host-open">
          New host
        </button>
      </Dialog.Trigger>
      {used ? (
        <Suspense fallback={null}>
          <NewHostDialog open={open} setOpen={setOpen} />
        </Suspense>
      ) : null}
    </Dialog.Root>
  )
}
