/**
 * `npm run bench`: figures, not pass/fail. Everything runs on 127.0.0.1 against the fake
 * DigitalOcean API and the real core (memory keychain, temp data folder).
 *
 *   1. hosts:list through the dispatcher with many hosts recorded (what every poll costs main)
 *   2. one refresh of many DigitalOcean hosts: HTTP requests made and time taken
 *   3. hosts:create on DigitalOcean (TCP and HTTPS): time until the call returns
 *   4. the HTTP bridge round trip for hosts:list (what a browser poll costs)
 *   5. the ledger's atomic write with many hosts
 *
 * `npm run bench` then runs ./rate-limits.ts: a simulated hour per scenario against DigitalOcean's
 * documented rate limits (requests per hour, worst minute, answers of 429).
 */
import { randomUUID } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createCore, type Core } from '../src/main/core'
import { createMemorySecretStore } from '../src/main/secrets/memory-store'
import { openLedger } from '../src/main/store/ledger'
import { startWebBridge } from '../src/main/web'
import type { Host } from '../src/shared/domain'
import { startFakeDigitalOcean } from '../test/fakes/digitalocean'

const HOSTS = Number(process.env.BENCH_HOSTS ?? 300)

/** One aligned line of output. */
function line(label: string, value: string): void {
  console.log(`${label.padEnd(58)}${value}`)
}

function stats(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b)
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
  return `median ${at(0.5).toFixed(3)} ms, p95 ${at(0.95).toFixed(3)} ms, max ${sorted.at(-1)!.toFixed(3)} ms (n=${samples.length})`
}

async function time(run: () => Promise<unknown>, times: number): Promise<number[]> {
  const samples: number[] = []
  for (let i = 0; i < times; i++) {
    const start = performance.now()
    await run()
    samples.push(performance.now() - start)
  }
  return samples
}

async function call<T>(core: Core, channel: string, input: unknown): Promise<T> {
  const envelope = await core.dispatch(channel, input)
  if (!envelope.ok) throw new Error(`${channel}: ${envelope.error.message} ${envelope.error.providerMessage ?? ''}`)
  return envelope.data as T
}

async function main(): Promise<void> {
  const fake = await startFakeDigitalOcean({ activateAfterMs: 0, deleteAfterMs: 0, account: { droplet_limit: HOSTS + 10 } })
  const dataDir = await mkdtemp(join(tmpdir(), 'exitdesk-bench-'))
  // A clock the bench moves on: 300 creates a second apart, refreshes 3 s apart, as a user and
  // the table would, so the account's request budget (DigitalOcean's 250 a minute) lets every
  // call through and the figures are Exitdesk's own cost, not refusals.
  const clock = { t: Date.now(), now(): number { return this.t }, advance(ms: number): void { this.t += ms } }
  const core = await createCore({ dataDir, secrets: createMemorySecretStore(), shell: 'web', version: 'bench', clock })
  core.hosts.stop() // the bench drives refreshes itself
  const account = await call<{ id: string }>(core, 'accounts:add', { cloud: 'digitalocean', label: 'bench', endpoint: fake.url, credentials: { token: fake.token } })
  const tcp = { mode: 'tcp', inletsVersion: '0.11.14' }
  const https = { mode: 'https', inletsVersion: '0.11.14', domains: ['bench.example.com'] }
  const create = (tunnel: object) => () => {
    clock.advance(1_000)
    return call<Host>(core, 'hosts:create', { requestId: randomUUID(), accountId: account.id, name: `bench-${randomUUID().slice(0, 8)}`, region: 'lon1', plan: 's-1vcpu-512mb-10gb', tunnel })
  }

  console.log(`Exitdesk benchmarks (${HOSTS} DigitalOcean hosts on a fake API at 127.0.0.1)\n`)
  line(`hosts:create, TCP   (returns after the droplet POST)`, stats(await time(create(tcp), HOSTS - 20)))
  line(`hosts:create, HTTPS (tag + firewall + droplet steps)`, stats(await time(create(https), 20)))

  const before = fake.requests.length
  const refresh = await time(() => {
    clock.advance(3_000)
    return core.hosts.refresh()
  }, 10)
  const perRefresh = (fake.requests.length - before) / 10
  line(`refresh of ${HOSTS} hosts`, stats(refresh))
  line(`  HTTP requests per refresh`, `${perRefresh} (list by tag, 200 per page)`)
  const created = (await call<{ hosts: Host[] }>(core, 'hosts:list', {})).hosts
  line(`  hosts created / with a droplet`, `${created.length} / ${created.filter((host) => host.locator.instanceId).length}`)

  const list = await time(() => core.dispatch('hosts:list', {}), 2_000)
  line(`hosts:list via dispatcher (answers from memory)`, stats(list))

  const bridge = await startWebBridge({ dispatch: core.dispatch, events: core.events, staticDir: dataDir, port: 0 })
  const headers = { 'content-type': 'application/json', 'x-exitdesk-token': bridge.token }
  const overHttp = await time(() => fetch(`${bridge.origin}/api/invoke/hosts:list`, { method: 'POST', headers, body: '{}' }).then((r) => r.arrayBuffer()), 500)
  line(`hosts:list over the HTTP bridge`, stats(overHttp))
  await bridge.close()

  const ledger = await openLedger(dataDir)
  const writes = await time(() => ledger.update(() => undefined), 50)
  line(`ledger atomic write (${ledger.read().hosts.length} hosts)`, stats(writes))

  await core.stop()
  await fake.close()
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
