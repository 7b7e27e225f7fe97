/**
 * The create form's idempotency key. Pure: no React, no DOM.
 *
 * An attempt that failed in a way worth retrying may still have reached main, so the id is
 * kept for the next submission; but only an unchanged resubmission reuses it. Main answers a
 * known id with the host it made for it, so an edited form (another name, region, plan,
 * account or tunnel) sent with the old id would get the earlier host back instead of the one
 * asked for. Comparing what is sent covers every input, including the ones the form fills in
 * itself (a region or plan chosen when the catalog arrives, a regenerated name).
 */
import type { ChannelInput } from '../../../shared/contract'

export type CreateRequest = Omit<ChannelInput<'hosts:create'>, 'requestId'>

export interface KeptRequest {
  id: string
  /** What was sent with `id`, in a comparable form. */
  fingerprint: string
}

/** The inputs of a create request in a comparable form (the same inputs give the same text). */
export function requestFingerprint(request: CreateRequest): string {
  const { accountId, name, region, plan, tunnel, deleteAfter } = request
  return JSON.stringify([
    deleteAfter ?? null,
    accountId,
    name,
    region,
    plan,
    tunnel.mode,
    tunnel.inletsVersion,
    tunnel.domains ?? [],
    tunnel.letsEncryptIssuer ?? null,
  ])
}

/** The id to send: the kept one for an unchanged resubmission, a new one otherwise. */
export function requestFor(kept: KeptRequest | null, request: CreateRequest, newId: () => string): KeptRequest {
  const fingerprint = requestFingerprint(request)
  if (kept && kept.fingerprint === fingerprint) return kept
  return { id: newId(), fingerprint }
}

/**
 * What to keep after an attempt: the request when it failed in a way worth retrying (it may
 * have reached main), nothing after a success or a refusal (nothing was created).
 */
export function keptAfter(sent: KeptRequest, outcome: 'created' | 'retryable' | 'refused'): KeptRequest | null {
  return outcome === 'retryable' ? sent : null
}
