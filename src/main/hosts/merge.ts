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
import { hostTag } from './tags'

/** Folds one account's list into the ledger: updates known hosts, adopts lost creates, adds discovered ones. */
export function mergeObservations(hosts: HostRecord[], account: AccountRecord, observations: Observation[], gone: Set<string>, now: number): void {
  const seenAt = new Date(now).toISOString()
  const byInstance = new Map(observations.map((o) => [o.instanceId, o]))
  const claimed = new Set<string>()
  for (const host of hosts.filter((h) => h.accountId === account.id)) {
    const observed = (host.locator.instanceId ? byInstance.get(host.locator.instanceId) : undefined) ?? observations.find((o) => o.tags.includes(hostTag(host.id)))
    if (observed) {
      claimed.add(observed.instanceId)
      if (!host.locator.instanceId && host.phase === 'creating') {
        // The create reached the cloud but its answer was lost: adopt the instance instead of creating another.
        host.locator = { ...host.locator, instanceId: observed.instanceId }
        host.phase = 'created'
        host.progress = undefined
      }
      host.state = displayState(host.phase, observed.state)
      host.rawStatus = observed.rawStatus
      host.ipv4 = observed.ipv4
      host.ipv6 = observed.ipv6
      host.lastObservedAt = seenAt
    } else if (gone.has(host.id)) {
      // Deleted outside Exitdesk: finish the teardown so what was attached to it goes too.
      host.phase = 'tearing-down'
      host.progress = undefined
      host.state = 'deleting'
      host.lastError = 'The instance was deleted outside Exitdesk; removing what was attached to it.'
    }
  }
  for (const observed of observations) {
    if (claimed.has(observed.instanceId) || observed.state === 'deleted') continue
    if (hosts.some((h) => h.locator.instanceId === observed.instanceId && h.accountId === account.id)) continue
    hosts.push(discoveredRecord(account, observed, seenAt))
  }
}

function discoveredRecord(account: AccountRecord, observed: Observation, seenAt: string): HostRecord {
  const locator: HostLocator = { instanceId: observed.instanceId, region: observed.region, attached: [] }
  return {
    id: randomUUID(),
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
