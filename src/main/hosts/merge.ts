/**
 * Folds one account's list-by-tag result into the ledger's host records: updates the hosts it
 * knows, adopts an instance whose create answer was lost (found by its per-host tag), starts
 * the teardown of what was attached to a host deleted outside Exitdesk, and adds tagged hosts
 * it did not create, so nothing billable stays hidden.
 */
import { randomUUID } from 'node:crypto'
import type { HostLocator, Plan } from '../../shared/domain'
import type { Observation } from '../clouds/types'
import { displayState, type AccountRecord, type HostRecord } from '../store/records'
import { hostIdFromTags, hostTag } from './tags'
import { appendTimeline } from './timeline'

/** A host found in the cloud keeps no record of its tunnel here (the keychain may: ./reclaim.ts). */
const unknownTunnel = (): HostRecord['tunnel'] => ({ mode: 'tcp', inletsVersion: 'unknown', domains: [], letsEncryptIssuer: 'prod' })

export interface MergeContext {
  /** Ids of hosts the cloud confirmed gone (asked by id after a list missed them). */
  gone: Set<string>
  now: number
  /** Ids of hosts this Exitdesk tore down lately: an instance still carrying their tag was made by a late create. */
  retired?: ReadonlySet<string>
  /** e.g. "DigitalOcean", for the sentences. */
  cloudLabel?: string
  /**
   * The cloud's built-in plans (its manifest): a host found in the cloud gets its plan's list
   * price, so the totals and the tray count what it bills (the keychain's recorded price, when
   * there is one, replaces it: ./reclaim.ts).
   */
  plans?: readonly Plan[]
}

export function mergeObservations(hosts: HostRecord[], account: AccountRecord, observations: Observation[], context: MergeContext): void {
  const { gone, now } = context
  const seenAt = new Date(now).toISOString()
  const byInstance = new Map(observations.map((o) => [o.instanceId, o]))
  const known = new Set(hosts.filter((h) => h.cloud === account.cloud && h.locator.instanceId).map((h) => h.locator.instanceId!))
  const claimed = new Set<string>()
  // Indexes, so that merging thousands of hosts (adopting a lost ledger's worth) stays linear.
  const byHostId = new Map(hosts.map((h) => [h.id, h]))
  const byHostTag = new Map<string, Observation[]>()
  for (const observation of observations) {
    const taggedId = hostIdFromTags(observation.tags)
    if (taggedId) byHostTag.set(taggedId, [...(byHostTag.get(taggedId) ?? []), observation])
  }
  for (const host of hosts.filter((h) => h.accountId === account.id)) {
    // A host with a recorded instance is that instance; only a host without one is looked for by its tag.
    const observed = host.locator.instanceId ? byInstance.get(host.locator.instanceId) : oldest((byHostTag.get(host.id) ?? []).filter((o) => !known.has(o.instanceId)))
    if (observed) claimed.add(observed.instanceId)
    if (observed && !host.locator.instanceId && host.phase !== 'created') {
      // The create reached the cloud but its answer was lost: adopt the instance instead of
      // creating another, or, when a teardown is under way, so that it deletes the instance.
      // The per-host tag the create made is recorded, so the teardown removes it too.
      host.locator = { ...host.locator, instanceId: observed.instanceId, attached: withHostTag(host.locator.attached, host.id) }
      appendTimeline(host, now, 'notice', `Instance ${observed.instanceId} found by the host's own tag (its create answer was lost) and adopted instead of creating another`)
      known.add(observed.instanceId)
      host.uncertainSince = undefined
      if (host.phase === 'creating') {
        host.phase = 'created'
        host.progress = undefined
      }
    }
    if (observed && observed.state !== 'deleted') {
      const state = displayState(host.phase, observed.state)
      // Only the change is recorded: a poll that sees the same state appends (and writes) nothing.
      if (state === 'active' && host.state !== 'active' && host.phase === 'created') appendTimeline(host, now, 'step', `Host active${observed.ipv4 ? ` at ${observed.ipv4}` : ''}`)
      host.state = state
      host.rawStatus = observed.rawStatus
      host.ipv4 = observed.ipv4
      host.ipv6 = observed.ipv6
      // A host found before prices were known for found hosts (or before its plan was): once.
      if (host.discovered && host.monthlyCostUsd === undefined && observed.plan !== undefined) {
        const price = context.plans?.find((plan) => plan.id === observed.plan)?.monthlyCostUsd
        if (price !== undefined) host.monthlyCostUsd = price
      }
      // No "last seen" time per host: it would rewrite the ledger at every poll (the snapshot's
      // refresh time says when the cloud was last asked).
    } else if (host.phase === 'created' && host.locator.instanceId && (gone.has(host.id) || observed?.state === 'deleted')) {
      // Deleted outside Exitdesk: finish the teardown so what was attached to it goes too.
      host.phase = 'tearing-down'
      host.progress = undefined
      host.state = 'deleting'
      host.lastError = 'The instance was deleted outside Exitdesk; removing what was attached to it.'
      appendTimeline(host, now, 'notice', host.lastError)
    }
  }
  for (const observed of observations) {
    if (claimed.has(observed.instanceId) || observed.state === 'deleted') continue
    // Known under another account of the same cloud: not a stranger.
    if (known.has(observed.instanceId)) continue
    const duplicate = duplicateRecord(byHostId, account, observed, context)
    const tagged = hostIdFromTags(observed.tags)
    const record = duplicate ?? discoveredRecord(account, observed, seenAt, tagged && !byHostId.has(tagged) ? tagged : randomUUID(), context.plans)
    hosts.push(record)
    byHostId.set(record.id, record)
    known.add(observed.instanceId)
  }
}

/**
 * A second instance carrying a host's own tag: a create the cloud carried out after Exitdesk
 * had stopped waiting for it (DigitalOcean has no idempotency key). It is billed and nobody
 * asked for it, so it is torn down at once — with nothing attached, so the firewall and tag the
 * real host uses stay — and both rows say so.
 */
function duplicateRecord(hosts: ReadonlyMap<string, HostRecord>, account: AccountRecord, observed: Observation, context: MergeContext): HostRecord | undefined {
  const taggedId = hostIdFromTags(observed.tags)
  if (!taggedId) return undefined
  const candidate = hosts.get(taggedId)
  const original = candidate && candidate.accountId === account.id && candidate.duplicateOf === undefined ? candidate : undefined
  if (!original && !context.retired?.has(taggedId)) return undefined
  const cloud = context.cloudLabel ?? 'The cloud'
  const seenAt = new Date(context.now).toISOString()
  const what = original ? `a duplicate of "${original.name}"` : 'left by a host that was already deleted'
  const notice = `${cloud} made a second instance (${observed.instanceId}) for one create, after Exitdesk had stopped waiting for its answer; Exitdesk is deleting it.`
  if (original) {
    original.notice = notice
    appendTimeline(original, context.now, 'notice', notice)
  }
  const duplicate: HostRecord = {
    ...discoveredRecord(account, observed, seenAt, randomUUID(), context.plans),
    timeline: undefined,
    state: 'deleting',
    // A plain copy (spread, not structuredClone): `original` may be a ledger draft, a proxy.
    tunnel: original ? { ...original.tunnel, domains: [...original.tunnel.domains] } : unknownTunnel(),
    // Nothing attached: the firewall and tag are the original host's, and stay with it.
    locator: { instanceId: observed.instanceId, region: observed.region, attached: [] },
    phase: 'tearing-down',
    duplicateOf: taggedId,
    notice: `Instance ${observed.instanceId} carries the tag of ${original ? `"${original.name}"` : 'a deleted host'}: it is ${what}, made by a create ${cloud} carried out late. Exitdesk is deleting it; ${original ? `"${original.name}"` : 'nothing else'} is not touched.`,
  }
  appendTimeline(duplicate, context.now, 'notice', duplicate.notice!)
  return duplicate
}

function oldest(observations: Observation[]): Observation | undefined {
  return [...observations].sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? '') || a.instanceId.localeCompare(b.instanceId, undefined, { numeric: true }))[0]
}

function withHostTag(attached: HostLocator['attached'], hostId: string): HostLocator['attached'] {
  const tag = hostTag(hostId)
  return attached.some((resource) => resource.kind === 'tag' && resource.id === tag) ? attached : [...attached, { kind: 'tag', id: tag }]
}

/**
 * A tagged instance this ledger does not know (a lost or unreadable ledger, another computer).
 * Its Exitdesk id comes back from its per-host tag when it has one, so its keychain entries
 * and the tag itself are found again.
 */
function discoveredRecord(account: AccountRecord, observed: Observation, seenAt: string, id: string, plans: readonly Plan[] = []): HostRecord {
  const tagged = hostIdFromTags(observed.tags)
  const price = observed.plan === undefined ? undefined : plans.find((plan) => plan.id === observed.plan)?.monthlyCostUsd
  const locator: HostLocator = { instanceId: observed.instanceId, region: observed.region, attached: tagged ? [{ kind: 'tag', id: hostTag(tagged) }] : [] }
  return {
    id,
    name: observed.name,
    cloud: account.cloud,
    accountId: account.id,
    region: observed.region,
    plan: observed.plan ?? 'unknown',
    ...(price === undefined ? {} : { monthlyCostUsd: price }),
    ipv4: observed.ipv4,
    ipv6: observed.ipv6,
    state: observed.state,
    rawStatus: observed.rawStatus,
    createdAt: observed.createdAt ?? seenAt,
    tunnel: unknownTunnel(),
    locator,
    discovered: true,
    phase: 'created',
    failures: 0,
    lastObservedAt: seenAt,
    timeline: [{ at: seenAt, kind: 'notice', text: `Found in the cloud by Exitdesk's tag (${observed.rawStatus}); not created by this Exitdesk` }],
  }
}
