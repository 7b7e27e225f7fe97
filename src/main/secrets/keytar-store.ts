/**
 * The OS keychain behind the SecretStore interface: macOS Keychain, Windows Credential
 * Manager, or the Secret Service (gnome-keyring, KWallet) on Linux, through keytar.
 * Each value is stored under `service` with `account = key`.
 *
 * keytar is a native module and is loaded lazily, on the first call: a missing or
 * mis-built module (e.g. built for Node instead of Electron) or a missing keyring makes
 * `available()` say so in a sentence and every other call throw 'keyring-unavailable';
 * app start never depends on it.
 */
import { randomUUID } from 'node:crypto'
import { AppError, invalidInput } from '../../shared/errors'
import {
  assertSecretKey,
  assertSecretValue,
  keyringUnavailable,
  keyringUnavailableMessage,
  serializeByKey,
  type SecretStore,
  type SecretStoreStatus,
} from './secret-store'

/** The part of keytar this store uses; tests may inject a stand-in through `loadKeytar`. */
export interface KeytarApi {
  getPassword(service: string, account: string): Promise<string | null>
  setPassword(service: string, account: string, password: string): Promise<void>
  deletePassword(service: string, account: string): Promise<boolean>
  findCredentials(service: string): Promise<Array<{ account: string; password: string }>>
}

export interface KeytarSecretStoreOptions {
  /** Loads keytar; defaults to a dynamic import of the real module. */
  loadKeytar?: () => Promise<KeytarApi>
  /**
   * How long `available()` waits for the keyring. A locked keyring may wait for a password
   * prompt; past this the keyring counts as unavailable for this call. Default 10 s.
   */
  probeTimeoutMs?: number
}

/**
 * The account `available()` writes, reads back and deletes. Listing credentials is not
 * enough: gnome-keyring answers a search even when its "login" collection is missing or
 * locked and every write would fail, so only a real write proves the store usable.
 */
export const PROBE_ACCOUNT = 'exitdesk.keyring-probe'

const DEFAULT_PROBE_TIMEOUT_MS = 10_000
const MAX_REASON_LENGTH = 160

export function createKeytarSecretStore(service: string, options: KeytarSecretStoreOptions = {}): SecretStore {
  if (typeof service !== 'string' || service.trim() === '') {
    throw invalidInput('service', 'The keychain service name must not be empty.')
  }
  const loadKeytar = options.loadKeytar ?? importKeytar
  const probeTimeoutMs = options.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS
  const queue = serializeByKey()
  let loaded: KeytarApi | undefined

  /** Loads keytar once it works; a failed load is retried on the next call. */
  async function keytar(): Promise<KeytarApi> {
    if (loaded) return loaded
    try {
      loaded = await loadKeytar()
    } catch (error) {
      throw new KeytarLoadError(error)
    }
    return loaded
  }

  /** Runs one keyring call for `key`, in order with the others for that key. */
  async function run<T>(key: string, secret: string | undefined, call: (api: KeytarApi) => Promise<T>): Promise<T> {
    assertKey(key)
    return queue.run(key, async () => {
      try {
        return await call(await keytar())
      } catch (error) {
        if (error instanceof AppError) throw error
        throw keyringUnavailable(describeCause(error, secret))
      }
    })
  }

  return {
    kind: 'keytar',
    service,

    async available(): Promise<SecretStoreStatus> {
      const probeValue = `probe-${randomUUID()}`
      try {
        await withTimeout(
          queue.run(PROBE_ACCOUNT, async () => {
            const api = await keytar()
            await api.setPassword(service, PROBE_ACCOUNT, probeValue)
            const readBack = await api.getPassword(service, PROBE_ACCOUNT)
            await api.deletePassword(service, PROBE_ACCOUNT)
            if (readBack !== probeValue) throw new ProbeMismatchError()
          }),
          probeTimeoutMs,
        )
        return { available: true }
      } catch (error) {
        return { available: false, message: keyringUnavailableMessage(describeCause(error, probeValue)) }
      }
    },

    get: (key) => run(key, undefined, async (api) => (await api.getPassword(service, key)) ?? undefined),

    async set(key, value) {
      assertSecretValue(value)
      await run(key, value, (api) => api.setPassword(service, key, value))
    },

    delete: (key) => run(key, undefined, (api) => api.deletePassword(service, key)),

    /**
     * keytar has no call that lists accounts alone: findCredentials returns the passwords too.
     * They are dropped here at once and never leave this function; the probe entry is left out.
     */
    async list() {
      try {
        const found = await (await keytar()).findCredentials(service)
        return found.map((entry) => entry.account).filter((account) => account !== PROBE_ACCOUNT)
      } catch (error) {
        if (error instanceof AppError) throw error
        throw keyringUnavailable(describeCause(error))
      }
    },
  }
}

async function importKeytar(): Promise<KeytarApi> {
  // keytar is CommonJS: under Node's import() its functions sit on `default` (and, when
  // cjs-module-lexer finds them, also as named exports); bundlers may give either shape.
  const module = (await import('keytar')) as KeytarApi & { default?: KeytarApi }
  const api = module.default ?? module
  if (typeof api.getPassword !== 'function') throw new Error('the keytar module has no getPassword function')
  return api
}

function assertKey(key: string): void {
  assertSecretKey(key)
  if (key === PROBE_ACCOUNT) throw invalidInput('key', `"${PROBE_ACCOUNT}" is reserved for the keyring check.`)
}

class KeytarLoadError extends Error {
  constructor(readonly original: unknown) {
    super('keytar could not be loaded')
    this.name = 'KeytarLoadError'
  }
}

class ProbeMismatchError extends Error {
  constructor() {
    super('the keyring did not return the test value it was given')
    this.name = 'ProbeMismatchError'
  }
}

class ProbeTimeoutError extends Error {
  constructor(readonly ms: number) {
    super(`the keyring did not answer within ${Math.round(ms / 1000)} s; it may be locked`)
    this.name = 'ProbeTimeoutError'
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ProbeTimeoutError(ms)), ms)
    timer.unref?.()
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/**
 * The words that go in the brackets of the "No system keyring is available (…)" sentence:
 * one line of the underlying error, shortened, never containing `secret`, never a stack.
 */
export function describeCause(error: unknown, secret?: string): string {
  if (error instanceof KeytarLoadError) {
    return `the keytar module could not be loaded: ${oneLine(error.original, secret)}`
  }
  if (error instanceof ProbeMismatchError || error instanceof ProbeTimeoutError) return error.message
  const text = oneLine(error, secret)
  if (/Cannot autolaunch D-Bus/i.test(text)) {
    return 'no D-Bus session bus was found: DBUS_SESSION_BUS_ADDRESS is not set'
  }
  if (/^Could not connect/i.test(text)) {
    return `the D-Bus session bus named by DBUS_SESSION_BUS_ADDRESS could not be reached: ${text}`
  }
  if (/org\.freedesktop\.secrets was not provided/i.test(text)) {
    return 'no Secret Service such as gnome-keyring or KWallet is installed for this session'
  }
  if (/collection\/login/i.test(text)) {
    return `the "login" keyring does not exist or is locked: ${text}`
  }
  return text
}

function oneLine(error: unknown, secret: string | undefined): string {
  const raw = error instanceof Error ? error.message : typeof error === 'string' ? error : ''
  // eslint-disable-next-line no-control-regex
  let text = (raw.split(/\r?\n/)[0] ?? '').replace(/[\u0000-\u001f\u007f]/g, ' ').trim()
  // An error that repeats the value it was given is not repeated at all.
  if (secret && text.includes(secret)) text = 'the keyring refused the request'
  text = text.replace(/[.\s]+$/, '')
  if (text.length > MAX_REASON_LENGTH) text = `${text.slice(0, MAX_REASON_LENGTH - 1)}…`
  return text || 'the keyring gave no reason'
}
