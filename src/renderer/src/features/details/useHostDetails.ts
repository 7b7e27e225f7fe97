import { useEffect, useRef } from 'react'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { call } from '../../api'

/** How often an open panel asks again on its own: the timeline and resources change with steps. */
export const DETAILS_POLL_MS = 5_000

export const hostDetailsKey = (hostId: string) => ['host-details', hostId] as const

/**
 * `hosts:details` for the open panel: fetched on open, again whenever the hosts list moves to a
 * new version (main's change events and the table's poll bring that), and every few seconds
 * while the panel is open and the window visible. Nothing secret is in the answer.
 */
export function useHostDetails(hostId: string, hostsVersion: number | undefined) {
  const queryClient = useQueryClient()
  const query = useQuery({
    queryKey: hostDetailsKey(hostId),
    queryFn: () => call('hosts:details', { hostId }),
    refetchInterval: DETAILS_POLL_MS,
    refetchIntervalInBackground: false,
    staleTime: 0,
  })

  const seenVersion = useRef(hostsVersion)
  useEffect(() => {
    if (hostsVersion === undefined || hostsVersion === seenVersion.current) return
    seenVersion.current = hostsVersion
    void queryClient.invalidateQueries({ queryKey: hostDetailsKey(hostId) })
  }, [hostsVersion, hostId, queryClient])

  return query
}
