/**
 * Tunnel readiness: the address guard, the prober against real loopback listeners (a TLS
 * server with the test certificate stands in for the inlets control port), the monitor's
 * bounds, and the host service with the simulated cloud. DNS is always a fake resolver; every
 * socket goes to 127.0.0.x.
 */
import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { SIM_BOOT_MS, SIM_TUNNEL_START_MS } from '../../src/main/clouds/simulator'
import { READINESS_TICK_MS } from '../../src/main/hosts/host-service'
import { mayContact, mayResolve } from '../../src/main/hosts/readiness/guard'
import { probeDeps, probeTunnel, type ProbeDeps, type Prober, type ProbeTarget } from '../../src/main/hosts/readiness/probe'
import { READINESS_LIMITS, ReadinessMonitor, type ReadinessCandidate } from '../../src/main/hosts/readiness/scheduler'
import { realConnector, type Connector, type Resolve4 } from '../../src/main/hosts/readiness/sockets'
import type { ReadinessResult } from '../../src/main/hosts/readiness/summary'
import { FakeClock, makeHostService } from '../support/harness'
import { closedPort, plainTextListener, tcpListener, tlsListener, type Listener } from '../support/listeners'

const open: Listener[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((listener) => listener.close()))
})
async function keep(listener: Promise<Listener>): Promise<Listener> {
  const started = await listener
  open.push(started)
  return started
}

/** Wraps a connector to record every address and port it is asked to open. */
function counting(inner: Connector): Connector & { calls: string[] } {
  const calls: string[] = []
  return {
    calls,
    tls: (address, port, timeoutMs, signal) => (calls.push(`tls ${address}:${port}`), inner.tls(address, port, timeoutMs, signal)),
    tcp: (address, port, timeoutMs, signal) => (calls.push(`tcp ${address}:${port}`), inner.tcp(address, port, timeoutMs, signal)),
  }
}

/** A resolver that answers from a table and records every name asked; a name not in it does not exist. */
function fakeResolver(answers: Record<string, string[]>): Resolve4 & { asked: string[] } {
  const asked: string[] = []
  const resolve4 = async (name: string): Promise<string[]> => {
    asked.push(name)
    const found = answers[name]
    if (!found) throw Object.assign(new Error(`queryA ENOTFOUND ${name}`), { code: 'ENOTFOUND' })
    return found
  }
  return Object.assign(resolve4, { asked })
}

const signal = (): AbortSignal => AbortSignal.timeout(10_000)
const tcpTarget = (ipv4: string): ProbeTarget => ({ ipv4, mode: 'tcp', domains: [] })

describe('readiness guard', () => {
  it('refuses documentation, private and special addresses, naming why, and allows loopback and public ones', () => {
    expect(mayContact('203.0.113.7')).toEqual({ allowed: false, reason: 'a documentation address (RFC 5737)' })
    expect(mayContact('198.51.100.10')).toMatchObject({ allowed: false, reason: expect.stringContaining('documentation') })
    expect(mayContact('192.0.2.4')).toMatchObject({ allowed: false, reason: expect.stringContaining('RFC 5737') })
    expect(mayContact('2001:db8::1')).toMatchObject({ allowed: false, reason: expect.stringContaining('RFC 3849') })
    expect(mayContact('0.1.2.3')).toMatchObject({ allowed: false })
    expect(mayContact('100.64.0.1')).toMatchObject({ allowed: false, reason: expect.stringContaining('RFC 6598') })
    expect(mayContact('169.254.169.254')).toMatchObject({ allowed: false, reason: expect.stringContaining('link-local') })
    expect(mayContact('10.1.2.3')).toMatchObject({ allowed: false, reason: expect.stringContaining('private') })
    expect(mayContact('255.255.255.255')).toMatchObject({ allowed: false })
    expect(mayContact('not-an-ip')).toEqual({ allowed: false, reason: 'not an IP address' })
    expect(mayContact('127.0.0.1')).toEqual({ allowed: true })
    expect(mayContact('127.0.0.9')).toEqual({ allowed: true })
    expect(mayContact('::1')).toEqual({ allowed: true })
    // Just outside the documentation ranges.
    expect(mayContact('203.0.114.1')).toEqual({ allowed: true })
    expect(mayContact('198.51.101.1')).toEqual({ allowed: true })
  })

  it('refuses names reserved for examples and tests, and single labels', () => {
    for (const name of ['example.com', 'www.example.com', 'a.b.example.net', 'EXAMPLE.ORG.', 'site.example', 'app.test', 'x.invalid', 'db.localhost', 'printer.local']) {
      expect(mayResolve(name), name).toMatchObject({ allowed: false, reason: expect.stringMatching(/RFC \d+/) })
    }
    expect(mayResolve('intranet')).toEqual({ allowed: false, reason: 'not a fully qualified name' })
    expect(mayResolve('127.0.0.1')).toMatchObject({ allowed: false })
    expect(mayResolve('tunnel.exitdesk-owner.dev')).toEqual({ allowed: true })
    expect(mayResolve('myexample.com')).toEqual({ allowed: true })
  })
})

describe('readiness prober against loopback listeners', () => {
  it('TCP mode: a TLS server on the control port is "answering" and the tunnel is ready', async () => {
    const control = await keep(tlsListener('127.0.0.2'))
    const result = await probeTunnel(tcpTarget('127.0.0.2'), probeDeps({ ports: { control: control.port, http: 1, https: 1 } }), signal())
    expect(result).toEqual({ status: 'ready', control: 'answering', summary: 'tunnel ready' })
    expect(control.connections()).toBe(1)
  })

  it('a server that is not TLS, or nothing at all, is "not answering"', async () => {
    const plain = await keep(plainTextListener('127.0.0.3'))
    const notTls = await probeTunnel(tcpTarget('127.0.0.3'), probeDeps({ ports: { control: plain.port, http: 1, https: 1 } }), signal())
    expect(notTls).toEqual({ status: 'not-ready', control: 'not-answering', summary: 'tunnel server not answering yet' })
    expect(plain.connections()).toBe(1)

    const nobody = await closedPort('127.0.0.3')
    const closed = await probeTunnel(tcpTarget('127.0.0.3'), probeDeps({ ports: { control: nobody, http: 1, https: 1 } }), signal())
    expect(closed).toMatchObject({ status: 'not-ready', control: 'not-answering' })
  })

  it('a server that accepts and never speaks is given up on after the timeout, and one that stopped answering is not "yet"', async () => {
    const silent = await keep(tcpListener('127.0.0.4'))
    const started = Date.now()
    const result = await probeTunnel({ ...tcpTarget('127.0.0.4'), wasReady: true }, probeDeps({ ports: { control: silent.port, http: 1, https: 1 }, timeoutMs: 200 }), signal())
    expect(Date.now() - started).toBeLessThan(2_000)
    expect(result).toEqual({ status: 'not-ready', control: 'not-answering', summary: 'tunnel server not answering' })
  })

  it('HTTPS mode: says which domain points elsewhere and at what, and which port is closed', async () => {
    const ip = '127.0.0.5'
    const [control, http] = await Promise.all([keep(tlsListener(ip)), keep(tcpListener(ip))])
    const https = await closedPort(ip)
    const resolve4 = fakeResolver({ 'app.exitdesk-owner.dev': [ip], 'www.exitdesk-owner.dev': ['192.0.2.4'] })
    const deps: ProbeDeps = probeDeps({ ports: { control: control.port, http: http.port, https }, resolve4 })
    const result = await probeTunnel({ ipv4: ip, mode: 'https', domains: ['app.exitdesk-owner.dev', 'www.exitdesk-owner.dev', 'gone.exitdesk-owner.dev'] }, deps, signal())
    expect(result.status).toBe('not-ready')
    expect(result.control).toBe('answering')
    expect(result.ports).toEqual({ http: true, https: false })
    expect(result.domains).toEqual([
      { name: 'app.exitdesk-owner.dev', resolvesTo: [ip], pointsHere: true },
      { name: 'www.exitdesk-owner.dev', resolvesTo: ['192.0.2.4'], pointsHere: false },
      { name: 'gone.exitdesk-owner.dev', resolvesTo: [], pointsHere: false, error: 'does not resolve' },
    ])
    expect(result.summary).toBe(
      `tunnel server answering · port ${https} not answering · www.exitdesk-owner.dev points at 192.0.2.4, not this host · gone.exitdesk-owner.dev does not resolve`,
    )
    expect(resolve4.asked.sort()).toEqual(['app.exitdesk-owner.dev', 'gone.exitdesk-owner.dev', 'www.exitdesk-owner.dev'])
  })

  it('HTTPS mode: ready once the control port, 80, 443 and every domain check out', async () => {
    const ip = '127.0.0.6'
    const [control, http, https] = await Promise.all([keep(tlsListener(ip)), keep(tcpListener(ip)), keep(tcpListener(ip))])
    const deps = probeDeps({ ports: { control: control.port, http: http.port, https: https.port }, resolve4: fakeResolver({ 'app.exitdesk-owner.dev': [ip, '127.0.0.99'] }) })
    const result = await probeTunnel({ ipv4: ip, mode: 'https', domains: ['app.exitdesk-owner.dev'] }, deps, signal())
    expect(result).toMatchObject({ status: 'ready', control: 'answering', ports: { http: true, https: true }, domains: [{ name: 'app.exitdesk-owner.dev', pointsHere: true }] })
    expect(result.summary).toBe(`tunnel ready · ports ${http.port} and ${https.port} open · app.exitdesk-owner.dev points here`)
  })

  it('never opens a socket to, nor looks up names for, a documentation address', async () => {
    const connector = counting(realConnector)
    const resolve4 = fakeResolver({})
    const result = await probeTunnel({ ipv4: '203.0.113.7', mode: 'https', domains: ['app.exitdesk-owner.dev'] }, probeDeps({ connector, resolve4 }), signal())
    expect(result).toEqual({ status: 'unknown', control: 'unchecked', summary: 'not checked: 203.0.113.7 is a documentation address (RFC 5737)' })
    expect(connector.calls).toEqual([])
    expect(resolve4.asked).toEqual([])
  })

  it('never looks up a reserved example name, and says so', async () => {
    const ip = '127.0.0.7'
    const [control, http, https] = await Promise.all([keep(tlsListener(ip)), keep(tcpListener(ip)), keep(tcpListener(ip))])
    const resolve4 = fakeResolver({ 'www.example.com': [ip] })
    const result = await probeTunnel({ ipv4: ip, mode: 'https', domains: ['www.example.com'] }, probeDeps({ ports: { control: control.port, http: http.port, https: https.port }, resolve4 }), signal())
    expect(resolve4.asked).toEqual([])
    expect(result.status).toBe('not-ready')
    expect(result.summary).toBe('tunnel server answering · www.example.com was not looked up: it is a reserved example name (RFC 2606)')
  })
})

/** A prober whose checks wait until the test lets them finish, recording what it was asked. */
function heldProber(answer: ReadinessResult = { status: 'ready', control: 'answering', summary: 'tunnel ready' }) {
  const asked: Array<{ target: ProbeTarget; signal: AbortSignal }> = []
  const waiting: Array<() => void> = []
  const probe: Prober = (target, probeSignal) => {
    asked.push({ target, signal: probeSignal })
    return new Promise((resolve) => waiting.push(() => resolve(answer)))
  }
  return { probe, asked, releaseAll: () => waiting.splice(0).forEach((release) => release()) }
}

function candidate(n: number, overrides: Partial<ReadinessCandidate> = {}): ReadinessCandidate {
  return { id: `host-${n}`, state: 'active', busy: false, ipv4: `127.0.1.${n}`, tunnel: { mode: 'tcp', domains: [] }, ...overrides }
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

describe('readiness monitor', () => {
  it('checks at most four hosts at once and never two checks for one host', async () => {
    const clock = new FakeClock()
    const held = heldProber()
    const monitor = new ReadinessMonitor({ clock, onChange: () => undefined, probe: held.probe })
    const hosts = Array.from({ length: 6 }, (_, i) => candidate(i + 1))
    const first = monitor.run(hosts)
    void monitor.run(hosts) // a second refresh while the checks still run
    expect(held.asked).toHaveLength(4)
    expect(monitor.running()).toBe(4)
    expect(new Set(held.asked.map((a) => a.target.ipv4)).size).toBe(4)
    held.releaseAll()
    await first
    const second = monitor.run(hosts)
    expect(held.asked.map((a) => a.target.ipv4).slice(4).sort()).toEqual(['127.0.1.5', '127.0.1.6'])
    held.releaseAll()
    await second
    expect(monitor.running()).toBe(0)
  })

  it('hosts that open no socket (an address the guard refuses) are not held to the four slots: all are settled in one run', async () => {
    const clock = new FakeClock()
    const held = heldProber()
    let changes = 0
    // As the real prober: an address the guard refuses is answered at once, with no socket.
    const probe: Prober = (target, probeSignal) =>
      target.ipv4.startsWith('198.51.100.') ? Promise.resolve({ status: 'unknown', control: 'unchecked', summary: `not checked: ${target.ipv4} is a documentation address` }) : held.probe(target, probeSignal)
    const monitor = new ReadinessMonitor({ clock, onChange: () => void (changes += 1), probe })
    const documentation = Array.from({ length: 40 }, (_, i) => candidate(100 + i, { ipv4: `198.51.100.${i + 1}` }))
    const real = Array.from({ length: 6 }, (_, i) => candidate(i + 1))
    const run = monitor.run([...documentation, ...real])
    expect(held.asked).toHaveLength(4) // the loopback ones still four at a time
    await flush()
    expect(monitor.running()).toBe(4) // the 40 refused ones are settled already
    expect(held.asked.every((a) => a.target.ipv4.startsWith('127.'))).toBe(true)
    held.releaseAll()
    await run
    for (const host of documentation) expect(monitor.view(host)?.status).toBe('unknown')
    const settled = changes
    clock.advance(READINESS_LIMITS.readyIntervalMs)
    const again = monitor.run(documentation)
    await again
    expect(changes).toBe(settled) // the same verdict again is no change
  })

  it('checks only active, created hosts with an address', () => {
    const monitor = new ReadinessMonitor({ clock: new FakeClock(), onChange: () => undefined, probe: heldProber().probe })
    const hosts = [candidate(1, { state: 'provisioning' }), candidate(2, { busy: true }), candidate(3, { ipv4: undefined }), candidate(4)]
    expect(monitor.due(hosts, 0).map((h) => h.id)).toEqual(['host-4'])
    expect(monitor.view(hosts[0]!)).toBeUndefined()
    expect(monitor.view(hosts[3]!)).toMatchObject({ status: 'checking' })
  })

  it('looks again every 5 s while not ready and every 60 s once ready, and reports only real changes', async () => {
    const clock = new FakeClock()
    let answer: ReadinessResult = { status: 'not-ready', control: 'not-answering', summary: 'tunnel server not answering yet' }
    let probes = 0
    let changes = 0
    const monitor = new ReadinessMonitor({ clock, onChange: () => void (changes += 1), probe: async () => (probes++, answer) })
    const hosts = [candidate(1)]
    await monitor.run(hosts)
    expect([probes, changes]).toEqual([1, 1])
    clock.advance(4_999)
    await monitor.run(hosts)
    expect(probes).toBe(1)
    clock.advance(1)
    await monitor.run(hosts)
    expect([probes, changes]).toEqual([2, 1]) // same answer, later: no change pushed
    answer = { status: 'ready', control: 'answering', summary: 'tunnel ready' }
    clock.advance(5_000)
    await monitor.run(hosts)
    expect([probes, changes]).toEqual([3, 2])
    expect(monitor.view(hosts[0]!)).toMatchObject({ status: 'ready', checkedAt: new Date(clock.now()).toISOString() })
    clock.advance(59_999)
    await monitor.run(hosts)
    expect(probes).toBe(3)
    clock.advance(1)
    await monitor.run(hosts)
    expect(probes).toBe(4)
  })

  it('abandons a check that outlives its deadline, aborting its signal', async () => {
    const held = heldProber()
    const monitor = new ReadinessMonitor({ clock: new FakeClock(), onChange: () => undefined, probe: held.probe, limits: { deadlineMs: 50 } })
    const hosts = [candidate(1)]
    await monitor.run(hosts) // resolves although the prober never answers
    expect(held.asked[0]?.signal.aborted).toBe(true)
    expect(monitor.view(hosts[0]!)).toMatchObject({ status: 'unknown', summary: 'the tunnel check did not finish within 50 ms' })
    expect(monitor.running()).toBe(0)
  })

  it('drops the result of a host that left active state or the ledger, and cancels its unfinished check', async () => {
    const clock = new FakeClock()
    const held = heldProber()
    const monitor = new ReadinessMonitor({ clock, onChange: () => undefined, probe: held.probe })
    const checking = monitor.run([candidate(1), candidate(2)])
    held.releaseAll()
    await checking
    expect(monitor.view(candidate(1))).toMatchObject({ status: 'ready' })
    clock.advance(60_000)
    void monitor.run([candidate(1), candidate(2)])
    const second = held.asked.filter((a) => a.target.ipv4 === '127.0.1.2')[1]!
    await monitor.run([candidate(1, { state: 'deleting' })]) // host 2 is gone from the ledger
    expect(second.signal.aborted).toBe(true)
    expect(monitor.view(candidate(1, { state: 'deleting' }))).toBeUndefined()
    expect(monitor.view(candidate(1))).toMatchObject({ status: 'checking' }) // active again later: the old "ready" is not shown
    expect(monitor.view(candidate(2))).toMatchObject({ status: 'checking' }) // nothing kept for it
    held.releaseAll()
    await flush()
    expect(monitor.view(candidate(2))).toMatchObject({ status: 'checking' }) // the late answer was dropped
  })
})

const https = { mode: 'https' as const, inletsVersion: '0.11.14', domains: ['tunnel.example.com'], letsEncryptIssuer: 'staging' as const }

describe('readiness through the host service (simulated cloud)', () => {
  it('a simulated host goes VM active -> tunnel not answering -> ready, with no socket opened and no DNS asked', async () => {
    const connector = counting(realConnector)
    const resolve4 = fakeResolver({})
    const { hosts, clock } = await makeHostService({ readiness: { probeDeps: { connector, resolve4 } } })
    await hosts.create({ requestId: randomUUID(), accountId: 'simulated', name: 'exit-ready-1', region: 'sim-local-1', plan: 'sim-nano', tunnel: https })
    await hosts.refresh()
    expect(hosts.snapshot().hosts[0]?.readiness).toBeUndefined() // still provisioning: nothing to ask

    clock.advance(SIM_BOOT_MS)
    await hosts.refresh()
    expect(hosts.snapshot().hosts[0]?.state).toBe('active')
    await vi.waitFor(() => expect(hosts.snapshot().hosts[0]?.readiness).toMatchObject({ status: 'not-ready', control: 'not-answering', simulated: true }))

    clock.advance(Math.max(SIM_TUNNEL_START_MS, READINESS_LIMITS.notReadyIntervalMs)) // started, and due for another look
    await hosts.refresh()
    await vi.waitFor(() => expect(hosts.snapshot().hosts[0]?.readiness).toMatchObject({ status: 'ready', simulated: true, summary: 'tunnel ready (simulated) · DNS not checked for tunnel.example.com' }))
    expect(connector.calls).toEqual([])
    expect(resolve4.asked).toEqual([])
  })

  it('tunnels are checked on their own clock: a tunnel comes up while nothing refreshes the cloud (a hidden window)', async () => {
    const pending = new Map<number, { callback: () => void; ms: number }>()
    let nextHandle = 1
    const timers = {
      setTimeout: (callback: () => void, ms: number) => {
        pending.set(nextHandle, { callback, ms })
        return nextHandle++
      },
      clearTimeout: (handle: unknown) => void pending.delete(handle as number),
    }
    const fireReadinessTick = () => {
      const [handle, timer] = [...pending].find(([, t]) => t.ms === READINESS_TICK_MS) ?? []
      expect(timer).toBeDefined()
      pending.delete(handle!)
      timer!.callback()
    }
    const { hosts, clock, cloud } = await makeHostService({ timers })
    await hosts.create({ requestId: randomUUID(), accountId: 'simulated', name: 'exit-ready-3', region: 'sim-local-1', plan: 'sim-nano', tunnel: { ...https, mode: 'tcp', domains: [] } })
    clock.advance(SIM_BOOT_MS)
    await hosts.refresh()
    await vi.waitFor(() => expect(hosts.snapshot().hosts[0]?.readiness?.status).toBe('not-ready'))
    hosts.start()
    const listsBefore = cloud.calls.listByTag
    clock.advance(Math.max(SIM_TUNNEL_START_MS, READINESS_LIMITS.notReadyIntervalMs))
    fireReadinessTick()
    await vi.waitFor(() => expect(hosts.snapshot().hosts[0]?.readiness?.status).toBe('ready'))
    expect(cloud.calls.listByTag).toBe(listsBefore) // the cloud was not asked
    fireReadinessTick() // and the tick keeps coming
    hosts.stop()
    expect([...pending.values()].some((t) => t.ms === READINESS_TICK_MS)).toBe(false)
  })

  it('a readiness change is pushed as a hosts:changed event', async () => {
    const { hosts, clock, changes } = await makeHostService()
    await hosts.create({ requestId: randomUUID(), accountId: 'simulated', name: 'exit-ready-2', region: 'sim-local-1', plan: 'sim-nano', tunnel: { ...https, mode: 'tcp', domains: [] } })
    clock.advance(SIM_BOOT_MS)
    await hosts.refresh()
    await vi.waitFor(() => expect(hosts.snapshot().hosts[0]?.readiness?.status).toBe('not-ready'))
    const before = changes()
    clock.advance(Math.max(SIM_TUNNEL_START_MS, READINESS_LIMITS.notReadyIntervalMs)) // started, and due for another look
    await hosts.refresh() // nothing new about the VM; only the tunnel changes
    await vi.waitFor(() => expect(hosts.snapshot().hosts[0]?.readiness?.status).toBe('ready'))
    expect(changes()).toBe(before + 1)
    expect(hosts.snapshot().version).toBe(before + 1)
  })
})
