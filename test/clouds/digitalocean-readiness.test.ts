/**
 * Tunnel readiness of a real cloud's host, end to end inside main: the DigitalOcean fake hands
 * out a 127.0.0.x address where this test's TLS listener plays the inlets control port, and
 * the host service's own prober (real sockets, fake resolver) finds it.
 */
import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { HostServiceDeps } from '../../src/main/hosts/host-service'
import type { Prober } from '../../src/main/hosts/readiness/probe'
import type { TunnelMode } from '../../src/shared/domain'
import { startFakeDigitalOcean, type FakeDigitalOcean } from '../fakes/digitalocean'
import { makeHostService } from '../support/harness'
import { closedPort, tcpListener, tlsListener, type Listener } from '../support/listeners'

let fake: FakeDigitalOcean | undefined
const open: Listener[] = []
afterEach(async () => {
  await fake?.close()
  fake = undefined
  await Promise.all(open.splice(0).map((listener) => listener.close()))
})

async function digitalOceanHost(ip: string, readiness: HostServiceDeps['readiness'], mode: TunnelMode = 'tcp', domains: string[] = []) {
  fake = await startFakeDigitalOcean({ activateAfterMs: 0, ipv4For: () => ip })
  const service = await makeHostService({ readiness })
  const account = await service.accounts.add({ cloud: 'digitalocean', label: 'Readiness', endpoint: fake.url, credentials: { token: fake.token } })
  const tunnel = { mode, inletsVersion: '0.11.14', domains, letsEncryptIssuer: 'staging' as const }
  const created = await service.hosts.create({ requestId: randomUUID(), accountId: account.id, name: 'exit-ready-do', region: 'lon1', plan: 's-1vcpu-512mb-10gb', tunnel })
  return { ...service, created }
}

describe('DigitalOcean host readiness', () => {
  it('goes VM active -> tunnel ready once the control port answers TLS at the address the cloud reported', async () => {
    const ip = '127.0.0.21'
    const control = await tlsListener(ip)
    open.push(control)
    const { hosts } = await digitalOceanHost(ip, { probeDeps: { ports: { control: control.port, http: await closedPort(ip), https: await closedPort(ip) } } })
    await hosts.refresh()
    const active = hosts.snapshot().hosts[0]!
    expect(active).toMatchObject({ state: 'active', ipv4: ip })
    await vi.waitFor(() => expect(hosts.snapshot().hosts[0]?.readiness).toMatchObject({ status: 'ready', control: 'answering', summary: 'tunnel ready' }))
    expect(control.connections()).toBeGreaterThan(0)
  })

  it('HTTPS: names the domain that points elsewhere, and what it points at', async () => {
    const ip = '127.0.0.22'
    const [control, http, https] = await Promise.all([tlsListener(ip), tcpListener(ip), tcpListener(ip)])
    open.push(control, http, https)
    const resolve4 = async (name: string): Promise<string[]> => (name === 'app.exitdesk-owner.dev' ? [ip] : ['192.0.2.4'])
    const { hosts } = await digitalOceanHost(ip, { probeDeps: { ports: { control: control.port, http: http.port, https: https.port }, resolve4 } }, 'https', ['app.exitdesk-owner.dev', 'www.exitdesk-owner.dev'])
    await hosts.refresh()
    await vi.waitFor(() => expect(hosts.snapshot().hosts[0]?.readiness?.status).toBe('not-ready'))
    expect(hosts.snapshot().hosts[0]?.readiness?.summary).toBe('tunnel server answering · www.exitdesk-owner.dev points at 192.0.2.4, not this host')
  })

  it('the fake by default hands out documentation addresses, which are never probed', async () => {
    fake = await startFakeDigitalOcean({ activateAfterMs: 0 })
    let probed = 0
    const connector = { tls: async () => void (probed += 1), tcp: async () => void (probed += 1) }
    const service = await makeHostService({ readiness: { probeDeps: { connector } } })
    const account = await service.accounts.add({ cloud: 'digitalocean', label: 'Docs range', endpoint: fake.url, credentials: { token: fake.token } })
    await service.hosts.create({ requestId: randomUUID(), accountId: account.id, name: 'exit-docs-range', region: 'lon1', plan: 's-1vcpu-512mb-10gb', tunnel: { mode: 'tcp', inletsVersion: '0.11.14', domains: [], letsEncryptIssuer: 'prod' } })
    await service.hosts.refresh()
    await vi.waitFor(() => expect(service.hosts.snapshot().hosts[0]?.readiness?.status).toBe('unknown'))
    expect(service.hosts.snapshot().hosts[0]?.readiness?.summary).toMatch(/^not checked: 198\.51\.100\.\d+ is a documentation address \(RFC 5737\)$/)
    expect(probed).toBe(0)
  })

  it('a check that hangs delays neither refresh() nor list(), and is abandoned at its deadline', async () => {
    let aborted: AbortSignal | undefined
    const probe: Prober = (_target, signal) => {
      aborted = signal
      return new Promise(() => undefined) // a host that never answers and a prober that ignores it
    }
    const { hosts } = await digitalOceanHost('127.0.0.23', { probe, limits: { deadlineMs: 300 } })
    const started = Date.now()
    await hosts.refresh()
    const listed = hosts.list()
    expect(Date.now() - started).toBeLessThan(250)
    expect(listed.hosts[0]).toMatchObject({ state: 'active', readiness: { status: 'checking' } })
    await vi.waitFor(() => expect(hosts.snapshot().hosts[0]?.readiness).toMatchObject({ status: 'unknown', summary: 'the tunnel check did not finish within 300 ms' }))
    expect(aborted?.aborted).toBe(true)
  })
})
