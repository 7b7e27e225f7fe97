/**
 * Host names are unique per account, checked in main inside the ledger write that records the
 * host: two creates of one name at once (two tabs) make one host, the other gets a field error.
 */
import { randomUUID } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createCore } from '../../src/main/core'
import { createMemorySecretStore } from '../../src/main/secrets/memory-store'
import type { AccountInfo } from '../../src/shared/domain'
import { startFakeDigitalOcean } from '../fakes/digitalocean'
import { nameTaken } from '../../src/main/hosts/unique-names'
import type { HostRecord } from '../../src/main/store/records'
import { makeHostService } from '../support/harness'

const tcp = { mode: 'tcp' as const, inletsVersion: '0.11.14', domains: [], letsEncryptIssuer: 'prod' as const }
const noTimers = { setTimeout: () => 0, clearTimeout: () => undefined }
const request = (name: string) => ({ requestId: randomUUID(), accountId: 'simulated', name, region: 'sim-local-1', plan: 'sim-nano', tunnel: tcp })

function record(overrides: Partial<HostRecord>): HostRecord {
  return {
    id: randomUUID(),
    name: 'exit-1',
    cloud: 'digitalocean',
    accountId: 'team-a',
    region: 'lon1',
    plan: 's-1vcpu-512mb-10gb',
    state: 'active',
    rawStatus: 'active',
    createdAt: '2026-11-25T10:00:00Z',
    tunnel: tcp,
    locator: { region: 'lon1', instanceId: '1', attached: [] },
    discovered: false,
    phase: 'created',
    failures: 0,
    ...overrides,
  }
}

describe('unique host names', () => {
  it('two creates of the same name at once, with different request ids, make exactly one host', async () => {
    const { hosts, ledger } = await makeHostService()
    const results = await Promise.allSettled([hosts.create(request('exit-twice')), hosts.create(request('exit-twice'))])
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    const [refused] = results.filter((r) => r.status === 'rejected')
    expect(refused?.reason).toMatchObject({ info: { code: 'invalid-input', field: 'name', message: expect.stringContaining('"exit-twice" is already used by another host of this account') } })
    expect(ledger.read().hosts.map((h) => h.name)).toEqual(['exit-twice'])
  })

  it('two accounts may each have a host of the same name', async () => {
    const fake = await startFakeDigitalOcean({ activateAfterMs: 0 })
    const core = await createCore({ dataDir: await mkdtemp(join(tmpdir(), 'exitdesk-names-')), secrets: createMemorySecretStore(), shell: 'web', version: 'test', timers: noTimers })
    try {
      const added = await core.dispatch('accounts:add', { cloud: 'digitalocean', label: 'DO', endpoint: fake.url, credentials: { token: fake.token } })
      if (!added.ok) throw new Error(added.error.message)
      const accountId = (added.data as AccountInfo).id
      const simulated = await core.dispatch('hosts:create', request('exit-shared'))
      const real = await core.dispatch('hosts:create', { ...request('exit-shared'), accountId, region: 'lon1', plan: 's-1vcpu-512mb-10gb' })
      expect([simulated.ok, real.ok]).toEqual([true, true])
      expect(await core.dispatch('hosts:create', { ...request('exit-shared'), accountId, region: 'lon1', plan: 's-1vcpu-512mb-10gb' })).toMatchObject({ ok: false, error: { field: 'name' } })
      expect(fake.state.droplets.size).toBe(1)
    } finally {
      await core.stop()
      await fake.close()
    }
  })

  it('compares without case, and frees a name once its host is being deleted', async () => {
    const { hosts } = await makeHostService()
    const first = await hosts.create(request('exit-case'))
    await expect(hosts.create(request('EXIT-Case'))).rejects.toMatchObject({ info: { field: 'name' } })
    await hosts.delete({ by: 'id', hostId: first.id })
    await expect(hosts.create(request('exit-case'))).resolves.toMatchObject({ name: 'exit-case' })
  })

  it('different accounts may share a name; a refused create kept as an error row holds none', () => {
    const taken = [record({ accountId: 'team-a', name: 'exit-1' }), record({ accountId: 'team-a', name: 'exit-2', refusal: 'DigitalOcean refused the create.' })]
    expect(nameTaken(taken, 'team-a', 'exit-1')?.info.field).toBe('name')
    expect(nameTaken(taken, 'team-b', 'exit-1')).toBeUndefined()
    expect(nameTaken(taken, 'team-a', 'exit-2')).toBeUndefined()
    expect(nameTaken([record({ phase: 'tearing-down' })], 'team-a', 'exit-1')).toBeUndefined()
  })
})
