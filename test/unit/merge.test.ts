/** Folding a list into the ledger (src/main/hosts/merge.ts) at scale: every stranger adopted once, with the id its tag names. */
import { describe, expect, it } from 'vitest'
import type { Observation } from '../../src/main/clouds/types'
import { mergeObservations } from '../../src/main/hosts/merge'
import type { AccountRecord, HostRecord } from '../../src/main/store/records'

const account: AccountRecord = { id: 'acct', cloud: 'digitalocean', label: 'A', createdAt: '2026-12-07T10:00:00Z', credential: 'ok' }
const observation = (n: number, tags: string[]): Observation => ({ instanceId: String(1_000 + n), name: `exit-${n}`, region: 'lon1', state: 'active', rawStatus: 'active', tags })

describe('mergeObservations at scale', () => {
  it('adopts 5,000 hosts found in the cloud (a lost ledger): each once, by the id its tag names, with its tag to remove', () => {
    const hosts: HostRecord[] = []
    const observations = Array.from({ length: 5_000 }, (_, n) => observation(n, ['exitdesk', `exitdesk-host-h${n}`]))
    mergeObservations(hosts, account, observations, { gone: new Set(), now: Date.parse('2026-12-07T10:00:00Z') })
    expect(hosts).toHaveLength(5_000)
    expect(new Set(hosts.map((h) => h.id)).size).toBe(5_000)
    expect(hosts[4_999]).toMatchObject({ id: 'h4999', discovered: true, phase: 'created', locator: { instanceId: '5999', attached: [{ kind: 'tag', id: 'exitdesk-host-h4999' }] } })
    // A second merge of the same list changes nothing.
    const before = JSON.stringify(hosts)
    mergeObservations(hosts, account, observations, { gone: new Set(), now: Date.parse('2026-12-07T10:00:05Z') })
    expect(JSON.stringify(hosts)).toBe(before)
  })

  it('a second instance with a known host\'s tag is that host\'s duplicate, not a stranger; two strangers naming one id do not share it', () => {
    const hosts: HostRecord[] = []
    mergeObservations(hosts, account, [observation(1, ['exitdesk', 'exitdesk-host-x']), observation(2, ['exitdesk', 'exitdesk-host-x'])], { gone: new Set(), now: 0, cloudLabel: 'DigitalOcean' })
    expect(hosts).toHaveLength(2)
    expect(hosts[0]).toMatchObject({ id: 'x', discovered: true, phase: 'created' })
    expect(hosts[1]).toMatchObject({ duplicateOf: 'x', phase: 'tearing-down', locator: { instanceId: '1002', attached: [] } })
    expect(hosts[1]!.id).not.toBe('x')
  })

  it('gives a host found in the cloud its plan\'s list price, so the totals count what it bills, and leaves an unknown plan unpriced', () => {
    const plans = [{ id: 's-1vcpu-512mb-10gb', label: 'Basic 512 MB', monthlyCostUsd: 4 }]
    const priced: Observation = { ...observation(1, ['exitdesk']), plan: 's-1vcpu-512mb-10gb' }
    const unpriced: Observation = { ...observation(2, ['exitdesk']), plan: 'g-64vcpu' }
    const hosts: HostRecord[] = []
    mergeObservations(hosts, account, [priced, unpriced], { gone: new Set(), now: 0, plans })
    expect(hosts.map((h) => [h.name, h.monthlyCostUsd])).toEqual([
      ['exit-1', 4],
      ['exit-2', undefined],
    ])
    // A found host recorded without a price (an older Exitdesk) gets it at the next merge.
    const older: HostRecord[] = []
    mergeObservations(older, account, [priced], { gone: new Set(), now: 0 })
    expect(older[0]!.monthlyCostUsd).toBeUndefined()
    mergeObservations(older, account, [priced], { gone: new Set(), now: 5_000, plans })
    expect(older[0]!.monthlyCostUsd).toBe(4)
  })
})
