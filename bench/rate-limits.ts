/**
 * `npm run bench`, rate limits: one simulated hour per scenario against the fake DigitalOcean
 * API enforcing DigitalOcean's documented limits (5,000 requests an hour and 250 a minute per
 * token, rolling; specification/description.yml "Rate Limit"), with the real account, catalogue
 * and host services and the real adapter.
 *
 * Time is simulated: one clock drives the services, their timers, the renderer's polls and the
 * fake, and it stands still while a request is answered, so the figures are counts on the
 * simulated hour and do not depend on how fast this machine or the fake answers. The windows
 * poll as src/renderer does: `pollIntervalFor` after each fetch (2 s while anything changes,
 * 30 s when all is settled), plus a fetch at most once a second for each change main pushes,
 * and nothing while hidden.
 *
 * For each scenario: requests DigitalOcean received in the hour, its worst rolling minute, its
 * answers of 429, the requests Exitdesk's budget refused without sending, and, for teardowns,
 * when everything (droplets, tags, records) was gone.
 *
 *   BENCH_RATE_MINUTES=10 npm run bench   (a shorter simulated run)
 */
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { AccountService } from '../src/main/accounts/account-service'
import { BudgetRegistry } from '../src/main/clouds/budget'
import { CatalogService } from '../src/main/clouds/catalog'
import { createDigitalOceanProvisioner } from '../src/main/clouds/digitalocean'
import { createRegistry } from '../src/main/clouds/registry'
import type { Provisioner } from '../src/main/clouds/types'
import { createEventBus } from '../src/main/events'
import { HostService, type Timers } from '../src/main/hosts/host-service'
import { createMemorySecretStore } from '../src/main/secrets/memory-store'
import { openLedger, type Ledger } from '../src/main/store/ledger'
import { isNewHostsVersion } from '../src/renderer/src/lib/change-events'
import { pollIntervalFor } from '../src/renderer/src/lib/poll'
import type { HostsSnapshot } from '../src/shared/contract'
import { startFakeDigitalOcean } from '../test/fakes/digitalocean'

const MINUTES = Number(process.env.BENCH_RATE_MINUTES ?? 60)
const HOUR_MS = 3_600_000
/** The renderer's gap between fetches caused by main's change events (src/renderer/src/api.ts EVENT_GAP_MS). */
const EVENT_GAP_MS = 1_000
/** A person deleting hosts one at a time: a click and a confirmation every 2 s. */
const CLICK_GAP_MS = 2_000

interface Scenario {
  label: string
  hosts: number
  /** Visible windows or tabs polling the host table. */
  tabs: number
  /** One droplet stays `new` (provisioning) all hour: the tables poll at the fast pace. */
  stuck?: boolean
  teardown?: 'one-by-one' | 'bulk'
}

const SCENARIOS: Scenario[] = [
  { label: 'settled: 300 hosts, window visible', hosts: 300, tabs: 1 },
  { label: 'hidden window: 300 hosts', hosts: 300, tabs: 0 },
  { label: 'one host stuck provisioning, 401 hosts', hosts: 401, tabs: 1, stuck: true },
  { label: 'four tabs polling: 300 hosts, one provisioning', hosts: 300, tabs: 4, stuck: true },
  { label: 'one-by-one teardown of 300 hosts', hosts: 300, tabs: 1, teardown: 'one-by-one' },
  { label: 'bulk teardown of 300 hosts', hosts: 300, tabs: 1, teardown: 'bulk' },
]

/** A clock and timers on simulated time; `run` fires due timers in order, waiting for the work each starts. */
class Simulation implements Timers {
  t = Date.parse('2026-11-25T10:00:00Z')
  private queue: Array<{ at: number; seq: number; run: () => void; cancelled: boolean }> = []
  private seq = 0

  constructor(private readonly settle: () => Promise<void>) {}

  now(): number {
    return this.t
  }

  setTimeout(run: () => void, ms: number): unknown {
    const entry = { at: this.t + Math.max(0, ms), seq: this.seq++, run, cancelled: false }
    let index = this.queue.length
    while (index > 0 && (this.queue[index - 1]!.at > entry.at || (this.queue[index - 1]!.at === entry.at && this.queue[index - 1]!.seq > entry.seq))) index--
    this.queue.splice(index, 0, entry)
    return entry
  }

  clearTimeout(handle: unknown): void {
    if (handle && typeof handle === 'object' && 'cancelled' in handle) (handle as { cancelled: boolean }).cancelled = true
  }

  /** Runs every timer due up to `end`, then leaves the clock at `end`. */
  async run(end: number, after: () => void = () => undefined): Promise<void> {
    for (;;) {
      const next = this.queue[0]
      if (!next || next.at > end) break
      this.queue.shift()
      if (next.cancelled) continue
      this.t = Math.max(this.t, next.at)
      next.run()
      await this.settle()
      after()
    }
    this.t = Math.max(this.t, end)
  }

  clear(): void {
    this.queue = []
  }
}

async function scenario(s: Scenario): Promise<string[]> {
  const wall = performance.now()
  let inflight = 0
  let writing = 0
  /** Until no cloud call and no ledger write is pending for a few turns of the event loop. */
  const settle = async (): Promise<void> => {
    for (let quiet = 0; quiet < 3; ) {
      await new Promise<void>((resolve) => setImmediate(resolve))
      quiet = inflight === 0 && writing === 0 ? quiet + 1 : 0
    }
  }
  const sim = new Simulation(settle)
  const fake = await startFakeDigitalOcean({ enforceLimits: true, clock: sim, activateAfterMs: 0, deleteAfterMs: 10_000, account: { droplet_limit: s.hosts + 10 } })
  const dataDir = await mkdtemp(join(tmpdir(), 'exitdesk-bench-rate-'))
  try {
    const opened = await openLedger(dataDir)
    const ledger: Ledger = {
      ...opened,
      update: (change) => {
        writing++
        return opened.update(change).finally(() => writing--)
      },
    }
    const secrets = createMemorySecretStore()
    const registry = createRegistry({ clock: sim, extra: [counted(createDigitalOceanProvisioner(), (delta) => (inflight += delta))] })
    const budgets = new BudgetRegistry(sim)
    const events = createEventBus()
    const accounts = new AccountService({ ledger, secrets, registry, clock: sim, budgets, onChange: () => undefined })
    const catalogs = new CatalogService({ accounts, clock: sim })
    const hosts = new HostService({ ledger, accounts, catalogs, secrets, clock: sim, events, timers: sim })
    const account = await accounts.add({ cloud: 'digitalocean', label: 'bench', endpoint: fake.url, credentials: { token: fake.token } })

    // The hosts, made through the app at a pace the limits allow; then an hour passes unobserved.
    const tunnel = { mode: 'tcp' as const, inletsVersion: '0.11.14', domains: [], letsEncryptIssuer: 'prod' as const }
    for (let i = 0; i < s.hosts; i++) {
      await hosts.create({ requestId: randomUUID(), accountId: account.id, name: `bench-${i}`, region: 'lon1', plan: 's-1vcpu-512mb-10gb', tunnel })
      await settle()
      sim.t += 600
    }
    if (s.stuck) {
      const droplet = [...fake.state.droplets.values()][0]!
      Object.assign(droplet, { status: 'new', ipv4: undefined, ipv6: undefined, createdAtMs: sim.t + 10 * 365 * 86_400_000 })
    }
    await hosts.refresh()
    await settle()
    sim.t += HOUR_MS
    if (fake.state.droplets.size !== s.hosts) throw new Error(`${s.label}: ${fake.state.droplets.size} droplets made of ${s.hosts}`)

    const seeded = performance.now()
    // The measured run.
    const start = sim.t
    const end = start + MINUTES * 60_000
    const budget = budgets.get(account.id)!
    const before = { requests: fake.requests.length, tooMany: fake.tooManyRequests(), refused: budget.refused }
    const sentAt: number[] = []
    const note = (): void => {
      while (before.requests + sentAt.length < fake.requests.length) sentAt.push(sim.t)
    }
    let goneAt: number | undefined
    const checkGone = (): void => {
      note()
      if (s.teardown && goneAt === undefined && fake.state.droplets.size === 0 && ledger.read().hosts.length === 0 && ![...fake.state.tags].some((tag) => tag.startsWith('exitdesk-host-'))) goneAt = sim.t
    }

    hosts.start()
    for (let i = 0; i < s.tabs; i++) openTab(sim, hosts, events)
    if (s.teardown === 'bulk') {
      for (const host of ledger.read().hosts) await hosts.delete({ by: 'id', hostId: host.id })
      await settle()
    } else if (s.teardown === 'one-by-one') {
      ledger.read().hosts.forEach((host, index) => {
        sim.setTimeout(() => void hosts.delete({ by: 'id', hostId: host.id }).catch(() => undefined), index * CLICK_GAP_MS)
      })
    }
    checkGone()
    await sim.run(end, checkGone)
    hosts.stop()
    sim.clear()
    await settle()
    note()

    const minute = worstMinute(sentAt)
    const perHour = (sentAt.length * HOUR_MS) / (end - start)
    const tooMany = fake.tooManyRequests() - before.tooMany
    const refused = budget.refused - before.refused
    const lines = [
      `${s.label}`,
      `  requests ${MINUTES === 60 ? 'in the hour' : `per hour (${MINUTES} min run)`}: ${Math.round(perHour).toLocaleString('en-US')} of 5,000; worst minute: ${minute} of 250; answers of 429: ${tooMany}; refused by the budget without sending: ${refused}`,
    ]
    if (s.teardown) {
      const left = `${fake.state.droplets.size} droplets and ${ledger.read().hosts.length} records left`
      lines.push(`  everything gone after: ${goneAt === undefined ? `not within ${MINUTES} min (${left})` : duration(goneAt - start)}`)
    }
    lines.push(`  (made the hosts in ${((seeded - wall) / 1000).toFixed(1)} s, simulated the run in ${((performance.now() - seeded) / 1000).toFixed(1)} s)`)
    return lines
  } finally {
    await fake.close()
    await rm(dataDir, { recursive: true, force: true })
  }
}

/** A window or tab showing the host table, polling as the renderer does (src/renderer/src/api.ts useHosts, useBridgeEvents). */
function openTab(sim: Simulation, hosts: HostService, events: ReturnType<typeof createEventBus>): void {
  let shown: number | undefined
  let snapshot: HostsSnapshot | undefined
  let poll: unknown
  let lastEventFetch = Number.NEGATIVE_INFINITY
  let eventTimer: unknown
  const fetch = (): void => {
    // As the renderer asks: with the version it shows, keeping its hosts when "unchanged".
    const answer = hosts.list(shown)
    if (!('unchanged' in answer) || !snapshot) snapshot = 'unchanged' in answer ? hosts.snapshot() : answer
    shown = snapshot.version
    // React Query re-arms refetchInterval after every fetch, with the interval computed from the new data.
    sim.clearTimeout(poll)
    poll = sim.setTimeout(fetch, pollIntervalFor(snapshot.hosts, sim.now()))
  }
  const onEvent = (): void => {
    const wait = lastEventFetch + EVENT_GAP_MS - sim.now()
    if (wait > 0) {
      eventTimer ??= sim.setTimeout(() => {
        eventTimer = undefined
        onEvent()
      }, wait)
      return
    }
    lastEventFetch = sim.now()
    fetch()
  }
  events.on('hosts:changed', (payload) => {
    if (isNewHostsVersion(payload?.version, shown)) onEvent()
  })
  fetch()
}

/** The provisioner, telling `track` when a call starts (+1) and ends (-1). */
function counted(inner: Provisioner, track: (delta: number) => void): Provisioner {
  const wrap = <T>(work: () => Promise<T>): Promise<T> => {
    track(1)
    return work().finally(() => track(-1))
  }
  return {
    ...inner,
    verify: (ctx, signal) => wrap(() => inner.verify(ctx, signal)),
    catalog: (ctx, signal) => wrap(() => inner.catalog(ctx, signal)),
    provision: (ctx, spec, locator, progress, signal) => wrap(() => inner.provision(ctx, spec, locator, progress, signal)),
    status: (ctx, locator, signal) => wrap(() => inner.status(ctx, locator, signal)),
    delete: (ctx, locator, progress, signal) => wrap(() => inner.delete(ctx, locator, progress, signal)),
    listByTag: (ctx, scope, tag, signal) => wrap(() => inner.listByTag(ctx, scope, tag, signal)),
  }
}

/** The most requests in any rolling 60 s. */
function worstMinute(times: number[]): number {
  let worst = 0
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[j]! <= times[i]! - 60_000) j++
    worst = Math.max(worst, i - j + 1)
  }
  return worst
}

function duration(ms: number): string {
  const seconds = Math.round(ms / 1000)
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`
}

async function main(): Promise<void> {
  console.log(`\nRate limits: DigitalOcean's 5,000 requests/hour and 250/minute enforced by the fake; ${MINUTES} simulated minutes per scenario\n`)
  for (const s of SCENARIOS) {
    for (const line of await scenario(s)) console.log(line)
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
