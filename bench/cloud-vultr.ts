/**
 * `npx tsx bench/cloud-vultr.ts`: each user operation on a Vultr account through the real core,
 * against the fake Vultr API (test/fakes/vultr.ts) with 200 ms added to every answer, as
 * bench/scale.ts `operations()` does for DigitalOcean. Prints wall time and the requests the
 * fake received while the call ran (a background refresh included), the later steps a refresh
 * advances, then one refresh of many hosts: Vultr pages by cursor, so 500-host pages are read
 * one after another (the next cursor comes with the page before), never in parallel.
 */
import { randomUUID } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createCore } from '../src/main/core'
import { createMemorySecretStore } from '../src/main/secrets/memory-store'
import { startFakeVultr, type FakeVultr } from '../test/fakes/vultr'

const RTT_MS = 200
const REGION = 'lhr'

async function measure(fake: FakeVultr, run: () => Promise<unknown>): Promise<{ ms: number; requests: string[] }> {
  const before = fake.requests.length
  const started = performance.now()
  await run()
  const requests = fake.requests.slice(before).map((request) => `${request.method} ${request.path.replace(/\/v2/, '').replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '{id}')}`)
  return { ms: performance.now() - started, requests }
}

function cell(result: { ms: number; requests: string[] }): string {
  const counts = new Map<string, number>()
  for (const request of result.requests) counts.set(request, (counts.get(request) ?? 0) + 1)
  const list = [...counts].map(([request, count]) => (count > 1 ? `${request} ×${count}` : request)).join(', ')
  return `${`${Math.round(result.ms)} ms`.padEnd(10)}${String(result.requests.length).padEnd(10)}${list}`
}

type Core = Awaited<ReturnType<typeof createCore>>

async function startCore(fake: FakeVultr, name: string): Promise<{ core: Core; call: <T>(channel: string, input: unknown) => Promise<T>; accountId: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), `exitdesk-bench-vultr-${name}-`))
  const core = await createCore({ dataDir, secrets: createMemorySecretStore(), shell: 'web', version: 'bench' })
  core.hosts.stop()
  const call = async <T>(channel: string, input: unknown): Promise<T> => {
    const envelope = await core.dispatch(channel, input)
    if (!envelope.ok) throw new Error(`${channel}: ${envelope.error.message}`)
    return envelope.data as T
  }
  const account = await call<{ id: string }>('accounts:add', { cloud: 'vultr', label: 'bench', endpoint: fake.url, credentials: { token: fake.token } })
  return { core, call, accountId: account.id }
}

async function operations(): Promise<void> {
  const fake = await startFakeVultr({ activateAfterMs: 0, okAfterMs: 0, deleteAfterMs: 0 })
  const { core, call, accountId } = await startCore(fake, 'ops')
  await call('clouds:catalog', { accountId }) // the form has it before the click
  fake.setFailure({ delayMs: RTT_MS })
  console.log(`\nVultr: user operations at +${RTT_MS} ms per answer (requests counted at the fake while the call ran)\n`)
  console.log(`${'operation'.padEnd(64)}${'time'.padEnd(10)}${'requests'.padEnd(10)}which`)
  const create = (mode: 'tcp' | 'https', n: number) =>
    call<{ id: string }>('hosts:create', {
      requestId: randomUUID(),
      accountId,
      name: `exit-ops-${mode}-${n}`,
      region: REGION,
      plan: 'vc2-1c-1gb',
      tunnel: mode === 'https' ? { mode, inletsVersion: '0.11.14', domains: ['ops.example.com'] } : { mode, inletsVersion: '0.11.14' },
    })
  const created = (id: string): boolean => core.hosts.snapshot().hosts.some((host) => host.id === id && !host.busy)
  const follow = async (id: string, what: string, done: (id: string) => boolean): Promise<void> => {
    for (let n = 1; n <= 6 && !done(id); n++) console.log(`${`  ${what}, refresh ${n}`.padEnd(64)}${cell(await measure(fake, () => core.hosts.refresh()))}`)
  }

  let tcp: { id: string } | undefined
  console.log(`${'hosts:create, TCP (first: the Ubuntu os_id is read too)'.padEnd(64)}${cell(await measure(fake, async () => (tcp = await create('tcp', 1))))}`)
  await follow(tcp!.id, 'create TCP', created)
  let https: { id: string } | undefined
  console.log(`${'hosts:create, HTTPS (os_id cached)'.padEnd(64)}${cell(await measure(fake, async () => (https = await create('https', 2))))}`)
  await follow(https!.id, 'create HTTPS', created)
  console.log(`${'hosts:list (from memory; its refresh runs behind it)'.padEnd(64)}${cell(await measure(fake, () => call('hosts:list', {})))}`)
  console.log(`${'one refresh (GET /instances?tag=exitdesk)'.padEnd(64)}${cell(await measure(fake, () => core.hosts.refresh()))}`)
  console.log(`${'hosts:delete (returns once the instance DELETE answers)'.padEnd(64)}${cell(await measure(fake, () => call('hosts:delete', { by: 'id', hostId: https!.id })))}`)
  await follow(https!.id, 'teardown (gone? then its firewall group)', (id) => !core.hosts.snapshot().hosts.some((host) => host.id === id))
  await core.stop()
  await fake.close()
}

/** Instances made straight through the fake's API, as another computer's Exitdesk would have. */
async function seed(fake: FakeVultr, count: number): Promise<void> {
  const post = (n: number) =>
    fetch(`${fake.url}/instances`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ region: REGION, plan: 'vc2-1c-1gb', os_id: 2284, label: `exit-scale-${n}`, hostname: `exit-scale-${n}`, tags: ['exitdesk', `exitdesk-host-scale-${n}`] }),
    })
  for (let n = 0; n < count; n += 50) await Promise.all(Array.from({ length: Math.min(50, count - n) }, (_, k) => post(n + k)))
}

async function manyHosts(count: number): Promise<void> {
  const fake = await startFakeVultr({ activateAfterMs: 0, okAfterMs: 0 })
  await seed(fake, count)
  const { core } = await startCore(fake, 'many')
  await core.hosts.refresh() // found by the app tag and recorded
  fake.setFailure({ delayMs: RTT_MS })
  const refresh = await measure(fake, () => core.hosts.refresh())
  console.log(`${`one refresh of ${count} hosts (${core.hosts.snapshot().hosts.length} shown; pages of 500 by cursor)`.padEnd(64)}${cell(refresh)}`)
  await core.stop()
  await fake.close()
}

async function main(): Promise<void> {
  await operations()
  console.log('')
  for (const count of (process.env.BENCH_VULTR_HOSTS ?? '100,1500').split(',').map(Number)) await manyHosts(count)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
