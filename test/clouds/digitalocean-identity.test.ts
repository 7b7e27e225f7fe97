/**
 * An account is the provider's account: two DigitalOcean teams of ONE person (same e-mail, same
 * user uuid) are two fakes behind one API address (test/fakes/digitalocean-teams.ts), so only
 * the token says which team a request acts in. A token of team B must never stand in for team
 * A: not through "Replace credential", not when swapped into the keychain behind the app's back
 * — and a host leaves the table only when a credential proven to be its account's own says it
 * is gone.
 */
import { randomUUID } from 'node:crypto'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { IDENTITY_PROOF_TTL_MS } from '../../src/main/accounts/identity-proof'
import { accountIdentity, createDigitalOceanProvisioner } from '../../src/main/clouds/digitalocean'
import { createCore, type Core } from '../../src/main/core'
import { createMemorySecretStore } from '../../src/main/secrets/memory-store'
import type { SecretStore } from '../../src/main/secrets/secret-store'
import { LEDGER_FILE } from '../../src/main/store/ledger'
import type { LedgerData } from '../../src/main/store/records'
import type { HostsSnapshot } from '../../src/shared/contract'
import type { AccountInfo, Host } from '../../src/shared/domain'
import type { Envelope } from '../../src/shared/errors'
import { startFakeDigitalOcean, type FakeDigitalOcean } from '../fakes/digitalocean'
import { startTeamRouter, type TeamRouter } from '../fakes/digitalocean-teams'
import { FakeClock } from '../support/harness'

const PERSON = { email: 'sammy@example.com', uuid: 'b6fr89dbf6d9156cace5f3c78dc9851d957381ef' }
const TEAM_A = { uuid: '5df3e3004a17e242b7c20ca6c9fc25b701a47ece', name: 'Team A' }
const TEAM_B = { uuid: '9a1c0d7e2b3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b', name: 'Team B' }

let teamA: FakeDigitalOcean
let teamB: FakeDigitalOcean
let api: TeamRouter
beforeAll(async () => {
  teamA = await startFakeDigitalOcean({ activateAfterMs: 0, deleteAfterMs: 0, account: { ...PERSON, team: TEAM_A } })
  teamB = await startFakeDigitalOcean({ activateAfterMs: 0, deleteAfterMs: 0, account: { ...PERSON, team: TEAM_B } })
  api = await startTeamRouter([teamA, teamB])
})
afterAll(async () => {
  await api.close()
  await teamA.close()
  await teamB.close()
})

const noTimers = { setTimeout: () => 0, clearTimeout: () => undefined }
let cores: Core[] = []
beforeEach(() => {
  for (const fake of [teamA, teamB]) {
    fake.clearFailures()
    fake.requests.length = 0
    fake.state.droplets.clear()
  }
})
afterEach(async () => {
  await Promise.all(cores.map((core) => core.stop()))
  cores = []
})

async function open(dataDir?: string) {
  const clock = new FakeClock()
  const secrets = createMemorySecretStore()
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'exitdesk-identity-')))
  const core = await createCore({ dataDir: dir, secrets, shell: 'web', version: 'test', clock, timers: noTimers })
  cores.push(core)
  return { core, clock, secrets, dataDir: dir }
}

async function ok<T>(envelope: Promise<Envelope<unknown>>): Promise<T> {
  const result = await envelope
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`)
  return result.data as T
}

const addTeam = (core: Core, token: string, label: string) => core.dispatch('accounts:add', { cloud: 'digitalocean', label, endpoint: api.url, credentials: { token } })

const createHost = (core: Core, accountId: string, name: string) =>
  ok<Host>(core.dispatch('hosts:create', { requestId: randomUUID(), accountId, name, region: 'lon1', plan: 's-1vcpu-512mb-10gb', tunnel: { mode: 'tcp', inletsVersion: '0.11.14' } }))

const hostsOf = async (core: Core) => (await ok<HostsSnapshot>(core.dispatch('hosts:list', {}))).hosts
const accountOf = async (core: Core, id: string) => (await ok<AccountInfo[]>(core.dispatch('accounts:list', {}))).find((a) => a.id === id)
const requestsTo = (fake: FakeDigitalOcean, method: string, pattern: RegExp) => fake.requests.filter((r) => r.method === method && pattern.test(r.path))

/** Team B's token filed under team A's account, as if the keychain entry were changed outside Exitdesk. */
async function swapInKeychain(secrets: SecretStore, accountId: string, token: string): Promise<void> {
  await secrets.set(`account:${accountId}`, JSON.stringify({ token }))
}

/** Team A's account with two running droplets. */
async function teamAWithTwoHosts() {
  const opened = await open()
  const account = await ok<AccountInfo>(addTeam(opened.core, teamA.token, 'Team A'))
  await createHost(opened.core, account.id, 'exit-a-1')
  await createHost(opened.core, account.id, 'exit-a-2')
  await opened.core.hosts.refresh()
  expect((await hostsOf(opened.core)).map((h) => h.state)).toEqual(['active', 'active'])
  return { ...opened, account }
}

describe('DigitalOcean account identity', () => {
  it('the identity is the TEAM (the user uuid is the same person in every team), the user only when no team is named', () => {
    expect(accountIdentity({ ...PERSON, team: TEAM_A })).toEqual({ identity: `team:${TEAM_A.uuid}`, accountName: 'Team A (sammy@example.com)' })
    expect(accountIdentity({ ...PERSON, team: TEAM_B }).identity).not.toBe(accountIdentity({ ...PERSON, team: TEAM_A }).identity)
    expect(accountIdentity({ ...PERSON })).toEqual({ identity: `user:${PERSON.uuid}`, accountName: 'sammy@example.com' })
    expect(accountIdentity({ ...PERSON, team: null })).toEqual({ identity: `user:${PERSON.uuid}`, accountName: 'sammy@example.com' })
  })

  it('the adapter reads the team from GET /v2/account, and refuses a team object without a uuid instead of guessing', async () => {
    const p = createDigitalOceanProvisioner()
    const signal = new AbortController().signal
    const ctx = { accountId: 'a', credentials: { token: teamA.token }, endpoint: api.url }
    await expect(p.verify(ctx, signal)).resolves.toEqual({ identity: `team:${TEAM_A.uuid}`, accountName: 'Team A (sammy@example.com)' })
    teamA.setFailure({ path: '/v2/account', status: 200, body: { account: { ...PERSON, team: { name: 'No uuid' } } }, times: 1 })
    await expect(p.verify(ctx, signal)).rejects.toMatchObject({ info: { code: 'provider-unavailable', detail: 'account.team.uuid is missing' } })
  })

  it('two teams of one person (same e-mail) are two accounts; the same team twice is still refused', async () => {
    const { core } = await open()
    const a = await ok<AccountInfo>(addTeam(core, teamA.token, 'Team A'))
    const b = await ok<AccountInfo>(addTeam(core, teamB.token, 'Team B'))
    expect(b.id).not.toBe(a.id)
    expect(await addTeam(core, teamA.token, 'Team A again')).toMatchObject({ ok: false, error: { code: 'conflict', message: expect.stringContaining('already added as "Team A"') } })
  })

  it('"Replace credential" refuses a token of another team, naming the field and the team it belongs to', async () => {
    const { core, secrets } = await open()
    const a = await ok<AccountInfo>(addTeam(core, teamA.token, 'Team A'))
    const refused = await core.dispatch('accounts:update-credential', { accountId: a.id, credentials: { token: teamB.token } })
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid-input', field: 'credentials.token', message: expect.stringContaining('Team B (sammy@example.com)') } })
    expect(await secrets.get(`account:${a.id}`)).toContain(teamA.token)
    await expect(ok<AccountInfo>(core.dispatch('accounts:update-credential', { accountId: a.id, credentials: { token: teamA.token } }))).resolves.toMatchObject({ credential: 'ok' })
  })

  it('a token swapped in the keychain that sees none of the hosts: nothing is torn down or forgotten, the account needs attention', async () => {
    const { core, secrets, account } = await teamAWithTwoHosts()
    await swapInKeychain(secrets, account.id, teamB.token)
    teamB.requests.length = 0
    for (let i = 0; i < 3; i++) await core.hosts.refresh()

    expect((await hostsOf(core)).map((h) => [h.name, h.state])).toEqual([
      ['exit-a-1', 'active'],
      ['exit-a-2', 'active'],
    ])
    expect(await accountOf(core, account.id)).toMatchObject({ credential: 'failing', credentialMessage: expect.stringContaining("sees none of this account's 2 hosts") })
    expect((await accountOf(core, account.id))?.credentialMessage).toContain('belongs to Team B (sammy@example.com), not Team A (sammy@example.com)')
    // Not asked for each droplet by id, never asked to delete anything; both still run in team A.
    expect(requestsTo(teamB, 'GET', /^\/v2\/droplets\/\d+$/)).toEqual([])
    expect(requestsTo(teamB, 'DELETE', /./)).toEqual([])
    expect(teamA.state.droplets.size).toBe(2)
    // One proof for three refreshes: the answer is kept for this credential.
    expect(requestsTo(teamB, 'GET', /^\/v2\/account$/)).toHaveLength(1)
  })

  it('a delete under a swapped token does not drop the host when the other team answers 404', async () => {
    const { core, secrets, account } = await teamAWithTwoHosts()
    const [host] = await hostsOf(core)
    await swapInKeychain(secrets, account.id, teamB.token)
    await core.dispatch('hosts:delete', { by: 'id', hostId: host!.id })
    await core.hosts.refresh()

    const kept = (await hostsOf(core)).find((h) => h.id === host!.id)
    expect(kept).toMatchObject({ state: 'deleting', lastError: expect.stringContaining('belongs to Team B') })
    expect((await accountOf(core, account.id))?.credential).toBe('failing')
    expect(teamA.state.droplets.size).toBe(2)

    // With team A's own token back, the delete goes on and the host leaves once team A says it is gone.
    await ok(core.dispatch('accounts:update-credential', { accountId: account.id, credentials: { token: teamA.token } }))
    for (let i = 0; i < 10 && (await hostsOf(core)).some((h) => h.id === host!.id); i++) await core.hosts.refresh()
    expect((await hostsOf(core)).map((h) => h.name)).toEqual(['exit-a-2'])
    expect(teamA.state.droplets.size).toBe(1)
  })

  it('with the account\'s own token, hosts deleted outside Exitdesk do leave the table (proof once per credential and TTL)', async () => {
    const { core, clock, account } = await teamAWithTwoHosts()
    teamA.requests.length = 0
    teamA.state.droplets.clear() // both destroyed in DigitalOcean's console
    for (let i = 0; i < 4 && (await hostsOf(core)).length > 0; i++) await core.hosts.refresh()
    expect(await hostsOf(core)).toEqual([])
    expect((await accountOf(core, account.id))?.credential).toBe('ok')
    // The add proved the credential moments ago: no extra account call needed within the TTL.
    expect(requestsTo(teamA, 'GET', /^\/v2\/account$/)).toHaveLength(0)

    await createHost(core, account.id, 'exit-a-3')
    await core.hosts.refresh()
    clock.advance(IDENTITY_PROOF_TTL_MS)
    teamA.state.droplets.clear()
    for (let i = 0; i < 4 && (await hostsOf(core)).length > 0; i++) await core.hosts.refresh()
    expect(await hostsOf(core)).toEqual([])
    expect(requestsTo(teamA, 'GET', /^\/v2\/account$/)).toHaveLength(1)
  })

  it('Verify with a swapped token marks the account failing and never adopts the other team', async () => {
    const { core, secrets } = await open()
    const a = await ok<AccountInfo>(addTeam(core, teamA.token, 'Team A'))
    await swapInKeychain(secrets, a.id, teamB.token)
    expect(await ok<AccountInfo>(core.dispatch('accounts:verify', { accountId: a.id }))).toMatchObject({ credential: 'failing', credentialMessage: expect.stringContaining('belongs to Team B') })
    await swapInKeychain(secrets, a.id, teamA.token)
    expect(await ok<AccountInfo>(core.dispatch('accounts:verify', { accountId: a.id }))).toMatchObject({ credential: 'ok' })
  })

  describe('a ledger written before identities were kept', () => {
    /** Team A's account as an older Exitdesk recorded it: e-mail only, no identity. */
    async function legacy(hostNames: string[] = []) {
      const first = await open()
      const a = await ok<AccountInfo>(addTeam(first.core, teamA.token, 'Team A'))
      for (const name of hostNames) await createHost(first.core, a.id, name)
      await first.core.hosts.refresh()
      await first.core.stop()
      cores = cores.filter((c) => c !== first.core)
      const file = join(first.dataDir, LEDGER_FILE)
      const data = JSON.parse(await readFile(file, 'utf8')) as LedgerData
      for (const account of data.accounts) {
        delete account.identity
        account.accountName = PERSON.email
      }
      await writeFile(file, JSON.stringify(data))
      const reopened = await open(first.dataDir)
      await swapInKeychain(reopened.secrets, a.id, teamA.token)
      return { ...reopened, a }
    }

    it('learns the identity from the STORED credential before accepting a replacement, so team B is still refused', async () => {
      const { core, a } = await legacy()
      const refused = await core.dispatch('accounts:update-credential', { accountId: a.id, credentials: { token: teamB.token } })
      expect(refused).toMatchObject({ ok: false, error: { field: 'credentials.token', message: expect.stringContaining('Team B') } })
      await expect(ok<AccountInfo>(core.dispatch('accounts:update-credential', { accountId: a.id, credentials: { token: teamA.token } }))).resolves.toMatchObject({ credential: 'ok' })
    })

    it('refuses in plain words when the stored credential cannot say which team the account is', async () => {
      const { core, secrets, a } = await legacy()
      await swapInKeychain(secrets, a.id, 'dop_v1_revoked')
      const refused = await core.dispatch('accounts:update-credential', { accountId: a.id, credentials: { token: teamB.token } })
      expect(refused).toMatchObject({ ok: false, error: { code: 'conflict', message: expect.stringContaining('cannot tell whether the new one belongs to the same team') } })
      expect(await secrets.get(`account:${a.id}`)).toContain('dop_v1_revoked')
    })

    const identityInLedger = async (dataDir: string) => (JSON.parse(await readFile(join(dataDir, LEDGER_FILE), 'utf8')) as LedgerData).accounts[0]?.identity

    it('learns the identity from a refresh whose list shows one of its own droplets, so a delete can finish', async () => {
      const { core, dataDir, a } = await legacy(['exit-old-1'])
      await core.hosts.refresh()
      expect(await identityInLedger(dataDir)).toBe(`team:${TEAM_A.uuid}`)
      const [host] = await hostsOf(core)
      await core.dispatch('hosts:delete', { by: 'id', hostId: host!.id })
      for (let i = 0; i < 4 && (await hostsOf(core)).length > 0; i++) await core.hosts.refresh()
      expect(await hostsOf(core)).toEqual([])
      expect((await accountOf(core, a.id))?.credential).toBe('ok')
    })

    it('never learns it from a swapped token that sees none of the droplets: hosts kept, account needs attention', async () => {
      const { core, secrets, dataDir, a } = await legacy(['exit-old-1', 'exit-old-2'])
      await swapInKeychain(secrets, a.id, teamB.token)
      for (let i = 0; i < 3; i++) await core.hosts.refresh()
      expect(await identityInLedger(dataDir)).toBeUndefined()
      expect((await hostsOf(core)).map((h) => h.state)).toEqual(['active', 'active'])
      expect(await accountOf(core, a.id)).toMatchObject({ credential: 'failing', credentialMessage: expect.stringContaining("sees none of this account's 2 hosts") })
      expect(teamA.state.droplets.size).toBe(2)
    })

    it('lets team B be added beside the legacy team A account, and still refuses team A twice', async () => {
      const { core } = await legacy()
      await expect(ok<AccountInfo>(addTeam(core, teamB.token, 'Team B'))).resolves.toMatchObject({ label: 'Team B' })
      expect(await addTeam(core, teamA.token, 'Team A again')).toMatchObject({ ok: false, error: { code: 'conflict' } })
    })
  })
})
