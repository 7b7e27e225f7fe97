/**
 * Which hosts each version of the host list changed, so a window that shows version N is sent
 * only the hosts that changed since, and the ids of those removed: one changed host out of
 * 5,000 is a few hundred bytes instead of 3 MB to send, parse and compare (issue 8).
 *
 * Ledger records are immutable once published (the ledger copies on write), so a host whose
 * record is the same object did not change: finding a version's changes is one identity check
 * per host, no comparison of contents. Tunnel readiness lives outside the ledger; the readiness
 * monitor names the host whose result changed.
 */
import type { HostRecord } from '../store/records'

/** How long a removed host is remembered; a window further behind than that gets the full list. */
export const REMOVED_KEPT = 10_000

export interface HostChangesSince {
  /** Ids of hosts new or changed since the version asked about, in no particular order. */
  changed: Set<string>
  /** Ids of hosts removed since that version. */
  removed: string[]
}

export class HostChanges {
  /** The record each host had at the last version. */
  private records = new Map<string, HostRecord>()
  /** The version at which each host last changed. */
  private readonly changedAt = new Map<string, number>()
  /** Removed hosts, oldest first, with the version that removed them. */
  private removed: Array<{ id: string; version: number }> = []
  /** Versions before this one cannot be answered with changes (a start, or removals forgotten). */
  private knownFrom: number
  private readonly readinessChanged = new Set<string>()

  constructor(version: number, records: readonly HostRecord[]) {
    this.knownFrom = version
    for (const record of records) this.records.set(record.id, record)
  }

  /** The readiness shown for this host changed (the monitor's result, not its record). */
  readinessOf(hostId: string): void {
    this.readinessChanged.add(hostId)
  }

  /** Version `version` is published with these records: notes which hosts it changed. */
  publish(version: number, records: readonly HostRecord[]): void {
    const next = new Map<string, HostRecord>()
    for (const record of records) {
      next.set(record.id, record)
      if (this.records.get(record.id) !== record) this.changedAt.set(record.id, version)
    }
    for (const id of this.readinessChanged) if (next.has(id)) this.changedAt.set(id, version)
    this.readinessChanged.clear()
    for (const id of this.records.keys()) {
      if (next.has(id)) continue
      this.changedAt.delete(id)
      this.removed.push({ id, version })
    }
    if (this.removed.length > REMOVED_KEPT) {
      const forgotten = this.removed.splice(0, this.removed.length - REMOVED_KEPT)
      this.knownFrom = Math.max(this.knownFrom, forgotten[forgotten.length - 1]!.version)
    }
    this.records = next
  }

  /** What changed after version `since`, or undefined when that cannot be told (then send everything). */
  since(since: number): HostChangesSince | undefined {
    if (since < this.knownFrom) return undefined
    const changed = new Set<string>()
    for (const [id, version] of this.changedAt) if (version > since) changed.add(id)
    const removed: string[] = []
    for (let index = this.removed.length - 1; index >= 0 && this.removed[index]!.version > since; index--) removed.push(this.removed[index]!.id)
    return { changed, removed }
  }
}
