/**
 * A Civo (fake) that repeats every request back in its errors: the Authorization header and the
 * body (whose start-up script holds the tunnel token), raw and base64-encoded. A real core is
 * driven through its dispatcher (a wrong key, a good one, a refused create, a failing refresh)
 * and every output of main is collected: envelopes, events and every file in the data folder.
 * No secret may appear in any of them; and a host created through the core goes active and is
 * torn down leaving nothing in the fake.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtemp, readdir, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createCore, type Core } from '../../src/main/core'
import { createMemorySecretStore } from '../../src/main/secrets/memory-store'
import { eventNames } from '../../src/shared/contract'
import type { AccountInfo, Host } from '../../src/shared/domain'
import type { Envelope } from '../../src/shared/errors'
import { startFakeCivo, type FakeCivo } from '../fakes/civo'

const civoKey = (): string => randomBytes(30).toString('base64url')
const spellings = (secret: string): string[] => [secret, Buffer.from(secret).toString('base64'), encodeURIComponent(secret), Buffer.from(`bearer ${secret}`).toString('base64').replace(/=+$/, ''), secret.slice(8, 32)]

let fake: FakeCivo | undefined
let core: Core | undefined

afterEach(async () => {
  await core?.stop()
  core = undefined
  await fake?.close()
  fake = undefined
})

describe('Civo echoing the request back, through the core', () => {
  it('leaves no API key or tunnel token in any envelope, event or file', async () => {
    fake = await startFakeCivo({ token: civoKey(), echo: true, activateAfterMs: 0, deleteAfterMs: 0 })
    const dataDir = await mkdtemp(join(tmpdir(), 'exitdesk-civo-echo-'))
    const stored = new Map<string, string>()
    const memory = createMemorySecretStore()
    const secrets = { ...memory, kind: memory.kind, set: async (key: string, value: string) => void (stored.set(key, value), await memory.set(key, value)) }
    core = await createCore({ dataDir, secrets, shell: 'web', version: 'test' })
    const outputs: string[] = []
    for (const name of eventNames) core.events.on(name, (payload) => void outputs.push(JSON.stringify(payload)))
    const call = async (channel: string, input: unknown): Promise<Envelope<unknown>> => {
      const envelope = await core!.dispatch(channel, input)
      outputs.push(JSON.stringify(envelope))
      return envelope
    }

    const wrong = civoKey()
    expect(await call('accounts:add', { cloud: 'civo', label: 'Echo', endpoint: fake.url, credentials: { token: wrong } })).toMatchObject({ ok: false, error: { code: 'unauthorized' } })
    const added = await call('accounts:add', { cloud: 'civo', label: 'Echo', endpoint: fake.url, credentials: { token: fake.token } })
    expect(added.ok).toBe(true)
    const account = (added as { data: AccountInfo }).data

    // The instance create's body (the script with the tunnel token) quoted back in a 400.
    const create = (name: string) => ({ requestId: randomUUID(), accountId: account.id, name, region: 'LON1', plan: 'g4s.xsmall', tunnel: { mode: 'tcp', inletsVersion: '0.11.14' } })
    fake.setFailure({ method: 'POST', path: '/v2/instances', status: 400, code: 'parameter_invalid', times: 1 })
    await call('hosts:create', create('exit-echo-1'))
    expect((await call('hosts:create', create('exit-echo-2'))).ok).toBe(true)
    for (let n = 0; n < 10 && fake.state.instances.size < 2; n++) await core.hosts.refresh()
    fake.setFailure({ method: 'GET', path: '/v2/instances', status: 500, times: 1 })
    await core.hosts.refresh()
    const listed = await call('hosts:list', {})
    expect(listed.ok).toBe(true)

    const tunnelTokens = [...stored].filter(([key]) => key.endsWith(':tunnel-token')).map(([, value]) => value)
    expect(tunnelTokens.length).toBeGreaterThanOrEqual(2)
    expect(JSON.stringify(fake.requests.filter((r) => r.method === 'POST' && r.path === '/v2/instances'))).toContain(tunnelTokens[0]!)

    await core.stop()
    core = undefined
    const files = (await readdir(dataDir, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile())
    for (const file of files) outputs.push(await readFile(join(file.parentPath, file.name), 'utf8'))
    const everything = outputs.join('\n')
    for (const secret of [wrong, fake.token, ...tunnelTokens]) for (const form of spellings(secret)) expect(everything.includes(form), `"${form.slice(0, 10)}…" leaked`).toBe(false)
    // ... and not because nothing was echoed: Civo's words arrived with the secrets cut out.
    expect(everything).toContain('You sent Authorization: bearer [redacted]')
    expect((listed as { data: { hosts: Host[] } }).data.hosts.length).toBeGreaterThan(0)
  })
})
