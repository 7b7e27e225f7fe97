/**
 * The renderer's one way to reach main: `call` unwraps the envelope (throwing an ApiError with
 * main's explanation when it is not ok), and the hooks below wrap it in TanStack Query.
 * Nothing secret is ever put in the query cache: the client command and token are fetched
 * with a plain `call` on the user's click.
 */
import { useEffect } from 'react'
import { QueryClient, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import type { Channel, ChannelInput, ChannelResult, HostsSnapshot } from '../../shared/contract'
import type { Envelope } from '../../shared/errors'
import { bridge } from './bridge'
import { ApiError, bridgeFailure } from './lib/api-error'
import { NOTHING_MISSED, isNewHostsVersion, onChange, onVisibilityChange, type ChangeKind, type MissedChanges } from './lib/change-events'
import { coalesce } from './lib/coalesce'
import { applyHostsAnswer } from './lib/hosts-answer'
import { pollIntervalFor } from './lib/poll'

export { ApiError } from './lib/api-error'

export async function call<C extends Channel>(channel: C, input: ChannelInput<C>): Promise<ChannelResult<C>> {
  let envelope: Envelope<ChannelResult<C>>
  try {
    envelope = await bridge.invoke(channel, input)
  } catch (error) {
    console.error(`Exitdesk: ${channel} could not be sent`, error)
    throw bridgeFailure()
  }
  if (!envelope.ok) throw new ApiError(envelope.error)
  return envelope.data
}

export const queryKeys = {
  appStatus: ['app', 'status'] as const,
  clouds: ['clouds'] as const,
  catalogs: ['catalog'] as const,
  catalog: (accountId: string) => ['catalog', accountId] as const,
  accounts: ['accounts'] as const,
  hosts: ['hosts'] as const,
  settings: ['settings'] as const,
}

/** Retry a failed query only when main says trying again may help, and not forever. */
function retryQuery(failureCount: number, error: unknown): boolean {
  return error instanceof ApiError && error.info.retryable && failureCount < 3
}

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { retry: retryQuery, staleTime: 1_000 },
      mutations: { retry: false },
    },
  })
}

export function useAppStatus() {
  return useQuery({ queryKey: queryKeys.appStatus, queryFn: () => call('app:status', {}), staleTime: 60_000 })
}

export function useClouds() {
  // The cloud list is compiled into main: it never changes while the app runs.
  return useQuery({ queryKey: queryKeys.clouds, queryFn: () => call('clouds:list', {}), staleTime: Infinity })
}

export function useCatalog(accountId: string | undefined) {
  return useQuery({
    queryKey: queryKeys.catalog(accountId ?? ''),
    queryFn: () => call('clouds:catalog', { accountId: accountId ?? '' }),
    enabled: accountId !== undefined,
    staleTime: 5 * 60_000,
  })
}

/** The remembered choices (nothing secret); refetched after each copy changes them. */
export function useSettings() {
  return useQuery({ queryKey: queryKeys.settings, queryFn: () => call('settings:get', {}), staleTime: 0 })
}

export function useAccounts() {
  return useQuery({ queryKey: queryKeys.accounts, queryFn: () => call('accounts:list', {}) })
}

/**
 * The host table: fast while anything is changing, slow when all is settled or only waiting
 * for a retry, paused while hidden.
 */
export function useHosts() {
  const queryClient = useQueryClient()
  return useQuery({
    queryKey: queryKeys.hosts,
    // Sends the version on screen: main answers "unchanged" in a few bytes when nothing changed,
    // and only the changed hosts otherwise.
    queryFn: async (): Promise<HostsSnapshot> => {
      const shown = queryClient.getQueryData<HostsSnapshot>(queryKeys.hosts)
      const answer = await call('hosts:list', shown ? { since: shown.version } : {})
      const applied = applyHostsAnswer(shown, answer)
      if (applied) return applied
      // "Unchanged", or changes, about a version this window no longer has: ask for everything.
      const full = await call('hosts:list', {})
      if (!('accountErrors' in full) || 'removed' in full) throw new Error('Exitdesk answered with changes to a request for every host.')
      return full
    },
    refetchInterval: (query) => pollIntervalFor(query.state.data?.hosts, Date.now()),
    refetchIntervalInBackground: false,
  })
}

export function useAddAccount() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (input: ChannelInput<'accounts:add'>) => call('accounts:add', input),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.accounts }),
  })
}

export function useVerifyAccount() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (accountId: string) => call('accounts:verify', { accountId }),
    onSettled: (_data, _error, accountId) =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: queryKeys.accounts }),
        queryClient.invalidateQueries({ queryKey: queryKeys.catalog(accountId) }),
      ]),
  })
}

/** Replaces an account's credential; main verifies it before storing it. */
export function useUpdateCredential() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (input: ChannelInput<'accounts:update-credential'>) => call('accounts:update-credential', input),
    onSuccess: (_data, input) =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: queryKeys.accounts }),
        queryClient.invalidateQueries({ queryKey: queryKeys.hosts }),
        queryClient.invalidateQueries({ queryKey: queryKeys.catalog(input.accountId) }),
      ]),
  })
}

export function useRemoveAccount() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (accountId: string) => call('accounts:remove', { accountId }),
    onSuccess: (_data, accountId) => {
      queryClient.removeQueries({ queryKey: queryKeys.catalog(accountId) })
      return Promise.all([
        queryClient.invalidateQueries({ queryKey: queryKeys.accounts }),
        queryClient.invalidateQueries({ queryKey: queryKeys.hosts }),
      ])
    },
  })
}

export function useCreateHost() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (input: ChannelInput<'hosts:create'>) => call('hosts:create', input),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.hosts }),
  })
}

export function useDeleteHost() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (hostId: string) => call('hosts:delete', { by: 'id', hostId }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.hosts }),
  })
}

/** At most one refetch per second from main's change events. */
const EVENT_GAP_MS = 1_000

/**
 * Main's pushes: refresh what changed instead of waiting for the next poll. While the window
 * is hidden nothing is fetched (the poll pauses too); what changed meanwhile is invalidated
 * once when it is visible again.
 */
export function useBridgeEvents(): void {
  const queryClient = useQueryClient()
  useEffect(() => {
    let missed: MissedChanges = NOTHING_MISSED
    // An event restarts a fetch already running (it may predate the change); the catch-up on
    // becoming visible joins one instead (the focus refetch may have started it a moment ago).
    const refreshHosts = (cancelRefetch = true) => void queryClient.invalidateQueries({ queryKey: queryKeys.hosts }, { cancelRefetch })
    const refreshAccounts = (cancelRefetch = true) => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.accounts }, { cancelRefetch })
      void queryClient.invalidateQueries({ queryKey: queryKeys.catalogs }, { cancelRefetch })
    }
    /** Fetch now, or (hidden) note the change for later. Also decides a coalesced run that came due after the window was hidden. */
    const gated = (kind: ChangeKind, refresh: () => void) => () => {
      const decision = onChange(kind, document.visibilityState, missed)
      missed = decision.missed
      if (decision.fetchNow) refresh()
    }
    const hosts = coalesce(gated('hosts', () => refreshHosts()), EVENT_GAP_MS)
    const accounts = coalesce(
      gated('accounts', () => {
        refreshAccounts()
        // A removed or repaired account changes the hosts snapshot's accountErrors too.
        hosts.run()
      }),
      EVENT_GAP_MS,
    )
    const offHosts = bridge.on('hosts:changed', (payload) => {
      // Already showing this change (or a later one): nothing to fetch.
      const shown = queryClient.getQueryData<HostsSnapshot>(queryKeys.hosts)?.version
      if (isNewHostsVersion(payload?.version, shown)) hosts.run()
    })
    const offAccounts = bridge.on('accounts:changed', () => accounts.run())
    const onVisibility = () => {
      const decision = onVisibilityChange(document.visibilityState, missed)
      missed = decision.missed
      if (decision.invalidate.includes('accounts')) refreshAccounts(false)
      if (decision.invalidate.includes('hosts')) refreshHosts(false)
    }
    document.addEventListener('visibilitychange', onVisibility)
    return () => {
      offHosts()
      offAccounts()
      hosts.cancel()
      accounts.cancel()
      document.removeEventListener('visibilitychange', onVisibility)
    }
  }, [queryClient])
}
