/**
 * `npm run bench` (part 3): refreshing 100, 1,000 and 5,000 DigitalOcean hosts spread over
 * several regions, on loopback and with 200 ms added to every answer (the fake's own delay
 * rule), side by side:
 *   - Exitdesk: one list by tag, its pages asked for at once once the first tells the total;
 *   - the same list read page after page (how Exitdesk read it before);
 *   - per-host polling as inletsctl does it (one GET /v2/droplets/{id} per host, one at a
 *     time) and as inlets-operator does it (the same with two workers) — at 200 ms only for 100
 *     hosts, where it still ends in seconds.
 * Then each user operation at 200 ms, and what polling costs main over a simulated stretch
 * (CPU per refresh, ledger bytes written and bytes sent per poll, RSS).
 * The droplets are put straight into the fake's state, and the fake turns into JSON only the page
 * it serves, so it does not dominate the figures. Requests are counted at the fake.
 */
import { randomUUID } from 'node:crypto'
import { mkdtemp, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createCore } from '../src/main/core'
import { createMemorySecretStore } from '../src/main/secrets/memory-store'
import { createDigitalOceanProvisioner } from '../src/main/clouds/digitalocean'
import type { CloudContext } from '../src/main/clouds/types'
import { startFakeDigitalOcean, type FakeDigitalOcean } from '../test/fakes/digitalocean'

const SIZES = (process.env.BENCH_SCALE_HOSTS ?? '100,1000,5000').split(',').map(Number)
const RTT_MS = 200
const REGIONS = ['lon1', 'fra1', 'nyc3', 'sgp1', 'ams3']

function seed(fake: FakeDigitalOcean, count: number): string[] {
  const ids: string[] = []
  for (let n = 0; n < count; n++) {
    const id = 5_000_000 + n
    fake.state.droplets.set(id, {
      id,
      name: `exit-scale-${n}`,
      region: REGIONS[n % REGIONS.length]!,
      size: 's-1vcpu-512mb-10gb',
      image: 'ubuntu-24-04-x64',
      tags: ['exitdesk', `exitdesk-host-scale-${n}`],
      ipv6Requested: false,
      monitoring: false,
      status: 'active',
      createdAtMs: fake.now(),
      gets: 0,
      ipv4: `198.51.100.${(n % 250) + 1}`,
      getsSinceDelete: 0,
    })
    ids.push(String(id))
  }
  return ids
}

async function measure(fake: FakeDigitalOcean, run: () => Promise<unknown>): Promise<{ ms: number; requests: number }> {
  const before = fake.requests.length
  const started = performance.now()
  await run()
  return { ms: performance.now() - started, requests: fake.requests.length - before }
}

/** Per-host polling: `workers` at a time, one GET per host. */
async function perHost(ids: string[], workers: number, status: (id: string) => Promise<unknown>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: workers }, async () => {
    while (next < ids.length) await status(ids[next++]!)
  }))
}

const cell = (result: { ms: number; requests: number } | undefined): string => (result ? `${String(result.requests).padStart(5)} req ${(result.ms / 1000).toFixed(2).padStart(7)} s` : '             (not run)')

async function main(): Promise<void> {
  console.log(`\nRefresh at scale: DigitalOcean hosts over ${REGIONS.length} regions, requests and wall time per refresh (loopback | +${RTT_MS} ms per answer)\n`)
  console.log(`${'hosts'.padEnd(7)}${'way'.padEnd(44)}${'loopback'.padEnd(24)}+${RTT_MS} ms`)
  for (const count of SIZES) {
    // No request budget at the fake: per-host polling of 5,000 hosts is over DigitalOcean's hourly limit by itself.
    const fake = await startFakeDigitalOcean({ account: { droplet_limit: count + 10 }, requestBudget: Number.MAX_SAFE_INTEGER })
    const ids = seed(fake, count)
    const ctx: CloudContext = { accountId: 'bench', credentials: { token: fake.token }, endpoint: fake.url }
    const parallel = createDigitalOceanProvisioner({ timeoutMs: 60_000, maxPages: 100 })
    const sequential = createDigitalOceanProvisioner({ timeoutMs: 60_000, maxPages: 100, pageConcurrency: 1 })
    const signal = (): AbortSignal => AbortSignal.timeout(600_000)
    const locator = (id: string) => ({ instanceId: id, region: 'lon1', attached: [] })
    const ways: Array<[string, (rtt: boolean) => Promise<{ ms: number; requests: number } | undefined>]> = [
      ['Exitdesk: list by tag, pages at once', () => measure(fake, () => parallel.listByTag(ctx, 'account', 'exitdesk', signal()))],
      ['list by tag, page after page (before)', () => measure(fake, () => sequential.listByTag(ctx, 'account', 'exitdesk', signal()))],
      ['inletsctl: GET per host, one at a time', (rtt) => (rtt && count > 100 ? Promise.resolve(undefined) : measure(fake, () => perHost(ids, 1, (id) => parallel.status(ctx, locator(id), signal()))))],
      ['inlets-operator: GET per host, two workers', (rtt) => (rtt && count > 100 ? Promise.resolve(undefined) : measure(fake, () => perHost(ids, 2, (id) => parallel.status(ctx, locator(id), signal()))))],
    ]
    for (const [name, run] of ways) {
      fake.clearFailures()
      const local = await run(false)
      fake.setFailure({ delayMs: RTT_MS })
      const slow = await run(true)
      console.log(`${String(count).padEnd(7)}${name.padEnd(44)}${cell(local).padEnd(24)}${cell(slow)}`)
    }
    await fake.close()
  }
  await operations()
  console.log(`\nPolling cost in main (a refresh every 3 s of a simulated clock, each followed by one window's poll with its version)\n`)
  console.log(`${'hosts'.padEnd(7)}${'stretch'.padEnd(26)}${'CPU / refresh'.padEnd(16)}${'ledger / poll'.padEnd(18)}${'sent / poll'.padEnd(16)}RSS at the end`)
  for (const [count, minutes] of (process.env.BENCH_POLL ?? '1000x30,5000x5').split(',').map((pair) => pair.split('x').map(Number))) await pollingCost(count!, minutes!)
}

/** Each user operation through the real core against the fake with 200 ms added to every answer: wall time and round trips. */
async function operations(): Promise<void> {
  const fake = await startFakeDigitalOcean({ activateAfterMs: 0, requestBudget: Number.MAX_SAFE_INTEGER })
  const dataDir = await mkdtemp(join(tmpdir(), 'exitdesk-bench-ops-'))
  const core = await createCore({ dataDir, secrets: createMemorySecretStore(), shell: 'web', version: 'bench' })
  core.hosts.stop()
  const call = async <T>(channel: string, input: unknown): Promise<T> => {
    const envelope = await core.dispatch(channel, input)
    if (!envelope.ok) throw new Error(`${channel}: ${envelope.error.message}`)
    return envelope.data as T
  }
  const account = await call<{ id: string }>('accounts:add', { cloud: 'digitalocean', label: 'bench', endpoint: fake.url, credentials: { token: fake.token } })
  await call('clouds:catalog', { accountId: account.id }) // the form has it before the click
  fake.setFailure({ delayMs: RTT_MS })
  console.log(`\nUser operations at +${RTT_MS} ms per answer (requests counted at the fake while the call ran, a background refresh included)\n`)
  const create = (mode: 'tcp' | 'https') => call<{ id: string }>('hosts:create', { requestId: randomUUID(), accountId: account.id, name: `exit-ops-${mode}`, region: 'lon1', plan: 's-1vcpu-512mb-10gb', tunnel: mode === 'https' ? { mode, inletsVersion: '0.11.14', domains: ['ops.example.com'] } : { mode, inletsVersion: '0.11.14' } })
  const tcp = await measure(fake, () => create('tcp'))
  console.log(`${'hosts:create, TCP'.padEnd(58)}${cell(tcp)}`)
  let https: { id: string } | undefined
  const httpsCreate = await measure(fake, async () => (https = await create('https')))
  console.log(`${'hosts:create, HTTPS'.padEnd(58)}${cell(httpsCreate)}`)
  const list = await measure(fake, () => call('hosts:list', {}))
  console.log(`${'hosts:list (from memory; its refresh runs behind it)'.padEnd(58)}${cell(list)}`)
  const remove = await measure(fake, () => call('hosts:delete', { by: 'id', hostId: https!.id }))
  console.log(`${'hosts:delete (returns once the droplet DELETE answers)'.padEnd(58)}${cell(remove)}`)
  await core.stop()
  await fake.close()
}

/**
 * What polling costs main with many hosts: a simulated stretch of refreshes every 3 s (the
 * injectable clock), each followed by one window's poll with the version it shows. Prints core
 * CPU per refresh, ledger bytes written per poll, bytes sent per poll, and RSS at the end.
 */
async function pollingCost(count: number, minutes: number): Promise<void> {
  const fake = await startFakeDigitalOcean({ account: { droplet_limit: count + 10 }, requestBudget: Number.MAX_SAFE_INTEGER })
  seed(fake, count)
  const dataDir = await mkdtemp(join(tmpdir(), 'exitdesk-bench-poll-'))
  const clock = { t: Date.now(), now(): number { return this.t }, advance(ms: number): void { this.t += ms } }
  const core = await createCore({ dataDir, secrets: createMemorySecretStore(), shell: 'web', version: 'bench', clock })
  core.hosts.stop()
  const envelope = await core.dispatch('accounts:add', { cloud: 'digitalocean', label: 'bench', endpoint: fake.url, credentials: { token: fake.token } })
  if (!envelope.ok) throw new Error(envelope.error.message)
  await core.hosts.refresh() // the hosts are found by their tag and recorded
  const ledgerFile = join(dataDir, 'exitdesk-ledger.json')
  let shown = core.hosts.list().version
  let cpu = 0
  let written = 0
  let sent = 0
  const refreshes = Math.round((minutes * 60_000) / 3_000)
  for (let i = 0; i < refreshes; i++) {
    clock.advance(3_000)
    const before = (await stat(ledgerFile)).mtimeMs
    const started = process.cpuUsage()
    await core.hosts.refresh()
    const used = process.cpuUsage(started)
    cpu += (used.user + used.system) / 1000
    const after = await stat(ledgerFile)
    if (after.mtimeMs !== before) written += after.size
    const answer = core.hosts.list(shown)
    sent += JSON.stringify(answer).length
    shown = answer.version
  }
  const rssMb = process.memoryUsage().rss / 1024 / 1024
  const hosts = core.hosts.snapshot().hosts.length
  console.log(
    `${String(count).padEnd(7)}${`${minutes} min, ${refreshes} refreshes`.padEnd(26)}${`${(cpu / refreshes).toFixed(1)} ms`.padEnd(16)}${`${Math.round(written / refreshes)} B`.padEnd(18)}${`${Math.round(sent / refreshes)} B`.padEnd(16)}${rssMb.toFixed(0)} MB (${hosts} hosts shown)`,
  )
  await core.stop()
  await fake.close()
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
