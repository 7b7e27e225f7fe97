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
import type { Registry } from '../clouds/registry'
import type { CloudContext, Provisioner } from '../clouds/types'
import type { SecretStore } from '../secrets/secret-store'
import type { Ledger } from '../store/ledger'
import type { AccountRecord } from '../store/records'
import { withDeadline } from '../deadline'

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
}

export class AccountService {
  constructor(private readonly deps: AccountServiceDeps) {}

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

  /** Everything an adapter needs for this account, credentials read from the keychain. */
  async context(accountId: string): Promise<CloudContext> {
    const record = this.record(accountId)
    const provisioner = this.provisioner(record.cloud)
    const credentials = provisioner.manifest.credentialFields.length === 0 ? {} : await this.readCredentials(record.id)
    return { accountId, credentials, endpoint: record.endpoint ?? provisioner.manifest.defaultEndpoint ?? '' }
  }

  async add(input: AddAccountInput): Promise<AccountInfo> {
    const provisioner = this.provisioner(input.cloud)
    const manifest = provisioner.manifest
    if (manifest.simulated) throw invalidInput('cloud', 'cloud: the simulated cloud is built in and needs no account.')
    const credentials = checkCredentials(input.credentials, manifest.credentialFields.map((f) => f.key))
    if (input.endpoint && !manifest.supportsEndpoint) throw invalidInput('endpoint', `endpoint cannot be changed for ${manifest.label}.`)
    const endpoint = input.endpoint ? checkEndpoint(input.endpoint) : undefined
    await this.requireKeyring()
    const id = randomUUID()
    const ctx: CloudContext = { accountId: id, credentials, endpoint: endpoint ?? manifest.defaultEndpoint ?? '' }
    const { accountName } = await withDeadline((signal) => provisioner.verify(ctx, signal))
    // The same provider account twice would list every host twice, and deleting the copies
    // would destroy the real hosts.
    const twin = this.deps.ledger.read().accounts.find((a) => a.cloud === input.cloud && a.accountName === accountName && (a.endpoint ?? '') === (endpoint ?? ''))
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
    }
    await this.deps.ledger.update((data) => void data.accounts.push(record))
    this.deps.onChange()
    return this.info(record)
  }

  async verify(accountId: string): Promise<AccountInfo> {
    const record = this.record(accountId)
    if (record.id === SIMULATED_ACCOUNT_ID) return this.info(record)
    const provisioner = this.provisioner(record.cloud)
    let outcome: Pick<AccountRecord, 'credential' | 'credentialMessage' | 'accountName'>
    try {
      const ctx = await this.context(accountId)
      const { accountName } = await withDeadline((signal) => provisioner.verify(ctx, signal))
      outcome = { credential: 'ok', credentialMessage: undefined, accountName }
    } catch (error) {
      outcome = { credential: 'failing', credentialMessage: describeError(toErrorInfo(error)), accountName: record.accountName }
    }
    const updated = await this.deps.ledger.update((data) => {
      const target = data.accounts.find((a) => a.id === accountId)
      if (target) Object.assign(target, outcome)
      return target
    })
    this.deps.onChange()
    return this.info(updated ?? record)
  }

  /**
   * Replaces the credential of an account (a rotated token, or one given the scopes it lacked).
   * It is verified first, and must belong to the same provider account: hosts recorded under
   * this account must stay reachable with it.
   */
  async updateCredential(accountId: string, given: Record<string, string>): Promise<AccountInfo> {
    const record = this.record(accountId)
    if (record.id === SIMULATED_ACCOUNT_ID) throw invalidInput('accountId', 'accountId: the simulated cloud needs no credential.')
    const provisioner = this.provisioner(record.cloud)
    const credentials = checkCredentials(given, provisioner.manifest.credentialFields.map((f) => f.key))
    await this.requireKeyring()
    const ctx: CloudContext = { accountId, credentials, endpoint: record.endpoint ?? provisioner.manifest.defaultEndpoint ?? '' }
    const { accountName } = await withDeadline((signal) => provisioner.verify(ctx, signal))
    if (record.accountName && accountName !== record.accountName) {
      const field = `credentials.${provisioner.manifest.credentialFields[0]?.key ?? 'token'}`
      throw invalidInput(field, `${field} belongs to another ${provisioner.manifest.label} account (${accountName}), not ${record.accountName}. Add it as a new account instead.`)
    }
    await this.deps.secrets.set(secretKey(accountId), JSON.stringify(credentials))
    const updated = await this.deps.ledger.update((data) => {
      const target = data.accounts.find((a) => a.id === accountId)
      if (target) Object.assign(target, { credential: 'ok', credentialMessage: undefined, accountName })
      return target
    })
    this.deps.onChange()
    return this.info(updated ?? record)
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
    await this.deps.ledger.update((data) => {
      data.accounts = data.accounts.filter((a) => a.id !== accountId)
    })
    this.deps.onChange()
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
      if (parsed && typeof parsed === 'object' && Object.values(parsed).every((v) => typeof v === 'string')) return parsed as Record<string, string>
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
  return `account:${accountId}`
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

/** Exactly the manifest's fields, each non-empty: a missing or unexpected field is named. */
function checkCredentials(given: Record<string, string>, expected: string[]): Record<string, string> {
  for (const key of expected) {
    if (!given[key]?.trim()) throw invalidInput(`credentials.${key}`, `credentials.${key} is required.`)
  }
  for (const key of Object.keys(given)) {
    if (!expected.includes(key)) throw invalidInput(`credentials.${key}`, `credentials.${key} is not a field of this cloud.`)
  }
  return Object.fromEntries(expected.map((key) => [key, given[key]!.trim()]))
}
