/**
 * Folds one account's list-by-tag result into the ledger's host records: updates the hosts it
 * knows, adopts an instance whose create answer was lost (found by its per-host tag), starts
 * the teardown of what was attached to a host deleted outside Exitdesk, and adds tagged hosts
 * it did not create, so nothing billable stays hidden.
 */
import { randomUUID } from 'node:crypto'
import type { HostLocator } from '../../shared/domain'
import type { Observation } from '../clouds/types'
import { displayState, type AccountRecord, type HostRecord } from '../store/records'
import { hostIdFromTags, hostTag } from './tags'

export function mergeObservations(hosts: HostRecord[], account: AccountRecord, observations: Observation[], gone: Set<string>, now: number): void {
  const seenAt = new Date(now).toISOString()
  const byInstance = new Map(observations.map((o) => [o.instanceId, o]))
  const claimed = new Set<string>()
  for (const host of hosts.filter((h) => h.accountId === account.id)) {
    const observed = (host.locator.instanceId ? byInstance.get(host.locator.instanceId) : undefined) ?? observations.find((o) => o.tags.includes(hostTag(host.id)))
    if (observed) claimed.add(observed.instanceId)
    if (observed && !host.locator.instanceId && host.phase !== 'created') {
      // The create reached the cloud but its answer was lost: adopt the instance instead of
      // creating another, or, when a teardown is under way, so that it deletes the instance.
      host.locator = { ...host.locator, instanceId: observed.instanceId }
      if (host.phase === 'creating') {
        host.phase = 'created'
        host.progress = undefined
      }
    }
    if (observed && observed.state !== 'deleted') {
      host.state = displayState(host.phase, observed.state)
      host.rawStatus = observed.rawStatus
      host.ipv4 = observed.ipv4
      host.ipv6 = observed.ipv6
      host.lastObservedAt = seenAt
    } else if (host.phase === 'created' && host.locator.instanceId && (gone.has(host.id) || observed?.state === 'deleted')) {
      // Deleted outside Exitdesk: finish the teardown so what was attached to it goes too.
      host.phase = 'tearing-down'
      host.progress = undefined
      host.state = 'deleting'
      host.lastError = 'The instance was deleted outside Exitdesk; removing what was attached to it.'
    }
  }
  for (const observed of observations) {
    if (claimed.has(observed.instanceId) || observed.state === 'deleted') continue
    // Known under another account of the same cloud: not a stranger.
    if (hosts.some((h) => h.cloud === account.cloud && h.locator.instanceId === observed.instanceId)) continue
    hosts.push(discoveredRecord(account, observed, seenAt, new Set(hosts.map((h) => h.id))))
  }
}

/**
 * A tagged instance this ledger does not know (a lost or unreadable ledger, another computer).
 * Its Exitdesk id comes back from its per-host tag when it has one, so its keychain entries
 * and the tag itself are found again.
 */
function discoveredRecord(account: AccountRecord, observed: Observation, seenAt: string, taken: Set<string>): HostRecord {
  const tagged = hostIdFromTags(observed.tags)
  const id = tagged && !taken.has(tagged) ? tagged : randomUUID()
  const locator: HostLocator = { instanceId: observed.instanceId, region: observed.region, attached: tagged ? [{ kind: 'tag', id: hostTag(tagged) }] : [] }
  return {
    id,
    name: observed.name,
    cloud: account.cloud,
    accountId: account.id,
    region: observed.region,
    plan: observed.plan ?? 'unknown',
    ipv4: observed.ipv4,
    ipv6: observed.ipv6,
    state: observed.state,
    rawStatus: observed.rawStatus,
    createdAt: observed.createdAt ?? seenAt,
    tunnel: { mode: 'tcp', inletsVersion: 'unknown', domains: [], letsEncryptIssuer: 'prod' },
    locator,
    discovered: true,
    phase: 'created',
    failures: 0,
    lastObservedAt: seenAt,
  }
}
