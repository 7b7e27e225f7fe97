import { useEffect, useRef, useState } from 'react'
import { call } from '../../api'

export type CopyWhat = 'command' | 'token'

export type CopyState =
  | { status: 'idle' }
  | { status: 'working'; what: CopyWhat }
  | { status: 'copied'; what: CopyWhat }
  /** The clipboard refused: the text is shown for the user to select and copy. */
  | { status: 'shown'; what: CopyWhat; text: string }
  | { status: 'failed'; what: CopyWhat; error: unknown }

const FEEDBACK_MS = 2_500

async function writeClipboard(text: string): Promise<boolean> {
  if (!navigator.clipboard?.writeText) return false
  try {
    await navigator.clipboard.writeText(text)
    return true
  } catch {
    return false
  }
}

/**
 * Copies a host's client command or token. Both are asked from main on each click and never
 * kept in the query cache; the text stays in this row's state only when the clipboard refused
 * and the user has to copy it by hand.
 */
export function useCopyFromMain(hostId: string) {
  const [state, setState] = useState<CopyState>({ status: 'idle' })
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)

  useEffect(() => () => clearTimeout(timer.current), [])

  async function copy(what: CopyWhat): Promise<void> {
    clearTimeout(timer.current)
    setState({ status: 'working', what })
    try {
      const result = await call('hosts:client-command', { hostId })
      const text = what === 'command' ? result.command : result.token
      if (await writeClipboard(text)) {
        setState({ status: 'copied', what })
        timer.current = setTimeout(() => setState({ status: 'idle' }), FEEDBACK_MS)
      } else {
        setState({ status: 'shown', what, text })
      }
    } catch (error) {
      setState({ status: 'failed', what, error })
    }
  }

  function dismiss(): void {
    clearTimeout(timer.current)
    setState({ status: 'idle' })
  }

  return { state, copy, dismiss }
}
