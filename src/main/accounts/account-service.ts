/**
 * Cloud accounts: the label and endpoint live in the ledger, the credential in the OS keychain.
 * A credential is verified with a cheap API call before it is saved. The renderer only ever
 * learns that an account exists, its label, and whether its credential works.
 */
import { randomUUID } from 'node:crypto'
import type { z } from 'zod'
import type { addAccountInputSchema } from '../../shared/contract'
import type { AccountInfo, CloudId } from '../../shared/domain'
import { AppError, invalidInput, toErrorInfo, describeError } from '../../shared/errors'
import type { Clock } from '../clock'
import { BudgetRegistry, type RequestPriority } from '../clouds/budget'
import type { Registry } from '../clouds/registry'
import type { AccountIdentity, CloudContext, Provisioner } from '../clouds/types'
import { redactor } from '../redact'
import type { SecretStore } from '../secrets/secret-store'
import type { Ledger } from '../store/ledger'
import type { AccountRecord } from '../store/records'
import { withDeadline } from '../deadline'
import { log } from '../log'
import { accountMetaKey, credentialKey, saveAccountMeta } from './keychain-details'
import { identityMismatchMessage, ProofCache, unknownIdentityMessage, unseenHostsMessage, type IdentityProof } from './identity-proof'

export const SIMULATED_ACCOUNT_ID = 'simulated'

const SIMULATED_ACCOUNT: AccountRecord = {
  id: SIMULATED_ACCOUNT_ID,
  cloud: 'simulator',
  label: 'Simulated cloud (no account needed)',
  createdAt: new Date(0).toISOString(),
  credential: 'none',
}

export type AddAccountInput = z.output<typeof addAccountInputSchema>

export interface AccountServiceDeps {
  ledger: Ledger
  secrets: SecretStore
  registry: Registry
  clock: Clock
  onChange: () => void
  /** One request budget per account (clouds/budget.ts); made here when not given. */
  budgets?: BudgetRegistry
}

export class AccountService {
  private readonly proofs = new ProofCache()
  /** Every request to an account's cloud passes its budget here; the host service paces by it. */
  readonly budgets: BudgetRegistry

  constructor(private readonly deps: AccountServiceDeps) {
    this.budgets = deps.budgets ?? new BudgetRegistry(deps.clock)
  }

  list(): AccountInfo[] {
    return this.records().map((record) => this.info(record))
  }

  records(): AccountRecord[] {
    return [SIMULATED_ACCOUNT, ...this.deps.ledger.read().accounts]
  }

  record(accountId: string): AccountRecord {
    const record = this.records().find((a) => a.id === accountId)
    if (!record) throw invalidInput('accountId', 'accountId does not name an account. It may have been removed.')
    return record
  }

  provisioner(cloud: CloudId): Provisioner {
    const provisioner = this.deps.registry.get(cloud)
    if (!provisioner) throw invalidInput('cloud', `cloud "${cloud}" is not offered by this version of Exitdesk.`)
    return provisioner
  }

  /**
   * Everything an adapter needs for this account, credentials read from the keychain, and the
   * account's request budget. `priority: 'user'` for what the user asked for just now (a create
   * or delete click, verify, the catalogue): it may use the room kept for clicks.
   */
  async context(accountId: string, options: { priority?: RequestPriority } = {}): Promise<CloudContext> {
    const record = this.record(accountId)
    const provisioner = this.provisioner(record.cloud)
    const credentials = provisioner.manifest.credentialFields.length === 0 ? {} : await this.readCredentials(record.id)
    const budget = this.budgets.for(record.id, provisioner.manifest)
    return { accountId, credentials, endpoint: record.endpoint ?? provisioner.manifest.defaultEndpoint ?? '', budget, priority: options.priority ?? 'background' }
  }

  async add(input: AddAccountInput): Promise<AccountInfo> {
    const provisioner = this.provisioner(input.cloud)
    const manifest = provisioner.manifest
    if (manifest.simulated) throw invalidInput('cloud', 'cloud: the simulated cloud is built in and needs no account.')
    const credentials = checkCredentials(input.credentials, manifest.credentialFields)
    redactor.rememberAll(secretValues(credentials, manifest.credentialFields)) // before verify: a refused token may come back quoted in the 401
    if (input.endpoint && !manifest.supportsEndpoint) throw invalidInput('endpoint', `endpoint cannot be changed for ${manifest.label}.`)
    const endpoint = input.endpoint ? checkEndpoint(input.endpoint) : undefined
    await this.requireKeyring()
    const id = randomUUID()
    const ctx: CloudContext = { accountId: id, credentials, endpoint: endpoint ?? manifest.defaultEndpoint ?? '' }
    const { identity, accountName } = await withDeadline((signal) => provisioner.verify(ctx, signal))
    // The same provider account twice would list every host twice, and deleting the copies
    // would destroy the real hosts. "The same" is the provider's immutable id, not the e-mail:
    // one person's e-mail is shared by every DigitalOcean team they belong to.
    const twin = await this.findTwin(input.cloud, endpoint, identity)
    if (twin) throw new AppError({ code: 'conflict', field: 'credentials', message: `This ${manifest.label} account (${accountName}) is already added as "${twin.label}".`, retryable: false })
    await this.deps.secrets.set(secretKey(id), JSON.stringify(credentials))
    const record: AccountRecord = {
      id,
      cloud: input.cloud,
      label: input.label,
      endpoint,
      createdAt: new Date(this.deps.clock.now()).toISOString(),
      credential: 'ok',
      accountName,
      identity,
    }
    await this.deps.ledger.update((data) => void data.accounts.push(record))
    await this.keepDetails(record)
    this.proofs.set(id, credentials, this.deps.clock.now(), { proven: true })
    this.deps.onChange()
    return this.info(record)
  }

  async verify(accountId: string): Promise<AccountInfo> {
    const record = this.record(accountId)
    if (record.id === SIMULATED_ACCOUNT_ID) return this.info(record)
    const provisioner = this.provisioner(record.cloud)
    let outcome: Pick<AccountRecord, 'credential' | 'credentialMessage' | 'accountName' | 'identity'>
    try {
      const ctx = await this.context(accountId, { priority: 'user' })
      const found = await withDeadline((signal) => provisioner.verify(ctx, signal))
      if (record.identity && found.identity !== record.identity) {
        // The keychain entry was replaced outside Exitdesk: never adopt the other account.
        this.proofs.forget(accountId)
        outcome = { credential: 'failing', credentialMessage: this.mismatchMessage(record, found), accountName: record.accountName, identity: record.identity }
      } else {
        // A ledger written before identities were kept learns it here, from the user's own check.
        outcome = { credential: 'ok', credentialMessage: undefined, accountName: found.accountName, identity: found.identity }
        this.proofs.set(accountId, ctx.credentials, this.deps.clock.now(), { proven: true })
      }
    } catch (error) {
      const info = toErrorInfo(error)
      // "Slow down" says nothing about the credential: the check is refused, the account stays as it was.
      if (info.code === 'rate-limited') throw error
      outcome = { credential: 'failing', credentialMessage: describeError(info), accountName: record.accountName, identity: record.identity }
    }
    const updated = await this.deps.ledger.update((data) => {
      const target = data.accounts.find((a) => a.id === accountId)
      if (target) Object.assign(target, outcome)
      return target
    })
    if (updated?.credential === 'ok') await this.keepDetails(updated)
    this.deps.onChange()
    return this.info(updated ?? record)
  }

  /**
   * Replaces the credential of an account (a rotated token, or one given the scopes it lacked).
   * It is verified first, and must act in the same provider account (the manifest's
   * `identity`, e.g. the same DigitalOcean team, not merely the same e-mail): hosts recorded
   * under this account must stay reachable with it.
   */
  async updateCredential(accountId: string, given: Record<string, string>): Promise<AccountInfo> {
    const record = this.record(accountId)
    if (record.id === SIMULATED_ACCOUNT_ID) throw invalidInput('accountId', 'accountId: the simulated cloud needs no credential.')
    const provisioner = this.provisioner(record.cloud)
    const credentials = checkCredentials(given, provisioner.manifest.credentialFields)
    redactor.rememberAll(secretValues(credentials, provisioner.manifest.credentialFields)) // before verify: a refused token may come back quoted in the 401
    await this.requireKeyring()
    const ctx: CloudContext = { accountId, credentials, endpoint: record.endpoint ?? provisioner.manifest.defaultEndpoint ?? '' }
    const found = await withDeadline((signal) => provisioner.verify(ctx, signal))
    const recorded = await this.recordedIdentity(record, provisioner)
    if (found.identity !== recorded.identity) {
      const field = `credentials.${provisioner.manifest.credentialFields[0]?.key ?? 'token'}`
      throw invalidInput(
        field,
        `${field} belongs to another ${provisioner.manifest.label} ${provisioner.manifest.identity.label}, ${found.accountName}, not ${recorded.accountName}. Add it as a new account instead.`,
      )
    }
    await this.deps.secrets.set(secretKey(accountId), JSON.stringify(credentials))
    const updated = await this.deps.ledger.update((data) => {
      const target = data.accounts.find((a) => a.id === accountId)
      if (target) Object.assign(target, { credential: 'ok', credentialMessage: undefined, accountName: found.accountName, identity: found.identity })
      return target
    })
    await this.keepDetails(updated)
    this.proofs.set(accountId, credentials, this.deps.clock.now(), { proven: true })
    this.deps.onChange()
    return this.info(updated ?? record)
  }

  /**
   * Whether the account's current credential acts in the account recorded (its `identity`).
   * Asked before any host leaves the table because the cloud no longer shows it; cached per
   * credential (identity-proof.ts). When the user must look (another account's credential, or
   * no identity recorded yet) the account is marked failing with the reason; `unseenHosts` is
   * how many of its hosts the last list missed when it missed them all, for that sentence.
   * The simulator has no credential to mix up: always proven.
   */
  async proveIdentity(accountId: string, options: { unseenHosts?: number } = {}): Promise<IdentityProof> {
    const record = this.record(accountId)
    const provisioner = this.provisioner(record.cloud)
    if (provisioner.manifest.credentialFields.length === 0) return { proven: true }
    let ctx: CloudContext
    try {
      ctx = await this.context(accountId)
    } catch (error) {
      return { proven: false, attention: false, error: toErrorInfo(error) }
    }
    const now = this.deps.clock.now()
    let proof = this.proofs.get(accountId, ctx.credentials, now)
    if (!proof) {
      if (!record.identity) {
        proof = { proven: false, attention: true, message: unknownIdentityMessage(provisioner.manifest.identity.label) }
      } else {
        try {
          const found = await withDeadline((signal) => provisioner.verify(ctx, signal))
          proof = found.identity === record.identity ? { proven: true } : { proven: false, attention: true, message: this.mismatchMessage(record, found) }
        } catch (error) {
          // Not cached: the next refresh asks again.
          return { proven: false, attention: false, error: toErrorInfo(error) }
        }
      }
      this.proofs.set(accountId, ctx.credentials, now, proof)
    }
    if (!proof.proven && proof.attention) {
      const message = options.unseenHosts ? unseenHostsMessage(options.unseenHosts, proof.message) : proof.message
      await this.markFailing(accountId, message)
      return { ...proof, message }
    }
    return proof
  }

  /**
   * Records the identity of an account from a ledger written before identities were kept. The
   * host service calls it only when the current credential demonstrably reaches this account
   * (its list showed one of the account's own instances, or the account has no hosts to lose).
   * A failure is left for the next refresh.
   */
  async learnIdentity(accountId: string): Promise<void> {
    const record = this.record(accountId)
    if (record.identity || record.id === SIMULATED_ACCOUNT_ID) return
    const provisioner = this.provisioner(record.cloud)
    try {
      const ctx = await this.context(accountId)
      const found = await withDeadline((signal) => provisioner.verify(ctx, signal))
      await this.deps.ledger.update((data) => {
        const target = data.accounts.find((a) => a.id === accountId)
        if (target && !target.identity) Object.assign(target, { identity: found.identity, accountName: found.accountName })
      })
      this.proofs.set(accountId, ctx.credentials, this.deps.clock.now(), { proven: true })
    } catch {
      // Not known yet; asked again on the next refresh that shows the credential reaches the account.
    }
  }

  /** A cloud refused this account's credential during a refresh or a step (401/403): show it. */
  async markFailing(accountId: string, message: string): Promise<void> {
    const record = this.deps.ledger.read().accounts.find((a) => a.id === accountId)
    if (!record || (record.credential === 'failing' && record.credentialMessage === message)) return
    await this.deps.ledger.update((data) => {
      const target = data.accounts.find((a) => a.id === accountId)
      if (target) Object.assign(target, { credential: 'failing', credentialMessage: message })
    })
    this.deps.onChange()
  }

  /** Removes the account and its keychain entry. Refused while it still has hosts: they would be orphaned and keep billing. */
  async remove(accountId: string, hostCount: number): Promise<void> {
    const record = this.record(accountId)
    if (record.id === SIMULATED_ACCOUNT_ID) throw invalidInput('accountId', 'accountId: the simulated cloud is built in and cannot be removed.')
    if (hostCount > 0) {
      throw new AppError({ code: 'conflict', message: `This account still has ${hostCount} host(s). Delete them first, so nothing is left running and billed.`, retryable: false })
    }
    await this.deps.secrets.delete(secretKey(accountId))
    // After the credential: details left without one are never taken for an account (keychain-details.ts).
    await this.deps.secrets.delete(accountMetaKey(accountId)).catch(() => false)
    await this.deps.ledger.update((data) => {
      data.accounts = data.accounts.filter((a) => a.id !== accountId)
    })
    this.deps.onChange()
  }

  /**
   * An account already added for the same provider account (same identity, same endpoint).
   * A record from before identities were kept learns its identity from its stored credential
   * first; one whose credential no longer answers cannot be compared and is not a twin.
   */
  private async findTwin(cloud: CloudId, endpoint: string | undefined, identity: string): Promise<AccountRecord | undefined> {
    const provisioner = this.provisioner(cloud)
    for (const record of this.deps.ledger.read().accounts) {
      if (record.cloud !== cloud || (record.endpoint ?? '') !== (endpoint ?? '')) continue
      const known = record.identity ?? (await this.recordedIdentity(record, provisioner).catch(() => undefined))?.identity
      if (known === identity) return record
    }
    return undefined
  }

  /**
   * The identity recorded for an account; a ledger written before identities were kept learns
   * it from the STORED credential (the one its hosts were created with), never from the
   * credential being offered. When that credential no longer answers, there is nothing to
   * compare a new one with, and the caller is refused in plain words.
   */
  private async recordedIdentity(record: AccountRecord, provisioner: Provisioner): Promise<AccountIdentity> {
    const shown = record.accountName ?? `"${record.label}"`
    if (record.identity) return { identity: record.identity, accountName: shown }
    let learned: AccountIdentity
    try {
      const ctx = await this.context(record.id)
      learned = await withDeadline((signal) => provisioner.verify(ctx, signal))
    } catch (error) {
      throw new AppError({
        code: 'conflict',
        message:
          `Exitdesk added "${record.label}" before it recorded which ${provisioner.manifest.label} ${provisioner.manifest.identity.label} an account is, ` +
          `and the credential it has for it does not answer now (${describeError(toErrorInfo(error))}), so it cannot tell whether the new one belongs to the same ${provisioner.manifest.identity.label}. ` +
          `Add the new credential as an account of its own.`,
        retryable: true,
      })
    }
    await this.deps.ledger.update((data) => {
      const target = data.accounts.find((a) => a.id === record.id)
      if (target && !target.identity) target.identity = learned.identity
    })
    return { identity: learned.identity, accountName: record.accountName ?? learned.accountName }
  }

  private mismatchMessage(record: AccountRecord, found: AccountIdentity): string {
    const manifest = this.provisioner(record.cloud).manifest
    return identityMismatchMessage({ identityLabel: manifest.identity.label, found: found.accountName, recorded: record.accountName ?? `"${record.label}"` })
  }

  /**
   * Keeps a copy of the account's details beside its credential in the keychain, so a damaged
   * ledger can be rebuilt from it (keychain-details.ts). Nothing secret; a failure here is
   * logged and never fails the call that changed the account.
   */
  private async keepDetails(record: AccountRecord | undefined): Promise<void> {
    if (!record || record.id === SIMULATED_ACCOUNT_ID) return
    await saveAccountMeta(this.deps.secrets, record).catch(() => log.warn("Exitdesk: an account's details could not be copied to the keychain; they are in the ledger."))
  }

  private async requireKeyring(): Promise<void> {
    const keyring = await this.deps.secrets.available()
    if (!keyring.available) {
      throw new AppError({ code: 'keyring-unavailable', message: keyring.message ?? 'No system keyring is available, so Exitdesk cannot store cloud credentials.', retryable: false })
    }
  }

  private async readCredentials(accountId: string): Promise<Record<string, string>> {
    const missing = new AppError({ code: 'unauthorized', message: "This account's credential is missing or unreadable in the system keychain. Enter it again with \"Replace credential\".", retryable: false })
    const stored = await this.deps.secrets.get(secretKey(accountId))
    if (!stored) throw missing
    try {
      const parsed = JSON.parse(stored) as unknown
      if (parsed && typeof parsed === 'object' && Object.values(parsed).every((v) => typeof v === 'string')) {
        // After a restart, main learns the credential here (every value, when the cloud is not offered any more).
        const cloud = this.deps.ledger.read().accounts.find((a) => a.id === accountId)?.cloud
        const fields = cloud ? this.deps.registry.get(cloud)?.manifest.credentialFields : undefined
        redactor.rememberAll(fields ? secretValues(parsed as Record<string, string>, fields) : (parsed as Record<string, string>))
        return parsed as Record<string, string>
      }
    } catch {
      // Fall through: an entry changed outside Exitdesk is treated like a missing one.
    }
    throw missing
  }

  private info(record: AccountRecord): AccountInfo {
    return {
      id: record.id,
      cloud: record.cloud,
      label: record.label,
      endpoint: record.endpoint,
      credential: record.credential,
      credentialMessage: record.credentialMessage,
      builtIn: record.id === SIMULATED_ACCOUNT_ID,
    }
  }
}

function secretKey(accountId: string): string {
  return credentialKey(accountId)
}

/**
 * The credential travels to this address, so it must be https — except a test server on this
 * computer's loopback, which is how the tests point an account at a fake cloud.
 */
function checkEndpoint(endpoint: string): string {
  const url = new URL(endpoint)
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)
  if (url.protocol !== 'https:' && !loopback) {
    throw invalidInput('endpoint', 'endpoint must start with https:// (plain http is only allowed for a test server on 127.0.0.1).')
  }
  if (url.username || url.password || url.search || url.hash) throw invalidInput('endpoint', 'endpoint must be a plain address, without user name, query or fragment.')
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`
}

/** The values to redact: every field but those the manifest marks `public` (identifiers the provider prints itself). */
function secretValues(credentials: Record<string, string>, fields: ReadonlyArray<{ key: string; public?: boolean }>): Record<string, string> {
  const shown = new Set(fields.filter((field) => field.public).map((field) => field.key))
  return Object.fromEntries(Object.entries(credentials).filter(([key]) => !shown.has(key)))
}

/** Exactly the manifest's fields, each non-empty: a missing or unexpected field is named. */
function checkCredentials(given: Record<string, string>, fields: ReadonlyArray<{ key: string; optional?: boolean }>): Record<string, string> {
  const expected = fields.map((field) => field.key)
  for (const field of fields) {
    if (!field.optional && !given[field.key]?.trim()) throw invalidInput(`credentials.${field.key}`, `credentials.${field.key} is required.`)
  }
  for (const key of Object.keys(given)) {
    if (!expected.includes(key)) throw invalidInput(`credentials.${key}`, `credentials.${key} is not a field of this cloud.`)
  }
  // An optional field left empty is not stored at all.
  return Object.fromEntries(expected.filter((key) => given[key]?.trim()).map((key) => [key, given[key]!.trim()]))
}
