import { useMutation, useQueryClient } from '@tanstack/react-query'
import type { AutoTeardownChoice } from '../../../../shared/domain'
import { call, queryKeys } from '../../api'

/** Changes or cancels ("never") one host's auto-teardown; main counts the new deadline from now. */
export function useSetAutoTeardown(hostId: string) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (after: AutoTeardownChoice) => call('hosts:set-auto-teardown', { hostId, after }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.hosts }),
  })
}
