/**
 * Picks the SecretStore for this run. The OS keychain (keytar) is the default; the
 * in-memory store is an explicit opt-in and its `kind` ('memory') tells the status line
 * that credentials will be forgotten when the app quits.
 *
 *   EXITDESK_SECRET_STORE      'keytar' (default) or 'memory'
 *   EXITDESK_KEYCHAIN_SERVICE  the keychain service name, default 'Exitdesk'
 */
import { invalidInput } from '../../shared/errors'
import { createKeytarSecretStore, type KeytarSecretStoreOptions } from './keytar-store'
import { createMemorySecretStore } from './memory-store'
import type { SecretStore } from './secret-store'

export type { KeyedSerializer, SecretStore, SecretStoreStatus } from './secret-store'
export { serializeByKey } from './secret-store'
export { createKeytarSecretStore } from './keytar-store'
export { createMemorySecretStore } from './memory-store'

export const SECRET_STORE_KINDS = ['keytar', 'memory'] as const
export type SecretStoreKind = (typeof SECRET_STORE_KINDS)[number]

export const DEFAULT_KEYCHAIN_SERVICE = 'Exitdesk'

export interface CreateSecretStoreOptions {
  /** Overrides EXITDESK_SECRET_STORE. */
  kind?: SecretStoreKind
  /** Overrides EXITDESK_KEYCHAIN_SERVICE. */
  service?: string
  /** Where the variables are read from; defaults to process.env. */
  env?: Record<string, string | undefined>
  keytar?: KeytarSecretStoreOptions
}

/**
 * Never touches the keyring itself (keytar loads on first use), so it is safe to call at
 * app start. An unknown EXITDESK_SECRET_STORE value is refused rather than guessed at:
 * silently falling back to memory would lose credentials, falling back to the keychain
 * would ignore what was asked for.
 */
export function createSecretStore(options: CreateSecretStoreOptions = {}): SecretStore {
  const env = options.env ?? process.env
  const kind = options.kind ?? parseKind(env.EXITDESK_SECRET_STORE)
  if (kind === 'memory') return createMemorySecretStore()
  const service = options.service?.trim() || env.EXITDESK_KEYCHAIN_SERVICE?.trim() || DEFAULT_KEYCHAIN_SERVICE
  return createKeytarSecretStore(service, options.keytar)
}

function parseKind(value: string | undefined): SecretStoreKind {
  const normalized = value?.trim().toLowerCase()
  if (!normalized) return 'keytar'
  if ((SECRET_STORE_KINDS as readonly string[]).includes(normalized)) return normalized as SecretStoreKind
  throw invalidInput(
    'EXITDESK_SECRET_STORE',
    `EXITDESK_SECRET_STORE must be ${SECRET_STORE_KINDS.map((kind) => `"${kind}"`).join(' or ')}.`,
  )
}
