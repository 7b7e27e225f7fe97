/**
 * Where cloud credentials live. The rest of main sees only this small get/set/delete
 * interface (the VS Code lesson): keytar is archived upstream, so it stays replaceable
 * behind it, and a missing keyring is a state that `available()` reports, not a crash.
 *
 * Rules every implementation keeps:
 * - operations on one key run one after another (see `serializeByKey`), so a `get` issued
 *   after a `set` sees that `set`, whatever the backend does underneath;
 * - a failing backend throws AppError code 'keyring-unavailable' with a plain sentence;
 *   no message, log line or error ever contains a secret value or a stack trace.
 */
import { AppError, invalidInput } from '../../shared/errors'

export interface SecretStoreStatus {
  available: boolean
  /** A plain sentence for the user when the store cannot be used. */
  message?: string
}

export interface SecretStore {
  /** 'keytar' or 'memory' — shown nowhere secret, used in status. */
  readonly kind: string
  /** The keychain service entries are filed under (keytar only), so the user can find them. */
  readonly service?: string
  available(): Promise<SecretStoreStatus>
  get(key: string): Promise<string | undefined>
  set(key: string, value: string): Promise<void>
  /** True when a value was stored under `key` and is now gone. */
  delete(key: string): Promise<boolean>
  /**
   * The keys stored in this store (never the values), in no particular order: how accounts and
   * hosts are found again when the ledger was damaged (../recovery.ts). Not ordered with
   * writes still in flight.
   */
  list(): Promise<string[]>
}

/** Runs async operations so that those sharing a key never overlap; other keys run freely. */
export interface KeyedSerializer {
  run<T>(key: string, operation: () => Promise<T>): Promise<T>
  /** Keys with an operation queued or running (for tests and diagnostics). */
  readonly pendingKeys: number
}

/**
 * One promise chain per key, as VS Code's secret storage does with its SequencerByKey.
 * A failed operation does not break the chain: the next one still runs. A key's entry is
 * dropped once its last operation settles, so the map does not grow with every key ever used.
 */
export function serializeByKey(): KeyedSerializer {
  const tails = new Map<string, Promise<void>>()
  return {
    run<T>(key: string, operation: () => Promise<T>): Promise<T> {
      const previous = tails.get(key) ?? Promise.resolve()
      const result = previous.then(() => operation())
      const tail = result.then(
        () => undefined,
        () => undefined,
      )
      tails.set(key, tail)
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key)
      })
      return result
    },
    get pendingKeys() {
      return tails.size
    },
  }
}

/** Longest key accepted: keys are names such as "digitalocean/default", never values. */
export const MAX_SECRET_KEY_LENGTH = 256

/** Rejects keys no backend stores reliably (empty, huge, or with control characters). */
export function assertSecretKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) {
    throw invalidInput('key', 'A stored credential needs a name.')
  }
  if (key.length > MAX_SECRET_KEY_LENGTH) {
    throw invalidInput('key', `A stored credential's name must be at most ${MAX_SECRET_KEY_LENGTH} characters long.`)
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) {
    throw invalidInput('key', "A stored credential's name must not contain control characters.")
  }
}

export function assertSecretValue(value: string): void {
  if (typeof value !== 'string') {
    throw invalidInput('value', 'A stored credential must be text.')
  }
}

/** The sentence shown whenever the keyring cannot be used; `reason` goes in the brackets. */
export function keyringUnavailableMessage(reason: string): string {
  return `No system keyring is available (${reason}). Exitdesk cannot store cloud credentials until one is running.`
}

export function keyringUnavailable(reason: string): AppError {
  return new AppError({ code: 'keyring-unavailable', message: keyringUnavailableMessage(reason), retryable: true })
}
