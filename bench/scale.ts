/**
 * `npm run bench` (part 3): refreshing 100, 1,000 and 5,000 DigitalOcean hosts spread over
 * several regions, on loopback and with 200 ms added to every answer (the fake's own delay
 * rule), side by side:
 *   - Exitdesk: one list by tag, its pages asked for at once once the first tells the total;
 *   - the same list read page after page (how Exitdesk read it before);
 *   - per-host polling as inletsctl does it (one GET /v2/droplets/{id} per host, one at a
 *     time) and as inlets-operator does it (the same with two workers) — at 200 ms only for 100
 *     hosts, where it still ends in seconds.
 * Then each user operation at 200 ms. (What polling costs main: bench/polling.ts.)
 * The droplets are put straight into the fake's state, and the fake turns into JSON only the page
 * it serves, so it does not dominate the figures. Requests are counted at the fake.
 */
import { randomUUID } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createCore } from '../src/main/core'
import { createMemorySecretStore } from '../src/main/secrets/memory-store'
import { createDigitalOceanProvisioner } from '../src/main/clouds/digitalocean'
import type { CloudContext } from '../src/main/clouds/types'
import { startFakeDigitalOcean, type FakeDigitalOcean } from '../test/fakes/digitalocean'
import { BENCH_REGIONS, seedDroplets } from './support/seed'

const SIZES = (process.env.BENCH_SCALE_HOSTS ?? '100,1000,5000').split(',').map(Number)
const RTT_MS = 200
const REGIONS = BENCH_REGIONS

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
    const ids = seedDroplets(fake, count)
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

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
