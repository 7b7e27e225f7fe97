/**
 * A DigitalOcean (fake) that repeats every request back in its errors: the Authorization
 * header and the body, raw, base64 and URL-encoded, in JSON 401/422/500 bodies, in an HTML 502
 * page and in response headers. A real core is driven through its dispatcher (wrong tokens,
 * a good one, a create whose user data holds the tunnel token, failing refreshes) and every
 * output of main is collected: envelopes, events, every file in the data folder, and anything
 * written to the console or to stdout/stderr. No seeded secret may appear in any of them, in
 * any of the forms the fake used, nor as a fragment.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtemp, readdir, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createCore, type Core } from '../../src/main/core'
import { createMemorySecretStore } from '../../src/main/secrets/memory-store'
import type { SecretStore } from '../../src/main/secrets/secret-store'
import { eventNames } from '../../src/shared/contract'
import type { AccountInfo, Host } from '../../src/shared/domain'
import type { Envelope } from '../../src/shared/errors'
import { startFakeDigitalOcean, type FakeDigitalOcean } from '../fakes/digitalocean'

const doToken = (): string => `dop_v1_${randomBytes(32).toString('hex')}`

/** Every spelling of `secret` the fake used, plus base64 of the whole header it echoed. */
function spellings(secret: string): string[] {
  const bearer = `Bearer ${secret}`
  return [
    secret,
    Buffer.from(secret).toString('base64'),
    Buffer.from(secret).toString('base64url'),
    encodeURIComponent(secret),
    Buffer.from(bearer).toString('base64').replace(/=+$/, ''),
    Buffer.from(bearer).toString('base64url'),
    encodeURIComponent(bearer),
  ]
}

/** 16-character windows of the secret's random part: a token cut short at a length limit is still a leak. */
function fragments(secret: string): string[] {
  const random = secret.replace(/^dop_v1_/, '')
  const windows: string[] = []
  for (let at = 0; at + 16 <= random.length; at += 8) windows.push(random.slice(at, at + 16))
  return windows
}

/**
 * The text hidden in every base64-looking run of `text`, decoded at each of the 4 character
 * alignments (a secret may sit anywhere inside a longer base64 text, e.g. base64 of the whole
 * request body). Independent of how main redacts: this is what anyone could decode.
 */
function decodedRuns(text: string): string {
  const decoded: string[] = []
  for (const [run] of text.matchAll(/[A-Za-z0-9+/_-]{16,}/g)) {
    for (let shift = 0; shift < 4; shift++) decoded.push(Buffer.from(run.slice(shift), 'base64').toString('latin1'))
  }
  return decoded.join('\n')
}

let fake: FakeDigitalOcean
let core: Core | undefined
let dataDir: string
/** Every value main put in the keychain: how the test learns the tunnel token main made. */
let stored: Map<string, string>
let secrets: SecretStore
const outputs: Array<{ where: string; text: string }> = []
let consoleText: string[]

beforeEach(async () => {
  fake = await startFakeDigitalOcean({ token: doToken(), echo: true, activateAfterMs: 0, deleteAfterMs: 0 })
  dataDir = await mkdtemp(join(tmpdir(), 'exitdesk-echo-'))
  stored = new Map()
  const memory = createMemorySecretStore()
  secrets = { ...memory, kind: memory.kind, set: async (key, value) => void (stored.set(key, value), await memory.set(key, value)) }
  outputs.length = 0
  consoleText = []
  const capture = (...args: unknown[]): void => void consoleText.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '))
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) vi.spyOn(console, method).mockImplementation(capture)
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: unknown) => {
      consoleText.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'))
      return true
    })
  }
})

afterEach(async () => {
  await core?.stop()
  core = undefined
  vi.restoreAllMocks()
  await fake.close()
})

/** Calls a channel and keeps the envelope as one of main's outputs. */
async function call(channel: string, input: unknown): Promise<Envelope<unknown>> {
  const envelope = await core!.dispatch(channel, input)
  outputs.push({ where: `envelope ${channel}`, text: JSON.stringify(envelope) })
  return envelope
}

async function data<T>(channel: string, input: unknown): Promise<T> {
  const envelope = await call(channel, input)
  if (!envelope.ok) throw new Error(`${channel}: ${envelope.error.code}: ${envelope.error.message}`)
  return envelope.data as T
}

async function dataFolderFiles(): Promise<Array<{ where: string; text: string }>> {
  const names = await readdir(dataDir, { recursive: true, withFileTypes: true })
  const files = names.filter((entry) => entry.isFile())
  return Promise.all(files.map(async (entry) => ({ where: `file ${entry.name}`, text: await readFile(join(entry.parentPath, entry.name), 'utf8') })))
}

describe('DigitalOcean echoing the request back', () => {
  it('leaves no credential or tunnel token in any envelope, event, file or log line', async () => {
    core = await createCore({ dataDir, secrets, shell: 'web', version: 'test' })
    for (const name of eventNames) core.events.on(name, (payload) => void outputs.push({ where: `event ${name}`, text: JSON.stringify(payload) }))
    const wrongAtAdd = doToken()
    const wrongAtReplace = doToken()

    // A wrong token, quoted back in the 401.
    const refused = await call('accounts:add', { cloud: 'digitalocean', label: 'Echo', endpoint: fake.url, credentials: { token: wrongAtAdd } })
    expect(refused).toMatchObject({ ok: false, error: { code: 'unauthorized' } })

    const account = await data<AccountInfo>('accounts:add', { cloud: 'digitalocean', label: 'Echo', endpoint: fake.url, credentials: { token: fake.token } })

    // A wrong replacement token, quoted back in the 401; then the good one again.
    expect(await call('accounts:update-credential', { accountId: account.id, credentials: { token: wrongAtReplace } })).toMatchObject({ ok: false })
    await data<AccountInfo>('accounts:update-credential', { accountId: account.id, credentials: { token: fake.token } })

    // The create's body (user data with the tunnel token in it) quoted back in a 422.
    const create = (name: string): Record<string, unknown> => ({ requestId: randomUUID(), accountId: account.id, name, region: 'lon1', plan: 's-1vcpu-512mb-10gb', tunnel: { mode: 'tcp', inletsVersion: '0.11.14' } })
    fake.setFailure({ method: 'POST', path: '/v2/droplets', status: 422, times: 1 })
    expect(await call('hosts:create', create('exit-echo-1'))).toMatchObject({ ok: false, error: { code: 'unprocessable' } })
    await data<Host>('hosts:create', create('exit-echo-2'))
    await core.hosts.refresh()

    // Refreshes that fail with a JSON 500 and an HTML 502, both quoting the Authorization header.
    fake.setFailure({ method: 'GET', path: '/v2/droplets', status: 500, times: 1 })
    await core.hosts.refresh()
    await data('hosts:list', {})
    // A verify that passes lifts the account's back-off, so the next refresh asks again.
    await data<AccountInfo>('accounts:verify', { accountId: account.id })
    fake.setFailure({ method: 'GET', path: '/v2/droplets', status: 502, html: true, times: 1 })
    await core.hosts.refresh()
    await data('hosts:list', {})

    // Last, so it stays in the ledger: a 500 while verifying, whose (echoing) words credentialMessage keeps.
    fake.setFailure({ method: 'GET', path: '/v2/account', status: 500, times: 1 })
    expect(await data<AccountInfo>('accounts:verify', { accountId: account.id })).toMatchObject({ credential: 'failing' })
    await data('accounts:list', {})

    expect(fake.requests.filter((r) => r.path === '/v2/droplets' && r.method === 'GET').map((r) => r.status)).toEqual(expect.arrayContaining([500, 502]))

    const tunnelTokens = [...stored].filter(([key]) => key.startsWith('host:') && key.endsWith(':tunnel-token')).map(([, value]) => value)
    expect(tunnelTokens.length, 'main stored the tunnel tokens it made').toBeGreaterThanOrEqual(2)
    const sentBodies = JSON.stringify(fake.requests.filter((r) => r.method === 'POST' && r.path === '/v2/droplets'))
    for (const token of tunnelTokens) expect(sentBodies, 'the user data the fake echoed held the tunnel token').toContain(token)

    await core.stop()
    core = undefined
    const collected = [...outputs, ...(await dataFolderFiles()), { where: 'console', text: consoleText.join('\n') }]
    const everything = [...collected, ...collected.map((o) => ({ where: `base64 inside ${o.where}`, text: decodedRuns(o.text) }))]

    const seeded = { 'wrong token at add': wrongAtAdd, 'wrong token at replace': wrongAtReplace, 'account token': fake.token }
    for (const [what, secret] of Object.entries(seeded)) {
      for (const form of [...spellings(secret), ...fragments(secret)]) {
        for (const output of everything) expect(output.text.includes(form), `${what} as "${form.slice(0, 12)}…" in ${output.where}`).toBe(false)
      }
    }
    for (const token of tunnelTokens) {
      for (const form of [token, Buffer.from(token).toString('base64'), Buffer.from(token).toString('base64url'), token.slice(8, 40)]) {
        for (const output of everything) expect(output.text.includes(form), `tunnel token as "${form.slice(0, 12)}…" in ${output.where}`).toBe(false)
      }
    }

    // ... and not because nothing was echoed: the provider's words arrived, the secrets cut out.
    const all = collected.map((o) => o.text).join('\n')
    expect(all).toContain('You sent Authorization: Bearer [redacted]')
    expect(all).toContain('Injected failure (HTTP 500).')
    expect(all).toMatch(/502 Bad Gateway/)
  })
})
