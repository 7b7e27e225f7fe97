/**
 * A Scaleway (fake) that repeats every request back in its errors: the X-Auth-Token header and
 * the body (whose cloud-init holds the tunnel token), raw and base64. A real core is driven
 * through its dispatcher (a wrong secret, a good one, a refused cloud-init, a failing refresh)
 * and every output of main is collected: envelopes, events and every file in the data folder.
 * No secret key or tunnel token may appear in any of them; the project id (public) may.
 */
import { randomUUID } from 'node:crypto'
import { mkdtemp, readdir, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createCore, type Core } from '../../src/main/core'
import { createMemorySecretStore } from '../../src/main/secrets/memory-store'
import { eventNames } from '../../src/shared/contract'
import type { AccountInfo, Host } from '../../src/shared/domain'
import type { Envelope } from '../../src/shared/errors'
import { startFakeScaleway, type FakeScaleway } from '../fakes/scaleway'

const spellings = (secret: string): string[] => [secret, Buffer.from(secret).toString('base64').replace(/=+$/, ''), encodeURIComponent(secret), secret.slice(8, 32)]
const ACCESS_KEY = 'SCWQ4ZK7T2M9XPR5HB3N'

let fake: FakeScaleway | undefined
let core: Core | undefined

afterEach(async () => {
  await core?.stop()
  core = undefined
  await fake?.close()
  fake = undefined
})

describe('Scaleway echoing the request back', () => {
  it('leaves no secret key, access key or tunnel token in any envelope, event or file', async () => {
    fake = await startFakeScaleway({ echo: true, activateAfterMs: 0, deleteAfterMs: 0 })
    const dataDir = await mkdtemp(join(tmpdir(), 'exitdesk-scw-echo-'))
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

    const wrong = randomUUID()
    const credentials = { accessKey: ACCESS_KEY, secretKey: wrong, projectId: fake.projectId }
    expect(await call('accounts:add', { cloud: 'scaleway', label: 'Echo', endpoint: fake.url, credentials })).toMatchObject({ ok: false, error: { code: 'unauthorized' } })
    const added = await call('accounts:add', { cloud: 'scaleway', label: 'Echo', endpoint: fake.url, credentials: { ...credentials, secretKey: fake.secretKey } })
    expect(added.ok).toBe(true)
    const account = (added as { data: AccountInfo }).data

    // The cloud-init (with the tunnel token) quoted back in a refusal, on every try.
    fake.setFailure({ method: 'PATCH', path: /\/user_data\/cloud-init$/, status: 400, type: 'invalid_arguments', times: 3 })
    const create = (name: string) => ({ requestId: randomUUID(), accountId: account.id, name, region: 'fr-par-1', plan: 'STARDUST1-S', tunnel: { mode: 'tcp', inletsVersion: '0.11.14' } })
    await call('hosts:create', create('exit-echo-1'))
    for (let n = 0; n < 4; n++) await core.hosts.refresh()
    fake.setFailure({ method: 'GET', path: '/instance/v1/zones/fr-par-1/servers', status: 500, times: 1 })
    await core.hosts.refresh()
    const listed = await call('hosts:list', {})
    expect(listed.ok).toBe(true)

    const tunnelTokens = [...stored].filter(([key]) => key.endsWith(':tunnel-token')).map(([, value]) => value)
    expect(tunnelTokens.length).toBeGreaterThanOrEqual(1)
    expect(JSON.stringify(fake.requests.filter((r) => r.method === 'PATCH'))).toContain(tunnelTokens[0]!)

    await core.stop()
    core = undefined
    const files = (await readdir(dataDir, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile())
    for (const file of files) outputs.push(await readFile(join(file.parentPath, file.name), 'utf8'))
    const everything = outputs.join('\n')
    for (const secret of [wrong, fake.secretKey, ACCESS_KEY, ...tunnelTokens]) for (const form of spellings(secret)) expect(everything.includes(form), `"${form.slice(0, 10)}…" leaked`).toBe(false)
    // ... and not because nothing was echoed: Scaleway's words arrived with the secrets cut out.
    expect(everything).toContain('You sent X-Auth-Token: [redacted]')
    // The project id is public: it may name the account.
    expect(everything).toContain(fake.projectId)
    expect((listed as { data: { hosts: Host[] } }).data.hosts.length).toBeGreaterThan(0)
  })
})
