import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { AccountService } from '../../src/main/accounts/account-service'
import { createDigitalOceanProvisioner } from '../../src/main/clouds/digitalocean'
import { createRegistry } from '../../src/main/clouds/registry'
import { redactor } from '../../src/main/redact'
import { createMemorySecretStore } from '../../src/main/secrets/memory-store'
import type { SecretStore } from '../../src/main/secrets/secret-store'
import { openLedger } from '../../src/main/store/ledger'
import { startFakeDigitalOcean, type FakeDigitalOcean } from '../fakes/digitalocean'
import { FakeClock } from '../support/harness'

let fake: FakeDigitalOcean
beforeAll(async () => {
  fake = await startFakeDigitalOcean()
})
afterAll(() => fake.close())
beforeEach(() => {
  fake.clearFailures()
  fake.requests.length = 0
})

async function service(secrets: SecretStore = createMemorySecretStore()) {
  const clock = new FakeClock()
  const ledger = await openLedger(await mkdtemp(join(tmpdir(), 'exitdesk-accounts-')))
  let changes = 0
  const accounts = new AccountService({ ledger, secrets, registry: createRegistry({ clock }), clock, onChange: () => void (changes += 1) })
  return { accounts, ledger, secrets, changes: () => changes }
}

const add = (overrides: Record<string, unknown> = {}) => ({ cloud: 'digitalocean' as const, label: 'Work', endpoint: fake.url, credentials: { token: fake.token }, ...overrides })

describe('AccountService', () => {
  it('verifies the credential with one cheap call, then keeps it in the keychain and only the label in the ledger', async () => {
    const { accounts, ledger, secrets, changes } = await service()
    const info = await accounts.add(add())
    expect(info).toEqual({ id: info.id, cloud: 'digitalocean', label: 'Work', endpoint: fake.url, credential: 'ok', credentialMessage: undefined, builtIn: false })
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v2/account'])
    expect(JSON.stringify(ledger.read())).not.toContain(fake.token)
    expect(await secrets.get(`account:${info.id}`)).toContain(fake.token)
    expect(changes()).toBe(1)
    expect((await accounts.context(info.id)).credentials).toEqual({ token: fake.token })
  })

  it('refuses a credential the cloud rejects, with the provider message, and saves nothing', async () => {
    const { accounts, ledger } = await service()
    await expect(accounts.add(add({ credentials: { token: 'wrong' } }))).rejects.toMatchObject({ info: { code: 'unauthorized', providerMessage: 'Unable to authenticate you' } })
    expect(ledger.read().accounts).toHaveLength(0)
  })

  it('names the field at fault before calling the cloud', async () => {
    const { accounts } = await service()
    await expect(accounts.add(add({ credentials: {} }))).rejects.toMatchObject({ info: { field: 'credentials.token' } })
    await expect(accounts.add(add({ credentials: { token: 'x', secret: 'y' } }))).rejects.toMatchObject({ info: { field: 'credentials.secret' } })
    await expect(accounts.add(add({ endpoint: 'http://api.example.com' }))).rejects.toMatchObject({ info: { field: 'endpoint' } })
    await expect(accounts.add(add({ endpoint: 'https://user:pw@api.example.com' }))).rejects.toMatchObject({ info: { field: 'endpoint' } })
    await expect(accounts.add(add({ cloud: 'simulator' }))).rejects.toMatchObject({ info: { field: 'cloud' } })
    expect(fake.requests).toHaveLength(0)
  })

  it('says plainly when no keyring exists, without calling the cloud', async () => {
    const { accounts } = await service(createMemorySecretStore({ unavailableReason: 'No system keyring is available (test).' }))
    await expect(accounts.add(add())).rejects.toMatchObject({ info: { code: 'keyring-unavailable' } })
    expect(fake.requests).toHaveLength(0)
  })

  it('marks a credential that stopped working as failing, with the reason', async () => {
    const { accounts } = await service()
    const info = await accounts.add(add())
    fake.setFailure({ path: '/v2/account', status: 401, body: { id: 'unauthorized', message: 'Unable to authenticate you' } })
    const checked = await accounts.verify(info.id)
    expect(checked.credential).toBe('failing')
    expect(checked.credentialMessage).toContain('Unable to authenticate you')
    fake.clearFailures()
    expect((await accounts.verify(info.id)).credential).toBe('ok')
  })

  it('refuses the same provider account twice (its hosts would show twice, and deleting the copies would destroy them)', async () => {
    const { accounts } = await service()
    await accounts.add(add())
    await expect(accounts.add(add({ label: 'Work again' }))).rejects.toMatchObject({ info: { code: 'conflict', message: expect.stringContaining('already added as "Work"') } })
    expect(accounts.list()).toHaveLength(2) // the simulated cloud and the first one
  })

  it('replaces a credential after verifying it, only with one of the same provider account', async () => {
    const { accounts, secrets } = await service()
    const info = await accounts.add(add())
    await expect(accounts.updateCredential(info.id, { token: 'wrong' })).rejects.toMatchObject({ info: { code: 'unauthorized' } })
    expect(await secrets.get(`account:${info.id}`)).toContain(fake.token)
    // A token of another DigitalOcean account: the fake answers with a different e-mail.
    fake.setFailure({ path: '/v2/account', status: 200, body: { account: { email: 'someone-else@example.com', uuid: 'u2', droplet_limit: 25, floating_ip_limit: 3, email_verified: true, status: 'active', status_message: '' } }, times: 1 })
    await expect(accounts.updateCredential(info.id, { token: fake.token })).rejects.toMatchObject({ info: { field: 'credentials.token', message: expect.stringContaining('someone-else@example.com') } })
    await accounts.markFailing(info.id, 'DigitalOcean did not accept the API token.')
    expect(accounts.list().find((a) => a.id === info.id)?.credential).toBe('failing')
    const fixed = await accounts.updateCredential(info.id, { token: fake.token })
    expect(fixed).toMatchObject({ credential: 'ok', credentialMessage: undefined })
  })

  it('refuses to remove an account that still has hosts, and removes the keychain entry otherwise', async () => {
    const { accounts, secrets } = await service()
    const info = await accounts.add(add())
    await expect(accounts.remove(info.id, 2)).rejects.toMatchObject({ info: { code: 'conflict' } })
    await accounts.remove(info.id, 0)
    expect(await secrets.get(`account:${info.id}`)).toBeUndefined()
    expect(accounts.list().map((a) => a.id)).toEqual(['simulated'])
    await expect(accounts.remove('simulated', 0)).rejects.toMatchObject({ info: { field: 'accountId' } })
  })

  it('redacts every credential field but those the manifest marks public (an identifier the provider prints itself)', async () => {
    const plain = createDigitalOceanProvisioner()
    // DigitalOcean with an extra, public field, standing in for a Google Cloud project id.
    const withProject = { ...plain, manifest: { ...plain.manifest, credentialFields: [...plain.manifest.credentialFields, { key: 'project', label: 'Project', kind: 'text' as const, public: true }] } }
    const clock = new FakeClock()
    const ledger = await openLedger(await mkdtemp(join(tmpdir(), 'exitdesk-accounts-')))
    const accounts = new AccountService({ ledger, secrets: createMemorySecretStore(), registry: createRegistry({ clock, extra: [withProject] }), clock, onChange: () => undefined })
    const project = 'exitdesk-public-project-4711'
    await accounts.add(add({ credentials: { token: fake.token, project } }))
    expect(redactor.redactText(`project ${project}`)).toBe(`project ${project}`)
    expect(redactor.redactText(`token ${fake.token}`)).toBe('token [redacted]')
  })
})

