/**
 * A SecretStore kept in one JSON file, for tests that run the app in a child process and kill it
 * (test/soak/sigkill.test.ts): the account's token and the hosts' tunnel tokens must outlive the
 * process, as they do in the OS keychain.
 *
 * Why not the others: the memory store (EXITDESK_SECRET_STORE=memory) forgets everything when the
 * process dies, so a restarted app could neither reach the account nor finish a create; the real
 * keychain (scripts/with-keyring.sh) needs D-Bus and gnome-keyring, which `npm test` only has on
 * some machines, and a SIGKILL test should run everywhere. This file holds test tokens of a fake
 * cloud in a throwaway folder, written atomically (write-file-atomic: temp file, fsync, rename),
 * so a kill mid-write leaves the old file or the new one, never half of one. Never use it for
 * real credentials.
 */
import { promises as fs } from 'node:fs'
import writeFileAtomic from 'write-file-atomic'
import { assertSecretKey, assertSecretValue, type SecretStore } from '../../src/main/secrets/secret-store'

export function createFileSecretStore(file: string): SecretStore {
  // One chain for every operation: simpler than per key, and the file is one shared document.
  let chain: Promise<unknown> = Promise.resolve()
  const run = <T>(operation: () => Promise<T>): Promise<T> => {
    const result = chain.then(operation, operation)
    chain = result.catch(() => undefined)
    return result
  }
  const load = async (): Promise<Record<string, string>> => {
    try {
      return JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, string>
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {}
      throw error
    }
  }
  const save = (values: Record<string, string>): Promise<void> => writeFileAtomic(file, JSON.stringify(values, null, 2), { mode: 0o600 })

  return {
    kind: 'test-file',
    available: async () => ({ available: true }),
    get(key) {
      assertSecretKey(key)
      return run(async () => (await load())[key])
    },
    set(key, value) {
      assertSecretKey(key)
      assertSecretValue(value)
      return run(async () => {
        const values = await load()
        values[key] = value
        await save(values)
      })
    },
    delete(key) {
      assertSecretKey(key)
      return run(async () => {
        const values = await load()
        if (!(key in values)) return false
        delete values[key]
        await save(values)
        return true
      })
    },
    list: () => run(async () => Object.keys(await load())),
  }
}
