import { useEffect, useRef, useState } from 'react'
import { useQueryClient } from '@tanstack/react-query'
import type { ChannelInput } from '../../../../shared/contract'
import { call, queryKeys } from '../../api'

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
 * and the user has to copy it by hand. Main's notes about the command (where the token file
 * went, a missing licence ...) stay in the row until dismissed or the next copy.
 */
export function useCopyFromMain(hostId: string) {
  const queryClient = useQueryClient()
  const [state, setState] = useState<CopyState>({ status: 'idle' })
  const [notes, setNotes] = useState<string[]>([])
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)

  useEffect(() => () => clearTimeout(timer.current), [])

  async function deliver(what: CopyWhat, text: string): Promise<void> {
    if (await writeClipboard(text)) {
      setState({ status: 'copied', what })
      timer.current = setTimeout(() => setState({ status: 'idle' }), FEEDBACK_MS)
    } else {
      setState({ status: 'shown', what, text })
    }
  }

  /** Rejects with main's error, for the dialog to show next to the field it names. */
  async function copyCommand(request: ChannelInput<'hosts:client-command'>): Promise<void> {
    clearTimeout(timer.current)
    setState({ status: 'working', what: 'command' })
    try {
      const result = await call('hosts:client-command', request)
      setNotes(result.notes)
      await deliver('command', result.command)
    } catch (error) {
      setState({ status: 'idle' })
      throw error
    } finally {
      // Main remembered the values: the next dialog starts from them.
      void queryClient.invalidateQueries({ queryKey: queryKeys.settings })
    }
  }

  async function copyToken(): Promise<void> {
    clearTimeout(timer.current)
    setState({ status: 'working', what: 'token' })
    try {
      await deliver('token', (await call('hosts:tunnel-token', { hostId })).token)
    } catch (error) {
      setState({ status: 'failed', what: 'token', error })
    }
  }

  function dismiss(): void {
    clearTimeout(timer.current)
    setState({ status: 'idle' })
  }

  return { state, notes, copyCommand, copyToken, dismiss, dismissNotes: () => setNotes([]) }
}
