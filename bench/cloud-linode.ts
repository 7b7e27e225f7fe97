/**
 * Linode: each user operation through the real core (memory keychain, temp data folder)
 * against the fake Linode API (test/fakes/linode.ts) with 200 ms added to every answer,
 * printing round trips and wall time; then the adapter's own steps and a paged list. Figures,
 * not pass/fail. Run with `npx tsx bench/cloud-linode.ts`. Nothing leaves 127.0.0.1.
 */
import { randomUUID } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createCore } from '../src/main/core'
import { createMemorySecretStore } from '../src/main/secrets/memory-store'
import { createLinodeProvisioner } from '../src/main/clouds/linode'
import type { CloudContext, ProvisionSpec } from '../src/main/clouds/types'
import { startFakeLinode, type FakeLinode } from '../test/fakes/linode'

const RTT_MS = 200

async function measure(fake: FakeLinode, run: () => Promise<unknown>): Promise<{ ms: number; requests: number }> {
  const before = fake.requests.length
  const started = performance.now()
  await run()
  return { ms: performance.now() - started, requests: fake.requests.length - before }
}

const cell = (result: { ms: number; requests: number }): string => `${String(result.requests).padStart(5)} req ${(result.ms / 1000).toFixed(2).padStart(7)} s`
const row = (label: string, result: { ms: number; requests: number }): void => console.log(`${label.padEnd(66)}${cell(result)}`)

/** Each user operation through the real core, at +200 ms per answer. */
async function operations(): Promise<void> {
  const fake = await startFakeLinode({ provisionAfterMs: 2_000, bootAfterMs: 1_000, deleteAfterMs: 2_000 })
  const dataDir = await mkdtemp(join(tmpdir(), 'exitdesk-bench-linode-'))
  const core = await createCore({ dataDir, secrets: createMemorySecretStore(), shell: 'web', version: 'bench' })
  core.hosts.stop()
  const call = async <T>(channel: string, input: unknown): Promise<T> => {
    const envelope = await core.dispatch(channel, input)
    if (!envelope.ok) throw new Error(`${channel}: ${envelope.error.message}`)
    return envelope.data as T
  }
  fake.setLatency(RTT_MS)
  console.log(`\nLinode: user operations at +${RTT_MS} ms per answer (requests counted at the fake while the call ran)\n`)
  row('accounts:add (verify: GET /v4/account)', await measure(fake, () => call('accounts:add', { cloud: 'linode', label: 'bench', endpoint: fake.url, credentials: { token: fake.token } })))
  const account = (await call<Array<{ id: string; cloud: string }>>('accounts:list', {})).find((a) => a.cloud === 'linode')!
  row('clouds:catalog (regions, types, image check at once)', await measure(fake, () => call('clouds:catalog', { accountId: account.id })))
  const create = (mode: 'tcp' | 'https') =>
    call<{ id: string }>('hosts:create', { requestId: randomUUID(), accountId: account.id, name: `exit-ops-${mode}`, region: 'fr-par', plan: 'g6-nanode-1', tunnel: mode === 'https' ? { mode, inletsVersion: '0.11.14', domains: ['ops.example.com'] } : { mode, inletsVersion: '0.11.14' } })
  row('hosts:create, TCP (firewall, then the Linode: two round trips)', await measure(fake, () => create('tcp')))
  let https: { id: string } | undefined
  row('hosts:create, HTTPS', await measure(fake, async () => (https = await create('https'))))
  row('hosts:list (from memory)', await measure(fake, () => call('hosts:list', {})))
  row('hosts:delete (returns once the Linode delete is accepted)', await measure(fake, () => call('hosts:delete', { by: 'id', hostId: https!.id })))
  await core.stop()
  await fake.close()
}

/** The adapter's steps one by one, at +200 ms per answer: requests and time per call. */
async function steps(): Promise<void> {
  const fake = await startFakeLinode({ provisionAfterMs: 0, bootAfterMs: 0, deleteAfterMs: 0 })
  const p = createLinodeProvisioner()
  const ctx: CloudContext = { accountId: 'bench', credentials: { token: fake.token }, endpoint: fake.url }
  const signal = (): AbortSignal => AbortSignal.timeout(30_000)
  fake.setLatency(RTT_MS)
  console.log(`\nAdapter calls at +${RTT_MS} ms per answer (the fake finishes at once, so every step advances)\n`)
  for (const mode of ['tcp', 'https'] as const) {
    for (const fresh of [true, false]) {
      const hostId = randomUUID()
      const s: ProvisionSpec = { hostId, name: `exit-step-${mode}-${fresh ? 'fresh' : 'retry'}`, region: 'fr-par', plan: 'g6-nanode-1', userData: '#!/bin/sh\n', tunnel: { mode, inletsVersion: '0.11.14', domains: mode === 'https' ? ['ops.example.com'] : [], letsEncryptIssuer: 'prod' }, tags: { app: 'exitdesk', host: `exitdesk-host-${hostId}` }, fresh }
      let result = await p.provision(ctx, s, { region: s.region, attached: [] }, undefined, signal())
      let n = 1
      while (!result.done && n < 5) {
        const progress = result.progress
        const measured = await measure(fake, async () => (result = await p.provision(ctx, s, result.locator, result.progress, signal())))
        row(`provision ${mode.toUpperCase()}${fresh ? ' (fresh)' : ' (look-ups)'}, step ${++n} (after ${progress})`, measured)
      }
      let step = await p.delete(ctx, result.locator, undefined, signal())
      for (let k = 1; !step.done && k < 8; k++) {
        const progress = step.progress
        const measured = await measure(fake, async () => (step = await p.delete(ctx, step.locator, step.progress, signal())))
        if (fresh) row(`delete ${mode.toUpperCase()}, step ${k + 1} (after ${progress})`, measured)
      }
    }
  }
  // The first step of a fresh and a retried create, measured on their own.
  for (const fresh of [true, false]) {
    const hostId = randomUUID()
    const s: ProvisionSpec = { hostId, name: `exit-first-${fresh ? 'fresh' : 'retry'}`, region: 'fr-par', plan: 'g6-nanode-1', userData: '#!/bin/sh\n', tunnel: { mode: 'tcp', inletsVersion: '0.11.14', domains: [], letsEncryptIssuer: 'prod' }, tags: { app: 'exitdesk', host: `exitdesk-host-${hostId}` }, fresh }
    row(`provision, step 1 (firewall, ${fresh ? 'fresh: no look-up' : 'retried: look-up by label first'})`, await measure(fake, () => p.provision(ctx, s, { region: s.region, attached: [] }, undefined, signal())))
  }
  fake.setLatency(0)
  for (let n = 0; n < 1_200; n++) fake.addInstance({ label: `exit-list-${n}`, region: n % 2 ? 'fr-par' : 'us-ord', tags: ['exitdesk', `exitdesk-host-${n}`] })
  fake.setLatency(RTT_MS)
  row('refresh: listByTag of 1,200+ hosts (500 a page, pages 2-3 at once)', await measure(fake, () => p.listByTag(ctx, 'account', 'exitdesk', signal())))
  await fake.close()
}

async function main(): Promise<void> {
  await operations()
  await steps()
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
