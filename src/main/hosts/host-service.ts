/**
 * The host service: creates, refreshes and tears down hosts on every cloud.
 *
 * The jobs live in modules of their own; this class schedules them and answers the renderer:
 * - ./refresh.ts: one list-by-tag request per account and list scope refreshes every host
 *   (never one per host), folded into the ledger by ./merge.ts.
 * - ./stepping.ts: one create or teardown step of one host, recorded (atomic write) before the
 *   next, so later refreshes and a restart resume it; unknown outcomes are looked up, not re-sent.
 * - ./pacing.ts: how often an account may be listed and how many teardown steps run at once.
 * - ./readiness/: whether the tunnel answers, on its own clock.
 * Concurrent refreshes share one run; `list()` answers from memory at once and starts a
 * refresh in the background if the last one is old, so no renderer call waits for a cloud, and
 * `create()` answers within CREATE_ANSWER_MS whatever the cloud does.
 * - A host found in the cloud by the app's tag but absent from the ledger is shown, so nothing
 *   billable stays hidden; a lost create is adopted by its per-host tag instead of repeated.
 * - After each refresh the tunnel readiness checks that are due start in the background
 *   (./readiness/): a running VM is not yet a working tunnel, and no caller waits for a host.
 * - ./auto-teardown.ts: each refresh starts the teardowns whose "delete after" deadline passed.
 * - ./notifications.ts: what the user should hear about (host ready, teardown finished ...).
 */
import { randomUUID } from 'node:crypto'
import type { z } from 'zod'
import type { HostDetails, HostTimelineEntry, HostsChanges, HostsSnapshot, HostsUnchanged, createHostInputSchema, deleteHostInputSchema } from '../../shared/contract'
import type { AutoTeardownChoice, Host } from '../../shared/domain'
import { autoTeardownLabel, CHANGING_STATES } from '../../shared/domain'
import { AppError, invalidInput, type AppErrorInfo } from '../../shared/errors'
import { hostNameProblem } from '../../shared/naming'
import type { AccountService } from '../accounts/account-service'
import type { CatalogService } from '../clouds/catalog'
import type { Clock } from '../clock'
import type { EventBus } from '../events'
import type { SecretStore } from '../secrets/secret-store'
import { log } from '../log'
import { redactor } from '../redact'
import type { Ledger } from '../store/ledger'
import { toHost, type HostRecord } from '../store/records'
import type { RequestPriority } from '../clouds/budget'
import { generateTunnelToken } from '../tunnel/token'
import { buildUserData, cloudUserDataOptions } from '../tunnel/userdata'
import { AccountRefresher } from './refresh'
import { HostChanges } from './host-changes'
import { findHost, updateHost } from './host-records'
import { runLimited, STEP_CONCURRENCY, stepsThisRefresh } from './pacing'
import { HostStepper } from './stepping'
import { nameTaken } from './unique-names'
import { TunnelTokens } from './tunnel-tokens'
import { readinessCandidates } from './readiness/candidates'
import { READINESS_LIMITS, ReadinessMonitor, type ReadinessMonitorOptions } from './readiness/scheduler'
import { AutoTeardown, deadlineFor } from './auto-teardown'
import { autoTeardownSettings } from './auto-teardown-settings'
import { Notifier } from './notifications'
import { hostDetails } from './host-details'
import { appendTimeline, appendTimelineEntry, TIMELINE_LIMIT } from './timeline'

/** How the timeline starts the entry of a tunnel's first ready answer. */
const TUNNEL_READY = 'Tunnel ready'

export type CreateHostInput = z.output<typeof createHostInputSchema>
export type DeleteHostInput = z.output<typeof deleteHostInputSchema>

export { APP_TAG, hostTag } from './tags'

/** `list()` starts a background refresh when the last one began longer ago than this. */
export const MIN_REFRESH_INTERVAL_MS = 1_500
/** The service's own cadence (it keeps teardown going while the window is hidden). */
export const BUSY_TICK_MS = 3_000
export const IDLE_TICK_MS = 60_000
/** How often due tunnel checks are started, independent of cloud refreshes (the not-ready re-check interval). */
export const READINESS_TICK_MS = READINESS_LIMITS.notReadyIntervalMs
/**
 * A create runs its quick steps right away (firewall, instance ...), at most this many, so the
 * form can show a refusal in the provider's words. It answers the form after at most
 * CREATE_ANSWER_MS whatever the cloud does (a slow cloud keeps the host "provisioning"); the
 * steps go on in the background and later refreshes advance whatever is left.
 */
const MAX_CREATE_STEPS = 4
export const CREATE_ANSWER_MS = 1_000

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export interface HostServiceDeps {
  ledger: Ledger
  accounts: AccountService
  catalogs: CatalogService
  secrets: SecretStore
  clock: Clock
  events: EventBus
  timers?: Timers
  /** Tunnel readiness checks; tests replace the prober's ports, resolver or connector. */
  readiness?: Omit<ReadinessMonitorOptions, 'clock' | 'onChange'>
}

export class HostService {
  private refreshing: Promise<void> | undefined
  private lastRefreshStartedAt = Number.NEGATIVE_INFINITY
  private lastRefreshEndedAt = Number.NEGATIVE_INFINITY
  private version = 0
  private refreshedAt: string | undefined
  /** Hosts whose teardown was asked for: set before the first await, so no create step starts after it. */
  private readonly teardownRequested = new Set<string>()
  /** Creates in flight by request id: the same request sent twice at once makes one host. */
  private readonly creating = new Map<string, Promise<Host>>()
  private readonly tokens: TunnelTokens
  private readonly stepper: HostStepper
  private readonly refresher: AccountRefresher
  /** The fingerprint the current version stands for. */
  private published = ''
  /** Which hosts each version changed, for answers of only what changed (./host-changes.ts). */
  private readonly changes: HostChanges
  /** Hosts in the middle of a create step when the previous run of Exitdesk ended (crash, kill). */
  private readonly interruptedAtStart: Set<string>
  private tickHandle: unknown
  private readinessHandle: unknown
  private stopped = true

  private readonly readiness: ReadinessMonitor
  private readonly notifier: Notifier
  /** Why a teardown was started on its own (auto-teardown, quit), for its "deleted" notification. */
  private readonly teardownReasons = new Map<string, string>()
  private readonly autoTeardown: AutoTeardown
  /** Hosts whose tunnel turning ready was looked at for their timeline in this run. */
  private readonly tunnelReadyNoted = new Set<string>()
  /** Timeline entries not written yet (./timeline.ts), by host: written with the next refresh. */
  private readonly pendingTimeline = new Map<string, HostTimelineEntry[]>()

  constructor(private readonly deps: HostServiceDeps) {
    this.notifier = new Notifier({ events: deps.events, clock: deps.clock, accounts: () => deps.accounts.list() })
    this.autoTeardown = new AutoTeardown({
      ledger: deps.ledger,
      clock: deps.clock,
      beginTeardown: (hostId, reason) => this.beginTeardown(hostId, reason),
      warn: (host, minutes) => this.notifier.autoTeardownSoon(host, minutes),
    })
    this.tokens = new TunnelTokens(deps.secrets)
    this.stepper = new HostStepper({ ledger: deps.ledger, accounts: deps.accounts, clock: deps.clock, tokens: this.tokens, teardownRequested: this.teardownRequested })
    this.refresher = new AccountRefresher({ ledger: deps.ledger, accounts: deps.accounts, clock: deps.clock, tokens: this.tokens, onFailure: (accountId, info) => this.stepper.noteCredentialProblem(accountId, info) })
    this.interruptedAtStart = new Set(deps.ledger.read().hosts.filter((h) => h.phase === 'creating' && !h.locator.instanceId).map((h) => h.id))
    this.readiness = new ReadinessMonitor({
      ...deps.readiness,
      clock: deps.clock,
      onChange: (hostId) => {
        this.changes.readinessOf(hostId)
        this.changed()
        const record = this.find(hostId)
        if (!record) return
        const readiness = this.readiness.view(toHost(record))
        this.notifier.readinessChanged(record, readiness)
        if (readiness?.status === 'ready') this.noteTunnelReady(hostId, readiness.summary)
      },
    })
    this.changes = new HostChanges(this.version, deps.ledger.read().hosts)
  }

  /**
   * The hosts as last seen, at once; a refresh starts in the background if the data is old.
   * A caller that already shows version `since` gets "unchanged" when nothing changed since:
   * a few bytes instead of every host.
   */
  list(): HostsSnapshot
  list(since: number | undefined): HostsSnapshot | HostsChanges | HostsUnchanged
  list(since?: number): HostsSnapshot | HostsChanges | HostsUnchanged {
    this.refreshIfOlderThan(MIN_REFRESH_INTERVAL_MS)
    this.noticeChanges()
    if (since === this.version) return { unchanged: true, version: this.version, refreshedAt: this.refreshedAt }
    const changes = since !== undefined && since < this.version ? this.changes.since(since) : undefined
    if (!changes || since === undefined) return this.snapshot()
    return {
      since,
      version: this.version,
      refreshedAt: this.refreshedAt,
      hosts: this.deps.ledger
        .read()
        .hosts.filter((record) => changes.changed.has(record.id))
        .map((record) => this.withReadiness(toHost(record))),
      removed: changes.removed,
      accountErrors: this.refresher.accountErrors(),
    }
  }

  snapshot(): HostsSnapshot {
    this.noticeChanges()
    return {
      // Readiness lives in memory only, not in the ledger: it is learned again seconds after a restart.
      hosts: this.deps.ledger.read().hosts.map((record) => this.withReadiness(toHost(record))),
      refreshedAt: this.refreshedAt,
      version: this.version,
      accountErrors: this.refresher.accountErrors(),
    }
  }

  /**
   * A change the service made without announcing it (any ledger write, an account's list
   * error) still moves the version, so an "unchanged" answer is never stale.
   */
  private noticeChanges(): void {
    if (this.fingerprint() !== this.published) this.changed()
  }

  hostCount(accountId: string): number {
    return this.deps.ledger.read().hosts.filter((h) => h.accountId === accountId).length
  }

  /** Observes every account with one list per scope, then advances pending steps. Concurrent callers share one run. */
  refresh(): Promise<void> {
    if (this.refreshing) return this.refreshing
    this.lastRefreshStartedAt = this.deps.clock.now()
    this.refreshing = this.runRefresh()
      // Per-account and per-host failures are recorded inside; what is left (the disk refusing a
      // write) must not become an unhandled rejection of a background refresh. Only the error
      // code is logged: messages from deeper down are not known to be free of secrets.
      .catch((error: unknown) => log.error(`Exitdesk: a refresh could not finish (${(error as NodeJS.ErrnoException | undefined)?.code ?? 'unknown error'}).`))
      .finally(() => {
        this.refreshing = undefined
        this.lastRefreshEndedAt = this.deps.clock.now()
        this.checkReadiness()
      })
    return this.refreshing
  }

  /** Starts the tunnel checks that are due, in the background: nothing waits for a host to answer. */
  private checkReadiness(): void {
    const candidates = readinessCandidates(this.deps.ledger.read().hosts, (cloud) => this.deps.accounts.provisioner(cloud))
    this.readiness.run(candidates).catch((error: unknown) => log.error(`Exitdesk: a tunnel check could not finish (${(error as NodeJS.ErrnoException | undefined)?.code ?? 'unknown error'}).`))
  }

  private withReadiness(host: Host): Host {
    const readiness = this.readiness.view(host)
    return readiness ? { ...host, readiness } : host
  }

  create(input: CreateHostInput): Promise<Host> {
    const running = this.creating.get(input.requestId)
    if (running) return running
    const run = this.createOnce(input).finally(() => this.creating.delete(input.requestId))
    this.creating.set(input.requestId, run)
    return run
  }

  private async createOnce(input: CreateHostInput): Promise<Host> {
    const existing = this.deps.ledger.read().hosts.find((h) => h.requestId === input.requestId)
    if (existing) return toHost(existing)

    const account = this.deps.accounts.record(input.accountId)
    const provisioner = this.deps.accounts.provisioner(account.cloud)
    const nameProblem = hostNameProblem(input.name, provisioner.manifest.nameRule)
    if (nameProblem) throw invalidInput('name', `name ${nameProblem}.`)
    // An early answer before any cloud is asked; the check that counts is in the write below.
    const taken = nameTaken(this.deps.ledger.read().hosts, account.id, input.name)
    if (taken) throw taken
    const token = generateTunnelToken()
    buildUserData({ ...input.tunnel, token, ...cloudUserDataOptions(provisioner.manifest) }) // validates the tunnel settings before any cloud is asked
    const catalog = await this.deps.catalogs.get(account.id)
    const plan = catalog.plans.find((p) => p.id === input.plan)
    if (!catalog.regions.some((r) => r.id === input.region)) throw invalidInput('region', `region "${input.region}" is not offered by ${provisioner.manifest.label}.`)
    if (!plan) throw invalidInput('plan', `plan "${input.plan}" is not offered by ${provisioner.manifest.label}.`)
    if (plan.regions && !plan.regions.includes(input.region)) throw invalidInput('plan', `plan "${plan.id}" is not sold in region "${input.region}". Choose another plan or region.`)

    const id = randomUUID()
    const autoTeardown = deadlineFor(input.deleteAfter ?? autoTeardownSettings(this.deps.ledger).defaultAfter, this.deps.clock.now(), 'create')
    await this.tokens.store(id, token, provisioner.manifest.simulated, { tunnel: input.tunnel, monthlyCostUsd: plan.monthlyCostUsd, autoTeardown })
    const record: HostRecord = {
      id,
      requestId: input.requestId,
      name: input.name,
      cloud: account.cloud,
      accountId: account.id,
      region: input.region,
      plan: input.plan,
      state: 'provisioning',
      rawStatus: 'creating',
      createdAt: new Date(this.deps.clock.now()).toISOString(),
      monthlyCostUsd: plan.monthlyCostUsd,
      tunnel: input.tunnel,
      locator: { region: input.region, attached: [] },
      discovered: false,
      phase: 'creating',
      failures: 0,
      ...(autoTeardown ? { autoTeardown } : {}),
    }
    const now = this.deps.clock.now()
    appendTimeline(record, now, 'step', `Create requested: ${input.name} in ${input.region}, plan ${plan.id}, ${input.tunnel.mode === 'https' ? `HTTPS tunnel for ${input.tunnel.domains.join(', ')}` : 'TCP tunnel'}`)
    if (autoTeardown) appendTimeline(record, now, 'notice', `Auto-teardown set: deleted after ${autoTeardownLabel(autoTeardown.after)} (${new Date(autoTeardown.at).toISOString()})`)
    try {
      await this.deps.ledger.update((data) => {
        // Inside the serialized write: of two creates of one name racing, exactly one records its host.
        const clash = nameTaken(data.hosts, account.id, input.name)
        if (clash) throw clash
        data.hosts.push(record)
      })
    } catch (error) {
      await this.tokens.forget(id).catch(() => undefined)
      throw error
    }
    this.changed()
    this.stepper.markCreatedHere(id)
    this.notifier.hostCreated(id)

    // The form waits for the first steps, but never longer than CREATE_ANSWER_MS: after that the
    // steps go on without it, and a refusal stays in the table instead.
    // A step about to start that could end past it answers the form first and goes on in the
    // background: it is taken to last as long as the longest step so far, with a quarter of the
    // time kept for a step that needs more round trips than those. A cloud of seven one-request
    // steps at 200 ms round trips answers in 0.6 s instead of at the deadline.
    let formWaiting = true
    let answerNow: (value: false) => void = () => undefined
    const steps = this.runCreateSteps(id, () => formWaiting, () => answerNow(false))
    let timer: NodeJS.Timeout | undefined
    const answered = await Promise.race([
      steps.then(() => true),
      new Promise<false>((resolve) => {
        answerNow = resolve
        timer = setTimeout(() => resolve(false), CREATE_ANSWER_MS)
      }),
    ]).finally(() => clearTimeout(timer))
    formWaiting = false
    if (!answered) steps.catch(() => undefined) // recorded on the host; nobody waits for it now
    const current = this.find(id)
    return current ? toHost(current) : toHost(record)
  }

  private async runCreateSteps(id: string, foreground: () => boolean, answerForm: () => void): Promise<void> {
    const started = Date.now()
    let longestStepMs = 0
    for (let step = 0; step < MAX_CREATE_STEPS; step++) {
      if (foreground() && Date.now() - started + longestStepMs > CREATE_ANSWER_MS * 0.75) answerForm()
      const stepStarted = Date.now()
      const before = this.find(id)?.progress
      const error = await this.advance(id, { foreground, priority: foreground() ? 'user' : 'background' })
      const current = this.find(id)
      if (error && !error.retryable && foreground()) {
        // Refused: the form shows why at once; whatever the earlier steps made goes in the background.
        void this.advance(id)
        throw new AppError(error)
      }
      if (!current || current.phase !== 'creating' || error || current.nextAttemptAt !== undefined) break
      // The step moved nothing on: the cloud is still working (an operation, a long-running
      // request). Asking again at once would only poll; the next refresh looks again.
      if (current.progress === before) break
      longestStepMs = Math.max(longestStepMs, Date.now() - stepStarted)
    }
  }

  async delete(input: DeleteHostInput): Promise<Host> {
    const record = input.by === 'id' ? this.find(input.hostId) : await this.refresher.findByIp(input.accountId, input.ip)
    if (!record) {
      const field = input.by === 'id' ? 'hostId' : 'ip'
      throw new AppError({ code: 'not-found', field, message: input.by === 'id' ? 'That host is not known to Exitdesk (it may already be deleted).' : `No Exitdesk host with IP ${input.ip} was found in this account.`, retryable: false })
    }
    if (record.phase === 'tearing-down') return this.retryTeardown(record)
    await this.beginTeardown(record.id)
    // If a create step is still running, its result is folded into this teardown and the next refresh goes on.
    // A click past the account's limits (a bulk delete beyond the burst limit) is not refused on the
    // row: it is left due, and the refreshes take it up as the budget has room.
    const budget = this.deps.accounts.budgets.get(record.accountId)
    const error = budget && budget.room('user') < 1 ? undefined : await this.advance(record.id, { priority: 'user' })
    const current = this.find(record.id)
    if (error && !error.retryable && current) return toHost(current)
    return current ? toHost(current) : { ...toHost(record), state: 'deleted', busy: false }
  }

  /**
   * Records that a host is to be torn down (what Delete does first; auto-teardown does the same
   * and lets the refresh that called it take the first step). `reason` stays on the row and in
   * the "deleted" notification, e.g. "Deleted after 8 h, as set at create."
   */
  private async beginTeardown(hostId: string, reason?: string): Promise<void> {
    // Before any await: a refresh must not start another create step for this host from here on.
    this.teardownRequested.add(hostId)
    try {
      await this.update(hostId, (host) => {
        if (host.phase === 'tearing-down') return
        host.phase = 'tearing-down'
        host.progress = undefined
        host.failures = 0
        host.nextAttemptAt = undefined
        host.lastError = undefined
        host.refusal = undefined
        host.state = 'deleting'
        // Once the teardown runs there is nothing left to count down to: it can only fire once.
        host.autoTeardown = undefined
        if (reason) host.notice = reason
        appendTimeline(host, this.deps.clock.now(), 'step', reason ? `Teardown started: ${reason}` : 'Delete requested')
      })
    } finally {
      this.teardownRequested.delete(hostId)
    }
    if (reason) this.teardownReasons.set(hostId, reason)
    if (reason) log.info(`Exitdesk: auto-teardown started for host ${hostId} (${reason})`)
    this.changed()
  }

  /**
   * Sets ("1h" … "7d", counted from now) or cancels ("never") a host's auto-teardown. Also
   * kept in the keychain copy of the host's details, so a damaged ledger does not lose it.
   */
  async setAutoTeardown(hostId: string, after: AutoTeardownChoice): Promise<Host> {
    const record = this.find(hostId)
    if (!record) throw new AppError({ code: 'not-found', field: 'hostId', message: 'That host is not known to Exitdesk (it may already be deleted).', retryable: false })
    if (record.phase === 'tearing-down') throw new AppError({ code: 'conflict', field: 'after', message: `${record.name} is already being deleted.`, retryable: false })
    const deadline = deadlineFor(after, this.deps.clock.now(), 'later')
    await this.update(hostId, (host) => {
      host.autoTeardown = deadline
      appendTimeline(host, this.deps.clock.now(), 'notice', deadline ? `Auto-teardown set: deleted after ${autoTeardownLabel(deadline.after)} (${new Date(deadline.at).toISOString()})` : 'Auto-teardown cancelled: kept until deleted')
    })
    this.changed()
    const current = this.find(hostId) ?? record
    if (!current.discovered) {
      // The ledger holds the deadline already; a keychain that does not answer loses only the spare copy.
      await this.tokens.updateDetails(hostId, { tunnel: current.tunnel, monthlyCostUsd: current.monthlyCostUsd, autoTeardown: deadline }).catch((error: unknown) => log.error(`Exitdesk: the keychain copy of a host's auto-teardown could not be written (${(error as NodeJS.ErrnoException | undefined)?.code ?? 'unknown error'}).`))
    }
    return this.withReadiness(toHost(current))
  }

  /**
   * The hosts that would keep billing if Exitdesk quit now: on a real cloud, and not already
   * being torn down. For the Electron shell's quit flow ("tear down every host on quit").
   */
  hostsLeftBillable(): Host[] {
    return this.deps.ledger
      .read()
      .hosts.filter((host) => host.phase !== 'tearing-down' && host.refusal === undefined && !this.deps.accounts.provisioner(host.cloud).manifest.simulated)
      .map((host) => toHost(host))
  }

  /** Hosts whose teardown is still under way (their records go when the cloud confirms it). */
  hostsTearingDown(): Host[] {
    return this.deps.ledger
      .read()
      .hosts.filter((host) => host.phase === 'tearing-down')
      .map((host) => toHost(host))
  }

  /** "Tear down every host on quit": starts the teardown of every host (simulated ones too) and refreshes at once. */
  async tearDownAll(reason = 'Deleted when Exitdesk quit, as set in Settings.'): Promise<void> {
    for (const host of this.deps.ledger.read().hosts) if (host.phase !== 'tearing-down') await this.beginTeardown(host.id, reason)
    await this.refresh()
  }

  /**
   * Delete on a host already being torn down: the user asks for the teardown to be tried now
   * (a stuck "deleting" row). Its back-off is dropped and the delete is sent again from the
   * start — teardown steps are idempotent, so nothing is removed twice.
   */
  private async retryTeardown(record: HostRecord): Promise<Host> {
    if (!this.stepper.isRunning(record.id)) {
      await this.update(record.id, (host) => {
        host.failures = 0
        host.nextAttemptAt = undefined
        host.progress = undefined
        host.waitingSince = undefined
        appendTimeline(host, this.deps.clock.now(), 'step', 'Delete asked for again: the teardown starts over')
      })
      this.changed()
      await this.advance(record.id, { priority: 'user' })
    }
    const current = this.find(record.id)
    return current ? toHost(current) : { ...toHost(record), state: 'deleted', busy: false }
  }

  /**
   * One host with what only its details panel shows: the resources made for it with console
   * links, the instance's tags, the image and the timeline (./host-details.ts).
   */
  async details(hostId: string): Promise<HostDetails> {
    const record = this.find(hostId)
    if (!record) throw new AppError({ code: 'not-found', field: 'hostId', message: 'That host is not known to Exitdesk (it may already be deleted).', retryable: false })
    const provisioner = this.knownProvisioner(record.cloud)
    const credentials = await this.consoleCredentials(record, provisioner)
    const pending = this.pendingTimeline.get(hostId) ?? []
    const timeline = pending.length === 0 ? record.timeline : [...(record.timeline ?? []), ...pending].slice(-TIMELINE_LIMIT)
    return hostDetails({ record: { ...record, timeline }, host: this.withReadiness(toHost(record)), provisioner, credentials, redactor })
  }

  private knownProvisioner(cloud: HostRecord['cloud']): ReturnType<AccountService['provisioner']> | undefined {
    try {
      return this.deps.accounts.provisioner(cloud)
    } catch {
      return undefined
    }
  }

  /** Only the credential fields the cloud's console links need, and nothing when they cannot be read. */
  private async consoleCredentials(record: HostRecord, provisioner: ReturnType<AccountService['provisioner']> | undefined): Promise<Record<string, string>> {
    const keys = provisioner?.console?.credentialKeys ?? []
    if (keys.length === 0) return {}
    try {
      const { credentials } = await this.deps.accounts.context(record.accountId)
      return Object.fromEntries(keys.filter((key) => typeof credentials[key] === 'string').map((key) => [key, credentials[key]!]))
    } catch {
      return {}
    }
  }

  /**
   * The tunnel answered as ready for the first time: said once on the timeline, not at every
   * re-check, nor again after a restart (the timeline already says it). Kept in memory and
   * written with the next refresh's write: the readiness change is announced once (its own
   * hosts:changed), not once more for a ledger write of its own; details show it at once.
   */
  private noteTunnelReady(hostId: string, summary: string): void {
    if (this.tunnelReadyNoted.has(hostId)) return
    this.tunnelReadyNoted.add(hostId)
    const record = this.find(hostId)
    if (!record || record.timeline?.some((entry) => entry.text.startsWith(TUNNEL_READY))) return
    this.pendingTimeline.set(hostId, [...(this.pendingTimeline.get(hostId) ?? []), { at: new Date(this.deps.clock.now()).toISOString(), kind: 'step', text: `${TUNNEL_READY}: ${summary}` }])
  }

  /** Writes the timeline entries kept in memory (one ledger write for all). */
  private async flushPendingTimeline(): Promise<void> {
    if (this.pendingTimeline.size === 0) return
    const pending = new Map(this.pendingTimeline)
    this.pendingTimeline.clear()
    await this.deps.ledger.update((data) => {
      for (const host of data.hosts) for (const entry of pending.get(host.id) ?? []) appendTimelineEntry(host, entry)
    })
  }

  /**
   * A host whose tunnel the user may connect to now, with its token: created here (not just
   * found in the cloud), active and with a public IPv4. The client command is built from it by
   * ./client-commands.ts.
   */
  async copyableTunnel(hostId: string): Promise<{ record: HostRecord & { ipv4: string }; token: string }> {
    const record = this.find(hostId)
    if (!record) throw new AppError({ code: 'not-found', field: 'hostId', message: 'That host is not known to Exitdesk.', retryable: false })
    if (record.discovered) {
      throw new AppError({ code: 'conflict', message: 'This host was not created by this Exitdesk, so its tunnel token is not here.', retryable: false })
    }
    if (!record.ipv4 || record.state !== 'active') {
      throw new AppError({ code: 'conflict', message: 'The host has no public IP yet. Wait until it is active.', retryable: true })
    }
    const token = await this.tokens.read(hostId)
    if (!token) throw new AppError({ code: 'not-found', message: "This host's tunnel token is missing from the keychain.", retryable: false })
    return { record: { ...record, ipv4: record.ipv4 }, token }
  }

  /** The account's credential was fixed: forget its back-offs and refresh now. */
  retryAccountNow(accountId: string): void {
    this.refresher.forgive(accountId)
    void this.deps.ledger
      .update((data) => {
        for (const host of data.hosts) if (host.accountId === accountId) host.nextAttemptAt = undefined
      })
      .then(() => this.refresh())
      .catch(() => undefined)
  }

  /** Starts the service's own refresh cadence: fast while anything is changing, slow otherwise. */
  start(): void {
    this.stopped = false
    this.schedule()
    this.scheduleReadiness()
  }

  stop(): void {
    this.stopped = true
    this.notifier.stop()
    this.readiness.stop()
    for (const handle of [this.tickHandle, this.readinessHandle]) if (handle !== undefined) this.timers().clearTimeout(handle)
    this.tickHandle = undefined
    this.readinessHandle = undefined
  }

  /** Milliseconds until the service's next own refresh. */
  nextTickMs(): number {
    const hosts = this.deps.ledger.read().hosts
    const cadence = hosts.some((h) => h.phase !== 'created' || CHANGING_STATES.has(h.state)) ? BUSY_TICK_MS : IDLE_TICK_MS
    // An auto-teardown deadline (or its warning) inside the idle minute wakes the tick for it.
    const untilDeadline = this.autoTeardown.msUntilNext()
    return untilDeadline === undefined ? cadence : Math.max(MIN_REFRESH_INTERVAL_MS, Math.min(cadence, untilDeadline))
  }

  private schedule(): void {
    if (this.stopped) return
    this.tickHandle = this.timers().setTimeout(() => {
      // The renderer's polls refresh too; the service's own tick only fills the gaps.
      void (this.refreshIfOlderThan(this.nextTickMs() - MIN_REFRESH_INTERVAL_MS) ?? Promise.resolve()).finally(() => this.schedule())
    }, this.nextTickMs())
  }

  /**
   * Tunnel checks have a clock of their own: a tunnel coming up (or DNS being fixed) is seen
   * within READINESS_TICK_MS even while the window is hidden and the cloud is not asked at all;
   * the monitor itself decides which hosts are due, so a tick with nothing due costs nothing.
   */
  private scheduleReadiness(): void {
    if (this.stopped) return
    this.readinessHandle = this.timers().setTimeout(() => {
      this.checkReadiness()
      this.scheduleReadiness()
    }, READINESS_TICK_MS)
  }

  private timers(): Timers {
    return this.deps.timers ?? { setTimeout: (cb, ms) => setTimeout(cb, ms).unref(), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) }
  }

  /**
   * Starts a refresh unless one started or ended less than `ms` ago; returns it when it runs.
   * Counting from the end too keeps a slow cloud from being refreshed back to back (a refresh
   * emits an event, the renderer fetches the list, the list would start the next refresh).
   */
  private refreshIfOlderThan(ms: number): Promise<void> | undefined {
    if (this.refreshing) return this.refreshing
    const last = Math.max(this.lastRefreshStartedAt, this.lastRefreshEndedAt)
    if (this.deps.clock.now() - last < ms) return undefined
    return this.refresh()
  }

  private async runRefresh(): Promise<void> {
    const before = this.fingerprint()
    await this.flushPendingTimeline()
    await this.markInterruptedCreates()
    // Deadlines first: a host due now gets its first teardown step in this same refresh.
    await this.autoTeardown.run()
    const accounts = this.refresher.dueAccounts(this.deps.ledger.read().hosts, this.deps.clock.now())
    await Promise.all(accounts.map((account) => this.refresher.refresh(account)))
    const due = this.deps.ledger.read().hosts.filter((h) => h.phase !== 'created' && (h.nextAttemptAt ?? 0) <= this.deps.clock.now())
    // Per account, as many steps as its budget has room for, a few at a time; the rest stay due.
    const byAccount = new Map<string, string[]>()
    for (const host of due) byAccount.set(host.accountId, [...(byAccount.get(host.accountId) ?? []), host.id])
    await Promise.all(
      [...byAccount].map(([accountId, ids]) => {
        const budget = this.deps.accounts.budgets.get(accountId)
        const cap = budget ? stepsThisRefresh(budget.room('background'), { requestsPerRefresh: this.refresher.requestsPerList(accountId) }) : ids.length
        return runLimited(ids.slice(0, cap), STEP_CONCURRENCY, (id) => this.advance(id))
      }),
    )
    this.refreshedAt = new Date(this.deps.clock.now()).toISOString()
    // Only a real change is pushed: an idle table costs the renderer no extra fetch.
    if (this.fingerprint() !== before) this.changed()
  }

  /**
   * A create step cut short by a crash may have reached the cloud, which may still carry it out:
   * such hosts are looked up by their tag through the late-processing window, never re-created
   * blind (./stepping.ts). Done once, at the first refresh after start.
   */
  private async markInterruptedCreates(): Promise<void> {
    if (this.interruptedAtStart.size === 0) return
    const ids = new Set(this.interruptedAtStart)
    this.interruptedAtStart.clear()
    const now = this.deps.clock.now()
    await this.deps.ledger.update((data) => {
      for (const host of data.hosts) if (ids.has(host.id) && host.phase === 'creating' && !host.locator.instanceId) host.uncertainSince ??= now
    })
  }

  /**
   * What the renderer would see, less the refresh time, as revision counters: the ledger's
   * (every write that changed a record) and the account errors'. Tunnel readiness announces
   * its own changes (ReadinessMonitor's onChange). O(1): nothing is compared record by record.
   */
  private fingerprint(): string {
    return `${this.deps.ledger.revision}.${this.refresher.errorsRevision}`
  }

  /**
   * One step of a host's create or teardown (./stepping.ts); pushes a change event when the
   * table would show something new.
   */
  private async advance(hostId: string, options: { foreground?: () => boolean; priority?: RequestPriority } = {}): Promise<AppErrorInfo | undefined> {
    const before = this.fingerprint()
    const previous = this.find(hostId)
    const wasTearingDown = previous?.phase === 'tearing-down'
    try {
      return await this.stepper.advance(hostId, options)
    } finally {
      const current = this.find(hostId)
      if (wasTearingDown && !current) this.refresher.retire(hostId)
      if (this.fingerprint() !== before) this.changed()
      if (previous) this.noticeStepOutcome(previous, current)
    }
  }

  /** Tells the user what a step finished: a teardown done, a create refused with no form waiting. */
  private noticeStepOutcome(previous: HostRecord, current: HostRecord | undefined): void {
    // A duplicate's removal is Exitdesk's own clean-up, already said on the row.
    if (previous.phase === 'tearing-down' && !current && previous.duplicateOf === undefined) {
      this.notifier.teardownFinished(previous, this.teardownReasons.get(previous.id))
      this.teardownReasons.delete(previous.id)
    }
    if (previous.phase === 'creating' && current?.refusal !== undefined && previous.refusal === undefined) this.notifier.createRefused(current, current.refusal)
  }

  private find(hostId: string): HostRecord | undefined {
    return findHost(this.deps.ledger, hostId)
  }

  private update(hostId: string, change: (host: HostRecord) => void): Promise<void> {
    return updateHost(this.deps.ledger, hostId, change)
  }

  private changed(): void {
    this.published = this.fingerprint()
    this.version += 1
    this.changes.publish(this.version, this.deps.ledger.read().hosts)
    this.deps.events.emit('hosts:changed', { version: this.version })
  }
}
