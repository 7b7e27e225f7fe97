/**
 * The REAL keytar store against a real keyring (gnome-keyring over D-Bus on Linux).
 *
 *   scripts/with-keyring.sh npx vitest run test/keychain
 *
 * Without a reachable keyring these tests skip with a printed reason, except when CI is
 * set or EXITDESK_REQUIRE_KEYRING=1: then they fail, so CI cannot pass without running
 * them for real. Every run uses its own service names and removes what it wrote.
 */
import { execFile } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, it, expect, afterAll } from 'vitest'
import { createKeytarSecretStore, PROBE_ACCOUNT } from '../../src/main/secrets/keytar-store'

const run = `${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`
const SERVICE = `exitdesk-test-${run}`
const OTHER_SERVICE = `exitdesk-test-${run}-other`

const isTruthy = (value: string | undefined) => Boolean(value) && !['0', 'false', 'no'].includes(value!.toLowerCase())
const REQUIRED = isTruthy(process.env.CI) || process.env.EXITDESK_REQUIRE_KEYRING === '1'
const HOW_TO_RUN = 'Run them inside a keyring session: scripts/with-keyring.sh npx vitest run test/keychain'

/** Whether a keyring answers here, and if not, why not. Never loads keytar without a bus on Linux. */
async function reachability(): Promise<{ reachable: true } | { reachable: false; reason: string }> {
  if (process.platform === 'linux' && !process.env.DBUS_SESSION_BUS_ADDRESS) {
    return { reachable: false, reason: 'DBUS_SESSION_BUS_ADDRESS is not set, so there is no D-Bus session to reach a keyring on.' }
  }
  const status = await createKeytarSecretStore(SERVICE).available()
  return status.available ? { reachable: true } : { reachable: false, reason: status.message ?? 'available() said no.' }
}

const keyring = await reachability()

type Keytar = typeof import('keytar')
async function rawKeytar(): Promise<Keytar> {
  const module = (await import('keytar')) as Keytar & { default?: Keytar }
  return module.default ?? module
}

if (!keyring.reachable) {
  if (REQUIRED) {
    describe('real keyring', () => {
      it('is reachable (required because CI or EXITDESK_REQUIRE_KEYRING=1 is set)', () => {
        expect.fail(`No keyring is reachable: ${keyring.reason} ${HOW_TO_RUN}`)
      })
    })
  } else {
    console.warn(`[keychain] Skipping the real-keyring tests: ${keyring.reason} ${HOW_TO_RUN}`)
  }
}

describe.skipIf(!keyring.reachable)('keytar secret store on the real keyring', () => {
  const store = createKeytarSecretStore(SERVICE)
  const other = createKeytarSecretStore(OTHER_SERVICE)

  afterAll(async () => {
    const keytar = await rawKeytar()
    for (const service of [SERVICE, OTHER_SERVICE]) {
      for (const { account } of await keytar.findCredentials(service)) await keytar.deletePassword(service, account)
      const left = await keytar.findCredentials(service)
      if (left.length > 0) throw new Error(`cleanup left ${left.length} entries under ${service}`)
    }
  })

  it('is available, and its probe leaves nothing behind', async () => {
    expect(store.kind).toBe('keytar')
    expect(await store.available()).toEqual({ available: true })
    const keytar = await rawKeytar()
    expect(await keytar.getPassword(SERVICE, PROBE_ACCOUNT)).toBeNull()
  })

  it('sets, gets, overwrites and deletes, storing under the service with account = key', async () => {
    const key = 'digitalocean/default'
    expect(await store.get(key)).toBeUndefined()
    await store.set(key, 'token-one')
    expect(await store.get(key)).toBe('token-one')
    const keytar = await rawKeytar()
    expect(await keytar.getPassword(SERVICE, key)).toBe('token-one')

    await store.set(key, 'token-two')
    expect(await store.get(key)).toBe('token-two')
    expect((await keytar.findCredentials(SERVICE)).filter((c) => c.account === key)).toHaveLength(1)

    expect(await store.delete(key)).toBe(true)
    expect(await store.get(key)).toBeUndefined()
    expect(await keytar.getPassword(SERVICE, key)).toBeNull()
  })

  it('says false when deleting a key that was never stored', async () => {
    expect(await store.delete(`never-stored-${randomUUID()}`)).toBe(false)
  })

  it('keeps unicode keys and values exactly', async () => {
    const key = 'hetzner/projekt-ü-密钥'
    const value = 'pässwörd — 密码 🔑 \u00e9\u0301 \u{1F3F3}\u{FE0F}\u{200D}\u{1F308}'
    await store.set(key, value)
    expect(await store.get(key)).toBe(value)
    expect(await store.delete(key)).toBe(true)
  })

  it('keeps a 4 KB value exactly', async () => {
    const value = randomBytes(3072).toString('base64')
    expect(value).toHaveLength(4096)
    await store.set('gce/service-account-json', value)
    expect(await store.get('gce/service-account-json')).toBe(value)
    const multibyte = '€'.repeat(1366) // 4098 bytes of UTF-8
    await store.set('gce/service-account-json', multibyte)
    expect(await store.get('gce/service-account-json')).toBe(multibyte)
    expect(await store.delete('gce/service-account-json')).toBe(true)
  })

  it('is really the keyring: a new store for the same service sees the value', async () => {
    await store.set('ec2/default', 'persisted')
    expect(await createKeytarSecretStore(SERVICE).get('ec2/default')).toBe('persisted')
    expect(await store.delete('ec2/default')).toBe(true)
  })

  it('keeps two services apart', async () => {
    await store.set('shared-key', 'from-main')
    expect(await other.get('shared-key')).toBeUndefined()
    await other.set('shared-key', 'from-other')
    expect(await store.get('shared-key')).toBe('from-main')
    expect(await other.get('shared-key')).toBe('from-other')
    expect(await other.delete('shared-key')).toBe(true)
    expect(await store.get('shared-key')).toBe('from-main')
    expect(await store.delete('shared-key')).toBe(true)
  })

  it('lists the keys of its own service only: no values, no probe entry, none of another service', async () => {
    expect(await store.list()).toEqual([])
    await store.set('account:a1', '{"token":"list-secret-1"}')
    await store.set('account:a1:meta', '{"v":1}')
    await store.set('host:h1:tunnel-token', 'list-secret-2')
    await other.set('account:elsewhere', 'list-secret-3')
    await store.available() // writes and removes the probe entry
    const keys = await store.list()
    expect([...keys].sort()).toEqual(['account:a1', 'account:a1:meta', 'host:h1:tunnel-token'])
    expect(JSON.stringify(keys)).not.toContain('list-secret')
    // A new store for the same service (a restart) finds them in the keyring itself.
    expect([...(await createKeytarSecretStore(SERVICE).list())].sort()).toEqual(['account:a1', 'account:a1:meta', 'host:h1:tunnel-token'])
    for (const key of keys) expect(await store.delete(key)).toBe(true)
    expect(await other.delete('account:elsewhere')).toBe(true)
    expect(await store.list()).toEqual([])
  })

  it('orders concurrent calls on one key, with another key in between', async () => {
    const results = await Promise.all([
      store.set('race', 'one'),
      store.get('race'),
      store.set('other-key', 'x'),
      store.set('race', 'two'),
      store.get('race'),
      store.delete('race'),
      store.get('race'),
      store.delete('other-key'),
    ])
    expect(results).toEqual([undefined, 'one', undefined, undefined, 'two', true, undefined, true])
  })
})

const execFileAsync = promisify(execFile)
const PROBE_SCRIPT = fileURLToPath(new URL('./unavailable-probe.ts', import.meta.url))
const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url))

interface ProbeOutcome {
  code?: string
  message?: string
  retryable?: boolean
  resolved?: unknown
  unexpected?: string
}
interface ProbeReport {
  status: { available: boolean; message?: string }
  set: ProbeOutcome
  get: ProbeOutcome
  delete: ProbeOutcome
  secret: string
}

/** Runs unavailable-probe.ts with the real keytar in a child whose D-Bus address is `bus`. */
async function probeInChild(bus: string | undefined): Promise<ProbeReport> {
  const env: NodeJS.ProcessEnv = { ...process.env }
  if (bus === undefined) delete env.DBUS_SESSION_BUS_ADDRESS
  else env.DBUS_SESSION_BUS_ADDRESS = bus
  const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', PROBE_SCRIPT], {
    cwd: PROJECT_ROOT,
    env,
    timeout: 60_000,
  })
  return JSON.parse(stdout.trim().split('\n').pop() ?? '') as ProbeReport
}

function expectUnavailable(report: ProbeReport, reason: RegExp) {
  expect(report.status.available).toBe(false)
  expect(report.status.message).toMatch(/^No system keyring is available \(.+\)\. Exitdesk cannot store cloud credentials until one is running\.$/)
  expect(report.status.message).toMatch(reason)
  for (const outcome of [report.set, report.get, report.delete]) {
    expect(outcome).toEqual({ code: 'keyring-unavailable', message: report.status.message, retryable: true })
  }
  const everything = JSON.stringify({ ...report, secret: undefined })
  expect(everything).not.toContain(report.secret)
  expect(everything).not.toMatch(/\bat .+:\d+:\d+/)
}

describe.skipIf(process.platform !== 'linux')('keytar secret store without a reachable keyring (child process)', () => {
  it('reports a D-Bus address that leads nowhere as a sentence, and rejects calls with keyring-unavailable', async () => {
    const report = await probeInChild(`unix:path=/nonexistent/exitdesk-test-${run}/bus`)
    expectUnavailable(report, /could not be reached/)
  })

  it('reports a missing D-Bus session the same way', async () => {
    const report = await probeInChild(undefined)
    expectUnavailable(report, /DBUS_SESSION_BUS_ADDRESS is not set/)
  })
})
