/**
 * An OVHcloud API (fake) that repeats every request back in its errors: the application key and
 * consumer key headers and the body (whose userData holds the tunnel token), raw, base64 and
 * URL-encoded. A real core is driven through its dispatcher (a wrong secret, a good one, a refused
 * create, a failing refresh) and every output of main is collected: envelopes, events and every
 * file in the data folder. No key, secret or tunnel token may appear in any of them.
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
import { startFakeOvh, type FakeOvh } from '../fakes/ovh'

const key = (): string => randomBytes(24).toString('base64url')
const spellings = (secret: string): string[] => [secret, Buffer.from(secret).toString('base64'), encodeURIComponent(secret), secret.slice(8, 30)]

let fake: FakeOvh | undefined
let core: Core | undefined

afterEach(async () => {
  await core?.stop()
  core = undefined
  await fake?.close()
  fake = undefined
})

describe('OVHcloud echoing the request back', () => {
  it('leaves no application key, secret, consumer key or tunnel token in any envelope, event or file', async () => {
    fake = await startFakeOvh({ applicationKey: key(), applicationSecret: key(), consumerKey: key(), echo: true, activateAfterMs: 0, deleteAfterMs: 0, clockSkewSeconds: 300 })
    const dataDir = await mkdtemp(join(tmpdir(), 'exitdesk-ovh-echo-'))
    const stored = new Map<string, string>()
    const memory = createMemorySecretStore()
    const secrets = { ...memory, kind: memory.kind, set: async (name: string, value: string) => void (stored.set(name, value), await memory.set(name, value)) }
    core = await createCore({ dataDir, secrets, shell: 'web', version: 'test' })
    const outputs: string[] = []
    for (const name of eventNames) core.events.on(name, (payload) => void outputs.push(JSON.stringify(payload)))
    const call = async (channel: string, input: unknown): Promise<Envelope<unknown>> => {
      const envelope = await core!.dispatch(channel, input)
      outputs.push(JSON.stringify(envelope))
      return envelope
    }

    const wrongSecret = key()
    const wrongConsumer = key()
    expect(await call('accounts:add', { cloud: 'ovh', label: 'Echo', endpoint: fake.url, credentials: { ...fake.credentials, applicationSecret: wrongSecret } })).toMatchObject({ ok: false, error: { code: 'unauthorized' } })
    expect(await call('accounts:add', { cloud: 'ovh', label: 'Echo', endpoint: fake.url, credentials: { ...fake.credentials, consumerKey: wrongConsumer } })).toMatchObject({ ok: false, error: { code: 'unauthorized' } })
    const added = await call('accounts:add', { cloud: 'ovh', label: 'Echo', endpoint: fake.url, credentials: { ...fake.credentials } })
    expect(added.ok).toBe(true)
    const account = (added as { data: AccountInfo }).data

    // The instance create's body (userData with the tunnel token) quoted back in a 400.
    const create = (name: string) => ({ requestId: randomUUID(), accountId: account.id, name, region: 'GRA11', plan: 'd2-2', tunnel: { mode: 'tcp', inletsVersion: '0.11.14' } })
    fake.setFailure({ method: 'POST', status: 400, message: 'Invalid userData', times: 1 })
    expect(await call('hosts:create', create('exit-echo-1'))).toMatchObject({ ok: false, error: { code: 'unprocessable' } })
    expect((await call('hosts:create', create('exit-echo-2'))).ok).toBe(true)
    fake.setFailure({ method: 'GET', path: /\/instance$/, status: 500, times: 1 })
    await core.hosts.refresh()
    const listed = await call('hosts:list', {})
    expect(listed.ok).toBe(true)

    const tunnelTokens = [...stored].filter(([name]) => name.endsWith(':tunnel-token')).map(([, value]) => value)
    expect(tunnelTokens.length).toBeGreaterThanOrEqual(2)
    expect(JSON.stringify(fake.requests.filter((r) => r.method === 'POST'))).toContain(tunnelTokens[0]!)

    await core.stop()
    core = undefined
    const files = (await readdir(dataDir, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile())
    for (const file of files) outputs.push(await readFile(join(file.parentPath, file.name), 'utf8'))
    const everything = outputs.join('\n')
    const { applicationKey, applicationSecret, consumerKey } = fake.credentials
    for (const secret of [applicationKey, applicationSecret, consumerKey, wrongSecret, wrongConsumer, ...tunnelTokens]) {
      for (const form of spellings(secret)) expect(everything.includes(form), `"${form.slice(0, 10)}…" leaked`).toBe(false)
    }
    // ... and not because nothing was echoed: OVH's words arrived with the keys cut out; the project id is public and stays.
    expect(everything).toContain('You sent X-Ovh-Application: [redacted]')
    expect(everything).toContain(fake.projectId)
    expect((listed as { data: { hosts: Host[] } }).data.hosts.length).toBeGreaterThan(0)
  })
})
