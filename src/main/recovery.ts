/**
 * After the ledger was found damaged at start (store/ledger.ts kept the old file, used the
 * backup, set single bad records aside), the keychain fills the gaps: every account whose
 * credential is still there, with the details kept beside it (accounts/keychain-details.ts),
 * comes back. Hosts come back from their clouds by their tags, and take back their tunnel
 * settings and token from the keychain (hosts/reclaim.ts). The user is told all of it in a few
 * sentences (AppStatus.ledgerRecovery), never a stack trace.
 *
 * `keepKeychainDetails` writes those keychain details for accounts and hosts recorded before
 * they were kept, so the next damaged ledger can be recovered too.
 */
import type { LedgerRecovery } from '../shared/domain'
import { AppError } from '../shared/errors'
import { accountsInKeychain, accountsMissingMeta, saveAccountMeta, type KeychainAccounts } from './accounts/keychain-details'
import { detailsKeyFor, keyFor, TunnelTokens } from './hosts/tunnel-tokens'
import { log } from './log'
import type { SecretStore } from './secrets/secret-store'
import type { Ledger } from './store/ledger'

/** A locked keyring may wait for a password prompt; start-up does not wait longer than this. */
const KEYCHAIN_WAIT_MS = 20_000

/** Recovers what the keychain holds after a damaged ledger; undefined when the ledger loaded cleanly. */
export async function recoverDamagedLedger(ledger: Ledger, secrets: SecretStore, options: { waitMs?: number } = {}): Promise<LedgerRecovery | undefined> {
  const report = ledger.recovery
  if (!report) return undefined

  let found: KeychainAccounts = { accounts: [], withoutDetails: 0 }
  let keychainProblem: string | undefined
  try {
    const known = new Set(ledger.read().accounts.map((a) => a.id))
    found = await withTimeout(accountsInKeychain(secrets, known), options.waitMs ?? KEYCHAIN_WAIT_MS)
  } catch (error) {
    keychainProblem = error instanceof AppError ? error.info.message : 'the keychain did not answer in time.'
  }
  const withoutDetails = found.withoutDetails
  const recovered =
    found.accounts.length === 0
      ? 0
      : await ledger.update((data) => {
          let added = 0
          for (const account of found.accounts) {
            // Never two records of one provider account (every host would be listed twice): an
            // account added again after an earlier loss keeps its place, its old entry is not revived.
            const twin = data.accounts.some((a) => a.id === account.id || (account.identity !== undefined && a.cloud === account.cloud && (a.endpoint ?? '') === (account.endpoint ?? '') && a.identity === account.identity))
            if (twin) continue
            data.accounts.push(account)
            added += 1
          }
          return added
        })

  const quarantined = (report.quarantined?.accounts ?? 0) + (report.quarantined?.hosts ?? 0)
  const sentences: string[] = []
  if (report.unreadable) {
    sentences.push(`Exitdesk could not read its records (${report.unreadable.reason}). The unreadable file was kept at ${report.unreadable.keptAt}.`)
    if (report.restoredFrom) sentences.push(`Accounts and hosts were restored from the copy saved before the last change (${report.restoredFrom}).`)
  }
  if (report.quarantined && quarantined > 0) {
    // Records are only set aside from a file that was read: the records file, or (when that was unreadable) the backup.
    const what = [count(report.quarantined.accounts, 'account record'), count(report.quarantined.hosts, 'host record')].filter(Boolean).join(' and ')
    const where = report.unreadable ? 'in that copy' : 'in its records'
    sentences.push(`Exitdesk could not read ${what} ${where}; ${quarantined === 1 ? 'it was' : 'they were'} kept as found in ${report.quarantined.file}.`)
  }
  const lostHosts = (report.unreadable && !report.restoredFrom) || (report.quarantined?.hosts ?? 0) > 0
  const lostAccounts = (report.unreadable && !report.restoredFrom) || (report.quarantined?.accounts ?? 0) > 0
  const recovery: string[] = []
  if (keychainProblem) {
    if (lostAccounts) {
      sentences.push(`No account could be recovered from the keychain: ${lowerFirst(keychainProblem)}`)
      recovery.push('add your accounts again once it can be used')
    }
  } else if (recovered > 0 || lostAccounts) {
    recovery.push(recovered > 0 ? `recovered ${count(recovered, 'account')} from the keychain` : 'the keychain held no account to recover, so add your accounts again')
  }
  if (withoutDetails > 0 && lostAccounts && !keychainProblem) {
    recovery.push(`${count(withoutDetails, 'credential')} in the keychain ${withoutDetails === 1 ? 'was' : 'were'} saved by an older version without ${withoutDetails === 1 ? 'its' : 'their'} account's details, so add ${withoutDetails === 1 ? 'that account' : 'those accounts'} again`)
  }
  if (lostHosts) recovery.push('hosts will reappear from their clouds')
  if (recovery.length > 0) sentences.push(`${capitalize(recovery.join('; '))}.`)

  const message = sentences.join(' ')
  log.warn(message)
  return {
    message,
    file: report.unreadable?.keptAt,
    quarantineFile: report.quarantined?.file,
    quarantined,
    accountsRecovered: recovered,
    restoredFromBackup: report.restoredFrom !== undefined,
  }
}

/**
 * Copies into the keychain the details of accounts and hosts recorded before they were kept
 * there (one list of the keychain's keys, then a write per missing entry). Failures are left
 * for the next start: nothing depends on it but a future recovery.
 */
export async function keepKeychainDetails(ledger: Ledger, secrets: SecretStore): Promise<void> {
  const { accounts, hosts } = ledger.read()
  const ownHosts = hosts.filter((h) => !h.discovered && h.phase !== 'tearing-down')
  if (accounts.length === 0 && ownHosts.length === 0) return
  const keys = new Set(await secrets.list())
  for (const id of accountsMissingMeta(keys, accounts.map((a) => a.id))) {
    const record = ledger.read().accounts.find((a) => a.id === id)
    if (record) await saveAccountMeta(secrets, record)
  }
  const tokens = new TunnelTokens(secrets)
  for (const host of ownHosts) {
    if (keys.has(keyFor(host.id)) && !keys.has(detailsKeyFor(host.id))) await tokens.storeDetails(host.id, { tunnel: host.tunnel, monthlyCostUsd: host.monthlyCostUsd })
  }
}

function count(n: number, noun: string): string {
  if (n === 0) return ''
  return `${n} ${noun}${n === 1 ? '' : 's'}`
}

function lowerFirst(text: string): string {
  return /^[A-Z][a-z]/.test(text) ? text.charAt(0).toLowerCase() + text.slice(1) : text
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), ms)
    timer.unref?.()
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
