/**
 * The soak driver: a real HostService, a fake clock, and lanes of users that each create a host,
 * wait for it (or not), delete it, wait for it to go, and start again — while a seeded share of
 * the cloud calls fail (test/support/fault-proxy.ts for DigitalOcean over HTTP,
 * test/support/faulty-provisioner.ts for the simulated cloud). Then a fault-free recovery period,
 * and a count of what went wrong: duplicate instances, resources left in the cloud, rows left in
 * the ledger, unhandled rejections, and failed user actions that did not explain themselves.
 *
 * Each tick runs every lane's next action and one refresh side by side (as a window polling
 * while the user clicks does), then advances fake time on the service's clock and the cloud's,
 * and lets late requests whose time has come land.
 */
import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { AccountService } from '../../src/main/accounts/account-service'
import { CatalogService } from '../../src/main/clouds/catalog'
import { createDigitalOceanProvisioner } from '../../src/main/clouds/digitalocean'
import { createRegistry } from '../../src/main/clouds/registry'
import { createSimulatorProvisioner } from '../../src/main/clouds/simulator'
import type { Provisioner } from '../../src/main/clouds/types'
import { createEventBus } from '../../src/main/events'
import { HostService } from '../../src/main/hosts/host-service'
import { APP_TAG, HOST_TAG_PREFIX } from '../../src/main/hosts/tags'
import { createMemorySecretStore } from '../../src/main/secrets/memory-store'
import { openLedger, type Ledger } from '../../src/main/store/ledger'
import type { HostRecord } from '../../src/main/store/records'
import type { TunnelSettings } from '../../src/shared/domain'
import { AppError, describeError } from '../../src/shared/errors'
import { startFakeDigitalOcean } from '../fakes/digitalocean'
import { describeEntry, describeFaults, requestsFor, startFaultProxy } from '../support/fault-proxy'
import { createFaultyProvisioner } from '../support/faulty-provisioner'
import { FakeClock } from '../support/harness'
import { mulberry32 } from '../support/prng'
import { hostIdsIn, type CloudModule, type Leftovers, type TargetCloud } from './targets/types'

export type SoakCloud = TargetCloud | 'simulator'
export type { Leftovers }

export interface SoakTarget {
  cloud: SoakCloud
  hosts: HostService
  ledger: Ledger
  clock: FakeClock
  accountId: string
  region: string
  plan: string
  /** Moves fake time on the service's clock and the cloud's, then lets due late requests land. */
  advance(ms: number): Promise<void>
  setRate(rate: number): void
  /** 429s the cloud itself answered because the app went over its documented limits (not injected ones). */
  providerRateLimited(): number
  /** Where requests are signed (OVHcloud): those the fake refused for their signature (targets/types.ts). */
  signatureRefusals?(): { altered: number; stale: number }
  pendingLate(): number
  lateLanded(): number
  /** Calls made to the cloud (HTTP requests for DigitalOcean). */
  requests(): number
  faults(): Record<string, number>
  /** Instances made for each host, by its per-host tag, over the whole run. */
  createsByTag(): Map<string, number>
  /** Firewalls made for each host (by name), over the whole run. */
  firewallsByHost(): Map<string, number>
  /** Per-host tags of the instances still in the cloud. */
  liveInstanceTags(): Promise<string[]>
  leftovers(): Promise<Leftovers>
  /** The host ids the leftovers were made for. */
  leftoverHosts(): Promise<string[]>
  /** What the cloud was asked about one host, in order, with the faults injected: for the report. */
  history(hostId: string): string[]
  close(): Promise<void>
}

const noTimers = { setTimeout: () => 0, clearTimeout: () => undefined }

/** A scratch data folder, in memory (/dev/shm) where there is one: thousands of fsyncs otherwise dominate. */
export async function scratchDir(prefix: string): Promise<string> {
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir()
  return mkdtemp(join(base, prefix))
}

async function buildService(clock: FakeClock, extra: Provisioner[]) {
  const dataDir = await scratchDir('exitdesk-soak-')
  const ledger = await openLedger(dataDir)
  const secrets = createMemorySecretStore()
  const registry = createRegistry({ clock, extra })
  const accounts = new AccountService({ ledger, secrets, registry, clock, onChange: () => undefined })
  const catalogs = new CatalogService({ accounts, clock })
  const events = createEventBus()
  // No tunnel is ever contacted: the fake's addresses are documentation ranges anyway.
  const probe = async () => ({ status: 'unknown' as const, control: 'unchecked' as const, summary: 'not checked in the soak' })
  const hosts = new HostService({ ledger, accounts, catalogs, secrets, clock, events, timers: noTimers, readiness: { probe } })
  return { dataDir, ledger, accounts, catalogs, hosts }
}

async function retry<T>(work: () => Promise<T>, tries = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work()
    } catch (error) {
      if (attempt >= tries) throw error
    }
  }
}

export interface DigitalOceanTargetOptions {
  seed: number
  /** The adapter's per-request deadline (real ms): the delayed and late faults wait this long. */
  timeoutMs?: number
}

/** DigitalOcean: adapter -> fault proxy -> stateful fake, all on 127.0.0.1. */
export async function digitalOceanTarget(options: DigitalOceanTargetOptions): Promise<SoakTarget> {
  const clock = new FakeClock()
  // The fake runs on the service's clock and enforces DigitalOcean's documented limits (5,000 an
  // hour, 250 a minute) on it; its old all-time request budget is set out of the way.
  const fake = await startFakeDigitalOcean({ clock, enforceLimits: true, activateAfterMs: 4_000, deleteAfterMs: 3_000, requestBudget: Number.MAX_SAFE_INTEGER, account: { droplet_limit: 100_000 } })
  const proxy = await startFaultProxy({ target: fake.url, seed: options.seed, clock })
  const service = await buildService(clock, [createDigitalOceanProvisioner({ timeoutMs: options.timeoutMs ?? 100 })])
  // No faults yet, but the adapter's deadline is short and a loaded machine may miss it: a few tries.
  const account = await retry(() => service.accounts.add({ cloud: 'digitalocean', label: 'Soak', endpoint: proxy.url, credentials: { token: fake.token } }))
  await retry(async () => {
    const catalog = await service.catalogs.get(account.id) // the live catalogue, before any fault
    if (catalog.source !== 'live') throw new Error(catalog.note ?? 'no live catalogue')
  })

  const countBy = (method: string, path: string, key: (body: Record<string, unknown>) => string | undefined): Map<string, number> => {
    const counts = new Map<string, number>()
    for (const request of fake.requests) {
      if (request.method !== method || request.path !== path || request.status === undefined || request.status >= 300) continue
      const name = key((request.body ?? {}) as Record<string, unknown>)
      if (name) counts.set(name, (counts.get(name) ?? 0) + 1)
    }
    return counts
  }
  const settle = async (): Promise<void> => {
    // Any authenticated request lets the fake apply the passage of its time (deleted droplets go).
    await fetch(`${fake.url}/v2/account`, { headers: { authorization: `Bearer ${fake.token}` } })
  }

  return {
    cloud: 'digitalocean',
    ...service,
    clock,
    accountId: account.id,
    region: 'lon1',
    plan: 's-1vcpu-512mb-10gb',
    async advance(ms) {
      clock.advance(ms) // the fake's time too
      await proxy.releaseDue()
    },
    providerRateLimited: () => fake.tooManyRequests(),
    setRate: (rate) => proxy.setRate(rate),
    pendingLate: () => proxy.pendingLate(),
    lateLanded: () => proxy.stats.lateLanded,
    requests: () => proxy.stats.requests,
    faults: () => ({ ...proxy.stats.faults }),
    createsByTag: () => countBy('POST', '/v2/droplets', (body) => (body.tags as string[] | undefined)?.find((tag) => tag.startsWith(HOST_TAG_PREFIX))),
    firewallsByHost: () => countBy('POST', '/v2/firewalls', (body) => body.name as string | undefined),
    async liveInstanceTags() {
      await settle()
      return [...fake.state.droplets.values()].flatMap((droplet) => droplet.tags.filter((tag) => tag.startsWith(HOST_TAG_PREFIX)))
    },
    async leftovers() {
      await settle()
      const droplets = [...fake.state.droplets.values()]
      const firewalls = [...fake.state.firewalls.values()]
      // The shared app tag ("exitdesk") is made by the first droplet create and is not removed:
      // it costs nothing, carries nothing once every droplet is gone (checked by `instances`),
      // and deleting it while another host is being created would race that create. Every
      // per-host tag, and any other tag, is a leftover.
      const tags = [...fake.state.tags].filter((tag) => tag !== APP_TAG)
      return {
        instances: droplets.length,
        firewalls: firewalls.length,
        tags: tags.length,
        others: 0,
        detail: [
          ...droplets.map((d) => `droplet ${d.id} ${d.status}${d.deleteRequestedAtMs !== undefined ? ' (deleting)' : ''} [${d.tags.join(' ')}]`),
          ...firewalls.map((f) => `firewall ${f.name} -> [${f.tags.join(' ')}]`),
          ...tags.map((tag) => `tag ${tag}`),
        ],
      }
    },
    async leftoverHosts() {
      await settle()
      const ids = [
        ...[...fake.state.droplets.values()].flatMap((d) => d.tags.filter((t) => t.startsWith(HOST_TAG_PREFIX)).map((t) => t.slice(HOST_TAG_PREFIX.length))),
        ...[...fake.state.firewalls.values()].map((f) => f.name.replace(/^exitdesk-/, '')),
        ...[...fake.state.tags].filter((t) => t.startsWith(HOST_TAG_PREFIX)).map((t) => t.slice(HOST_TAG_PREFIX.length)),
      ]
      return [...new Set(ids)]
    },
    history: (hostId) => requestsFor(proxy.log, hostId).map(describeEntry),
    async close() {
      await proxy.close()
      await fake.close()
      await rm(service.dataDir, { recursive: true, force: true })
    },
  }
}

/**
 * Any cloud of test/soak/targets/: adapter -> fault proxy (that provider's error shapes) ->
 * stateful fake, all on 127.0.0.1, the fake on the service's clock. Instances made per host are
 * counted by watching the fake's state after every tick (each instance id seen carrying a host's
 * tag or label): a late duplicate lives at least until the app has listed it and its delete has
 * run its course, several ticks.
 */
export async function cloudTarget(module: CloudModule, options: { seed: number; timeoutMs?: number }): Promise<SoakTarget> {
  const clock = new FakeClock()
  const fixture = await module.start({ seed: options.seed, clock })
  const service = await buildService(clock, [module.provisioner({ timeoutMs: options.timeoutMs ?? module.soakTimeoutMs, env: fixture.env })])
  const { proxy } = fixture
  const seen = new Map<string, Set<string>>()
  const seenFirewalls = new Map<string, Set<string>>()
  const note = (into: Map<string, Set<string>>, found: Array<{ id: string; host?: string }>): void => {
    for (const thing of found) {
      if (!thing.host) continue
      const ids = into.get(thing.host) ?? new Set<string>()
      ids.add(thing.id)
      into.set(thing.host, ids)
    }
  }
  const observe = (): void => {
    note(seen, fixture.instances())
    note(seenFirewalls, fixture.firewalls())
  }
  // No faults yet, but the adapter's deadline is short and a loaded machine may miss it: a few tries.
  const account = await retry(() => service.accounts.add(fixture.account))
  await retry(async () => {
    const catalog = await service.catalogs.get(account.id) // the live catalogue, before any fault
    if (catalog.source !== 'live') throw new Error(catalog.note ?? 'no live catalogue')
  })
  return {
    cloud: module.cloud,
    ...service,
    clock,
    accountId: account.id,
    region: fixture.region,
    plan: fixture.plan,
    async advance(ms) {
      observe()
      clock.advance(ms) // the fake's time too
      await proxy.releaseDue()
      observe()
    },
    providerRateLimited: () => fixture.providerRateLimited(),
    ...(fixture.signatureRefusals ? { signatureRefusals: fixture.signatureRefusals } : {}),
    setRate: (rate) => proxy.setRate(rate),
    pendingLate: () => proxy.pendingLate(),
    lateLanded: () => proxy.stats.lateLanded,
    requests: () => proxy.stats.requests,
    faults: () => ({ ...proxy.stats.faults }),
    createsByTag: () => {
      observe()
      return new Map([...seen].map(([host, ids]) => [`${HOST_TAG_PREFIX}${host}`, ids.size]))
    },
    // Watched like the instances: each firewall, security group or NSG id seen for a host.
    firewallsByHost: () => {
      observe()
      return new Map([...seenFirewalls].map(([host, ids]) => [host, ids.size]))
    },
    async liveInstanceTags() {
      await fixture.leftovers() // lets the fake apply the passage of its time
      return fixture.instances().flatMap((instance) => (instance.host ? [`${HOST_TAG_PREFIX}${instance.host}`] : []))
    },
    leftovers: () => fixture.leftovers(),
    async leftoverHosts() {
      return [...new Set((await fixture.leftovers()).detail.flatMap(hostIdsIn))]
    },
    history: (hostId) => requestsFor(proxy.log, hostId).map(describeEntry),
    async close() {
      await fixture.close()
      await rm(service.dataDir, { recursive: true, force: true })
    },
  }
}

/** The simulated cloud, wrapped by the faulty provisioner, on the same fake clock as the service. */
export async function simulatorTarget(options: { seed: number }): Promise<SoakTarget> {
  const clock = new FakeClock()
  // A state file (in memory where /dev/shm exists) only so the report can name leftover firewalls.
  const stateDir = await scratchDir('exitdesk-soak-sim-')
  const simulator = createSimulatorProvisioner({ clock, stateDir })
  const faulty = createFaultyProvisioner(simulator, { seed: options.seed, clock })
  const service = await buildService(clock, [faulty.provisioner])
  const simState = async (): Promise<{ instances?: Array<{ tags?: string[] }>; firewalls?: Array<{ name?: string }> }> =>
    JSON.parse(await readFile(join(stateDir, 'simulated-cloud.json'), 'utf8').catch(() => '{}')) as { instances?: Array<{ tags?: string[] }>; firewalls?: Array<{ name?: string }> }
  const ctx = { accountId: 'simulated', credentials: {}, endpoint: '' }
  const signal = (): AbortSignal => AbortSignal.timeout(10_000)
  const firewallsByHost = new Map<string, number>()
  return {
    cloud: 'simulator',
    ...service,
    clock,
    accountId: 'simulated',
    region: 'sim-local-1',
    plan: 'sim-nano',
    async advance(ms) {
      clock.advance(ms)
      await faulty.releaseDue()
    },
    providerRateLimited: () => 0,
    setRate: (rate) => faulty.setRate(rate),
    pendingLate: () => faulty.pendingLate(),
    lateLanded: () => faulty.stats.lateLanded,
    requests: () => faulty.stats.calls,
    faults: () => ({ ...faulty.stats.faults }),
    createsByTag: () => new Map([...faulty.instancesByTag].map(([tag, ids]) => [tag, ids.size])),
    // The simulator names no firewalls in what it returns; their number is in holdings().
    firewallsByHost: () => firewallsByHost,
    async liveInstanceTags() {
      const live = await simulator.listByTag(ctx, 'account', APP_TAG, signal())
      return live.flatMap((instance) => instance.tags.filter((tag) => tag.startsWith(HOST_TAG_PREFIX)))
    },
    async leftovers() {
      const holdings = await simulator.holdings()
      const live = await simulator.listByTag(ctx, 'account', APP_TAG, signal())
      return {
        instances: holdings.instances,
        firewalls: holdings.firewalls,
        tags: 0, // the simulated cloud has no tag resources
        others: 0,
        detail: [...live.map((i) => `instance ${i.instanceId} ${i.rawStatus} [${i.tags.join(' ')}]`), ...(holdings.firewalls > 0 ? [`${holdings.firewalls} simulated firewall(s)`] : [])],
      }
    },
    async leftoverHosts() {
      await simulator.holdings() // sweeps instances whose teardown finished
      const state = await simState()
      const ids = [
        ...(state.instances ?? []).flatMap((i) => (i.tags ?? []).filter((t) => t.startsWith(HOST_TAG_PREFIX)).map((t) => t.slice(HOST_TAG_PREFIX.length))),
        ...(state.firewalls ?? []).map((f) => (f.name ?? '').replace(/^exitdesk-/, '')),
      ]
      return [...new Set(ids)]
    },
    history: (hostId) =>
      faulty.callsFor(hostId).map((call) => `#${call.index}${call.landedFrom !== undefined ? ` (#${call.landedFrom} lands late)` : ''} ${call.method}${call.progress ? `(${call.progress})` : ''}${call.fault ? ` ${call.fault}` : ''}`),
    async close() {
      await rm(service.dataDir, { recursive: true, force: true })
      await rm(stateDir, { recursive: true, force: true })
    },
  }
}

export interface SoakOptions {
  seed: number
  rate: number
  /** create -> delete cycles in all. */
  cycles: number
  lanes?: number
  /** Fake time per tick. Default 2 s. */
  tickMs?: number
  /** Fault-free fake time after the last cycle. Default 330 s. */
  recoveryMs?: number
  /** Share of cycles whose user deletes the host right after the create returned. Default 0.15. */
  earlyDelete?: number
  /** Share of HTTPS hosts (a firewall and a host tag). Default 0.5. */
  https?: number
}

export interface FailedAction {
  action: 'create' | 'delete'
  sentence: string
  /** Why the sentence is not a plain one, when it is not. */
  problem?: string
}

export interface StuckRow {
  id: string
  phase: string
  state: string
  discovered: boolean
  lastError?: string
  instanceId?: string
  attached: string
}

export interface SoakReport {
  cloud: SoakCloud
  rate: number
  seed: number
  cyclesStarted: number
  cyclesCompleted: number
  /** Deleted hosts the user gave up waiting for (an hour of fake time). */
  lanesStuck: number
  /** What the table said about each host counted in `lanesStuck` when its lane gave up. */
  stuckLanes: string[]
  requests: number
  faults: Record<string, number>
  providerRateLimited: number
  /** Where requests are signed (OVHcloud): those the fake refused for their signature, altered on the way or arrived too late. */
  signatureRefusals?: { altered: number; stale: number }
  lateLanded: number
  latePending: number
  /** Instances made beyond the first for one host tag, over the run. */
  duplicatesMade: number
  duplicateTags: string[]
  /** Instances still in the cloud whose host got more than one. */
  duplicatesLeft: number
  /** Firewalls made beyond the first for one host. */
  firewallDuplicatesMade: number
  leftovers: Leftovers
  /** For each host something was left behind for: what the cloud was asked about it. */
  leftoverHistories: string[]
  stuckRows: StuckRow[]
  unhandledRejections: string[]
  failedActions: FailedAction[]
  createMs: { p50: number; p95: number; max: number }
  fakeSeconds: number
  realSeconds: number
  ticks: number
}

/** A user waits this long for a host to come up before deleting it anyway. */
const GIVE_UP_WAITING_MS = 10 * 60_000
/**
 * ... and this long for a deleted host to go before giving up on it (the row is then counted at
 * the end if it is still there). Long: at 30 % faults a four-request teardown step fails three
 * times in four, and the back-off doubles up to 5 minutes.
 */
const STUCK_MS = 60 * 60_000

interface Lane {
  id: number
  phase: 'idle' | 'waiting-created' | 'waiting-gone'
  hostId?: string
  early: boolean
  since: number
}

/** A failed user action's sentence, and what is wrong with it when it is not a plain sentence. */
export function judgeSentence(error: unknown): { sentence: string; problem?: string } {
  if (!(error instanceof AppError)) return { sentence: error instanceof Error ? `${error.name}: ${error.message}` : String(error), problem: 'not an AppError' }
  const sentence = describeError(error.info)
  const message = error.info.message.trim()
  if (message.length === 0) return { sentence, problem: 'empty message' }
  if (/\n\s+at\s/.test(sentence) || /\bat .*\.(ts|js):\d+/.test(sentence)) return { sentence, problem: 'carries a stack trace' }
  if (error.info.code === 'internal') return { sentence, problem: 'internal error (something unexpected was thrown)' }
  if (/\b(undefined|NaN)\b|\[object /.test(message)) return { sentence, problem: 'shows a programming value' }
  if (!/[.!?)"]$/.test(message)) return { sentence, problem: 'does not end like a sentence' }
  return { sentence }
}

export async function runSoak(target: SoakTarget, options: SoakOptions): Promise<SoakReport> {
  const lanesCount = options.lanes ?? 4
  const tickMs = options.tickMs ?? 2_000
  const recoveryMs = options.recoveryMs ?? 330_000
  const earlyDelete = options.earlyDelete ?? 0.15
  const httpsShare = options.https ?? 0.5
  const random = mulberry32(options.seed ^ 0x1a2e5)
  const startedAt = performance.now()
  const fakeStart = target.clock.now()
  const unhandled: string[] = []
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason))
  process.on('unhandledRejection', onUnhandled)

  const failedActions: FailedAction[] = []
  const createMs: number[] = []
  let started = 0
  let completed = 0
  let ticks = 0
  /** Hosts whose teardown the lane gave up waiting for (STUCK_MS). */
  const abandoned: string[] = []
  /** What the table said about each of them when the lane gave up. */
  const abandonedRows: string[] = []
  const lanes: Lane[] = Array.from({ length: lanesCount }, (_, id) => ({ id, phase: 'idle', early: false, since: 0 }))
  const find = (hostId: string | undefined): HostRecord | undefined => (hostId ? target.ledger.read().hosts.find((h) => h.id === hostId) : undefined)
  const failed = (action: FailedAction['action'], error: unknown): void => void failedActions.push({ action, ...judgeSentence(error) })

  const finish = (lane: Lane): void => {
    completed += 1
    lane.phase = 'idle'
    lane.hostId = undefined
  }

  async function deleteHost(lane: Lane): Promise<void> {
    lane.phase = 'waiting-gone'
    lane.since = target.clock.now()
    try {
      await target.hosts.delete({ by: 'id', hostId: lane.hostId! })
    } catch (error) {
      failed('delete', error)
    }
  }

  async function step(lane: Lane, mayStart: boolean): Promise<void> {
    const now = target.clock.now()
    if (lane.phase === 'idle') {
      if (!mayStart || started >= options.cycles) return
      started += 1
      const cycle = started
      const https = random() < httpsShare
      lane.early = random() < earlyDelete
      const tunnel: TunnelSettings = https
        ? { mode: 'https', inletsVersion: '0.11.14', domains: [`t${cycle}.exitdesk-soak.example`], letsEncryptIssuer: 'staging' }
        : { mode: 'tcp', inletsVersion: '0.11.14', domains: [], letsEncryptIssuer: 'prod' }
      const requestId = randomUUID()
      lane.since = now
      const t0 = performance.now()
      try {
        const host = await target.hosts.create({ requestId, accountId: target.accountId, name: `exit-soak-${lane.id}-${cycle}`, region: target.region, plan: target.plan, tunnel })
        lane.hostId = host.id
      } catch (error) {
        failed('create', error)
        // A refusal may leave a row (something was made for it); the user then deletes it.
        lane.hostId = target.ledger.read().hosts.find((h) => h.requestId === requestId)?.id
      } finally {
        createMs.push(performance.now() - t0)
      }
      if (lane.hostId) lane.phase = 'waiting-created'
      else finish(lane)
      return
    }
    const row = find(lane.hostId)
    if (lane.phase === 'waiting-created') {
      if (!row) return finish(lane)
      const settled = row.phase === 'created' && (row.state === 'active' || row.state === 'error')
      if (lane.early || settled || now - lane.since > GIVE_UP_WAITING_MS) await deleteHost(lane)
      return
    }
    if (lane.phase === 'waiting-gone') {
      if (!row) return finish(lane)
      // A create refused in the background stays as an error row once its leftovers are gone: dismissed with Delete.
      if (row.phase === 'created') return deleteHost(lane)
      if (now - lane.since > STUCK_MS) {
        // The user gives up on this row and goes on; whether it ever goes is counted at the end.
        abandoned.push(lane.hostId!)
        abandonedRows.push(`${row.phase}/${row.state} "${row.rawStatus}"${row.lastError ? ` last error "${row.lastError.slice(0, 160)}"` : ''}${row.nextAttemptAt ? ` next try in ${Math.round((row.nextAttemptAt - now) / 1000)} s` : ''}`)
        lane.phase = 'idle'
        lane.hostId = undefined
      }
    }
  }

  const debug = process.env.EXITDESK_SOAK_DEBUG === '1'
  async function tick(mayStart: boolean): Promise<void> {
    ticks += 1
    if (process.env.EXITDESK_SOAK_PROGRESS && ticks % Number(process.env.EXITDESK_SOAK_PROGRESS) === 0) {
      console.log(`[soak ${target.cloud} ${options.rate}] tick ${ticks} fake ${Math.round((target.clock.now() - fakeStart) / 1000)}s real ${Math.round(performance.now() - startedAt)}ms started ${started} completed ${completed} requests ${target.requests()} rows ${target.ledger.read().hosts.length} lanes ${lanes.map((l) => l.phase).join(',')}`)
    }
    if (debug) {
      const rows = target.ledger.read().hosts.map((h) => `${h.id.slice(0, 4)}:${h.phase}/${h.state}${h.nextAttemptAt ? `@${Math.round((h.nextAttemptAt - target.clock.now()) / 1000)}s` : ''}${h.lastError ? ` "${h.lastError.slice(0, 80)}"` : ''}`)
      console.log(`t=${Math.round((target.clock.now() - fakeStart) / 1000)}s req=${target.requests()} lanes=[${lanes.map((l) => `${l.phase}${l.hostId ? `:${l.hostId.slice(0, 4)}` : ''}`).join(' ')}] rows=[${rows.join(' | ')}]`)
    }
    await Promise.all([...lanes.map((lane) => step(lane, mayStart)), target.hosts.refresh()])
    await target.advance(tickMs)
  }

  try {
    target.setRate(options.rate)
    const maxTicks = Math.ceil((options.cycles / lanesCount) * 400) + 1_000
    while (ticks < maxTicks) {
      if (started >= options.cycles && lanes.every((lane) => lane.phase === 'idle')) break
      await tick(true)
    }
    // Fault-free recovery: the lanes finish what they were doing; nothing new is started.
    target.setRate(0)
    const recoveryEnd = target.clock.now() + recoveryMs
    while (target.clock.now() < recoveryEnd || target.pendingLate() > 0) await tick(false)
    // A last refresh after the last late request landed.
    await target.hosts.refresh()
  } finally {
    process.off('unhandledRejection', onUnhandled)
  }

  const creates = target.createsByTag()
  const duplicateTags = [...creates].filter(([, count]) => count > 1).map(([tag]) => tag)
  const live = await target.liveInstanceTags()
  const sorted = [...createMs].sort((a, b) => a - b)
  const at = (q: number): number => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0)
  return {
    cloud: target.cloud,
    rate: options.rate,
    seed: options.seed,
    cyclesStarted: started,
    cyclesCompleted: completed,
    lanesStuck: abandoned.length,
    stuckLanes: abandonedRows,
    requests: target.requests(),
    faults: target.faults(),
    providerRateLimited: target.providerRateLimited(),
    ...(target.signatureRefusals ? { signatureRefusals: target.signatureRefusals() } : {}),
    lateLanded: target.lateLanded(),
    latePending: target.pendingLate(),
    duplicatesMade: [...creates.values()].reduce((sum, count) => sum + Math.max(0, count - 1), 0),
    duplicateTags,
    duplicatesLeft: live.filter((tag) => duplicateTags.includes(tag)).length,
    firewallDuplicatesMade: [...target.firewallsByHost().values()].reduce((sum, count) => sum + Math.max(0, count - 1), 0),
    leftovers: await target.leftovers(),
    leftoverHistories: [...new Set([...(await target.leftoverHosts()), ...target.ledger.read().hosts.map((h) => h.id), ...abandoned, ...duplicateTags.map((tag) => tag.slice(HOST_TAG_PREFIX.length))])].map((hostId) => {
      const history = target.history(hostId)
      const shown = history.length > 24 ? [...history.slice(0, 8), `… ${history.length - 20} more …`, ...history.slice(-12)] : history
      return `host ${hostId.slice(0, 8)}: ${shown.join(' · ')}`
    }),
    stuckRows: target.ledger.read().hosts.map((h) => ({
      id: h.id,
      phase: h.phase,
      state: h.state,
      discovered: h.discovered,
      lastError: h.lastError,
      instanceId: h.locator.instanceId,
      attached: h.locator.attached.map((a) => `${a.kind}:${a.id}`).join(' '),
    })),
    unhandledRejections: unhandled,
    failedActions,
    createMs: { p50: at(0.5), p95: at(0.95), max: Math.round(sorted[sorted.length - 1] ?? 0) },
    fakeSeconds: Math.round((target.clock.now() - fakeStart) / 1000),
    realSeconds: Math.round((performance.now() - startedAt) / 100) / 10,
    ticks,
  }
}

/** The one line a run prints. */
export function reportLine(report: SoakReport): string {
  const sentences = new Map<string, number>()
  for (const failure of report.failedActions) {
    const key = `${failure.action}: "${failure.sentence}"${failure.problem ? ` [NOT PLAIN: ${failure.problem}]` : ''}`
    sentences.set(key, (sentences.get(key) ?? 0) + 1)
  }
  const stuck = report.stuckRows.map((row) => `${row.phase}/${row.state}${row.discovered ? ' found-in-cloud' : ''}${row.instanceId ? ` ${row.instanceId}` : ''}${row.lastError ? ` "${row.lastError}"` : ''}`)
  return [
    `[soak] cloud=${report.cloud} rate=${Math.round(report.rate * 100)}% seed=${report.seed}`,
    `cycles=${report.cyclesCompleted}/${report.cyclesStarted}${report.lanesStuck ? ` (${report.lanesStuck} deleted host(s) not gone within an hour: ${report.stuckLanes.join('; ')})` : ''}`,
    `requests=${report.requests}${report.cloud !== 'simulator' ? ` (429 over the documented limits: ${report.providerRateLimited})` : ''}${report.signatureRefusals ? ` (signatures refused: ${report.signatureRefusals.altered} altered on the way, ${report.signatureRefusals.stale} stale on a late landing)` : ''}`,
    `faults={${describeFaults(report.faults)}} late landed=${report.lateLanded}${report.latePending ? ` pending=${report.latePending}` : ''}`,
    `duplicates made=${report.duplicatesMade}${report.duplicateTags.length ? ` (${report.duplicateTags.length} host(s))` : ''} left=${report.duplicatesLeft}`,
    `firewall duplicates made=${report.firewallDuplicatesMade}`,
    `leftovers=${report.leftovers.instances + report.leftovers.firewalls + report.leftovers.tags + (report.leftovers.others ?? 0) === 0 ? 'none' : `{instances ${report.leftovers.instances}, firewalls ${report.leftovers.firewalls}, tags ${report.leftovers.tags}, others ${report.leftovers.others ?? 0}: ${report.leftovers.detail.slice(0, 6).join('; ')}${report.leftovers.detail.length > 6 ? '; …' : ''}}`}`,
    `stuck rows=${report.stuckRows.length}${stuck.length ? ` {${stuck.slice(0, 4).join('; ')}${stuck.length > 4 ? '; …' : ''}}` : ''}`,
    `unhandled rejections=${report.unhandledRejections.length}${report.unhandledRejections.length ? ` {${[...new Set(report.unhandledRejections)].slice(0, 3).join('; ')}}` : ''}`,
    `failed user actions=${report.failedActions.length}${sentences.size ? ` {${[...sentences].map(([sentence, count]) => `${count}× ${sentence}`).join('; ')}}` : ''}`,
    `create ms p50=${report.createMs.p50} p95=${report.createMs.p95} max=${report.createMs.max}`,
    `fake time=${report.fakeSeconds}s in ${report.ticks} ticks, real=${report.realSeconds}s`,
  ].join(' | ')
}
