/** The ledger's hosts as the readiness monitor sees them, each with its cloud's simulation when it has one. */
import type { CloudId } from '../../../shared/domain'
import type { Provisioner } from '../../clouds/types'
import { toHost, type HostRecord } from '../../store/records'
import type { ReadinessCandidate } from './scheduler'

/** `provisionerFor` may throw for a cloud this version no longer offers: such a host is checked over the network like any other. */
export function readinessCandidates(records: readonly HostRecord[], provisionerFor: (cloud: CloudId) => Provisioner): ReadinessCandidate[] {
  return records.map((record) => {
    const host = toHost(record)
    const provisioner = knownProvisioner(provisionerFor, record.cloud)
    const simulate = provisioner?.simulateReadiness?.bind(provisioner)
    return simulate ? { ...host, simulate: () => simulate(record.locator, record.tunnel) } : host
  })
}

function knownProvisioner(provisionerFor: (cloud: CloudId) => Provisioner, cloud: CloudId): Provisioner | undefined {
  try {
    return provisionerFor(cloud)
  } catch {
    return undefined
  }
}
