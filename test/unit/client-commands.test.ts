/**
 * "Copy client command" through the core, as both shells call it: the token file, the licence
 * check, the user's upstream and ports, the remembered values, and the cloud-init the host got.
 * Against the fake DigitalOcean API on 127.0.0.1.
 */
import { randomUUID } from 'node:crypto'
import { mkdir, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCore, type Core } from '../../src/main/core'
import { DIGITALOCEAN_MANIFEST } from '../../src/main/clouds/digitalocean/manifest'
import { TOKEN_DIR } from '../../src/main/hosts/client-commands'
import { createMemorySecretStore } from '../../src/main/secrets/memory-store'
import { LEDGER_FILE } from '../../src/main/store/ledger'
import type { SecretStore } from '../../src/main/secrets/secret-store'
import type { ClientCommand, Settings } from '../../src/shared/contract'
import type { AccountInfo, Host } from '../../src/shared/domain'
import type { Envelope } from '../../src/shared/errors'
import { startFakeDigitalOcean, type FakeDigitalOcean } from '../fakes/digitalocean'

let fake: FakeDigitalOcean
beforeAll(async () => {
  fake = await startFakeDigitalOcean({ activateAfterMs: 0, deleteAfterMs: 0 })
})
afterAll(() => fake.close())

interface World {
  core: Core
  dataDir: string
  home: string
  secrets: SecretStore
  accountId: string
}

async function ok<T>(envelope: Promise<Envelope<unknown>>): Promise<T> {
  const result = await envelope
  if (!result.ok) throw new Error(`${result.error.code} (${result.error.field ?? '-'}): ${result.error.message}`)
  return result.data as T
}

async function world(reuse?: Pick<World, 'dataDir' | 'home' | 'secrets'>): Promise<World> {
  const dataDir = reuse?.dataDir ?? (await mkdtemp(join(tmpdir(), 'exitdesk-cc-')))
  const home = reuse?.home ?? (await mkdtemp(join(tmpdir(), 'exitdesk-home-')))
  const secrets = reuse?.secrets ?? createMemorySecretStore()
  const core = await createCore({ dataDir, secrets, shell: 'web', version: 'test', homeDir: home })
  const accounts = await ok<AccountInfo[]>(core.dispatch('accounts:list', {}))
  const existing = accounts.find((a) => a.cloud === 'digitalocean')
  const accountId = existing?.id ?? (await ok<AccountInfo>(core.dispatch('accounts:add', { cloud: 'digitalocean', label: `cc-${randomUUID().slice(0, 6)}`, endpoint: fake.url, credentials: { token: fake.token } }))).id
  return { core, dataDir, home, secrets, accountId }
}

async function activeHost(w: World, tunnel: Record<string, unknown> = { mode: 'tcp', inletsVersion: '0.11.14' }): Promise<Host> {
  const name = `exit-cc-${randomUUID().slice(0, 8)}`
  const host = await ok<Host>(w.core.dispatch('hosts:create', { requestId: randomUUID(), accountId: w.accountId, name, region: 'lon1', plan: 's-1vcpu-512mb-10gb', tunnel }))
  await w.core.hosts.refresh()
  await w.core.hosts.refresh()
  expect(w.core.hosts.snapshot().hosts.find((h) => h.id === host.id)?.state).toBe('active')
  return host
}

const tokenOf = async (w: World, hostId: string): Promise<string> => (await ok<{ token: string }>(w.core.dispatch('hosts:tunnel-token', { hostId }))).token

describe('hosts:client-command', () => {
  it('by default names a 0600 token file holding the token and nothing else, and the default licence path', async () => {
    const w = await world()
    const host = await activeHost(w)
    const result = await ok<ClientCommand>(w.core.dispatch('hosts:client-command', { hostId: host.id }))
    const token = await tokenOf(w, host.id)

    expect(result.tokenMode).toBe('file')
    expect(result.tokenFile).toBe(join(w.dataDir, TOKEN_DIR, `${host.name}-${host.id.replace(/-/g, '').slice(0, 8)}.token`))
    expect(result.command).toContain(`--token-file "${result.tokenFile}"`)
    expect(result.command).toContain('--license-file "$HOME/.inlets/LICENSE"')
    expect(result.command).not.toContain(token)
    expect(result.command).not.toMatch(/--token "/)
    expect(JSON.stringify(result)).not.toContain(token)

    expect(await readFile(result.tokenFile!, 'utf8')).toBe(token)
    expect((await stat(result.tokenFile!)).mode & 0o777).toBe(0o600)
    expect((await stat(join(w.dataDir, TOKEN_DIR))).mode & 0o777).toBe(0o700)
    expect(await readdir(join(w.dataDir, TOKEN_DIR))).toEqual([`${host.name}-${host.id.replace(/-/g, '').slice(0, 8)}.token`])
    expect(result.notes.some((n) => n.includes(`written to ${result.tokenFile}`))).toBe(true)
    await w.core.stop()
  })

  it('says plainly when the licence is missing, and not once it is there', async () => {
    const w = await world()
    const host = await activeHost(w)
    const missing = await ok<ClientCommand>(w.core.dispatch('hosts:client-command', { hostId: host.id }))
    expect(missing.licenseFound).toBe(false)
    expect(missing.notes).toContain('No inlets-pro licence at $HOME/.inlets/LICENSE on this computer. inlets-pro clients need one (https://inlets.dev/pricing/): put it there, or set its path.')

    await mkdir(join(w.home, '.inlets'))
    await writeFile(join(w.home, '.inlets', 'LICENSE'), 'licence')
    const found = await ok<ClientCommand>(w.core.dispatch('hosts:client-command', { hostId: host.id }))
    expect(found.licenseFound).toBe(true)
    expect(found.notes.join(' ')).not.toContain('No inlets-pro licence')
    await w.core.stop()
  })

  it('puts the token inline only when asked, and then writes no file', async () => {
    const w = await world()
    const host = await activeHost(w)
    const result = await ok<ClientCommand>(w.core.dispatch('hosts:client-command', { hostId: host.id, tokenMode: 'inline' }))
    const token = await tokenOf(w, host.id)
    expect(result.command).toContain(`--token "${token}"`)
    expect(result.command).not.toContain('--token-file')
    expect(result.tokenFile).toBeUndefined()
    await expect(readdir(join(w.dataDir, TOKEN_DIR))).rejects.toMatchObject({ code: 'ENOENT' })
    await w.core.stop()
  })

  it('uses the upstream and ports the user chose, and refuses bad ones naming the field (nothing written, nothing remembered)', async () => {
    const w = await world()
    const host = await activeHost(w)
    const chosen = await ok<ClientCommand>(w.core.dispatch('hosts:client-command', { hostId: host.id, upstream: '192.168.1.5', ports: '22, 8443' }))
    expect(chosen.command).toContain('--upstream "192.168.1.5" --ports 22,8443')

    for (const [input, field] of [
      [{ upstream: '127.0.0.1; reboot' }, 'upstream'],
      [{ ports: '22,99999' }, 'ports'],
      [{ licenseFile: 'relative/LICENSE' }, 'licenseFile'],
      [{ clientVersion: '999.999.999' }, 'clientVersion'],
      [{ tokenMode: 'env' }, 'tokenMode'],
    ] as const) {
      const result = await w.core.dispatch('hosts:client-command', { hostId: host.id, tokenMode: 'inline', ...input })
      expect(result).toMatchObject({ ok: false, error: { code: 'invalid-input', field } })
      if (!result.ok) expect(result.error.message.startsWith(field)).toBe(true)
    }
    // The refused attempts left the last good values (and file mode) in place.
    const settings = await ok<Settings>(w.core.dispatch('settings:get', {}))
    expect(settings.clientCommand).toMatchObject({ tokenMode: 'file', tcpUpstream: '192.168.1.5', tcpPorts: '22,8443' })
    await w.core.stop()
  })

  it('remembers the last values across a new core on the same data folder', async () => {
    const first = await world()
    const host = await activeHost(first)
    const before = await ok<Settings>(first.core.dispatch('settings:get', {}))
    expect(before.clientCommand).toEqual({ tokenMode: 'file', tcpUpstream: '127.0.0.1', tcpPorts: '2222', httpUpstream: 'http://127.0.0.1:8080', clientVersion: '0.11.14', licenseFile: '$HOME/.inlets/LICENSE' })
    await ok(first.core.dispatch('hosts:client-command', { hostId: host.id, tokenMode: 'inline', upstream: 'nas.lan', ports: '5432', clientVersion: '0.11.13', licenseFile: '~/inlets/LICENSE' }))
    await first.core.stop()

    const second = await world(first)
    const after = await ok<Settings>(second.core.dispatch('settings:get', {}))
    expect(after.clientCommand).toEqual({ tokenMode: 'inline', tcpUpstream: 'nas.lan', tcpPorts: '5432', httpUpstream: 'http://127.0.0.1:8080', clientVersion: '0.11.13', licenseFile: '$HOME/inlets/LICENSE' })
    // A copy that names nothing uses them.
    const again = await ok<ClientCommand>(second.core.dispatch('hosts:client-command', { hostId: host.id, tokenMode: 'inline' }))
    expect(again.command).toContain('--license-file "$HOME/inlets/LICENSE" --upstream "nas.lan" --ports 5432')
    await second.core.stop()
  })

  it('adds --auto-tls-legacy for a 0.11.14 client of an older server, and says so', async () => {
    const w = await world()
    const host = await activeHost(w, { mode: 'https', inletsVersion: '0.11.13', domains: ['app.example.com'] })
    const legacy = await ok<ClientCommand>(w.core.dispatch('hosts:client-command', { hostId: host.id, upstream: 'http://127.0.0.1:3000' }))
    expect(legacy.command).toMatch(/ --upstream "app\.example\.com=http:\/\/127\.0\.0\.1:3000" --auto-tls-legacy$/)
    expect(legacy.notes.some((n) => n.startsWith('--auto-tls-legacy was added'))).toBe(true)
    const matching = await ok<ClientCommand>(w.core.dispatch('hosts:client-command', { hostId: host.id, clientVersion: '0.11.13' }))
    expect(matching.command).not.toContain('--auto-tls-legacy')
    await w.core.stop()
  })

  it('removes the token file of a host once it is deleted', async () => {
    const w = await world()
    const host = await activeHost(w)
    const { tokenFile } = await ok<ClientCommand>(w.core.dispatch('hosts:client-command', { hostId: host.id }))
    await ok(w.core.dispatch('hosts:delete', { by: 'id', hostId: host.id }))
    await w.core.hosts.refresh()
    await w.core.hosts.refresh()
    expect(w.core.hosts.snapshot().hosts.find((h) => h.id === host.id)).toBeUndefined()
    await w.core.stop()
    const next = await world(w)
    // The new core prunes in the background at start; give it a moment.
    await expect.poll(async () => (await readdir(join(w.dataDir, TOKEN_DIR))).length).toBe(0)
    expect(tokenFile).toBeDefined()
    await next.core.stop()
  })
})

describe('ledgers written before the e-mail was dropped', () => {
  it('load, and their hosts still give a client command', async () => {
    const first = await world()
    const host = await activeHost(first, { mode: 'https', inletsVersion: '0.11.14', domains: ['old.example.com'] })
    await first.core.stop()
    // What an older Exitdesk wrote: an e-mail beside the tunnel settings, an older release.
    const file = join(first.dataDir, LEDGER_FILE)
    const ledger = JSON.parse(await readFile(file, 'utf8')) as { hosts: Array<{ id: string; tunnel: Record<string, unknown> }> }
    Object.assign(ledger.hosts.find((h) => h.id === host.id)!.tunnel, { letsEncryptEmail: 'ops@example.com', inletsVersion: '0.11.7' })
    await writeFile(file, JSON.stringify(ledger))

    const second = await world(first)
    expect(second.core.hosts.snapshot().hosts.map((h) => h.id)).toContain(host.id)
    const result = await ok<ClientCommand>(second.core.dispatch('hosts:client-command', { hostId: host.id }))
    expect(result.command).toContain('--upstream "old.example.com=')
    expect(result.command).toContain('--auto-tls-legacy') // a 0.11.7 server, a 0.11.14 client
    await second.core.stop()
  })
})

describe('the cloud-init a host gets', () => {
  it("reads the public IPv4 from DigitalOcean's metadata path first and runs the HTTPS server without --letsencrypt-email", async () => {
    const w = await world()
    const host = await ok<Host>(w.core.dispatch('hosts:create', { requestId: randomUUID(), accountId: w.accountId, name: `exit-cc-${randomUUID().slice(0, 8)}`, region: 'lon1', plan: 's-1vcpu-512mb-10gb', tunnel: { mode: 'https', inletsVersion: '0.11.14', domains: ['app.example.com'] } }))
    const droplet = [...fake.state.droplets.values()].find((d) => d.name === host.name)
    expect(droplet?.userData).toContain(`'${DIGITALOCEAN_MANIFEST.publicIpv4MetadataUrl}'`)
    expect(droplet?.userData).toContain('curl -4 ')
    expect(droplet?.userData).toContain('http server')
    expect(droplet?.userData).not.toContain('letsencrypt-email')
    await w.core.stop()
  })
})
