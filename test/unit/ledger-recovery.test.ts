/**
 * Issue 7 item 4, "a damaged ledger is reset without a word": a truncated, garbage, empty or
 * wrong-shape records file is kept aside and said so; the backup and the keychain bring back
 * what they can; one bad record is set aside alone; a host found again by its tag takes back
 * its tunnel settings and token; a records path that cannot be used stops the start with a
 * sentence.
 */
import { randomUUID } from 'node:crypto'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { SIM_BOOT_MS } from '../../src/main/clouds/simulator'
import { createCore, type Core } from '../../src/main/core'
import { reclaimDiscovered } from '../../src/main/hosts/reclaim'
import { TunnelTokens } from '../../src/main/hosts/tunnel-tokens'
import { Redactor } from '../../src/main/redact'
import { createMemorySecretStore } from '../../src/main/secrets/memory-store'
import type { SecretStore } from '../../src/main/secrets/secret-store'
import { LEDGER_BACKUP_FILE, LEDGER_FILE, LEDGER_QUARANTINE_FILE, openLedger } from '../../src/main/store/ledger'
import type { LedgerData } from '../../src/main/store/records'
import type { HostsSnapshot } from '../../src/shared/contract'
import type { AccountInfo, AppStatus, Host } from '../../src/shared/domain'
import { AppError, type Envelope } from '../../src/shared/errors'
import { startFakeDigitalOcean, type FakeDigitalOcean } from '../fakes/digitalocean'
import { FakeClock, makeHostService } from '../support/harness'

let fake: FakeDigitalOcean
beforeAll(async () => {
  fake = await startFakeDigitalOcean({ activateAfterMs: 0, deleteAfterMs: 0 })
})
afterAll(() => fake.close())

const tmp = () => mkdtemp(join(tmpdir(), 'exitdesk-recovery-'))
const open = (dataDir: string, secrets: SecretStore = createMemorySecretStore(), clock?: FakeClock): Promise<Core> =>
  createCore({ dataDir, secrets, shell: 'web', version: 'test', clock })

async function ok<T>(envelope: Promise<Envelope<unknown>>): Promise<T> {
  const result = await envelope
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`)
  return result.data as T
}

const status = (core: Core) => ok<AppStatus>(core.dispatch('app:status', {}))
const hostList = async (core: Core) => (await ok<HostsSnapshot>(core.dispatch('hosts:list', {}))).hosts
const onDisk = async (dir: string, name = LEDGER_FILE) => JSON.parse(await readFile(join(dir, name), 'utf8')) as LedgerData

const https = { mode: 'https' as const, inletsVersion: '0.11.14', domains: ['tunnel.example.com'], letsEncryptIssuer: 'staging' as const }

/** A DigitalOcean account (the fake) and an active host on it, through the core as the window uses it. */
async function accountWithHost(core: Core, cloud: FakeDigitalOcean = fake): Promise<{ account: AccountInfo; host: Host }> {
  const account = await ok<AccountInfo>(core.dispatch('accounts:add', { cloud: 'digitalocean', label: 'Team A', endpoint: cloud.url, credentials: { token: cloud.token } }))
  const host = await ok<Host>(core.dispatch('hosts:create', { requestId: randomUUID(), accountId: account.id, name: `exit-${randomUUID().slice(0, 8)}`, region: 'lon1', plan: 's-1vcpu-512mb-10gb', tunnel: https }))
  await activate(core, host.id)
  return { account, host }
}

async function activate(core: Core, hostId: string): Promise<Host> {
  for (let i = 0; i < 10; i++) {
    await core.hosts.refresh()
    const found = core.hosts.snapshot().hosts.find((h) => h.id === hostId)
    if (found?.state === 'active' && found.ipv4 && !found.busy) return found
  }
  throw new Error(`host ${hostId} did not become active`)
}

describe('an unreadable records file', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['truncated', '{"version":1,"accounts":[{"id":"a","cloud":"digitalocean","label":"A"', /ends in the middle of a record/],
    ['garbage', '\u0000\u0001PK\u0003\u0004 this is not JSON', /not valid JSON/],
    ['empty', '', /the file is empty/],
    ['wrong-shape', '{"version":1,"accounts":{"a":1},"hosts":[]}', /does not have the layout Exitdesk writes/],
    ['a list instead of an object', '[{"version":1}]', /does not have the layout Exitdesk writes/],
    ['from a newer version', '{"version":2,"accounts":[],"hosts":[]}', /newer version of Exitdesk \(format 2\)/],
  ]

  it.each(cases)('%s: is kept aside as it was, the user is told where, and the next start is clean', async (_name, text, reason) => {
    const dataDir = await tmp()
    await writeFile(join(dataDir, LEDGER_FILE), text)
    const core = await open(dataDir)
    const recovery = (await status(core)).ledgerRecovery
    expect(recovery).toBeDefined()
    expect(recovery!.message).toMatch(/^Exitdesk could not read its records \(/)
    expect(recovery!.message).toMatch(reason)
    expect(recovery!.file).toMatch(new RegExp(`${LEDGER_FILE}\\.unreadable-\\d+$`))
    expect(recovery!.message).toContain(`The unreadable file was kept at ${recovery!.file}.`)
    // No backup and nothing in the keychain: said so, and what will come back by itself.
    expect(recovery!.message).toContain('The keychain held no account to recover, so add your accounts again; hosts will reappear from their clouds.')
    expect(recovery!.message).not.toMatch(/\bat .+:\d+:\d+|Error:|SyntaxError/)
    expect(await readFile(recovery!.file!, 'utf8')).toBe(text)
    // What replaced it is a readable, empty ledger, written at once.
    expect(await onDisk(dataDir)).toEqual({ version: 1, accounts: [], hosts: [] })
    await core.stop()
    const again = await open(dataDir)
    expect((await status(again)).ledgerRecovery).toBeUndefined()
    await again.stop()
  })

  it('comes back from the backup copy kept at the previous write: accounts and hosts, not an empty table', async () => {
    const dataDir = await tmp()
    const first = await open(dataDir)
    const { account, host } = await accountWithHost(first)
    await first.stop()
    const backup = await onDisk(dataDir, LEDGER_BACKUP_FILE)
    expect(backup.accounts.map((a) => a.id)).toEqual([account.id])
    expect(backup.hosts.map((h) => h.id)).toEqual([host.id])

    await writeFile(join(dataDir, LEDGER_FILE), '{"version":1,"accounts":[{"id":') // cut off
    // Another computer's keychain: nothing to fill in from there; everything comes from the backup.
    const second = await open(dataDir)
    const recovery = (await status(second)).ledgerRecovery!
    expect(recovery).toMatchObject({ restoredFromBackup: true, accountsRecovered: 0, quarantined: 0 })
    expect(recovery.message).toContain(`Accounts and hosts were restored from the copy saved before the last change (${join(dataDir, LEDGER_BACKUP_FILE)}).`)
    expect(recovery.message).not.toContain('hosts will reappear')
    expect((await ok<AccountInfo[]>(second.dispatch('accounts:list', {}))).map((a) => a.label)).toContain('Team A')
    expect(await hostList(second)).toEqual([expect.objectContaining({ id: host.id, discovered: false, tunnel: { mode: 'https', domains: ['tunnel.example.com'] } })])
    await second.stop()
  })

  it('stops the start with a sentence naming the path when the records file is a folder', async () => {
    const dataDir = await tmp()
    await mkdir(join(dataDir, LEDGER_FILE))
    const failure = await open(dataDir).then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(failure).toBeInstanceOf(AppError)
    expect((failure as AppError).message).toBe(`Exitdesk's records file ${join(dataDir, LEDGER_FILE)} is a folder, not a file. Move that folder away and start Exitdesk again.`)
    expect((failure as AppError).message).not.toMatch(/EISDIR|illegal operation/)
    // Nothing was moved or replaced.
    expect((await readdir(dataDir)).filter((f) => f.startsWith(LEDGER_FILE))).toEqual([LEDGER_FILE])
  })

  it('stops the start with a sentence when the data folder cannot be made because a file is in the way', async () => {
    const parent = await tmp()
    await writeFile(join(parent, 'not-a-folder'), 'x')
    const dataDir = join(parent, 'not-a-folder', 'Exitdesk')
    await expect(openLedger(dataDir)).rejects.toMatchObject({ message: expect.stringContaining(`Exitdesk's data folder ${dataDir} cannot be created because a file is in the way`) })
    const failure = await open(dataDir).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(AppError)
    expect((failure as AppError).message).toContain(`Exitdesk's data folder ${dataDir} cannot be created`)
    expect((failure as AppError).message).not.toMatch(/ENOTDIR|EEXIST/)
  })
})

describe('one damaged record', () => {
  it('is set aside alone: records written by older versions still load, the rest of the file is kept', async () => {
    const dataDir = await tmp()
    const secret = 'dop_v1_quarantined_secret_0123456789'
    const oldAccount = { id: 'acc-old', cloud: 'digitalocean', label: 'Old', createdAt: '2025-01-01T00:00:00Z', credential: 'ok' } // no identity yet
    const oldHost = {
      id: 'host-old',
      name: 'exit-old',
      cloud: 'digitalocean',
      accountId: 'acc-old',
      region: 'lon1',
      plan: 's-1vcpu-512mb-10gb',
      state: 'active',
      rawStatus: 'active',
      createdAt: '2025-01-01T00:00:00Z',
      tunnel: { mode: 'https', inletsVersion: '0.9.40', domains: ['a.example.com'], letsEncryptEmail: 'me@example.com', letsEncryptIssuer: 'prod' },
      locator: { instanceId: '101', region: 'lon1', attached: [{ kind: 'firewall', id: 'fw-1' }] },
      discovered: false,
      phase: 'created',
      failures: 0,
    }
    const broken = { ...oldHost, id: 'host-broken', tunnel: { mode: 'quic' }, lastError: `The provider said: bad token ${secret}` }
    const noTunnel: Record<string, unknown> = { ...oldHost, id: 'host-no-tunnel' }
    delete noTunnel.tunnel
    const twin = { ...oldAccount, label: 'Same id again' }
    await writeFile(join(dataDir, LEDGER_FILE), JSON.stringify({ version: 1, accounts: [oldAccount, twin], hosts: [broken, oldHost, noTunnel], settings: { clientCommand: { upstream: '127.0.0.1' } } }))

    const redactor = new Redactor()
    redactor.remember(secret)
    const ledger = await openLedger(dataDir, redactor)
    expect(ledger.read().accounts).toEqual([oldAccount])
    expect(ledger.read().hosts.map((h) => h.id)).toEqual(['host-old'])
    expect(ledger.read().hosts[0]!.tunnel).toMatchObject({ mode: 'https', domains: ['a.example.com'] })
    expect(ledger.read().settings).toEqual({ clientCommand: { upstream: '127.0.0.1' } })
    expect(ledger.recovery).toEqual({ quarantined: { accounts: 1, hosts: 2, file: join(dataDir, LEDGER_QUARANTINE_FILE) } })

    const kept = JSON.parse(await readFile(join(dataDir, LEDGER_QUARANTINE_FILE), 'utf8')) as Array<{ kind: string; problem: string; record: { id: string } }>
    expect(kept.map((k) => [k.kind, k.record.id])).toEqual([
      ['account', 'acc-old'],
      ['host', 'host-broken'],
      ['host', 'host-no-tunnel'],
    ])
    expect(kept[1]!.problem).toContain('tunnel.mode')
    expect(kept[2]!.problem).toContain('tunnel')
    // Everything written passes the redactor, the quarantine too.
    expect(JSON.stringify(kept)).not.toContain(secret)
    expect(JSON.stringify(kept)).toContain('[redacted]')
    // The file itself was rewritten without them, so the next start is clean.
    expect((await onDisk(dataDir)).hosts.map((h) => h.id)).toEqual(['host-old'])
    expect((await openLedger(dataDir)).recovery).toBeUndefined()
  })

  it('leaves hosts:list working for every other host, says so, and the set-aside host comes back from its cloud', async () => {
    const dataDir = await tmp()
    const clock = new FakeClock()
    const secrets = createMemorySecretStore()
    const first = await open(dataDir, secrets, clock)
    const create = (name: string, tunnel: Record<string, unknown>) =>
      ok<Host>(first.dispatch('hosts:create', { requestId: randomUUID(), accountId: 'simulated', name, region: 'sim-local-1', plan: 'sim-nano', tunnel }))
    const good = await create('exit-good', { mode: 'tcp', inletsVersion: '0.11.14' })
    const bad = await create('exit-bad', https)
    clock.advance(SIM_BOOT_MS)
    await first.hosts.refresh()
    await first.stop()

    const data = await onDisk(dataDir)
    const target = data.hosts.find((h) => h.id === bad.id) as unknown as Record<string, unknown>
    delete target.tunnel // one record a bug or a hand edit broke
    await writeFile(join(dataDir, LEDGER_FILE), JSON.stringify(data))

    const second = await open(dataDir, secrets, clock)
    const listed = await hostList(second)
    expect(listed.map((h) => h.id)).toEqual([good.id])
    const recovery = (await status(second)).ledgerRecovery!
    expect(recovery).toMatchObject({ quarantined: 1, quarantineFile: join(dataDir, LEDGER_QUARANTINE_FILE), restoredFromBackup: false })
    expect(recovery.message).toBe(
      `Exitdesk could not read 1 host record in its records; it was kept as found in ${join(dataDir, LEDGER_QUARANTINE_FILE)}. Hosts will reappear from their clouds.`,
    )
    // The next refresh finds it by its tag, and this keychain still has its token and settings.
    await second.hosts.refresh()
    const back = (await hostList(second)).find((h) => h.id === bad.id)
    expect(back).toMatchObject({ name: 'exit-bad', discovered: false, tunnel: { mode: 'https', domains: ['tunnel.example.com'] } })
    await second.stop()
  })
})

describe('accounts kept in the keychain', () => {
  it('come back after the records file is lost and no backup is left, with their label, endpoint and identity', async () => {
    const dataDir = await tmp()
    const secrets = createMemorySecretStore()
    const first = await open(dataDir, secrets)
    const account = await ok<AccountInfo>(first.dispatch('accounts:add', { cloud: 'digitalocean', label: 'Team A', endpoint: fake.url, credentials: { token: fake.token } }))
    await first.stop()
    expect(await secrets.list()).toEqual(expect.arrayContaining([`account:${account.id}`, `account:${account.id}:meta`]))
    expect(await secrets.get(`account:${account.id}:meta`)).not.toContain(fake.token)

    await writeFile(join(dataDir, LEDGER_FILE), 'garbage')
    await rm(join(dataDir, LEDGER_BACKUP_FILE), { force: true })
    const second = await open(dataDir, secrets)
    const recovery = (await status(second)).ledgerRecovery!
    expect(recovery.accountsRecovered).toBe(1)
    expect(recovery.message).toContain('Recovered 1 account from the keychain; hosts will reappear from their clouds.')
    const accounts = await ok<AccountInfo[]>(second.dispatch('accounts:list', {}))
    expect(accounts.find((a) => a.id === account.id)).toMatchObject({ cloud: 'digitalocean', label: 'Team A', endpoint: fake.url, credential: 'ok' })
    // The credential works as before: the account verifies against its own team.
    expect(await ok<AccountInfo>(second.dispatch('accounts:verify', { accountId: account.id }))).toMatchObject({ credential: 'ok' })
    expect((await onDisk(dataDir)).accounts[0]).toMatchObject({ id: account.id, identity: expect.any(String) })
    // Removing the account removes both keychain entries: nothing is left to be "recovered" later.
    await ok(second.dispatch('accounts:remove', { accountId: account.id }))
    expect((await secrets.list()).filter((k) => k.startsWith('account:'))).toEqual([])
    await second.stop()
  })

  it('are recovered for accounts added before their details were kept: the details are copied on the next start', async () => {
    const dataDir = await tmp()
    const secrets = createMemorySecretStore()
    const first = await open(dataDir, secrets)
    const account = await ok<AccountInfo>(first.dispatch('accounts:add', { cloud: 'digitalocean', label: 'Older', endpoint: fake.url, credentials: { token: fake.token } }))
    await first.stop()
    await secrets.delete(`account:${account.id}:meta`) // as an older version left it

    const second = await open(dataDir, secrets)
    await expect.poll(() => secrets.get(`account:${account.id}:meta`)).toContain('"label":"Older"')
    await second.stop()

    await writeFile(join(dataDir, LEDGER_FILE), '')
    await rm(join(dataDir, LEDGER_BACKUP_FILE), { force: true })
    const third = await open(dataDir, secrets)
    expect((await status(third)).ledgerRecovery?.accountsRecovered).toBe(1)
    expect((await ok<AccountInfo[]>(third.dispatch('accounts:list', {}))).map((a) => a.label)).toContain('Older')
    await third.stop()
  })

  it('without the details an older version did not keep, are named as such rather than guessed at', async () => {
    const dataDir = await tmp()
    const secrets = createMemorySecretStore()
    const first = await open(dataDir, secrets)
    const account = await ok<AccountInfo>(first.dispatch('accounts:add', { cloud: 'digitalocean', label: 'Older', endpoint: fake.url, credentials: { token: fake.token } }))
    await first.stop()
    await secrets.delete(`account:${account.id}:meta`) // an older version kept only the credential
    await writeFile(join(dataDir, LEDGER_FILE), 'nonsense')
    await rm(join(dataDir, LEDGER_BACKUP_FILE), { force: true })
    const second = await open(dataDir, secrets)
    const recovery = (await status(second)).ledgerRecovery!
    expect(recovery.accountsRecovered).toBe(0)
    expect(recovery.message).toContain(
      "The keychain held no account to recover, so add your accounts again; 1 credential in the keychain was saved by an older version without its account's details, so add that account again; hosts will reappear from their clouds.",
    )
    expect((await ok<AccountInfo[]>(second.dispatch('accounts:list', {}))).map((a) => a.id)).toEqual(['simulated'])
    await second.stop()
  })

  it('never come back as a second record of a provider account the ledger already has', async () => {
    const dataDir = await tmp()
    const secrets = createMemorySecretStore()
    const first = await open(dataDir, secrets)
    const lost = await ok<AccountInfo>(first.dispatch('accounts:add', { cloud: 'digitalocean', label: 'Lost once', endpoint: fake.url, credentials: { token: fake.token } }))
    await first.stop()
    // The same team, added again under a new id after an earlier loss: that record is what the backup holds.
    const readded = { ...(await onDisk(dataDir)).accounts[0]!, id: randomUUID(), label: 'Added again' }
    await writeFile(join(dataDir, LEDGER_BACKUP_FILE), JSON.stringify({ version: 1, accounts: [readded], hosts: [] }))
    await writeFile(join(dataDir, LEDGER_FILE), '{')
    const second = await open(dataDir, secrets)
    const accounts = await ok<AccountInfo[]>(second.dispatch('accounts:list', {}))
    expect(accounts.map((a) => a.id)).toContain(readded.id)
    expect(accounts.map((a) => a.id)).not.toContain(lost.id)
    expect((await status(second)).ledgerRecovery).toMatchObject({ restoredFromBackup: true, accountsRecovered: 0 })
    await second.stop()
  })

  it('cannot be recovered without a keyring, and the notice says so', async () => {
    const dataDir = await tmp()
    await writeFile(join(dataDir, LEDGER_FILE), '{"version":1')
    const core = await open(dataDir, createMemorySecretStore({ unavailableReason: 'no Secret Service for this session' }))
    const recovery = (await status(core)).ledgerRecovery!
    expect(recovery.accountsRecovered).toBe(0)
    expect(recovery.message).toContain(
      'No account could be recovered from the keychain: no system keyring is available (no Secret Service for this session). Exitdesk cannot store cloud credentials until one is running. ' +
        'Add your accounts again once it can be used; hosts will reappear from their clouds.',
    )
    await core.stop()
  })
})

describe('a host found again by its tag', () => {
  it('gets back its HTTPS mode, domains and cost, and its token can be copied again', async () => {
    const dataDir = await tmp()
    const secrets = createMemorySecretStore()
    const first = await open(dataDir, secrets)
    // A cloud of its own: the hosts other tests left in the shared fake would be listed too.
    const own = await startFakeDigitalOcean({ activateAfterMs: 0, deleteAfterMs: 0 })
    onTestFinished(() => own.close())
    const { account, host } = await accountWithHost(first, own)
    const token = (await ok<{ token: string }>(first.dispatch('hosts:tunnel-token', { hostId: host.id }))).token
    const cost = first.hosts.snapshot().hosts[0]!.monthlyCostUsd
    expect(cost).toBeGreaterThan(0)
    await first.stop()

    await writeFile(join(dataDir, LEDGER_FILE), '{"version":1,"accounts":[],"hosts":[{"id"')
    await rm(join(dataDir, LEDGER_BACKUP_FILE), { force: true })
    const second = await open(dataDir, secrets)
    expect(await hostList(second)).toEqual([])
    await second.hosts.refresh()
    const [found] = await hostList(second)
    expect(found).toMatchObject({ id: host.id, accountId: account.id, discovered: false, monthlyCostUsd: cost, tunnel: { mode: 'https', domains: ['tunnel.example.com'] } })
    expect(await ok<{ token: string }>(second.dispatch('hosts:tunnel-token', { hostId: host.id }))).toEqual({ token })
    expect((await onDisk(dataDir)).hosts[0]!.tunnel).toEqual(https)

    // And its teardown leaves nothing billable: the firewall made for its tag goes too.
    await ok(second.dispatch('hosts:delete', { by: 'id', hostId: host.id }))
    for (let i = 0; i < 10 && (await hostList(second)).length > 0; i++) await second.hosts.refresh()
    expect(await hostList(second)).toEqual([])
    expect([...own.state.droplets.values()].filter((d) => d.tags.includes(`exitdesk-host-${host.id}`))).toEqual([])
    expect([...own.state.firewalls.values()].filter((f) => f.tags.includes(`exitdesk-host-${host.id}`) || f.name.includes(host.id))).toEqual([])
    expect(await secrets.list()).not.toContain(`host:${host.id}:tunnel`)
    await second.stop()
  })

  it('stays "found in cloud" when this keychain has nothing for it, and the keychain is asked once, not every refresh', async () => {
    const a = await makeHostService()
    await a.hosts.create({ requestId: randomUUID(), accountId: 'simulated', name: 'exit-elsewhere', region: 'sim-local-1', plan: 'sim-nano', tunnel: https })
    await rm(join(a.dataDir, LEDGER_FILE))
    const inner = createMemorySecretStore() // another computer's keychain
    let reads = 0
    const counting: SecretStore = { ...inner, get: (key) => ((reads += 1), inner.get(key)) }
    const b = await makeHostService({ dataDir: a.dataDir, clock: a.clock, secrets: counting })
    await b.hosts.refresh()
    expect(b.hosts.snapshot().hosts).toEqual([expect.objectContaining({ name: 'exit-elsewhere', discovered: true })])
    const afterFirst = reads
    expect(afterFirst).toBeGreaterThan(0)
    await b.hosts.refresh()
    await b.hosts.refresh()
    expect(reads).toBe(afterFirst)
    expect(await reclaimDiscovered(b.ledger, new TunnelTokens(counting))).toBe(false)
  })
})
