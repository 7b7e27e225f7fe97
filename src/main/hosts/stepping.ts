/**
 * Stepping: runs one create or teardown step of one host against its cloud and records the
 * outcome, so the host service, a refresh and a restart all go on from the same record.
 *
 * The rules that keep a cloud from being billed twice or left with something behind:
 * - A create step whose outcome is unknown (a timeout, a reset, a 5xx, an answer that was not
 *   the provider's) is never sent again blind. For LATE_CREATE_WINDOW_MS the step only looks the
 *   host's own tag up (`lookupOnly`); the row says "checking whether <cloud> made it". A cloud
 *   that carries a create out even later makes a duplicate, which the refresh recognises by the
 *   tag and removes (./merge.ts).
 * - A teardown whose instance is still there DELETE_GRACE_MS after the delete was accepted
 *   (a 204 the cloud did not carry out) sends the delete again, with the grace doubling, and the
 *   row says so; the user can ask for it at once (`retryTeardown`).
 * - A teardown of a host whose create outcome is unknown first waits out the same window, so a
 *   droplet made late is found and deleted instead of left running.
 * - A teardown step may rest on 404s: it is recorded (and the record goes) only when the
 *   account's credential is proven to be the account's (accounts/identity-proof.ts).
 */
import type { HostLocator } from '../../shared/domain'
import { AppError, describeError, outcomeUnknown, toErrorInfo, type AppErrorInfo } from '../../shared/errors'
import type { AccountService } from '../accounts/account-service'
import { proofError } from '../accounts/identity-proof'
import type { Clock } from '../clock'
import type { RequestPriority } from '../clouds/budget'
import type { CloudContext, ProvisionSpec, StepResult } from '../clouds/types'
import { withDeadline } from '../deadline'
import type { Ledger } from '../store/ledger'
import type { HostRecord } from '../store/records'
import { buildUserData, cloudUserDataOptions } from '../tunnel/userdata'
import { backoffMs } from './backoff'
import { findHost, updateHost } from './host-records'
import { resourceLabel } from './host-details'
import { appendTimeline, progressWords, retryPhrase } from './timeline'
import { APP_TAG, hostTag } from './tags'
import type { TunnelTokens } from './tunnel-tokens'

/**
 * How long a create with an unknown outcome is only looked up, never re-sent. DigitalOcean has
 * no idempotency key and has been seen to carry a create out after the client gave up; three
 * minutes covers its late processing with room to spare, at the price of a slower retry.
 */
export const LATE_CREATE_WINDOW_MS = 3 * 60_000
/** How often the look-up of an uncertain create is repeated inside that window. */
export const LOOKUP_INTERVAL_MS = 10_000
/** How long an accepted delete may leave the instance in place before it is sent again (doubling). */
export const DELETE_GRACE_MS = 60_000
export const MAX_DELETE_GRACE_MS = 10 * 60_000

export function deleteGraceMs(resends: number): number {
  return Math.min(DELETE_GRACE_MS * 2 ** resends, MAX_DELETE_GRACE_MS)
}

export interface StepperDeps {
  ledger: Ledger
  accounts: AccountService
  clock: Clock
  tokens: TunnelTokens
  /** Hosts whose teardown was asked for and is not recorded yet: no create step may start for them. */
  teardownRequested: ReadonlySet<string>
}

export class HostStepper {
  /** Hosts with a step running right now: never a second step for them. */
  private readonly running = new Set<string>()
  /** Hosts this process created, and the create steps tried for them (`<id>:<progress>`). */
  private readonly createdHere = new Set<string>()
  private readonly tried = new Set<string>()

  constructor(private readonly deps: StepperDeps) {}

  /** A host just recorded by this process: its first create steps need no look-ups. */
  markCreatedHere(hostId: string): void {
    this.createdHere.add(hostId)
  }

  isRunning(hostId: string): boolean {
    return this.running.has(hostId)
  }

  /**
   * Runs one create or teardown step for a host, records the outcome, and returns the error if
   * it failed. `foreground`: a form waits for this answer, so a refusal goes back to it rather
   * than staying in the table.
   */
  async advance(hostId: string, options: { foreground?: () => boolean; priority?: RequestPriority } = {}): Promise<AppErrorInfo | undefined> {
    const record = this.find(hostId)
    if (!record || record.phase === 'created' || this.running.has(hostId)) return undefined
    if (record.phase === 'creating' && this.deps.teardownRequested.has(hostId)) return undefined
    this.running.add(hostId)
    try {
      const provisioner = this.deps.accounts.provisioner(record.cloud)
      const ctx = await this.deps.accounts.context(record.accountId, { priority: options.priority })
      const now = this.deps.clock.now()
      let result: StepResult
      let resent = false
      if (record.phase === 'creating') {
        const spec = { ...(await this.specFor(record)), lookupOnly: uncertain(record, now), fresh: this.firstTry(record) }
        result = await withDeadline((signal) => provisioner.provision(ctx, spec, record.locator, record.progress, signal))
      } else {
        // An accepted delete the cloud did not carry out: after the grace, start over (idempotent).
        resent = record.progress !== undefined && record.waitingSince !== undefined && now - record.waitingSince >= deleteGraceMs(record.resends ?? 0)
        const progress = resent ? undefined : record.progress
        const found = record.locator.instanceId || progress ? record.locator : await this.findLostInstance(record, ctx)
        const locator = withOwnTag(found, record)
        if (!locator.instanceId && !progress && uncertain(record, now)) {
          result = { done: false, locator, unresolved: true, waitingFor: `${provisioner.manifest.label} to show whether it made the instance` }
        } else {
          // A step may rest on 404s ("the droplet is gone"); it is taken only with this account's
          // own credential (cached, so mostly no request). Proven before the step, not after it:
          // a failed proof then costs no delete, and no delete goes out with another account's
          // credential; a step that was carried out is never thrown away for want of a proof.
          const refused = proofError(await this.deps.accounts.proveIdentity(record.accountId))
          if (refused) throw refused
          result = await withDeadline((signal) => provisioner.delete(ctx, locator, progress, signal))
          const late = lateWindowEnd(record)
          if (result.done && late > now) {
            // A create step whose outcome was unknown may still be carried out (a firewall, a
            // tag): the record stays until the window has passed, then the teardown runs once
            // more from the start and removes whatever arrived.
            result = { done: false, locator: result.locator, waitingFor: `the end of the time ${provisioner.manifest.label} may still carry out a create it did not answer`, retryAt: late }
          }
        }
      }
      return await this.applyStep(record, result, resent)
    } catch (error) {
      const info = toErrorInfo(error)
      await this.recordFailure(hostId, info, options.foreground?.() === true, record.phase)
      await this.noteCredentialProblem(record.accountId, info)
      return info
    } finally {
      this.running.delete(hostId)
      if (this.find(hostId)?.phase !== 'creating') this.forgetTries(hostId)
    }
  }

  private forgetTries(hostId: string): void {
    if (!this.createdHere.delete(hostId)) return
    for (const key of this.tried) if (key.startsWith(`${hostId}:`)) this.tried.delete(key)
  }

  /**
   * Whether nothing can exist yet for this create step: a host this process created, a step
   * never tried before, no failure and no unknown outcome on record. Counts the try.
   */
  private firstTry(record: HostRecord): boolean {
    const key = `${record.id}:${record.progress ?? ''}`
    const first = this.createdHere.has(record.id) && !this.tried.has(key) && record.failures === 0 && record.uncertainSince === undefined && record.lastUnknownAt === undefined
    this.tried.add(key)
    return first
  }

  /**
   * A teardown of a host whose create answer was lost (no instance id recorded): one list by
   * its own tag finds the instance if the cloud made it, so the teardown deletes it instead of
   * reporting "gone" while it keeps running.
   */
  private async findLostInstance(record: HostRecord, ctx: CloudContext): Promise<HostLocator> {
    const provisioner = this.deps.accounts.provisioner(record.cloud)
    for (const scope of provisioner.listScopes([record.locator])) {
      const [found] = await withDeadline((signal) => provisioner.listByTag(ctx, scope, hostTag(record.id), signal))
      if (found) {
        const locator = { ...record.locator, instanceId: found.instanceId }
        await this.update(record.id, (host) => void (host.locator = locator))
        return locator
      }
    }
    return record.locator
  }

  /**
   * Records a step's result. The phase is checked against the ledger as it is NOW: a teardown
   * asked for while a create step ran keeps what that step created and stays a teardown.
   */
  private async applyStep(record: HostRecord, result: StepResult, resent: boolean): Promise<undefined> {
    const now = this.deps.clock.now()
    const provisioner = this.deps.accounts.provisioner(record.cloud)
    const label = provisioner.manifest.label
    const instanceWord = resourceLabel(provisioner.console, 'instance')
    const outcome = await this.deps.ledger.update((data) => {
      const host = data.hosts.find((h) => h.id === record.id)
      if (!host) return 'gone'
      host.locator = result.locator
      host.failures = 0
      host.nextAttemptAt = undefined
      host.lastError = undefined
      if (host.phase !== record.phase) return 'superseded'
      if (result.unresolved) {
        // Nothing found and nothing made: look again soon, until the window has passed.
        if (host.uncertainSince === undefined) appendTimeline(host, now, 'notice', `Checking whether ${label} made it before creating anything again.`)
        host.uncertainSince ??= now
        host.nextAttemptAt = now + LOOKUP_INTERVAL_MS
        host.rawStatus = `checking whether ${label} made it`
        return 'checking'
      }
      if (host.phase === 'creating') host.uncertainSince = undefined
      if (result.done && host.phase === 'tearing-down') {
        if (host.refusal) {
          // A background create the cloud refused: its leftovers are gone; keep the reason in view.
          Object.assign(host, { phase: 'created', state: 'error', rawStatus: 'create refused', progress: undefined, lastError: host.refusal, locator: { region: host.region, attached: [] } })
          clearWaiting(host)
          appendTimeline(host, now, 'step', 'Everything made for the refused create removed')
          return 'tombstone'
        }
        data.hosts = data.hosts.filter((h) => h.id !== record.id)
        return 'removed'
      }
      const progress = result.done ? undefined : result.progress
      if (host.phase === 'tearing-down' && !result.done) {
        if (resent) {
          host.resends = (host.resends ?? 0) + 1
          host.notice = `${label} still had the instance ${Math.round(deleteGraceMs(host.resends - 1) / 1000)} s after accepting its delete, so Exitdesk sent the delete again (${ordinal(host.resends + 1)} time).`
          appendTimeline(host, now, 'notice', host.notice)
        }
        // The grace counts from when the cloud first still had the instance after accepting its
        // delete; any other wait (another droplet to go first) sends nothing again.
        if (!result.instancePresent) host.waitingSince = undefined
        else if (resent || host.waitingSince === undefined) host.waitingSince = now
      }
      const stepDone = stepSentence(record, host.phase, result, instanceWord)
      if (stepDone) appendTimeline(host, now, 'step', stepDone)
      host.progress = progress
      if (result.retryAt !== undefined) host.nextAttemptAt = result.retryAt
      if (result.done) {
        host.phase = 'created'
        host.rawStatus = 'created'
        clearWaiting(host)
      } else if (result.waitingFor) {
        host.rawStatus = `waiting for ${result.waitingFor}`
      }
      return 'advanced'
    })
    if (outcome === 'removed') await this.deps.tokens.forget(record.id)
    return undefined
  }

  /** `stepPhase`: what the failed step was; the host may have moved on to a teardown meanwhile. */
  private async recordFailure(hostId: string, info: AppErrorInfo, foreground: boolean, stepPhase: HostRecord['phase']): Promise<void> {
    const now = this.deps.clock.now()
    const label = (cloud: HostRecord['cloud']): string => this.deps.accounts.provisioner(cloud).manifest.label
    await this.deps.ledger.update((data) => {
      const host = data.hosts.find((h) => h.id === hostId)
      if (!host) return
      host.failures += 1
      host.lastError = describeError(info)
      host.nextAttemptAt = now + backoffMs(host.failures, info.retryAfterSeconds)
      const refused = host.phase === 'creating' && !info.retryable && !host.locator.instanceId && !this.deps.teardownRequested.has(hostId)
      const what = stepPhase === 'creating' ? 'A create step' : 'A teardown step'
      appendTimeline(host, now, 'error', refused ? `${label(host.cloud)} refused the create: ${host.lastError}` : `${what} failed: ${host.lastError} Exitdesk tries again ${retryPhrase(host.nextAttemptAt - now)}.`)
      if (stepPhase === 'creating' && outcomeUnknown(info)) {
        // The cloud may have made it anyway, and may still: a teardown waits for that too.
        host.lastUnknownAt = now
        if (host.phase === 'creating') {
          // Only look it up until the window has passed.
          host.uncertainSince ??= now
          host.rawStatus = `checking whether ${label(host.cloud)} made it`
        }
      }
      if (refused) {
        // The cloud refused the create: remove whatever was made for it (e.g. a firewall). When
        // no form is waiting for the answer, the reason stays in the table afterwards.
        host.phase = 'tearing-down'
        host.progress = undefined
        host.nextAttemptAt = undefined
        host.state = 'error'
        // A form waiting for the answer shows the refusal; otherwise it stays in the table.
        if (!foreground) host.refusal = describeError(info)
      }
    })
  }

  /** A 401/403 means the credential, not the cloud, is the problem: say so on the account. */
  async noteCredentialProblem(accountId: string, info: AppErrorInfo): Promise<void> {
    if (info.code === 'unauthorized' || info.code === 'forbidden') await this.deps.accounts.markFailing(accountId, describeError(info)).catch(() => undefined)
  }

  private async specFor(record: HostRecord): Promise<ProvisionSpec> {
    const token = await this.deps.tokens.read(record.id)
    if (!token) throw new AppError({ code: 'not-found', message: "This host's tunnel token is missing from the keychain, so it cannot be created.", retryable: false })
    return {
      hostId: record.id,
      name: record.name,
      region: record.region,
      plan: record.plan,
      userData: buildUserData({ ...record.tunnel, token, ...cloudUserDataOptions(this.deps.accounts.provisioner(record.cloud).manifest) }),
      tunnel: record.tunnel,
      tags: { app: APP_TAG, host: hostTag(record.id) },
    }
  }

  private find(hostId: string): HostRecord | undefined {
    return findHost(this.deps.ledger, hostId)
  }

  private update(hostId: string, change: (host: HostRecord) => void): Promise<void> {
    return updateHost(this.deps.ledger, hostId, change)
  }
}

/**
 * What a teardown removes includes everything carrying the host's own tag, also what a create
 * step made before its answer was lost (a firewall not yet recorded). Not for a duplicate's
 * record: the tag is the live host's, and so is what carries it.
 */
function withOwnTag(locator: HostLocator, record: HostRecord): HostLocator {
  if (record.duplicateOf !== undefined) return locator
  const tag = hostTag(record.id)
  if (locator.attached.some((resource) => resource.kind === 'tag' && resource.id === tag)) return locator
  return { ...locator, attached: [...locator.attached, { kind: 'tag', id: tag }] }
}

/** When no create step of this host can be carried out late any more (0: none had an unknown outcome). */
function lateWindowEnd(record: Pick<HostRecord, 'lastUnknownAt' | 'uncertainSince'>): number {
  return Math.max(record.lastUnknownAt ?? 0, record.uncertainSince ?? 0) + LATE_CREATE_WINDOW_MS
}

/** Whether a create of this host may still be carried out by the cloud without anyone asking again. */
export function uncertain(record: Pick<HostRecord, 'uncertainSince'>, now: number): boolean {
  return record.uncertainSince !== undefined && now - record.uncertainSince < LATE_CREATE_WINDOW_MS
}

/**
 * What a step finished, in words, for the timeline; undefined when it moved nothing on (the
 * cloud is still working: the same marker again, or a wait). The adapter's progress markers are
 * how its steps are told apart (../clouds/<cloud>/index.ts `PROGRESS`).
 */
function stepSentence(before: HostRecord, phase: HostRecord['phase'], result: StepResult, instanceWord: string): string | undefined {
  if (phase !== before.phase) return undefined
  if (phase === 'creating' && result.done) {
    return result.locator.instanceId ? `${instanceWord} created (${result.locator.instanceId})` : `${instanceWord} created`
  }
  if (phase === 'tearing-down' && result.done) return undefined
  if (result.progress === undefined || result.progress === before.progress) return undefined
  return progressWords(result.progress)
}

function clearWaiting(host: HostRecord): void {
  host.waitingSince = undefined
  host.resends = undefined
  host.uncertainSince = undefined
}

function ordinal(n: number): string {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th'
  return `${n}${suffix}`
}
