/**
 * What the keychain holds per account, and how accounts are found again from it when the ledger
 * was damaged:
 *
 *   account:<id>        the credential fields, as JSON (secret)
 *   account:<id>:meta   a copy of the account's details from the ledger (cloud, label, endpoint,
 *                       createdAt, identity, accountName), as JSON — nothing secret, kept beside
 *                       the credential so that a credential is never stranded without them
 *
 * The copy is written when an account is added, its credential replaced or verified, and
 * deleted with the account; ../recovery.ts writes it for accounts added before it was kept.
 */
import { z } from 'zod'
import { CLOUD_IDS } from '../../shared/domain'
import type { SecretStore } from '../secrets/secret-store'
import type { AccountRecord } from '../store/records'

const PREFIX = 'account:'
const META_SUFFIX = ':meta'

export function credentialKey(accountId: string): string {
  return `${PREFIX}${accountId}`
}

export function accountMetaKey(accountId: string): string {
  return `${PREFIX}${accountId}${META_SUFFIX}`
}

const metaSchema = z.object({
  v: z.literal(1),
  id: z.string().min(1),
  cloud: z.enum(CLOUD_IDS),
  label: z.string(),
  endpoint: z.string().optional(),
  createdAt: z.string(),
  identity: z.string().optional(),
  accountName: z.string().optional(),
})

export type AccountMeta = z.output<typeof metaSchema>

export function accountMeta(record: AccountRecord): AccountMeta {
  const { id, cloud, label, endpoint, createdAt, identity, accountName } = record
  return { v: 1, id, cloud, label, endpoint, createdAt, identity, accountName }
}

export async function saveAccountMeta(secrets: SecretStore, record: AccountRecord): Promise<void> {
  await secrets.set(accountMetaKey(record.id), JSON.stringify(accountMeta(record)))
}

export interface KeychainAccounts {
  /** Accounts whose credential and details are both in the keychain, not among `known`. */
  accounts: AccountRecord[]
  /** Credentials with no details beside them (stored by a version before they were kept). */
  withoutDetails: number
}

/**
 * Rebuilds the accounts the keychain still holds a credential for. Their credential counts as
 * working until the next check says otherwise. Throws what the store throws (e.g.
 * 'keyring-unavailable') when it cannot be listed.
 */
export async function accountsInKeychain(secrets: SecretStore, known: ReadonlySet<string>): Promise<KeychainAccounts> {
  const keys = new Set(await secrets.list())
  const accounts: AccountRecord[] = []
  let withoutDetails = 0
  for (const key of keys) {
    if (!key.startsWith(PREFIX) || key.endsWith(META_SUFFIX)) continue
    const id = key.slice(PREFIX.length)
    if (id.includes(':') || known.has(id)) continue
    const meta = keys.has(accountMetaKey(id)) ? parseMeta(await secrets.get(accountMetaKey(id))) : undefined
    if (!meta || meta.id !== id) {
      withoutDetails += 1
      continue
    }
    accounts.push({
      id,
      cloud: meta.cloud,
      label: meta.label,
      endpoint: meta.endpoint,
      createdAt: meta.createdAt,
      credential: 'ok',
      accountName: meta.accountName,
      identity: meta.identity,
    })
  }
  return { accounts: accounts.sort((a, b) => a.createdAt.localeCompare(b.createdAt)), withoutDetails }
}

/** Ids of ledger accounts that have a credential in the keychain but no details beside it. */
export function accountsMissingMeta(keys: ReadonlySet<string>, accountIds: string[]): string[] {
  return accountIds.filter((id) => keys.has(credentialKey(id)) && !keys.has(accountMetaKey(id)))
}

function parseMeta(text: string | undefined): AccountMeta | undefined {
  if (!text) return undefined
  try {
    const parsed = metaSchema.safeParse(JSON.parse(text))
    return parsed.success ? parsed.data : undefined
  } catch {
    return undefined
  }
}
