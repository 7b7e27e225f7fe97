/**
 * What the cloud tests in test/clouds/ share when they drive an adapter through the real host
 * service (test/support/harness.ts): an account on a fake cloud, a `create(name, mode)` for
 * hosts on it, a `pass(ms)` that lets fake time go by, closing the fakes and proxies a test
 * started, and the seeded run of creates and deletes under faults behind the fault proxy
 * (test/support/fault-proxy.ts).
 */
import { randomUUID } from 'node:crypto'
import { afterEach } from 'vitest'
import type { AddAccountInput } from '../../src/main/accounts/account-service'
import type { Provisioner } from '../../src/main/clouds/types'
import type { HostService } from '../../src/main/hosts/host-service'
import type { TunnelMode } from '../../src/shared/domain'
import type { FaultProxy } from './fault-proxy'
import { makeHostService, type FakeClock } from './harness'

interface Closable {
  close(): Promise<void>
}

/**
 * Registers an `afterEach` that closes everything handed to the returned function during the
 * test, the last started first (a proxy before the fake behind it). Answers what it was given.
 */
export function closeAfterEach(): <T extends Closable>(started: T) => T {
  const open: Closable[] = []
  afterEach(async () => {
    for (const started of open.splice(0).reverse()) await started.close()
  })
  return (started) => {
    open.push(started)
    return started
  }
}

export interface HostDefaults {
  region: string
  plan: string
  /** The domain of an HTTPS host. Default tunnel.exitdesk-owner.dev. */
  domain?: string
}

/** `create(name, mode)`: a host on the account, with a new request id each time, inlets 0.11.14 and staging certificates. */
export function hostCreator(hosts: HostService, accountId: string, defaults: HostDefaults) {
  return (name: string, mode: TunnelMode = 'tcp') =>
    hosts.create({
      requestId: randomUUID(),
      accountId,
      name,
      region: defaults.region,
      plan: defaults.plan,
      tunnel: { mode, inletsVersion: '0.11.14', domains: mode === 'https' ? [defaults.domain ?? 'tunnel.exitdesk-owner.dev'] : [], letsEncryptIssuer: 'staging' },
    })
}

export interface ServiceOnFakeOptions {
  /** The service's clock (a fake that follows it is given the same one). Default: a new FakeClock. */
  clock?: FakeClock
  provisioner: Provisioner
  account: AddAccountInput
  host: HostDefaults
  /** Moves a fake with a time of its own along in `pass`. */
  advance?: (ms: number) => void
}

/**
 * The host service with one account on a fake cloud. `pass(ms)` advances the service's clock
 * (and the fake's, with `advance`) and refreshes.
 */
export async function serviceOnFake(options: ServiceOnFakeOptions) {
  const service = await makeHostService({ clock: options.clock, provisioners: [options.provisioner] })
  const account = await service.accounts.add(options.account)
  /** Lets fake time pass for the service and the cloud alike, then refreshes. */
  const pass = async (ms: number): Promise<void> => {
    service.clock.advance(ms)
    options.advance?.(ms)
    await service.hosts.refresh()
  }
  return { ...service, account, pass, create: hostCreator(service.hosts, account.id, options.host) }
}

/** The host service with an account, as `serviceOnFake` answers it. */
export interface FaultRunService {
  hosts: HostService
  clock: FakeClock
  create: (name: string, mode: TunnelMode) => Promise<unknown>
}

/** What the run reads of the fake cloud. */
export interface FaultRunProbes {
  /** Instances the fake holds now. */
  instances: () => number
  /** The most instances the fake holds for any one host (more than one is a duplicate). */
  mostPerHost: () => number
  /** What the fake still holds that the run made (instances, firewalls, …): the end waits for 0. */
  leftovers: () => number
  /** Called after each pass once the faults have stopped (e.g. the fake's `settle`). */
  afterCleanupPass?: () => void
}

export interface FaultRunResult {
  /** Faults the proxy injected. */
  faults: number
  /** The most instances the fake held at once. */
  peak: number
  /** The most instances for one host at any pass. */
  worst: number
  /** The most instances for one host once the creates had settled (before the deletes). */
  settledWorst: number
}

/**
 * The seeded run through the fault proxy `p`: six hosts (TCP and HTTPS in turn) created under
 * faults at `rate`, time for them to settle, every row deleted, time for that; then the faults
 * stop and every row is deleted again until the table and the cloud are empty (or 60 passes
 * have gone by). The caller asserts on the result and on the fake.
 */
export async function createAndDeleteUnderFaults(service: FaultRunService, p: FaultProxy, rate: number, probes: FaultRunProbes): Promise<FaultRunResult> {
  const { hosts, clock } = service
  let worst = 0
  let peak = 0
  const pass = async (ms: number): Promise<void> => {
    clock.advance(ms)
    await p.releaseDue()
    await hosts.refresh().catch(() => undefined)
    worst = Math.max(worst, probes.mostPerHost())
    peak = Math.max(peak, probes.instances())
  }

  p.setRate(rate)
  for (let n = 0; n < 6; n++) {
    await service.create(`exit-fault-${n}`, n % 2 ? 'https' : 'tcp').catch(() => undefined)
    await pass(2_000)
  }
  // Let the creates settle under faults, then delete every row there is (adopted ones too).
  for (let n = 0; n < 40; n++) await pass(10_000)
  const settledWorst = probes.mostPerHost()
  for (const host of hosts.snapshot().hosts) await hosts.delete({ by: 'id', hostId: host.id }).catch(() => undefined)
  for (let n = 0; n < 40; n++) await pass(10_000)

  // The faults stop; everything still under way finishes.
  p.setRate(0)
  await p.releaseAll()
  for (let n = 0; n < 60 && (hosts.snapshot().hosts.length > 0 || probes.leftovers() > 0); n++) {
    for (const host of hosts.snapshot().hosts) if (!host.busy || host.state !== 'deleting') await hosts.delete({ by: 'id', hostId: host.id }).catch(() => undefined)
    await pass(30_000)
    probes.afterCleanupPass?.()
  }

  const faults = Object.values(p.stats.faults).reduce((a, b) => a + b, 0)
  return { faults, peak, worst, settledWorst }
}
