/**
 * The fault proxy's idea for a cloud without HTTP (the simulated cloud): wraps a Provisioner and,
 * for a seeded share of its calls, fails the way a real cloud call can fail.
 *
 *   rate-limited   throws 'rate-limited' (with retryAfterSeconds) before acting
 *   unavailable    throws 'provider-unavailable' before acting
 *   timeout        throws 'timeout' before acting (the caller cannot tell it from the next two)
 *   answer-lost    acts, then throws 'network': the cloud did it, the answer was lost
 *   late           throws 'timeout' now and carries the call out later, on the injected clock
 *                  (`releaseDue()` after each advance): late processing
 *
 * It also records every instance a create step made, by the host tag it carries, so a test can
 * count duplicates (two instances made for one host) whatever the service did with them.
 */
import { AppError, type AppErrorInfo } from '../../src/shared/errors'
import type { HostLocator } from '../../src/shared/domain'
import type { CloudContext, HostTags, Provisioner } from '../../src/main/clouds/types'
import { between, mulberry32, pickWeighted, type Random } from './prng'

export const PROVISIONER_FAULTS = ['rate-limited', 'unavailable', 'timeout', 'answer-lost', 'late'] as const
export type ProvisionerFault = (typeof PROVISIONER_FAULTS)[number]

export type FaultableMethod = 'provision' | 'status' | 'delete' | 'listByTag' | 'verify' | 'catalog'

export interface FaultyProvisionerOptions {
  seed: number
  /** Share of calls (of `methods`) that fail, 0..1. Default 0. */
  rate?: number
  weights?: Partial<Record<ProvisionerFault, number>>
  /** Which calls may fail. Default: provision, status, delete, listByTag. */
  methods?: FaultableMethod[]
  /** The clock late calls are carried out on. */
  clock: { now(): number }
  /** [min, max] clock ms after the failed call at which a late call is carried out. Default 5 s .. 90 s. */
  lateAfterMs?: readonly [number, number]
  /** `retryAfterSeconds` of an injected rate limit. Default 10. */
  retryAfterSeconds?: number
}

/** One call as the wrapper saw it. `subjects` names what it was about: host id, instance and firewall ids. */
export interface FaultyCallEntry {
  index: number
  method: FaultableMethod
  subjects: string[]
  progress?: string
  fault?: ProvisionerFault
  /** This is a late call being carried out: the index it was made with. */
  landedFrom?: number
}

export interface FaultyProvisioner {
  provisioner: Provisioner
  seed: number
  stats: { calls: number; faults: Record<ProvisionerFault, number>; lateLanded: number }
  /** Instance ids each create step made, by the host tag they carry. */
  instancesByTag: Map<string, Set<string>>
  /** Every call, in order. */
  log: FaultyCallEntry[]
  /** The calls that concerned one host (by its id, and the instance and firewall ids made for it). */
  callsFor(hostId: string): FaultyCallEntry[]
  setRate(rate: number): void
  pendingLate(): number
  /** Carries out the late calls whose time has come on the clock; resolves when they are done. */
  releaseDue(): Promise<number>
  releaseAll(): Promise<number>
}

export function createFaultyProvisioner(inner: Provisioner, options: FaultyProvisionerOptions): FaultyProvisioner {
  const random: Random = mulberry32(options.seed)
  const lateRandom: Random = mulberry32(options.seed ^ 0x5eed1a7e)
  const weights = Object.fromEntries(PROVISIONER_FAULTS.map((kind) => [kind, options.weights?.[kind] ?? 1])) as Record<ProvisionerFault, number>
  const methods = new Set<FaultableMethod>(options.methods ?? ['provision', 'status', 'delete', 'listByTag'])
  const lateAfter = options.lateAfterMs ?? [5_000, 90_000]
  const retryAfterSeconds = options.retryAfterSeconds ?? 10
  const label = inner.manifest.label
  let rate = options.rate ?? 0
  const stats = { calls: 0, faults: Object.fromEntries(PROVISIONER_FAULTS.map((kind) => [kind, 0])) as Record<ProvisionerFault, number>, lateLanded: 0 }
  const instancesByTag = new Map<string, Set<string>>()
  const late: Array<{ due: number; work: () => Promise<unknown>; entry: FaultyCallEntry }> = []
  const log: FaultyCallEntry[] = []
  /** Instance and firewall ids -> the host id they were made for. */
  const owners = new Map<string, string>()

  const errors: Record<Exclude<ProvisionerFault, 'answer-lost' | 'late'> | 'lost', AppErrorInfo> = {
    'rate-limited': { code: 'rate-limited', message: `${label} is limiting how fast Exitdesk may call it. Exitdesk will try again in ${retryAfterSeconds} s.`, retryable: true, retryAfterSeconds },
    unavailable: { code: 'provider-unavailable', message: `${label} is having trouble (HTTP 503). Please try again in a minute.`, retryable: true },
    timeout: { code: 'timeout', message: `${label} did not answer in time. Please try again.`, retryable: true },
    lost: { code: 'network', message: `The connection to ${label} broke before its answer arrived. Check your network connection and try again.`, retryable: true },
  }

  async function run<T>(method: FaultableMethod, subjects: string[], progress: string | undefined, work: () => Promise<T>): Promise<T> {
    stats.calls += 1
    const entry: FaultyCallEntry = { index: log.length, method, subjects, ...(progress ? { progress } : {}) }
    log.push(entry)
    if (!methods.has(method) || rate <= 0 || random() >= rate) return work()
    const kind = pickWeighted(random, weights)
    stats.faults[kind] += 1
    entry.fault = kind
    switch (kind) {
      case 'answer-lost':
        await work()
        throw new AppError(errors.lost)
      case 'late':
        late.push({ due: options.clock.now() + between(lateRandom, lateAfter[0], lateAfter[1]), work, entry })
        throw new AppError(errors.timeout)
      default:
        throw new AppError(errors[kind])
    }
  }

  function noteInstance(hostId: string, tags: HostTags, locator: HostLocator, before: string | undefined, after: string | undefined): void {
    for (const resource of locator.attached) owners.set(resource.id, hostId)
    if (after) owners.set(after, hostId)
    if (!after || after === before) return
    const made = instancesByTag.get(tags.host) ?? new Set<string>()
    made.add(after)
    instancesByTag.set(tags.host, made)
  }

  const fresh = (): AbortSignal => AbortSignal.timeout(60_000)
  const about = (locator: HostLocator): string[] => [...(locator.instanceId ? [locator.instanceId] : []), ...locator.attached.map((resource) => resource.id)]
  const provisioner: Provisioner = {
    manifest: inner.manifest,
    verify: (ctx, signal) => run('verify', [], undefined, () => inner.verify(ctx, signal)),
    catalog: (ctx, signal) => run('catalog', [], undefined, () => inner.catalog(ctx, signal)),
    provision: (ctx: CloudContext, spec, locator, progress, signal) =>
      run('provision', [spec.hostId, ...about(locator)], progress, async () => {
        // A late call runs after the caller's signal is long gone: it gets one of its own.
        const result = await inner.provision(ctx, spec, locator, progress, signal.aborted ? fresh() : signal)
        noteInstance(spec.hostId, spec.tags, result.locator, locator.instanceId, result.locator.instanceId)
        return result
      }),
    status: (ctx, locator, signal) => run('status', about(locator), undefined, () => inner.status(ctx, locator, signal.aborted ? fresh() : signal)),
    delete: (ctx, locator, progress, signal) => run('delete', about(locator), progress, () => inner.delete(ctx, locator, progress, signal.aborted ? fresh() : signal)),
    listScopes: (locators) => inner.listScopes(locators),
    listByTag: (ctx, scope, tag, signal) => run('listByTag', [tag], undefined, () => inner.listByTag(ctx, scope, tag, signal.aborted ? fresh() : signal)),
    ...(inner.simulateReadiness ? { simulateReadiness: inner.simulateReadiness.bind(inner) } : {}),
  }

  async function release(all: boolean): Promise<number> {
    const now = options.clock.now()
    const due = late.filter((entry) => all || entry.due <= now).sort((a, b) => a.due - b.due)
    for (const entry of due) late.splice(late.indexOf(entry), 1)
    for (const { work, entry } of due) {
      stats.lateLanded += 1
      log.push({ ...entry, index: log.length, fault: undefined, landedFrom: entry.index })
      await work().catch(() => undefined)
    }
    return due.length
  }

  return {
    provisioner,
    seed: options.seed,
    stats,
    instancesByTag,
    log,
    callsFor(hostId) {
      return log.filter((entry) => entry.subjects.some((subject) => subject === hostId || subject.endsWith(hostId) || owners.get(subject) === hostId))
    },
    setRate(next) {
      rate = next
    },
    pendingLate: () => late.length,
    releaseDue: () => release(false),
    releaseAll: () => release(true),
  }
}
