/**
 * The host service: creates, refreshes and tears down hosts on every cloud.
 *
 * - One list-by-tag request per account and list scope refreshes every host (never one per host).
 * - Concurrent refreshes share one run; `list()` answers from memory at once and starts a
 *   refresh in the background if the last one is old, so no renderer call waits for a cloud.
 * - A created host is recorded (atomic write) as soon as the cloud returns its id; multi-step
 *   work (firewall, instance; instance gone, then firewall) is recorded step by step and
 *   advanced by later refreshes, so a restart resumes it. Nothing here sleeps or waits for a cloud.
 * - A host found in the cloud by the app's tag but absent from the ledger is shown, so nothing
 *   billable stays hidden; a lost create is adopted by its per-host tag instead of repeated.
 * - After each refresh the tunnel readiness checks that are due start in the background
 *   (./readiness/): a running VM is not yet a working tunnel, and no caller waits for a host.
 */
import { randomUUID } from 'node:crypto'
import type { z } from 'zod'
import type { HostsSnapshot, createHostInputSchema, deleteHostInputSchema } from '../../shared/contract'
import type { Host, HostLocator } from '../../shared/domain'
import { CHANGING_STATES } from '../../shared/domain'
import { AppError, describeError, invalidInput, toErrorInfo, type AppErrorInfo } from '../../shared/errors'
import { hostNameProblem } from '../../shared/naming'
import type { AccountService } from '../accounts/account-service'
import { proofError } from '../accounts/identity-proof'
import type { CatalogService } from '../clouds/catalog'
import type { Clock } from '../clock'
import type { CloudContext, Observation, ProvisionSpec, StepResult } from '../clouds/types'
import { withDeadline } from '../deadline'
import type { EventBus } from '../events'
import type { SecretStore } from '../secrets/secret-store'
import { log } from '../log'
import type { Ledger } from '../store/ledger'
import { toHost, type AccountRecord, type HostRecord } from '../store/records'
import { generateTunnelToken } from '../tunnel/token'
import { buildUserData } from '../tunnel/userdata'
import { backoffMs } from './backoff'
import { mergeObservations } from './merge'
import { nameTaken } from './unique-names'
import { APP_TAG, hostTag } from './tags'
import { TunnelTokens } from './tunnel-tokens'
import { readinessCandidates } from './readiness/candidates'
import { comparableReadiness, READINESS_LIMITS, ReadinessMonitor, type ReadinessMonitorOptions } from './readiness/scheduler'

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
 * A create runs its quick steps right away (firewall, instance ...), at most this many and for
 * at most this long, so the form can show a refusal in the provider's words; whatever is left
 * is advanced by later refreshes.
 */
const MAX_CREATE_STEPS = 4
const CREATE_INLINE_BUDGET_MS = 3_000

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
  private readonly accountErrors = new Map<string, string>()
  /** Per account: consecutive failed lists and the time before which it is not asked again. */
  private readonly accountBackoff = new Map<string, { failures: number; retryAt: number }>()
  /** Hosts with a step running right now: a refresh never runs a second step for them. */
  private readonly stepping = new Set<string>()
  /** Hosts whose teardown was asked for: set before the first await, so no create step starts after it. */
  private readonly teardownRequested = new Set<string>()
  /** Creates in flight by request id: the same request sent twice at once makes one host. */
  private readonly creating = new Map<string, Promise<Host>>()
  private readonly tokens: TunnelTokens
  private tickHandle: unknown
  private readinessHandle: unknown
  private stopped = true

  private readonly readiness: ReadinessMonitor

  constructor(private readonly deps: HostServiceDeps) {
    this.tokens = new TunnelTokens(deps.secrets)
    this.readiness = new ReadinessMonitor({ ...deps.readiness, clock: deps.clock, onChange: () => this.changed() })
  }

  /** The hosts as last seen, at once; a refresh starts in the background if the data is old. */
  list(): HostsSnapshot {
    this.refreshIfOlderThan(MIN_REFRESH_INTERVAL_MS)
    return this.snapshot()
  }

  snapshot(): HostsSnapshot {
    return {
      // Readiness lives in memory only, not in the ledger: it is learned again seconds after a restart.
      hosts: this.deps.ledger.read().hosts.map((record) => this.withReadiness(toHost(record))),
      refreshedAt: this.refreshedAt,
      version: this.version,
      accountErrors: [...this.accountErrors].map(([accountId, message]) => ({ accountId, message })),
    }
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
    buildUserData({ ...input.tunnel, token, publicIpv4Url: provisioner.manifest.publicIpv4MetadataUrl }) // validates the tunnel settings before any cloud is asked
    const catalog = await this.deps.catalogs.get(account.id)
    const plan = catalog.plans.find((p) => p.id === input.plan)
    if (!catalog.regions.some((r) => r.id === input.region)) throw invalidInput('region', `region "${input.region}" is not offered by ${provisioner.manifest.label}.`)
    if (!plan) throw invalidInput('plan', `plan "${input.plan}" is not offered by ${provisioner.manifest.label}.`)
    if (plan.regions && !plan.regions.includes(input.region)) throw invalidInput('plan', `plan "${plan.id}" is not sold in region "${input.region}". Choose another plan or region.`)

    const id = randomUUID()
    await this.tokens.store(id, token, provisioner.manifest.simulated)
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
    }
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

    const started = this.deps.clock.now()
    for (let step = 0; step < MAX_CREATE_STEPS && this.deps.clock.now() - started < CREATE_INLINE_BUDGET_MS; step++) {
      const error = await this.advance(id, { foreground: true })
      const current = this.find(id)
      if (error && !error.retryable) throw new AppError(error)
      if (!current || current.phase !== 'creating' || error) break
    }
    const current = this.find(id)
    return current ? toHost(current) : toHost(record)
  }

  async delete(input: DeleteHostInput): Promise<Host> {
    const record = input.by === 'id' ? this.find(input.hostId) : await this.findByIp(input.accountId, input.ip)
    if (!record) {
      const field = input.by === 'id' ? 'hostId' : 'ip'
      throw new AppError({ code: 'not-found', field, message: input.by === 'id' ? 'That host is not known to Exitdesk (it may already be deleted).' : `No Exitdesk host with IP ${input.ip} was found in this account.`, retryable: false })
    }
    if (record.phase === 'tearing-down') return toHost(record)
    // Before any await: a refresh must not start another create step for this host from here on.
    this.teardownRequested.add(record.id)
    await this.update(record.id, (host) => {
      host.phase = 'tearing-down'
      host.progress = undefined
      host.failures = 0
      host.nextAttemptAt = undefined
      host.lastError = undefined
      host.refusal = undefined
      host.state = 'deleting'
    })
    this.teardownRequested.delete(record.id)
    this.changed()
    // If a create step is still running, its result is folded into this teardown and the next refresh goes on.
    const error = await this.advance(record.id)
    const current = this.find(record.id)
    if (error && !error.retryable && current) return toHost(current)
    return current ? toHost(current) : { ...toHost(record), state: 'deleted', busy: false }
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
    this.accountBackoff.delete(accountId)
    this.accountErrors.delete(accountId)
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
    this.readiness.stop()
    for (const handle of [this.tickHandle, this.readinessHandle]) if (handle !== undefined) this.timers().clearTimeout(handle)
    this.tickHandle = undefined
    this.readinessHandle = undefined
  }

  /** Milliseconds until the service's next own refresh. */
  nextTickMs(): number {
    const hosts = this.deps.ledger.read().hosts
    return hosts.some((h) => h.phase !== 'created' || CHANGING_STATES.has(h.state)) ? BUSY_TICK_MS : IDLE_TICK_MS
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
    const hosts = this.deps.ledger.read().hosts
    const now = this.deps.clock.now()
    const known = new Set(this.deps.accounts.records().map((a) => a.id))
    for (const map of [this.accountErrors, this.accountBackoff]) for (const id of map.keys()) if (!known.has(id)) map.delete(id)
    const accounts = this.deps.accounts
      .records()
      .filter((a) => a.credential !== 'failing' || hosts.some((h) => h.accountId === a.id))
      // A provider that said "slow down" (or is failing) is left alone until its back-off ends.
      .filter((a) => (this.accountBackoff.get(a.id)?.retryAt ?? 0) <= now)
    await Promise.all(accounts.map((account) => this.refreshAccount(account)))
    const due = this.deps.ledger.read().hosts.filter((h) => h.phase !== 'created' && (h.nextAttemptAt ?? 0) <= this.deps.clock.now())
    for (const host of due) await this.advance(host.id)
    this.refreshedAt = new Date(this.deps.clock.now()).toISOString()
    // Only a real change is pushed: an idle table costs the renderer no extra fetch.
    if (this.fingerprint() !== before) this.changed()
  }

  /** What the renderer would see, less the refresh time. */
  private fingerprint(): string {
    const hosts = this.deps.ledger.read().hosts.map(toHost)
    return JSON.stringify([hosts, hosts.map((host) => comparableReadiness(this.readiness.view(host))), [...this.accountErrors]])
  }

  private async refreshAccount(account: AccountRecord): Promise<void> {
    const records = this.deps.ledger.read().hosts.filter((h) => h.accountId === account.id)
    let observations: Observation[]
    try {
      observations = await this.observe(account, records)
      this.accountErrors.delete(account.id)
      this.accountBackoff.delete(account.id)
    } catch (error) {
      const info = toErrorInfo(error)
      const failures = (this.accountBackoff.get(account.id)?.failures ?? 0) + 1
      this.accountBackoff.set(account.id, { failures, retryAt: this.deps.clock.now() + backoffMs(failures, info.retryAfterSeconds) })
      this.accountErrors.set(account.id, describeError(info))
      await this.noteCredentialProblem(account.id, info)
      return
    }
    const missing = await this.confirmMissing(account, records, observations)
    await this.deps.ledger.update((data) => mergeObservations(data.hosts, account, observations, missing, this.deps.clock.now()))
  }

  /** One list-by-tag call per scope the adapter names for this account's hosts. */
  private async observe(account: AccountRecord, records: HostRecord[]): Promise<Observation[]> {
    const provisioner = this.deps.accounts.provisioner(account.cloud)
    const ctx = await this.deps.accounts.context(account.id)
    const scopes = provisioner.listScopes(records.map((r) => r.locator))
    const lists = await Promise.all(scopes.map((scope) => withDeadline((signal) => provisioner.listByTag(ctx, scope, APP_TAG, signal))))
    return lists.flat()
  }

  /**
   * A created host absent from its list is asked about once by id (lists can lag behind a
   * create): only a 404 there means it is gone, and only when the account's credential is
   * proven to act in this account — another account's credential (a second team of the same
   * person) lists none of these hosts and gets 404 for each. When the list missed them all and
   * the proof fails, the account is marked as needing attention and nothing is asked by id.
   * Returns the ids of hosts confirmed gone.
   */
  private async confirmMissing(account: AccountRecord, records: HostRecord[], observations: Observation[]): Promise<Set<string>> {
    const seen = new Set(observations.map((o) => o.instanceId))
    const created = records.filter((r) => r.phase === 'created' && r.locator.instanceId)
    const suspects = created.filter((r) => !seen.has(r.locator.instanceId!))
    const gone = new Set<string>()
    // An account recorded before identities were kept learns its identity from a credential that
    // just listed one of its own instances (ids are the provider's), or that has nothing to lose.
    if (!account.identity && (records.length === 0 || created.some((r) => seen.has(r.locator.instanceId!)))) await this.deps.accounts.learnIdentity(account.id)
    if (suspects.length === 0) return gone
    const proof = await this.deps.accounts.proveIdentity(account.id, { unseenHosts: suspects.length === created.length ? suspects.length : undefined })
    if (!proof.proven) return gone
    const provisioner = this.deps.accounts.provisioner(account.cloud)
    const ctx = await this.deps.accounts.context(account.id)
    for (const record of suspects) {
      try {
        const observed = await withDeadline((signal) => provisioner.status(ctx, record.locator, signal))
        if (!observed || observed.state === 'deleted') gone.add(record.id)
      } catch {
        // Unknown for now; the next refresh asks again.
      }
    }
    return gone
  }

  /** Runs one create or teardown step for a host, records the outcome, and returns the error if it failed. */
  private async advance(hostId: string, options: { foreground?: boolean } = {}): Promise<AppErrorInfo | undefined> {
    const record = this.find(hostId)
    if (!record || record.phase === 'created' || this.stepping.has(hostId)) return undefined
    if (record.phase === 'creating' && this.teardownRequested.has(hostId)) return undefined
    this.stepping.add(hostId)
    const before = this.fingerprint()
    try {
      const provisioner = this.deps.accounts.provisioner(record.cloud)
      const ctx = await this.deps.accounts.context(record.accountId)
      let result: StepResult
      if (record.phase === 'creating') {
        const spec = await this.specFor(record)
        result = await withDeadline((signal) => provisioner.provision(ctx, spec, record.locator, record.progress, signal))
      } else {
        const locator = record.locator.instanceId || record.progress ? record.locator : await this.findLostInstance(record, ctx)
        result = await withDeadline((signal) => provisioner.delete(ctx, locator, record.progress, signal))
        // "Done" may rest on 404s; the record goes only if they came from this account's own credential.
        if (result.done) {
          const refused = proofError(await this.deps.accounts.proveIdentity(record.accountId))
          if (refused) throw refused
        }
      }
      await this.applyStep(record, result)
      return undefined
    } catch (error) {
      const info = toErrorInfo(error)
      await this.recordFailure(hostId, info, options.foreground === true)
      await this.noteCredentialProblem(record.accountId, info)
      return info
    } finally {
      this.stepping.delete(hostId)
      if (this.fingerprint() !== before) this.changed()
    }
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
  private async applyStep(record: HostRecord, result: StepResult): Promise<void> {
    const outcome = await this.deps.ledger.update((data) => {
      const host = data.hosts.find((h) => h.id === record.id)
      if (!host) return 'gone'
      host.locator = result.locator
      host.failures = 0
      host.nextAttemptAt = undefined
      host.lastError = undefined
      if (host.phase !== record.phase) return 'superseded'
      if (result.done && host.phase === 'tearing-down') {
        if (host.refusal) {
          // A background create the cloud refused: its leftovers are gone; keep the reason in view.
          Object.assign(host, { phase: 'created', state: 'error', rawStatus: 'create refused', progress: undefined, lastError: host.refusal, locator: { region: host.region, attached: [] } })
          return 'tombstone'
        }
        data.hosts = data.hosts.filter((h) => h.id !== record.id)
        return 'removed'
      }
      host.progress = result.done ? undefined : result.progress
      if (result.done) {
        host.phase = 'created'
        host.rawStatus = 'created'
      } else if (result.waitingFor) {
        host.rawStatus = `waiting for ${result.waitingFor}`
      }
      return 'advanced'
    })
    if (outcome === 'removed') await this.tokens.forget(record.id)
  }

  private async recordFailure(hostId: string, info: AppErrorInfo, foreground: boolean): Promise<void> {
    const now = this.deps.clock.now()
    const removable = await this.deps.ledger.update((data) => {
      const host = data.hosts.find((h) => h.id === hostId)
      if (!host) return false
      host.failures += 1
      host.lastError = describeError(info)
      host.nextAttemptAt = now + backoffMs(host.failures, info.retryAfterSeconds)
      if (host.phase === 'creating' && !info.retryable && !host.locator.instanceId && !this.teardownRequested.has(hostId)) {
        // The cloud refused the create: remove whatever was made for it (e.g. a firewall). When
        // no form is waiting for the answer, the reason stays in the table afterwards.
        host.phase = 'tearing-down'
        host.progress = undefined
        host.nextAttemptAt = undefined
        host.state = 'error'
        if (!foreground) host.refusal = describeError(info)
      }
      const nothingMade = host.phase === 'tearing-down' && !host.locator.instanceId && host.locator.attached.length === 0
      if (foreground && nothingMade) data.hosts = data.hosts.filter((h) => h.id !== hostId)
      return foreground && nothingMade
    })
    if (removable) await this.tokens.forget(hostId)
  }

  /** A 401/403 means the credential, not the cloud, is the problem: say so on the account. */
  private async noteCredentialProblem(accountId: string, info: AppErrorInfo): Promise<void> {
    if (info.code === 'unauthorized' || info.code === 'forbidden') await this.deps.accounts.markFailing(accountId, describeError(info)).catch(() => undefined)
  }

  private async specFor(record: HostRecord): Promise<ProvisionSpec> {
    const token = await this.tokens.read(record.id)
    if (!token) throw new AppError({ code: 'not-found', message: "This host's tunnel token is missing from the keychain, so it cannot be created.", retryable: false })
    return {
      hostId: record.id,
      name: record.name,
      region: record.region,
      plan: record.plan,
      userData: buildUserData({ ...record.tunnel, token, publicIpv4Url: this.deps.accounts.provisioner(record.cloud).manifest.publicIpv4MetadataUrl }),
      tunnel: record.tunnel,
      tags: { app: APP_TAG, host: hostTag(record.id) },
    }
  }

  private async findByIp(accountId: string, ip: string): Promise<HostRecord | undefined> {
    const known = this.deps.ledger.read().hosts.find((h) => h.accountId === accountId && h.ipv4 === ip)
    if (known) return known
    // Not seen yet: one list among this app's tagged hosts. Its errors reach the caller as they
    // are (a 401 is not "no such host").
    const account = this.deps.accounts.record(accountId)
    const records = this.deps.ledger.read().hosts.filter((h) => h.accountId === accountId)
    const observations = await this.observe(account, records)
    const match = observations.find((o) => o.ipv4 === ip)
    if (!match) return undefined
    await this.deps.ledger.update((data) => mergeObservations(data.hosts, account, observations, new Set(), this.deps.clock.now()))
    return this.deps.ledger.read().hosts.find((h) => h.accountId === accountId && h.locator.instanceId === match.instanceId)
  }

  private find(hostId: string): HostRecord | undefined {
    return this.deps.ledger.read().hosts.find((h) => h.id === hostId)
  }

  private update(hostId: string, change: (host: HostRecord) => void): Promise<void> {
    return this.deps.ledger.update((data) => {
      const host = data.hosts.find((h) => h.id === hostId)
      if (host) change(host)
    })
  }

  private changed(): void {
    this.version += 1
    this.deps.events.emit('hosts:changed', { version: this.version })
  }
}
