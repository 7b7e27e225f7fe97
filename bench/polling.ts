/**
 * `npm run bench` (part 4): what polling costs main with many hosts. A simulated stretch of
 * refreshes every 3 s (the injectable clock), each followed by one window's poll with the
 * version it shows. Prints main's CPU per refresh, ledger bytes written per poll, bytes sent per
 * poll, and memory at the end.
 *
 * Each size runs in a fresh process and the DigitalOcean fake in another one
 * (support/fake-child.ts), so the CPU and RSS figures are the core's alone: nothing the fake
 * holds or does, nor an earlier size's garbage, is counted. `baseline` is the same process
 * before the core starts (Node and the loaded modules), so `RSS - baseline` is what the core
 * and its hosts add; `live heap` is what is still in use after a full garbage collection, and
 * `young gen` the size V8 gave its young generation (see scripts/node-flags.mjs).
 */
import { spawnSync } from 'node:child_process'
import { mkdtemp, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { getHeapSpaceStatistics } from 'node:v8'
import { createCore } from '../src/main/core'
import { createMemorySecretStore } from '../src/main/secrets/memory-store'
import { CORE_NODE_FLAGS } from '../scripts/node-flags.mjs'
import { startFakeInChild } from './support/fake-process'

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`

async function pollingCost(count: number, minutes: number): Promise<void> {
  const baseline = process.memoryUsage().rss
  const fake = await startFakeInChild(count)
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
  const rss = process.memoryUsage().rss
  const young = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0
  ;(globalThis as { gc?: () => void }).gc?.()
  const live = process.memoryUsage().heapUsed
  const hosts = core.hosts.snapshot().hosts.length
  console.log(
    `${String(count).padEnd(7)}${`${minutes} min, ${refreshes} refreshes`.padEnd(26)}${`${(cpu / refreshes).toFixed(1)} ms`.padEnd(16)}${`${Math.round(written / refreshes)} B`.padEnd(16)}${`${Math.round(sent / refreshes)} B`.padEnd(14)}${mb(rss).padEnd(9)}${mb(baseline).padEnd(10)}${mb(live).padEnd(11)}${mb(young).padEnd(12)}${hosts}`,
  )
  await core.stop()
  await fake.close()
}

async function main(): Promise<void> {
  const one = process.env.EXITDESK_BENCH_POLL_ONE
  if (one) {
    const [count, minutes] = one.split('x').map(Number)
    await pollingCost(count!, minutes!)
    return
  }
  console.log(`\nPolling cost in main, the core alone (a refresh every 3 s of a simulated clock, each followed by one window's poll with its version)\n`)
  console.log(`${'hosts'.padEnd(7)}${'stretch'.padEnd(26)}${'CPU / refresh'.padEnd(16)}${'ledger / poll'.padEnd(16)}${'sent / poll'.padEnd(14)}${'RSS'.padEnd(9)}${'baseline'.padEnd(10)}${'live heap'.padEnd(11)}${'young gen'.padEnd(12)}hosts shown`)
  // Built as the app is (one bundle, packages required from node_modules) and run with the
  // app's Node flags, so the figures are the core's, not the TypeScript loader's.
  const bundle = resolve('node_modules/.cache/exitdesk-bench/polling.cjs') // beside node_modules, which it requires from
  const { build } = await import('esbuild') // the parent's tool only: the measured child never loads it
  await build({ entryPoints: ['bench/polling.ts'], bundle: true, platform: 'node', format: 'cjs', packages: 'external', outfile: bundle, logLevel: 'error' })
  for (const size of (process.env.BENCH_POLL ?? '1000x30,5000x30').split(',')) {
    const run = spawnSync(process.execPath, ['--expose-gc', ...CORE_NODE_FLAGS, bundle], { env: { ...process.env, EXITDESK_BENCH_POLL_ONE: size }, stdio: 'inherit' })
    if (run.status !== 0) process.exit(run.status ?? 1)
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
