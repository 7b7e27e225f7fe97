import { describe, it, expect } from 'vitest'
import { AppError } from '../../src/shared/errors'
import { serializeByKey, type SecretStore } from '../../src/main/secrets/secret-store'
import { createMemorySecretStore } from '../../src/main/secrets/memory-store'
import { createKeytarSecretStore, PROBE_ACCOUNT, type KeytarApi } from '../../src/main/secrets/keytar-store'
import { createSecretStore } from '../../src/main/secrets/index'

interface Deferred<T> {
  promise: Promise<T>
  resolve: (value: T) => void
  reject: (error: unknown) => void
}

function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** Lets every queued microtask and timer-free continuation run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve))

async function rejectionOf(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(AppError)
    return error as AppError
  }
  throw new Error('expected the promise to reject')
}

/** A keytar stand-in: a Map, with an optional gate that holds every call until opened. */
function fakeKeytar(options: { gate?: Promise<void>; fail?: (password?: string) => Error } = {}) {
  const values = new Map<string, string>()
  const calls: string[] = []
  const id = (service: string, account: string) => `${service}\u0000${account}`
  const step = async (name: string, password?: string) => {
    calls.push(name)
    await options.gate
    if (options.fail) throw options.fail(password)
  }
  const api: KeytarApi = {
    async getPassword(service, account) {
      await step(`get ${account}`)
      return values.get(id(service, account)) ?? null
    },
    async setPassword(service, account, password) {
      await step(`set ${account}`, password)
      values.set(id(service, account), password)
    },
    async deletePassword(service, account) {
      await step(`delete ${account}`)
      return values.delete(id(service, account))
    },
    async findCredentials(service) {
      await step('find')
      return [...values].filter(([k]) => k.startsWith(`${service}\u0000`)).map(([k, password]) => ({ account: k.slice(service.length + 1), password }))
    },
  }
  return { api, values, calls }
}

describe('serializeByKey', () => {
  it('runs operations on one key one after another, in the order they were issued', async () => {
    const queue = serializeByKey()
    const log: string[] = []
    const first = deferred()
    const a1 = queue.run('a', async () => {
      log.push('a1 start')
      await first.promise
      log.push('a1 end')
      return 1
    })
    const a2 = queue.run('a', async () => {
      log.push('a2 start')
      return 2
    })
    await settle()
    expect(log).toEqual(['a1 start'])
    expect(queue.pendingKeys).toBe(1)
    first.resolve()
    expect(await Promise.all([a1, a2])).toEqual([1, 2])
    expect(log).toEqual(['a1 start', 'a1 end', 'a2 start'])
  })

  it('does not let one key wait for another', async () => {
    const queue = serializeByKey()
    const blocked = deferred()
    const a = queue.run('a', () => blocked.promise.then(() => 'a'))
    const b = await queue.run('b', async () => 'b')
    expect(b).toBe('b')
    await settle()
    expect(queue.pendingKeys).toBe(1)
    blocked.resolve()
    expect(await a).toBe('a')
  })

  it('keeps going after a failed operation, and passes the failure to its caller', async () => {
    const queue = serializeByKey()
    const failed = queue.run('a', async () => {
      throw new Error('boom')
    })
    const thrownSync = queue.run('a', () => {
      throw new Error('sync boom')
    })
    const next = queue.run('a', async () => 'still runs')
    await expect(failed).rejects.toThrow('boom')
    await expect(thrownSync).rejects.toThrow('sync boom')
    expect(await next).toBe('still runs')
  })

  it('forgets a key once its last operation has settled', async () => {
    const queue = serializeByKey()
    await Promise.all([queue.run('a', async () => 1), queue.run('b', async () => 2), queue.run('a', async () => 3)])
    await settle()
    expect(queue.pendingKeys).toBe(0)
  })
})

describe('memory secret store', () => {
  it('sets, gets, overwrites and deletes', async () => {
    const store = createMemorySecretStore()
    expect(store.kind).toBe('memory')
    expect(await store.available()).toEqual({ available: true })
    expect(await store.get('digitalocean/default')).toBeUndefined()
    await store.set('digitalocean/default', 'token-1')
    expect(await store.get('digitalocean/default')).toBe('token-1')
    await store.set('digitalocean/default', 'token-2')
    expect(await store.get('digitalocean/default')).toBe('token-2')
    expect(await store.delete('digitalocean/default')).toBe(true)
    expect(await store.get('digitalocean/default')).toBeUndefined()
    expect(await store.delete('digitalocean/default')).toBe(false)
  })

  it('keeps unicode, empty and large values exactly', async () => {
    const store = createMemorySecretStore()
    const values = ['', 'pässwörd — 密码 🔑', 'x'.repeat(64 * 1024)]
    for (const [index, value] of values.entries()) await store.set(`k${index}`, value)
    for (const [index, value] of values.entries()) expect(await store.get(`k${index}`)).toBe(value)
  })

  it('orders concurrent set and get on one key', async () => {
    const store = createMemorySecretStore()
    const results = await Promise.all([
      store.get('k'),
      store.set('k', 'one'),
      store.get('k'),
      store.delete('k'),
      store.get('k'),
      store.set('k', 'two'),
      store.get('k'),
    ])
    expect(results).toEqual([undefined, undefined, 'one', true, undefined, undefined, 'two'])
  })

  it('lists its keys, and refuses to when playing a missing keyring', async () => {
    const store = createMemorySecretStore()
    expect(await store.list()).toEqual([])
    await store.set('account:a', 'v')
    await store.set('account:a:meta', '{}')
    await store.delete('account:a')
    expect(await store.list()).toEqual(['account:a:meta'])
    expect((await rejectionOf(createMemorySecretStore({ unavailableReason: 'simulated' }).list())).info.code).toBe('keyring-unavailable')
  })

  it('keeps separate instances separate', async () => {
    const a = createMemorySecretStore()
    const b = createMemorySecretStore()
    await a.set('k', 'a')
    expect(await b.get('k')).toBeUndefined()
  })

  it('refuses unusable keys with invalid-input, as a rejection', async () => {
    const store = createMemorySecretStore()
    expect((await rejectionOf(store.get(''))).info.code).toBe('invalid-input')
    expect((await rejectionOf(store.set('a\nb', 'v'))).info.code).toBe('invalid-input')
    expect((await rejectionOf(store.delete('k'.repeat(300)))).info.code).toBe('invalid-input')
  })

  it('can play a missing keyring, for testing that state', async () => {
    const store = createMemorySecretStore({ unavailableReason: 'simulated' })
    const status = await store.available()
    expect(status.available).toBe(false)
    expect(status.message).toBe(
      'No system keyring is available (simulated). Exitdesk cannot store cloud credentials until one is running.',
    )
    const error = await rejectionOf(store.set('k', 'secret-value'))
    expect(error.info).toMatchObject({ code: 'keyring-unavailable', message: status.message, retryable: true })
    expect(error.message).not.toContain('secret-value')
    expect((await rejectionOf(store.get('k'))).info.code).toBe('keyring-unavailable')
    expect((await rejectionOf(store.delete('k'))).info.code).toBe('keyring-unavailable')
  })
})

describe('keytar secret store, with a stand-in keytar', () => {
  it('stores values under the service with account = key', async () => {
    const fake = fakeKeytar()
    const store = createKeytarSecretStore('svc', { loadKeytar: async () => fake.api })
    expect(store.kind).toBe('keytar')
    await store.set('hetzner/default', 'v')
    expect([...fake.values.entries()]).toEqual([['svc\u0000hetzner/default', 'v']])
    expect(await store.get('hetzner/default')).toBe('v')
    expect(await store.get('missing')).toBeUndefined()
    expect(await store.delete('hetzner/default')).toBe(true)
    expect(await store.delete('hetzner/default')).toBe(false)
  })

  it('loads keytar only when first used, so creating the store cannot fail on it', async () => {
    let loads = 0
    const fake = fakeKeytar()
    const store = createKeytarSecretStore('svc', {
      loadKeytar: async () => {
        loads += 1
        return fake.api
      },
    })
    expect(loads).toBe(0)
    await store.get('k')
    await store.set('k', 'v')
    expect(loads).toBe(1)
  })

  it('probes with a write that it removes again', async () => {
    const fake = fakeKeytar()
    const store = createKeytarSecretStore('svc', { loadKeytar: async () => fake.api })
    expect(await store.available()).toEqual({ available: true })
    expect(fake.calls).toEqual([`set ${PROBE_ACCOUNT}`, `get ${PROBE_ACCOUNT}`, `delete ${PROBE_ACCOUNT}`])
    expect(fake.values.size).toBe(0)
    expect((await rejectionOf(store.set(PROBE_ACCOUNT, 'v'))).info.code).toBe('invalid-input')
  })

  it('turns a keytar that will not load into a sentence, and every call into keyring-unavailable', async () => {
    const store = createKeytarSecretStore('svc', {
      loadKeytar: async () => {
        const error = new Error("Cannot find module 'keytar'\nRequire stack:\n- /app/out/main/index.js")
        throw Object.assign(error, { code: 'MODULE_NOT_FOUND' })
      },
    })
    const status = await store.available()
    expect(status).toEqual({
      available: false,
      message:
        "No system keyring is available (the keytar module could not be loaded: Cannot find module 'keytar'). " +
        'Exitdesk cannot store cloud credentials until one is running.',
    })
    for (const call of [store.get('k'), store.set('k', 'secret-value'), store.delete('k')]) {
      const error = await rejectionOf(call)
      expect(error.info.code).toBe('keyring-unavailable')
      expect(error.info.message).toBe(status.message)
    }
  })

  it('never repeats the secret, a second line or a stack trace in a message', async () => {
    const secret = 'dop_v1_0123456789abcdef'
    const fake = fakeKeytar({
      fail: (password) => new Error(`Secret Service said no to ${password ?? 'that'}\n    at Object.<anonymous> (x.js:1:1)`),
    })
    const store = createKeytarSecretStore('svc', { loadKeytar: async () => fake.api })
    const error = await rejectionOf(store.set('k', secret))
    expect(error.info.code).toBe('keyring-unavailable')
    expect(error.message).not.toContain(secret)
    expect(error.message).toBe(
      'No system keyring is available (the keyring refused the request). Exitdesk cannot store cloud credentials until one is running.',
    )
    const getError = await rejectionOf(store.get('k'))
    expect(getError.message).toContain('(Secret Service said no to that)')
    expect(getError.message).not.toContain(' at ')
    const status = await store.available()
    expect(status.available).toBe(false)
    expect(status.message).toContain('the keyring refused the request')
  })

  it('explains the common Linux failures in plain words', async () => {
    const failing = (message: string) =>
      createKeytarSecretStore('svc', {
        loadKeytar: async () => fakeKeytar({ fail: () => new Error(message) }).api,
      })
    expect((await failing('Cannot autolaunch D-Bus without X11 $DISPLAY').available()).message).toContain(
      '(no D-Bus session bus was found: DBUS_SESSION_BUS_ADDRESS is not set)',
    )
    expect(
      (await failing('Object does not exist at path “/org/freedesktop/secrets/collection/login”').available()).message,
    ).toContain('the "login" keyring does not exist or is locked')
  })

  it('reports a keyring that does not answer as unavailable, without waiting forever', async () => {
    const never = new Promise<void>(() => {})
    const fake = fakeKeytar({ gate: never })
    const store = createKeytarSecretStore('svc', { loadKeytar: async () => fake.api, probeTimeoutMs: 50 })
    const status = await store.available()
    expect(status.available).toBe(false)
    expect(status.message).toContain('did not answer within')
  })

  it('lists the keys of its own service, never the values and never the probe entry', async () => {
    const fake = fakeKeytar()
    const store = createKeytarSecretStore('svc', { loadKeytar: async () => fake.api })
    await store.set('account:a', 'secret-a')
    await store.set('host:h:tunnel-token', 'secret-h')
    fake.values.set(`svc\u0000${PROBE_ACCOUNT}`, 'left by a crash')
    fake.values.set('other\u0000account:b', 'secret-b')
    const keys = await store.list()
    expect(keys.sort()).toEqual(['account:a', 'host:h:tunnel-token'])
    const failing = createKeytarSecretStore('svc', { loadKeytar: async () => fakeKeytar({ fail: () => new Error('Cannot autolaunch D-Bus without X11 $DISPLAY') }).api })
    const error = await rejectionOf(failing.list())
    expect(error.info.code).toBe('keyring-unavailable')
    expect(error.message).toContain('DBUS_SESSION_BUS_ADDRESS is not set')
  })

  it('orders concurrent calls on one key and lets other keys pass', async () => {
    const gate = deferred()
    const fake = fakeKeytar({ gate: gate.promise })
    const store = createKeytarSecretStore('svc', { loadKeytar: async () => fake.api })
    const first = store.set('a', '1')
    const second = store.get('a')
    const other = store.get('b')
    await settle()
    // 'a' waits for its first call; 'b' has already reached keytar.
    expect(fake.calls).toEqual(['set a', 'get b'])
    gate.resolve()
    expect(await Promise.all([first, second, other])).toEqual([undefined, '1', undefined])
    expect(fake.calls).toEqual(['set a', 'get b', 'get a'])
  })
})

describe('createSecretStore', () => {
  const memoryRoundTrip = async (store: SecretStore) => {
    await store.set('k', 'v')
    return store.get('k')
  }

  it('uses the OS keychain by default', () => {
    expect(createSecretStore({ env: {} }).kind).toBe('keytar')
  })

  it('uses memory only when asked, by option or by EXITDESK_SECRET_STORE', async () => {
    expect(createSecretStore({ kind: 'memory', env: {} }).kind).toBe('memory')
    const fromEnv = createSecretStore({ env: { EXITDESK_SECRET_STORE: 'memory' } })
    expect(fromEnv.kind).toBe('memory')
    expect(await memoryRoundTrip(fromEnv)).toBe('v')
    expect(createSecretStore({ kind: 'keytar', env: { EXITDESK_SECRET_STORE: 'memory' } }).kind).toBe('keytar')
  })

  it('takes the service from the option, then EXITDESK_KEYCHAIN_SERVICE, then "Exitdesk"', async () => {
    const services: string[] = []
    const spy: KeytarApi = {
      async getPassword(service) {
        services.push(service)
        return null
      },
      async setPassword() {},
      async deletePassword() {
        return false
      },
      async findCredentials() {
        return []
      },
    }
    const keytar = { loadKeytar: async () => spy }
    await createSecretStore({ env: {}, keytar }).get('k')
    await createSecretStore({ env: { EXITDESK_KEYCHAIN_SERVICE: 'exitdesk-dev' }, keytar }).get('k')
    await createSecretStore({ service: 'explicit', env: { EXITDESK_KEYCHAIN_SERVICE: 'exitdesk-dev' }, keytar }).get('k')
    expect(services).toEqual(['Exitdesk', 'exitdesk-dev', 'explicit'])
  })

  it('refuses an unknown EXITDESK_SECRET_STORE instead of guessing', () => {
    let caught: unknown
    try {
      createSecretStore({ env: { EXITDESK_SECRET_STORE: 'plaintext' } })
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(AppError)
    expect((caught as AppError).info).toMatchObject({ code: 'invalid-input', field: 'EXITDESK_SECRET_STORE' })
  })
})
