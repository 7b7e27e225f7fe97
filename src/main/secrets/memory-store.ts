/**
 * A SecretStore that forgets everything when the process ends. For unit tests, and for an
 * explicit opt-in (EXITDESK_SECRET_STORE=memory) on machines without a keyring; `kind`
 * says 'memory' so the status line can tell the user credentials will not be kept.
 */
import {
  assertSecretKey,
  assertSecretValue,
  keyringUnavailable,
  keyringUnavailableMessage,
  serializeByKey,
  type SecretStore,
} from './secret-store'

export interface MemorySecretStoreOptions {
  /**
   * Makes the store behave like a missing keyring: `available()` reports false and every
   * other call throws 'keyring-unavailable' with this reason. For testing the UI's
   * "no keyring" state without uninstalling one.
   */
  unavailableReason?: string
}

export function createMemorySecretStore(options: MemorySecretStoreOptions = {}): SecretStore {
  const values = new Map<string, string>()
  const queue = serializeByKey()
  const { unavailableReason } = options

  // Every call goes through the queue and is asynchronous, like a real keyring, so tests
  // written against this store do not pass only because it answers synchronously.
  async function run<T>(key: string, operation: () => T): Promise<T> {
    assertSecretKey(key)
    return queue.run(key, async () => {
      if (unavailableReason !== undefined) throw keyringUnavailable(unavailableReason)
      return operation()
    })
  }

  return {
    kind: 'memory',
    async available() {
      if (unavailableReason !== undefined) {
        return { available: false, message: keyringUnavailableMessage(unavailableReason) }
      }
      return { available: true }
    },
    get: (key) => run(key, () => values.get(key)),
    set: async (key, value) => {
      assertSecretValue(value)
      await run(key, () => {
        values.set(key, value)
      })
    },
    delete: (key) => run(key, () => values.delete(key)),
    async list() {
      await Promise.resolve() // asynchronous, like a real keyring
      if (unavailableReason !== undefined) throw keyringUnavailable(unavailableReason)
      return [...values.keys()]
    },
  }
}
