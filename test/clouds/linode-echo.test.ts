/**
 * A Linode (fake) that repeats every request back in its errors: the Authorization header and
 * the raw body — the root password and the base64 user data holding the tunnel token — in
 * Linode's `errors[].reason`, and the header in a response header. A real core is driven
 * through its dispatcher (a wrong token, a good one, a refused create, failing refreshes) and
 * every output of main is collected: envelopes, events, every file in the data folder, console
 * and stdout/stderr. No token, root password or tunnel token may appear in any of them.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtemp, readdir, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createCore, type Core } from '../../src/main/core'
import { createMemorySecretStore } from '../../src/main/secrets/memory-store'
import type { SecretStore } from '../../src/main/secrets/secret-store'
import { eventNames } from '../../src/shared/contract'
import type { AccountInfo, Host } from '../../src/shared/domain'
import type { Envelope } from '../../src/shared/errors'
import { startFakeLinode, type FakeLinode } from '../fakes/linode'

let fake: FakeLinode | undefined
let core: Core | undefined
afterEach(async () => {
  await core?.stop()
  core = undefined
  vi.restoreAllMocks()
  await fake?.close()
  fake = undefined
})

describe('Linode echoing the request back', () => {
  it('leaves no token, root password or tunnel token in any envelope, event, file or log line', async () => {
    fake = await startFakeLinode({ token: randomBytes(32).toString('hex'), echo: true, provisionAfterMs: 0, bootAfterMs: 0, deleteAfterMs: 0 })
    const dataDir = await mkdtemp(join(tmpdir(), 'exitdesk-linode-echo-'))
    const stored = new Map<string, string>()
    const memory = createMemorySecretStore()
    const secrets: SecretStore = { ...memory, kind: memory.kind, set: async (key, value) => void (stored.set(key, value), await memory.set(key, value)) }
    const outputs: Array<{ where: string; text: string }> = []
    const consoleText: string[] = []
    const capture = (...args: unknown[]): void => void consoleText.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '))
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) vi.spyOn(console, method).mockImplementation(capture)

    core = await createCore({ dataDir, secrets, shell: 'web', version: 'test' })
    for (const name of eventNames) core.events.on(name, (payload) => void outputs.push({ where: `event ${name}`, text: JSON.stringify(payload) }))
    const call = async (channel: string, input: unknown): Promise<Envelope<unknown>> => {
      const envelope = await core!.dispatch(channel, input)
      outputs.push({ where: `envelope ${channel}`, text: JSON.stringify(envelope) })
      return envelope
    }
    const data = async <T>(channel: string, input: unknown): Promise<T> => {
      const envelope = await call(channel, input)
      if (!envelope.ok) throw new Error(`${channel}: ${envelope.error.code}: ${envelope.error.message}`)
      return envelope.data as T
    }

    const wrong = randomBytes(32).toString('hex')
    expect(await call('accounts:add', { cloud: 'linode', label: 'Echo', endpoint: fake.url, credentials: { token: wrong } })).toMatchObject({ ok: false, error: { code: 'unauthorized' } })
    const account = await data<AccountInfo>('accounts:add', { cloud: 'linode', label: 'Echo', endpoint: fake.url, credentials: { token: fake.token } })

    // The create's body (root password, user data with the tunnel token) quoted back in a 400.
    const create = (name: string): Record<string, unknown> => ({ requestId: randomUUID(), accountId: account.id, name, region: 'fr-par', plan: 'g6-nanode-1', tunnel: { mode: 'tcp', inletsVersion: '0.11.14' } })
    fake.setFailure({ method: 'POST', path: '/v4/linode/instances', status: 400, times: 1 })
    expect(await call('hosts:create', create('exit-echo-1'))).toMatchObject({ ok: false, error: { code: 'unprocessable' } })
    await data<Host>('hosts:create', create('exit-echo-2'))
    await core.hosts.refresh()
    // A refresh that fails with a 500 quoting the Authorization header.
    fake.setFailure({ method: 'GET', path: '/v4/linode/instances', status: 500, times: 1 })
    await core.hosts.refresh()
    await data('hosts:list', {})
    fake.setFailure({ method: 'GET', path: '/v4/account', status: 500, times: 1 })
    expect(await data<AccountInfo>('accounts:verify', { accountId: account.id })).toMatchObject({ credential: 'failing' })
    await data('accounts:list', {})

    const creates = fake.requests.filter((r) => r.method === 'POST' && r.path === '/v4/linode/instances')
    const rootPasswords = creates.map((r) => (r.body as { root_pass: string }).root_pass)
    expect(rootPasswords).toHaveLength(2)
    const tunnelTokens = [...stored].filter(([key]) => key.startsWith('host:') && key.endsWith(':tunnel-token')).map(([, value]) => value)
    expect(tunnelTokens.length).toBeGreaterThanOrEqual(2)
    for (const token of tunnelTokens.slice(0, 1)) expect(creates.some((r) => Buffer.from((r.body as { metadata: { user_data: string } }).metadata.user_data, 'base64').toString().includes(token))).toBe(true)

    await core.stop()
    core = undefined
    const names = await readdir(dataDir, { recursive: true, withFileTypes: true })
    const files = await Promise.all(names.filter((entry) => entry.isFile()).map(async (entry) => ({ where: `file ${entry.name}`, text: await readFile(join(entry.parentPath, entry.name), 'utf8') })))
    const everything = [...outputs, ...files, { where: 'console', text: consoleText.join('\n') }]
    const seeded: Array<[string, string]> = [
      ['wrong token', wrong],
      ['account token', fake.token],
      ...rootPasswords.map((password): [string, string] => ['root password', password]),
      ...tunnelTokens.map((token): [string, string] => ['tunnel token', token]),
    ]
    for (const [what, secret] of seeded) {
      for (const form of [secret, Buffer.from(secret).toString('base64'), secret.slice(4, 24)]) {
        for (const output of everything) expect(output.text.includes(form), `${what} as "${form.slice(0, 8)}…" in ${output.where}`).toBe(false)
      }
    }
    // ... and not because nothing was echoed: Linode's words arrived, the secrets cut out.
    const all = everything.map((o) => o.text).join('\n')
    expect(all).toContain('You sent Authorization: Bearer [redacted]')
    expect(all).toContain('Injected failure (HTTP 400).')
  })
})
