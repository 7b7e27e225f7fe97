/**
 * Auto-teardown: a host may carry a deadline ("delete after 8 h"), kept on its record as epoch
 * ms so a restart keeps it, and carried out by the host service's own cadence (each refresh
 * calls `run()`), so a hidden or closed window changes nothing. At the deadline it starts the
 * same teardown a user's Delete does, once: the teardown clears the deadline, and a host already
 * being torn down is never touched. Ten minutes before, the user is told, once per host (the
 * `warned` mark is written to the ledger, so a restart does not repeat it).
 */
import { AUTO_TEARDOWN_MS, autoTeardownLabel, type AutoTeardownChoice } from '../../shared/domain'
import type { Clock } from '../clock'
import type { Ledger } from '../store/ledger'
import type { AutoTeardownRecord, HostRecord } from '../store/records'
import { appendTimeline } from './timeline'

export const WARNING_BEFORE_MS = 10 * 60_000

export interface AutoTeardownDeps {
  ledger: Ledger
  clock: Clock
  /** Starts the teardown a user's Delete starts; `reason` is the sentence the row and the notification show. */
  beginTeardown(hostId: string, reason: string): Promise<void>
  /** The deadline is `minutes` away. */
  warn(host: HostRecord, minutes: number): void
}

/** The deadline a choice sets now; undefined for "never". */
export function deadlineFor(choice: AutoTeardownChoice, now: number, setAt: AutoTeardownRecord['setAt']): AutoTeardownRecord | undefined {
  return choice === 'never' ? undefined : { at: now + AUTO_TEARDOWN_MS[choice], after: choice, setAt }
}

/** Why the host went, e.g. "Deleted after 8 h, as set at create." */
export function teardownReason(deadline: AutoTeardownRecord): string {
  return `Deleted after ${autoTeardownLabel(deadline.after)}, as set ${deadline.setAt === 'create' ? 'at create' : 'later'}.`
}

/** Whether auto-teardown may act on this host: one with a deadline, not already going, not a refused create's error row. */
function eligible(host: HostRecord): host is HostRecord & { autoTeardown: AutoTeardownRecord } {
  return host.autoTeardown !== undefined && host.phase !== 'tearing-down' && host.duplicateOf === undefined && host.refusal === undefined
}

function minutesUntil(at: number, now: number): number {
  return Math.max(1, Math.ceil((at - now) / 60_000))
}

export class AutoTeardown {
  constructor(private readonly deps: AutoTeardownDeps) {}

  /** Starts the teardowns that are due and sends the warnings that are due. */
  async run(): Promise<void> {
    const now = this.deps.clock.now()
    const hosts = this.deps.ledger.read().hosts.filter(eligible)
    const due = hosts.filter((host) => host.autoTeardown.at <= now)
    const toWarn = hosts.filter((host) => host.autoTeardown.at > now && host.autoTeardown.at - now <= WARNING_BEFORE_MS && !host.autoTeardown.warned)
    for (const host of due) await this.deps.beginTeardown(host.id, teardownReason(host.autoTeardown))
    if (toWarn.length === 0) return
    const ids = new Set(toWarn.map((host) => host.id))
    // Marked before it is sent: a failed write sends nothing rather than the same warning twice.
    await this.deps.ledger.update((data) => {
      for (const host of data.hosts) {
        if (!ids.has(host.id) || !host.autoTeardown) continue
        host.autoTeardown = { ...host.autoTeardown, warned: true }
        appendTimeline(host, now, 'notice', `Auto-teardown deletes it in ${minutesUntil(host.autoTeardown.at, now)} minutes (warning sent)`)
      }
    })
    for (const host of toWarn) this.deps.warn(host, minutesUntil(host.autoTeardown.at, now))
  }

  /**
   * Milliseconds until the next deadline or warning, so the service's idle cadence wakes for it
   * instead of up to a minute late; undefined when no host has one.
   */
  msUntilNext(): number | undefined {
    const now = this.deps.clock.now()
    let next: number | undefined
    for (const host of this.deps.ledger.read().hosts) {
      if (!eligible(host)) continue
      const moments = host.autoTeardown.warned ? [host.autoTeardown.at] : [host.autoTeardown.at - WARNING_BEFORE_MS, host.autoTeardown.at]
      for (const moment of moments) next = Math.min(next ?? Number.POSITIVE_INFINITY, Math.max(0, moment - now))
    }
    return next
  }
}
