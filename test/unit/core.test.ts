/**
 * The core as both shells use it (dispatch over a real ledger, memory keychain, the fake
 * DigitalOcean API): credential trouble found while refreshing, delete by IP, the data-folder lock.
 */
import { randomUUID } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCore, secretStoreStatus, type Core } from '../../src/main/core'
import { createMemorySecretStore } from '../../src/main/secrets/memory-store'
import type { AccountInfo, AppStatus, Host } from '../../src/shared/domain'
import type { HostsSnapshot } from '../../src/shared/contract'
import type { Envelope } from '../../src/shared/errors'
import { startFakeDigitalOcean, type FakeDigitalOcean } from '../fakes/digitalocean'

let fake: FakeDigitalOcean
beforeAll(async () => {
  fake = await startFakeDigitalOcean({ activateAfterMs: 0, deleteAfterMs: 0 })
})
afterAll(() => fake.close())

const open = async (dataDir?: string): Promise<Core> =>
  createCore({ dataDir: dataDir ?? (await mkdtemp(join(tmpdir(), 'exitdesk-core-'))), secrets: createMemorySecretStore(), shell: 'web', version: 'test' })

async function ok<T>(envelope: Promise<Envelope<unknown>>): Promise<T> {
  const result = await envelope
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`)
  return result.data as T
}

describe('the core', () => {
  it('marks an account failing when the cloud stops accepting its token, and recovers after the credential is replaced', async () => {
    const core = await open()
    const account = await ok<AccountInfo>(core.dispatch('accounts:add', { cloud: 'digitalocean', label: 'Core', endpoint: fake.url, credentials: { token: fake.token } }))
    const host = await ok<Host>(core.dispatch('hosts:create', { requestId: randomUUID(), accountId: account.id, name: 'exit-core-1', region: 'lon1', plan: 's-1vcpu-512mb-10gb', tunnel: { mode: 'tcp', inletsVersion: '0.11.14' } }))
    await core.hosts.refresh()
    const ip = (await ok<HostsSnapshot>(core.dispatch('hosts:list', {}))).hosts.find((h) => h.id === host.id)?.ipv4
    expect(ip).toMatch(/^198\.51\.100\./)

    fake.setFailure({ path: '/v2/droplets', status: 401, body: { id: 'unauthorized', message: 'Unable to authenticate you' } })
    await core.hosts.refresh()
    const accounts = await ok<AccountInfo[]>(core.dispatch('accounts:list', {}))
    expect(accounts.find((a) => a.id === account.id)).toMatchObject({ credential: 'failing', credentialMessage: expect.stringContaining('Unable to authenticate you') })
    expect((await ok<HostsSnapshot>(core.dispatch('hosts:list', {}))).accountErrors[0]?.message).toContain('Unable to authenticate you')

    // Delete by an IP not seen yet: the list's 401 reaches the caller as it is, not as "no such host".
    const byIp = await core.dispatch('hosts:delete', { by: 'ip', accountId: account.id, ip: '198.51.100.250' })
    expect(byIp).toMatchObject({ ok: false, error: { code: 'unauthorized', providerMessage: 'Unable to authenticate you' } })

    fake.clearFailures()
    const fixed = await ok<AccountInfo>(core.dispatch('accounts:update-credential', { accountId: account.id, credentials: { token: fake.token } }))
    expect(fixed.credential).toBe('ok')
    await core.hosts.refresh()
    expect((await ok<HostsSnapshot>(core.dispatch('hosts:list', {}))).accountErrors).toEqual([])

    const deleting = await ok<Host>(core.dispatch('hosts:delete', { by: 'ip', accountId: account.id, ip: ip! }))
    expect(deleting.id).toBe(host.id)
    await core.hosts.refresh()
    expect(fake.state.droplets.size).toBe(0)
    await core.stop()
  })

  it('app:status says where secrets are kept: in memory for a memory store, the keychain service otherwise', async () => {
    const core = await open()
    expect(await ok<AppStatus>(core.dispatch('app:status', {}))).toMatchObject({ secretStore: { kind: 'memory' } })
    await core.stop()
    const keychain = { ...createMemorySecretStore(), kind: 'keytar', service: 'exitdesk-test-status' }
    expect(secretStoreStatus(keychain)).toEqual({ kind: 'keychain', service: 'exitdesk-test-status' })
  })

  it('lets one Exitdesk at a time use a data folder, with a sentence for the second', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'exitdesk-core-'))
    const first = await open(dataDir)
    await expect(open(dataDir)).rejects.toMatchObject({ info: { code: 'conflict', message: expect.stringContaining('already running with this data folder') } })
    await first.stop()
    const second = await open(dataDir)
    await second.stop()
  })
})
