/**
 * `npx tsx bench/cloud-ec2.ts`: each user operation on an AWS EC2 account through the real core,
 * against the fake EC2/STS/SSM (test/fakes/ec2.ts) with 200 ms added to every answer, as
 * bench/scale.ts `operations()` does for DigitalOcean. Prints wall time and the requests the
 * fake received while the call ran (a background refresh included), then one refresh of many
 * hosts (DescribeInstances pages of 1,000).
 */
import { randomUUID } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createCore } from '../src/main/core'
import { createMemorySecretStore } from '../src/main/secrets/memory-store'
import { startFakeEc2, type FakeEc2 } from '../test/fakes/ec2'

const RTT_MS = 200
const REGION = 'eu-west-1'

async function measure(fake: FakeEc2, run: () => Promise<unknown>): Promise<{ ms: number; requests: string[] }> {
  const before = fake.requests.length
  const started = performance.now()
  await run()
  return { ms: performance.now() - started, requests: fake.requests.slice(before).map((request) => request.action) }
}

function cell(result: { ms: number; requests: string[] }): string {
  const counts = new Map<string, number>()
  for (const action of result.requests) counts.set(action, (counts.get(action) ?? 0) + 1)
  const list = [...counts].map(([action, count]) => (count > 1 ? `${action} ×${count}` : action)).join(', ')
  return `${`${Math.round(result.ms)} ms`.padEnd(10)}${String(result.requests.length).padEnd(10)}${list}`
}

async function operations(): Promise<void> {
  const fake = await startFakeEc2({ runAfterMs: 0, terminateAfterMs: 0 })
  const dataDir = await mkdtemp(join(tmpdir(), 'exitdesk-bench-ec2-'))
  const core = await createCore({ dataDir, secrets: createMemorySecretStore(), shell: 'web', version: 'bench' })
  core.hosts.stop()
  const call = async <T>(channel: string, input: unknown): Promise<T> => {
    const envelope = await core.dispatch(channel, input)
    if (!envelope.ok) throw new Error(`${channel}: ${envelope.error.message}`)
    return envelope.data as T
  }
  const account = await call<{ id: string }>('accounts:add', { cloud: 'ec2', label: 'bench', endpoint: fake.url, credentials: { accessKeyId: fake.accessKeyId, secretAccessKey: fake.secretAccessKey } })
  await call('clouds:catalog', { accountId: account.id }) // the form has it before the click
  fake.setFailure({ delayMs: RTT_MS })
  console.log(`\nAWS EC2: user operations at +${RTT_MS} ms per answer (requests counted at the fake while the call ran)\n`)
  console.log(`${'operation'.padEnd(62)}${'time'.padEnd(10)}${'requests'.padEnd(10)}which`)
  const create = (mode: 'tcp' | 'https', n: number) =>
    call<{ id: string }>('hosts:create', {
      requestId: randomUUID(),
      accountId: account.id,
      name: `exit-ops-${mode}-${n}`,
      region: REGION,
      plan: 't4g.nano',
      tunnel: mode === 'https' ? { mode, inletsVersion: '0.11.14', domains: ['ops.example.com'] } : { mode, inletsVersion: '0.11.14' },
    })
  const tcp = await measure(fake, () => create('tcp', 1))
  console.log(`${'hosts:create, TCP (first: the Ubuntu image is looked up too)'.padEnd(62)}${cell(tcp)}`)
  const tcp2 = await measure(fake, () => create('tcp', 2))
  console.log(`${'hosts:create, TCP (image cached)'.padEnd(62)}${cell(tcp2)}`)
  let https: { id: string } | undefined
  const httpsCreate = await measure(fake, async () => (https = await create('https', 3)))
  console.log(`${'hosts:create, HTTPS'.padEnd(62)}${cell(httpsCreate)}`)
  const list = await measure(fake, () => call('hosts:list', {}))
  console.log(`${'hosts:list (from memory; its refresh runs behind it)'.padEnd(62)}${cell(list)}`)
  const refresh = await measure(fake, () => core.hosts.refresh())
  console.log(`${'one refresh (DescribeInstances by tag, one region)'.padEnd(62)}${cell(refresh)}`)
  const remove = await measure(fake, () => call('hosts:delete', { by: 'id', hostId: https!.id }))
  console.log(`${'hosts:delete (returns once TerminateInstances answers)'.padEnd(62)}${cell(remove)}`)
  const steps: Array<{ ms: number; requests: string[] }> = []
  for (let n = 0; n < 6 && core.hosts.snapshot().hosts.some((host) => host.id === https!.id); n++) steps.push(await measure(fake, () => core.hosts.refresh()))
  for (const [n, step] of steps.entries()) console.log(`${`  teardown, refresh ${n + 1} (terminated? then the security group)`.padEnd(62)}${cell(step)}`)
  await core.stop()
  await fake.close()
}

async function manyHosts(count: number): Promise<void> {
  const fake = await startFakeEc2({ runAfterMs: 0 })
  // In the default region: an account with no recorded host is listed there (listScopes).
  const region = 'us-east-1'
  for (let n = 0; n < count; n++) fake.seedInstance({ region, tags: new Map([['exitdesk', ''], [`exitdesk-host-scale-${n}`, ''], ['Name', `exit-scale-${n}`]]) })
  const dataDir = await mkdtemp(join(tmpdir(), 'exitdesk-bench-ec2-many-'))
  const core = await createCore({ dataDir, secrets: createMemorySecretStore(), shell: 'web', version: 'bench' })
  core.hosts.stop()
  const envelope = await core.dispatch('accounts:add', { cloud: 'ec2', label: 'bench', endpoint: fake.url, credentials: { accessKeyId: fake.accessKeyId, secretAccessKey: fake.secretAccessKey } })
  if (!envelope.ok) throw new Error(envelope.error.message)
  await core.hosts.refresh() // found by the app tag and recorded
  fake.setFailure({ delayMs: RTT_MS })
  const refresh = await measure(fake, () => core.hosts.refresh())
  console.log(`${`one refresh of ${count} hosts in ${region} (${core.hosts.snapshot().hosts.length} shown)`.padEnd(62)}${cell(refresh)}`)
  await core.stop()
  await fake.close()
}

async function main(): Promise<void> {
  await operations()
  console.log('')
  for (const count of (process.env.BENCH_EC2_HOSTS ?? '100,2500').split(',').map(Number)) await manyHosts(count)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
