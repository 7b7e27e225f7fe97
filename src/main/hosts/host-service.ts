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
 */
import { randomUUID } from 'node:crypto'
import type { z } from 'zod'
import type { ClientCommand, HostsSnapshot, createHostInputSchema, deleteHostInputSchema } from '../../shared/contract'
import type { Host } from '../../shared/domain'
import { CHANGING_STATES } from '../../shared/domain'
import { AppError, describeError, invalidInput, toErrorInfo, type AppErrorInfo } from '../../shared/errors'
import { hostNameProblem } from '../../shared/naming'
import type { AccountService } from '../accounts/account-service'
import type { CatalogService } from '../clouds/catalog'
import type { Clock } from '../clock'
import type { Observation, ProvisionSpec, StepResult } from '../clouds/types'
import { withDeadline } from '../deadline'
import type { EventBus } from '../events'
import type { SecretStore } from '../secrets/secret-store'
import type { Ledger } from '../store/ledger'
import { toHost, type AccountRecord, type HostRecord } from '../store/records'
import { buildClientCommand } from '../tunnel/client-command'
import { generateTunnelToken } from '../tunnel/token'
import { buildUserData } from '../tunnel/userdata'
import { backoffMs } from './backoff'
import { mergeObservations } from './merge'
import { APP_TAG, hostTag } from './tags'
import { TunnelTokens } from './tunnel-tokens'

export type CreateHostInput = z.output<typeof createHostInputSchema>
export type DeleteHostInput = z.output<typeof deleteHostInputSchema>

export { APP_TAG, hostTag } from './tags'

/** `list()` starts a background refresh when the last one began longer ago than this. */
export const MIN_REFRESH_INTERVAL_MS = 1_500
/** The service's own cadence (it keeps teardown going while the window is hidden). */
export const BUSY_TICK_MS = 3_000
export const IDLE_TICK_MS = 60_000
/** A create runs its quick steps right away, at most this many (firewall, instance ...). */
const MAX_CREATE_STEPS = 4

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
  private readonly tokens: TunnelTokens
  private tickHandle: unknown
  private stopped = true

  constructor(private readonly deps: HostServiceDeps) {
    this.tokens = new TunnelTokens(deps.secrets)
  }

  /** The hosts as last seen, at once; a refresh starts in the background if the data is old. */
  list(): HostsSnapshot {
    this.refreshIfOlderThan(MIN_REFRESH_INTERVAL_MS)
    return this.snapshot()
  }

  snapshot(): HostsSnapshot {
    return {
      hosts: this.deps.ledger.read().hosts.map(toHost),
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
      .catch((error: unknown) => console.error(`Exitdesk: a refresh could not finish (${(error as NodeJS.ErrnoException | undefined)?.code ?? 'unknown error'}).`))
      .finally(() => {
        this.refreshing = undefined
        this.lastRefreshEndedAt = this.deps.clock.now()
      })
    return this.refreshing
  }

  async create(input: CreateHostInput): Promise<Host> {
    const existing = this.deps.ledger.read().hosts.find((h) => h.requestId === input.requestId)
    if (existing) return toHost(existing)

    const account = this.deps.accounts.record(input.accountId)
    const provisioner = this.deps.accounts.provisioner(account.cloud)
    const nameProblem = hostNameProblem(input.name, provisioner.manifest.nameRule)
    if (nameProblem) throw invalidInput('name', `name ${nameProblem}.`)
    const catalog = await this.deps.catalogs.get(account.id)
    const plan = catalog.plans.find((p) => p.id === input.plan)
    if (!catalog.regions.some((r) => r.id === input.region)) throw invalidInput('region', `region "${input.region}" is not offered by ${provisioner.manifest.label}.`)
    if (!plan) throw invalidInput('plan', `plan "${input.plan}" is not offered by ${provisioner.manifest.label}.`)
    if (plan.regions && !plan.regions.includes(input.region)) throw invalidInput('plan', `plan "${plan.id}" is not sold in region "${input.region}". Choose another plan or region.`)

    const token = generateTunnelToken()
    buildUserData({ ...input.tunnel, token }) // validates the tunnel settings before anything is stored
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
    await this.deps.ledger.update((data) => void data.hosts.push(record))
    this.changed()

    for (let step = 0; step < MAX_CREATE_STEPS; step++) {
      const error = await this.advance(id)
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
    if (this.stepping.has(record.id)) {
      throw new AppError({ code: 'conflict', message: 'This host is in the middle of a create step. Try again in a moment.', retryable: true })
    }
    await this.update(record.id, (host) => {
      host.phase = 'tearing-down'
      host.progress = undefined
      host.failures = 0
      host.nextAttemptAt = undefined
      host.lastError = undefined
      host.state = 'deleting'
    })
    this.changed()
    const error = await this.advance(record.id)
    const current = this.find(record.id)
    if (error && !error.retryable && current) return toHost(current)
    return current ? toHost(current) : { ...toHost(record), state: 'deleted', busy: false }
  }

  async clientCommand(hostId: string): Promise<ClientCommand> {
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
    return { command: buildClientCommand({ mode: record.tunnel.mode, ipv4: record.ipv4, domains: record.tunnel.domains, token }), token }
  }

  /** Starts the service's own refresh cadence: fast while anything is changing, slow otherwise. */
  start(): void {
    this.stopped = false
    this.schedule()
  }

  stop(): void {
    this.stopped = true
    if (this.tickHandle !== undefined) this.timers().clearTimeout(this.tickHandle)
    this.tickHandle = undefined
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
    return JSON.stringify([this.deps.ledger.read().hosts.map(toHost), [...this.accountErrors]])
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
      this.accountErrors.set(account.id, `${account.label}: ${describeError(info)}`)
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
   * create): only a 404 there means it is gone. Returns the ids of hosts confirmed gone.
   */
  private async confirmMissing(account: AccountRecord, records: HostRecord[], observations: Observation[]): Promise<Set<string>> {
    const seen = new Set(observations.map((o) => o.instanceId))
    const suspects = records.filter((r) => r.phase === 'created' && r.locator.instanceId && !seen.has(r.locator.instanceId))
    const gone = new Set<string>()
    if (suspects.length === 0) return gone
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
  private async advance(hostId: string): Promise<AppErrorInfo | undefined> {
    const record = this.find(hostId)
    if (!record || record.phase === 'created' || this.stepping.has(hostId)) return undefined
    this.stepping.add(hostId)
    try {
      const provisioner = this.deps.accounts.provisioner(record.cloud)
      const ctx = await this.deps.accounts.context(record.accountId)
      let result: StepResult
      if (record.phase === 'creating') {
        const spec = await this.specFor(record)
        result = await withDeadline((signal) => provisioner.provision(ctx, spec, record.locator, record.progress, signal))
      } else {
        result = await withDeadline((signal) => provisioner.delete(ctx, record.locator, record.progress, signal))
      }
      await this.applyStep(record, result)
      return undefined
    } catch (error) {
      const info = toErrorInfo(error)
      await this.recordFailure(hostId, info)
      return info
    } finally {
      this.stepping.delete(hostId)
      this.changed()
    }
  }

  private async applyStep(record: HostRecord, result: StepResult): Promise<void> {
    if (result.done && record.phase === 'tearing-down') {
      await this.deps.ledger.update((data) => {
        data.hosts = data.hosts.filter((h) => h.id !== record.id)
      })
      await this.tokens.forget(record.id)
      return
    }
    await this.update(record.id, (host) => {
      host.locator = result.locator
      host.progress = result.done ? undefined : result.progress
      host.failures = 0
      host.nextAttemptAt = undefined
      host.lastError = undefined
      if (result.done) {
        host.phase = 'created'
        host.rawStatus = 'created'
      }
      if (!result.done && result.waitingFor) host.rawStatus = `waiting for ${result.waitingFor}`
    })
  }

  private async recordFailure(hostId: string, info: AppErrorInfo): Promise<void> {
    const now = this.deps.clock.now()
    await this.deps.ledger.update((data) => {
      const host = data.hosts.find((h) => h.id === hostId)
      if (!host) return
      host.failures += 1
      host.lastError = describeError(info)
      host.nextAttemptAt = now + backoffMs(host.failures, info.retryAfterSeconds)
      if (host.phase === 'creating' && !info.retryable && !host.locator.instanceId) {
        // The cloud refused the create: remove whatever was made for it (e.g. a firewall), then the record.
        host.phase = 'tearing-down'
        host.progress = undefined
        host.nextAttemptAt = undefined
        host.state = 'error'
      }
    })
    const host = this.find(hostId)
    if (host && host.phase === 'tearing-down' && !host.locator.instanceId && host.locator.attached.length === 0) {
      await this.deps.ledger.update((data) => {
        data.hosts = data.hosts.filter((h) => h.id !== hostId)
      })
      await this.tokens.forget(hostId)
    }
  }

  private async specFor(record: HostRecord): Promise<ProvisionSpec> {
    const token = await this.tokens.read(record.id)
    if (!token) throw new AppError({ code: 'not-found', message: "This host's tunnel token is missing from the keychain, so it cannot be created.", retryable: false })
    return {
      hostId: record.id,
      name: record.name,
      region: record.region,
      plan: record.plan,
      userData: buildUserData({ ...record.tunnel, token }),
      tunnel: record.tunnel,
      tags: { app: APP_TAG, host: hostTag(record.id) },
    }
  }

  private async findByIp(accountId: string, ip: string): Promise<HostRecord | undefined> {
    const known = this.deps.ledger.read().hosts.find((h) => h.accountId === accountId && h.ipv4 === ip)
    if (known) return known
    // Not seen yet: one list call among this app's tagged hosts, then look again.
    await this.refreshAccount(this.deps.accounts.record(accountId))
    return this.deps.ledger.read().hosts.find((h) => h.accountId === accountId && h.ipv4 === ip)
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
