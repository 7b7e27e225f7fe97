/**
 * Keeps each host's tunnel readiness in memory and decides when to check it again.
 *
 * - Only an active, created host with a public IPv4 is checked; a host that leaves that state
 *   or the ledger loses its result (and an unfinished check of it is cancelled).
 * - Every `notReadyIntervalMs` while a tunnel is not ready, every `readyIntervalMs` once it is.
 * - At most `maxConcurrent` checks at once and never two for one host; a check that outlives
 *   `deadlineMs` is abandoned (its signal aborted) and reported as unfinished.
 * - `run()` never blocks anyone: the host service starts it after a refresh and does not await
 *   it; `onChange` fires when a result differs from the last one (its time aside).
 * - A cloud that simulates readiness (the simulated cloud) is asked instead of the network.
 *
 * Results are not written to the ledger: they go stale in seconds and are learned again as fast
 * after a restart.
 */
import type { Host, TunnelReadiness } from '../../../shared/domain'
import type { Clock } from '../../clock'
import type { SimulatedReadiness } from '../../clouds/types'
import { mayContact } from './guard'
import { probeDeps, probeTunnel, type ProbeDeps, type Prober, type ProbeTarget } from './probe'
import { CHECKING_SUMMARY, type ReadinessResult } from './summary'

export interface ReadinessLimits {
  notReadyIntervalMs: number
  readyIntervalMs: number
  maxConcurrent: number
  deadlineMs: number
}

export const READINESS_LIMITS: ReadinessLimits = {
  notReadyIntervalMs: 5_000,
  readyIntervalMs: 60_000,
  maxConcurrent: 4,
  // A check runs its connections side by side, each bounded by PROBE_TIMEOUT_MS (3 s), and in
  // HTTPS mode a second round of certificate handshakes once 443 answers (about 6 s at most);
  // this only catches a check that ignores its own timeouts.
  deadlineMs: 10_000,
}

/** A host as the monitor needs it; `simulate` is set when its cloud makes readiness up. */
export type ReadinessCandidate = Pick<Host, 'id' | 'state' | 'busy' | 'ipv4' | 'tunnel'> & {
  simulate?: () => Promise<SimulatedReadiness>
}

export interface ReadinessMonitorOptions {
  clock: Clock
  /** The readiness shown for this host changed. */
  onChange: (hostId: string) => void
  /** The network check; default: probeTunnel with `probeDeps`. */
  probe?: Prober
  /** Replaces parts of the default check's dependencies (tests: ports, resolver, connector). */
  probeDeps?: Partial<ProbeDeps>
  limits?: Partial<ReadinessLimits>
}

interface Entry {
  /** The address, mode and domains the result is about: a change makes it stale at once. */
  key: string
  result: ReadinessResult
  checkedAtMs: number
}

const TIMED_OUT = (ms: number): ReadinessResult => ({ status: 'unknown', control: 'unchecked', summary: `the tunnel check did not finish within ${ms < 1_000 ? `${ms} ms` : `${Math.round(ms / 1_000)} s`}` })
const FAILED: ReadinessResult = { status: 'unknown', control: 'unchecked', summary: 'the tunnel could not be checked' }

/** Only these hosts are checked: anything else has no tunnel server to ask yet. */
export function isCheckable<T extends Pick<Host, 'state' | 'busy' | 'ipv4'>>(host: T): host is T & { ipv4: string } {
  return host.state === 'active' && !host.busy && Boolean(host.ipv4)
}

/** What a result was learned for: the address, the mode and the domains (none of which can hold "|" or ","). */
function targetKey(host: Pick<Host, 'ipv4' | 'tunnel'>): string {
  const domains = host.tunnel.domains.length < 2 ? host.tunnel.domains.join(',') : [...host.tunnel.domains].sort().join(',')
  return `${host.ipv4 ?? ''}|${host.tunnel.mode}|${domains}`
}

/** A result as compared for change: when it was learned does not count. */
export function comparableReadiness(readiness: TunnelReadiness | undefined): string {
  if (!readiness) return ''
  const { checkedAt: _checkedAt, ...rest } = readiness
  return JSON.stringify(rest)
}

export class ReadinessMonitor {
  private readonly results = new Map<string, Entry>()
  private readonly inFlight = new Map<string, { key: string; controller: AbortController }>()
  private readonly limits: ReadinessLimits
  private readonly probe: Prober

  constructor(private readonly options: ReadinessMonitorOptions) {
    this.limits = { ...READINESS_LIMITS, ...options.limits }
    const deps = probeDeps(options.probeDeps)
    this.probe = options.probe ?? ((target, signal) => probeTunnel(target, deps, signal))
  }

  /** The readiness to show for a host: undefined when it is not checked at all. */
  view(host: Pick<Host, 'id' | 'state' | 'busy' | 'ipv4' | 'tunnel'>): TunnelReadiness | undefined {
    if (!isCheckable(host)) return undefined
    const entry = this.results.get(host.id)
    if (!entry || entry.key !== targetKey(host)) return { status: 'checking', control: 'unchecked', summary: CHECKING_SUMMARY }
    return { ...entry.result, checkedAt: new Date(entry.checkedAtMs).toISOString() }
  }

  /**
   * The hosts to check now, never-checked hosts first: as many as there are free slots of those
   * that open sockets, and every one of those that open none (a simulated host, an address the
   * guard refuses), so a thousand of them are not checked four at a time, one change at a time.
   */
  due(hosts: readonly ReadinessCandidate[], now: number): Array<ReadinessCandidate & { ipv4: string }> {
    let free = this.limits.maxConcurrent - this.inFlight.size
    // Each host's age is worked out once (a sort comparator asks for it n log n times).
    const ages = new Map<string, number>()
    for (const host of hosts) {
      if (!isCheckable(host) || this.inFlight.has(host.id)) continue
      const entry = this.results.get(host.id)
      const age = entry && entry.key === targetKey(host) ? now - entry.checkedAtMs : Number.POSITIVE_INFINITY
      const interval = entry?.result.status === 'not-ready' ? this.limits.notReadyIntervalMs : this.limits.readyIntervalMs
      if (age >= interval) ages.set(host.id, age)
    }
    return hosts
      .filter((host): host is ReadinessCandidate & { ipv4: string } => ages.has(host.id))
      .sort((a, b) => ages.get(b.id)! - ages.get(a.id)!)
      .filter((host) => {
        if (host.simulate || !mayContact(host.ipv4).allowed) return true
        free -= 1
        return free >= 0
      })
  }

  /** Forgets hosts no longer checkable, then starts the checks that are due; resolves when those end. */
  async run(hosts: readonly ReadinessCandidate[]): Promise<void> {
    this.prune(hosts)
    await Promise.all(this.due(hosts, this.options.clock.now()).map((host) => this.check(host)))
  }

  /** Cancels every unfinished check (the service stops). */
  stop(): void {
    for (const { controller } of this.inFlight.values()) controller.abort()
    this.inFlight.clear()
  }

  /** Checks running now (for tests and the bound). */
  running(): number {
    return this.inFlight.size
  }

  private prune(hosts: readonly ReadinessCandidate[]): void {
    const keys = new Map(hosts.filter(isCheckable).map((host) => [host.id, targetKey(host)]))
    for (const [id, entry] of this.results) if (keys.get(id) !== entry.key) this.results.delete(id)
    for (const [id, flight] of this.inFlight) {
      if (keys.get(id) === flight.key) continue
      flight.controller.abort()
      this.inFlight.delete(id)
    }
  }

  private async check(host: ReadinessCandidate & { ipv4: string }): Promise<void> {
    const key = targetKey(host)
    const controller = new AbortController()
    this.inFlight.set(host.id, { key, controller })
    const before = this.results.get(host.id)
    const target: ProbeTarget = { ipv4: host.ipv4, mode: host.tunnel.mode, domains: host.tunnel.domains, wasReady: before?.result.status === 'ready', httpsAnsweredBefore: before?.key === key && before.result.ports?.https === true }
    const timer = setTimeout(() => controller.abort(), this.limits.deadlineMs)
    timer.unref?.()
    const expired = new Promise<ReadinessResult>((resolve) => controller.signal.addEventListener('abort', () => resolve(TIMED_OUT(this.limits.deadlineMs)), { once: true }))
    const work = host.simulate ? host.simulate() : this.probe(target, controller.signal)
    const result = await Promise.race([work.catch(() => FAILED), expired])
    clearTimeout(timer)
    // Pruned or stopped meanwhile: the host is no longer checked, so the result is dropped.
    if (this.inFlight.get(host.id)?.controller !== controller) return
    this.inFlight.delete(host.id)
    const previous = this.view(host)
    this.results.set(host.id, { key, result, checkedAtMs: this.options.clock.now() })
    if (comparableReadiness(previous) !== comparableReadiness(this.view(host))) this.options.onChange(host.id)
  }
}
