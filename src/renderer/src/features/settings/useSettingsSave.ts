import { useState } from 'react'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import type { Settings } from '../../../../shared/contract'
import { queryKeys } from '../../api'

/**
 * Saves one group of settings through `send` and shows what was chosen at once: the change is
 * kept in this component's state (set in the same event, so a checkbox never flips back for a
 * frame) until main answers; then main's answer is the truth, and a refusal puts the old value
 * back with the reason (`save.error`).
 */
export function useSettingsSave<Values extends object>(saved: Values | undefined, send: (change: Partial<Values>) => Promise<Settings>) {
  const queryClient = useQueryClient()
  const [chosen, setChosen] = useState<Partial<Values>>({})
  const save = useMutation({
    mutationFn: send,
    onSuccess: (next) => queryClient.setQueryData(queryKeys.settings, next),
    // Only what this answer settled: a later choice still on its way keeps showing.
    onSettled: (_data, _error, change) =>
      setChosen((current) => {
        const next: Record<string, unknown> = { ...current }
        for (const [key, value] of Object.entries(change)) if (next[key] === value) delete next[key]
        return next as Partial<Values>
      }),
  })
  const change = (next: Partial<Values>): void => {
    setChosen((current) => ({ ...current, ...next }))
    save.mutate(next)
  }
  const values = saved ? { ...saved, ...chosen } : undefined
  return { values, change, error: save.error }
}
