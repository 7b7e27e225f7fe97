/**
 * Refresh of one account: one list-by-tag call per scope the adapter names, a by-id check of
 * the hosts the list missed, and the fold of what was seen into the ledger (./merge.ts).
 * Keeps per-account back-off and the account's last list error for the table.
 */
import type { AppErrorInfo } from '../../shared/errors'
import { describeError, toErrorInfo } from '../../shared/errors'
import type { AccountService } from '../accounts/account-service'
import type { Clock } from '../clock'
import type { Observation } from '../clouds/types'
import { withDeadline } from '../deadline'
import type { Ledger } from '../store/ledger'
import type { AccountRecord, HostRecord } from '../store/records'
import { backoffMs } from './backoff'
import { listAllowed } from './pacing'
import { mergeObservations, type MergeContext } from './merge'
import { reclaimDiscovered } from './reclaim'
import { APP_TAG } from './tags'
import type { TunnelTokens } from './tunnel-tokens'

/** Lists are remembered for the longest window a cloud documents (DigitalOcean: an hour). */
const LIST_MEMORY_MS = 60 * 60_000

/** How long a torn-down host's id is remembered: an instance carrying its tag after that is a late create's leftover. */
export const RETIRED_MEMORY_MS = 60 * 60_000

export interface AccountRefresherDeps {
  ledger: Ledger
  accounts: AccountService
  clock: Clock
  tokens: TunnelTokens
  /** Called with a list's failure, e.g. to mark the account's credential as failing on a 401. */
  onFailure: (accountId: string, info: AppErrorInfo) => Promise<void>
}

export class AccountRefresher {
  /** Per account: the last list failure, as the sentence the table shows. */
  private readonly errors = new Map<string, string>()
  /** Goes up by one whenever `errors` changes, so the snapshot's version can tell without comparing. */
  errorsRevision = 0
  /** Per account: consecutive failed lists and the time before which it is not asked again. */
  private readonly backoff = new Map<string, { failures: number; retryAt: number }>()
  /** Hosts torn down lately, by id, with when. */
  private readonly retired = new Map<string, number>()
  /** Per account: its lists of the last hour, when and how many requests each took (its pages), oldest first. */
  private readonly lists = new Map<string, Array<{ at: number; requests: number }>>()

  constructor(private readonly deps: AccountRefresherDeps) {}

  /** The accounts to list now: those with hosts or a working credential, and not backing off. */
  dueAccounts(hosts: HostRecord[], now: number): AccountRecord[] {
    const known = new Set(this.deps.accounts.records().map((a) => a.id))
    for (const id of this.errors.keys()) if (!known.has(id)) this.clearError(id)
    for (const id of this.backoff.keys()) if (!known.has(id)) this.backoff.delete(id)
    return (
      this.deps.accounts
        .records()
        .filter((a) => a.credential !== 'failing' || hosts.some((h) => h.accountId === a.id))
        // A provider that said "slow down" (or is failing) is left alone until its back-off ends.
        .filter((a) => (this.backoff.get(a.id)?.retryAt ?? 0) <= now)
        // Polling (every window, every tab, the service's own tick) uses at most its share of the account's limits.
        .filter((a) => this.paced(a.id, now))
    )
  }

  /** Accounts whose last list failed, with the sentence the table shows. */
  accountErrors(): Array<{ accountId: string; message: string }> {
    return [...this.errors].map(([accountId, message]) => ({ accountId, message }))
  }

  private setError(accountId: string, message: string): void {
    if (this.errors.get(accountId) === message) return
    this.errors.set(accountId, message)
    this.errorsRevision += 1
  }

  private clearError(accountId: string): void {
    if (this.errors.delete(accountId)) this.errorsRevision += 1
  }

  /** Requests the account's last list took (its pages); 1 before the first. */
  requestsPerList(accountId: string): number {
    return this.lists.get(accountId)?.at(-1)?.requests ?? 1
  }

  /** Whether the account may be listed now (./pacing.ts `listAllowed`), and its budget has room for the list. */
  private paced(accountId: string, now: number): boolean {
    const budget = this.deps.accounts.budgets.get(accountId)
    if (!budget) return true
    if (!listAllowed(this.lists.get(accountId) ?? [], budget.windows(), now)) return false
    // No room for the list now: leave it for a later refresh instead of failing it.
    return budget.room('background') >= this.requestsPerList(accountId)
  }

  private noteList(accountId: string, requests: number): void {
    const now = this.deps.clock.now()
    const lists = (this.lists.get(accountId) ?? []).filter((list) => now - list.at < LIST_MEMORY_MS)
    lists.push({ at: now, requests })
    this.lists.set(accountId, lists)
  }

  /** The account's credential was fixed: ask it again at once. */
  forgive(accountId: string): void {
    this.backoff.delete(accountId)
    this.clearError(accountId)
  }

  /** Remembers a torn-down host for a while, so an instance a late create makes for it is recognised and removed. */
  retire(hostId: string): void {
    const now = this.deps.clock.now()
    this.retired.set(hostId, now)
    for (const [id, at] of this.retired) if (now - at > RETIRED_MEMORY_MS) this.retired.delete(id)
  }

  async refresh(account: AccountRecord): Promise<void> {
    const records = this.deps.ledger.read().hosts.filter((h) => h.accountId === account.id)
    let observations: Observation[]
    const sentBefore = this.deps.accounts.budgets.get(account.id)?.sent ?? 0
    try {
      observations = await this.observe(account, records)
      this.noteList(account.id, Math.max(1, (this.deps.accounts.budgets.get(account.id)?.sent ?? 0) - sentBefore))
      this.clearError(account.id)
      this.backoff.delete(account.id)
    } catch (error) {
      const info = toErrorInfo(error)
      const failures = (this.backoff.get(account.id)?.failures ?? 0) + 1
      this.backoff.set(account.id, { failures, retryAt: this.deps.clock.now() + backoffMs(failures, info.retryAfterSeconds) })
      this.setError(account.id, describeError(info))
      await this.deps.onFailure(account.id, info)
      return
    }
    const missing = await this.confirmMissing(account, records, observations)
    await this.deps.ledger.update((data) => mergeObservations(data.hosts, account, observations, this.mergeContext(account, missing)))
    await reclaimDiscovered(this.deps.ledger, this.deps.tokens)
  }

  /**
   * The host with this IP in the account: from the ledger, else from one list among this app's
   * tagged hosts. Its errors reach the caller as they are (a 401 is not "no such host").
   */
  async findByIp(accountId: string, ip: string): Promise<HostRecord | undefined> {
    const known = this.deps.ledger.read().hosts.find((h) => h.accountId === accountId && h.ipv4 === ip)
    if (known) return known
    const account = this.deps.accounts.record(accountId)
    const records = this.deps.ledger.read().hosts.filter((h) => h.accountId === accountId)
    const observations = await this.observe(account, records, 'user')
    const match = observations.find((o) => o.ipv4 === ip)
    if (!match) return undefined
    await this.deps.ledger.update((data) => mergeObservations(data.hosts, account, observations, this.mergeContext(account, new Set())))
    return this.deps.ledger.read().hosts.find((h) => h.accountId === accountId && h.locator.instanceId === match.instanceId)
  }

  /** One list-by-tag call per scope the adapter names for this account's hosts. */
  private async observe(account: AccountRecord, records: HostRecord[], priority: 'user' | 'background' = 'background'): Promise<Observation[]> {
    const provisioner = this.deps.accounts.provisioner(account.cloud)
    const ctx = await this.deps.accounts.context(account.id, { priority })
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

  private mergeContext(account: AccountRecord, gone: Set<string>): MergeContext {
    const { manifest } = this.deps.accounts.provisioner(account.cloud)
    return { gone, now: this.deps.clock.now(), retired: new Set(this.retired.keys()), cloudLabel: manifest.label, plans: manifest.plans }
  }
}
