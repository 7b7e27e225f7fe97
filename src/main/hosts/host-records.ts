/** Reading and changing one host's record in the ledger, for the host service's modules. */
import type { Ledger } from '../store/ledger'
import type { HostRecord } from '../store/records'

export function findHost(ledger: Ledger, hostId: string): HostRecord | undefined {
  return ledger.read().hosts.find((h) => h.id === hostId)
}

/** Applies `change` to the host's record in one ledger write; nothing when the host is gone. */
export function updateHost(ledger: Ledger, hostId: string, change: (host: HostRecord) => void): Promise<void> {
  return ledger.update((data) => {
    const host = data.hosts.find((h) => h.id === hostId)
    if (host) change(host)
  })
}
