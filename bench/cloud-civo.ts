/**
 * Civo: each user operation through the real core (memory keychain, temp data folder) against
 * the fake Civo API (test/fakes/civo.ts) with 200 ms added to every answer, printing round trips
 * and wall time; then the adapter's own steps and a paged refresh. Figures, not pass/fail.
 * Run with `npx tsx bench/cloud-civo.ts`. Nothing leaves 127.0.0.1.
 */
import { randomUUID } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createCore } from '../src/main/core'
import { createMemorySecretStore } from '../src/main/secrets/memory-store'
import { createCivoProvisioner } from '../src/main/clouds/civo'
import type { CloudContext, ProvisionSpec, StepResult } from '../src/main/clouds/types'
import { startFakeCivo, type FakeCivo } from '../test/fakes/civo'

const RTT_MS = 200

async function measure(fake: FakeCivo, run: () => Promise<unknown>): Promise<{ ms: number; requests: number }> {
  const before = fake.requests.length
  const started = performance.now()
  await run()
  return { ms: performance.now() - started, requests: fake.requests.length - before }
}

const cell = (result: { ms: number; requests: number }): string => `${String(result.requests).padStart(5)} req ${(result.ms / 1000).toFixed(2).padStart(7)} s`
const row = (label: string, result: { ms: number; requests: number }): void => console.log(`${label.padEnd(70)}${cell(result)}`)

/** Each user operation through the real core, at +200 ms per answer. */
async function operations(): Promise<void> {
  const fake = await startFakeCivo({ activateAfterMs: 0 })
  const dataDir = await mkdtemp(join(tmpdir(), 'exitdesk-bench-civo-'))
  const core = await createCore({ dataDir, secrets: createMemorySecretStore(), shell: 'web', version: 'bench' })
  core.hosts.stop()
  const call = async <T>(channel: string, input: unknown): Promise<T> => {
    const envelope = await core.dispatch(channel, input)
    if (!envelope.ok) throw new Error(`${channel}: ${envelope.error.message}`)
    return envelope.data as T
  }
  fake.setFailure({ delayMs: RTT_MS })
  console.log(`\nCivo: user operations at +${RTT_MS} ms per answer (requests counted at the fake while the call ran)\n`)
  let account: { id: string } | undefined
  row('accounts:add (verify: GET /v2/quota)', await measure(fake, async () => (account = await call<{ id: string }>('accounts:add', { cloud: 'civo', label: 'bench', endpoint: fake.url, credentials: { token: fake.token } }))))
  row('accounts:verify (one GET)', await measure(fake, () => call('accounts:verify', { accountId: account!.id })))
  row('clouds:catalog (regions and sizes at once)', await measure(fake, () => call('clouds:catalog', { accountId: account!.id })))
  const create = (mode: 'tcp' | 'https') =>
    call<{ id: string }>('hosts:create', { requestId: randomUUID(), accountId: account!.id, name: `exit-ops-${mode}`, region: 'LON1', plan: 'g4s.xsmall', tunnel: mode === 'https' ? { mode, inletsVersion: '0.11.14', domains: ['ops.example.com'] } : { mode, inletsVersion: '0.11.14' } })
  row('hosts:create, TCP (answers within 1 s; the steps go on behind it)', await measure(fake, () => create('tcp')))
  let https: { id: string } | undefined
  row('hosts:create, HTTPS', await measure(fake, async () => (https = await create('https'))))
  row('hosts:list (from memory)', await measure(fake, () => call('hosts:list', {})))
  row('hosts:delete (returns once the instance DELETE is accepted)', await measure(fake, () => call('hosts:delete', { by: 'id', hostId: https!.id })))
  await core.stop()
  await fake.close()
}

/** The adapter's steps one by one, at +200 ms per answer: requests and time per call; then a paged list. */
async function steps(): Promise<void> {
  const fake = await startFakeCivo({ activateAfterMs: 0, deleteAfterMs: 0 })
  const p = createCivoProvisioner()
  const ctx: CloudContext = { accountId: 'bench', credentials: { token: fake.token }, endpoint: fake.url }
  const signal = (): AbortSignal => AbortSignal.timeout(30_000)
  await p.catalog(ctx, signal()) // as the create form does before the click
  const rule = { delayMs: RTT_MS }
  fake.setFailure(rule)
  console.log(`\nAdapter calls at +${RTT_MS} ms per answer (the fake's instances run and go at once, so every step advances)\n`)
  const named = ['fresh: GET /v2/networks, POST /v2/firewalls', 'GET rules, then the missing rules at once', 'GET /v2/disk_images, POST /v2/instances']
  for (const mode of ['tcp', 'https'] as const) {
    const hostId = randomUUID()
    const s: ProvisionSpec = { hostId, name: `exit-step-${mode}`, region: 'LON1', plan: 'g4s.xsmall', userData: '#!/bin/sh\n', tunnel: { mode, inletsVersion: '0.11.14', domains: mode === 'https' ? ['ops.example.com'] : [], letsEncryptIssuer: 'prod' }, tags: { app: 'exitdesk', host: `exitdesk-host-${hostId}` }, fresh: true }
    let result: StepResult = { done: false, locator: { region: s.region, attached: [] } }
    for (let n = 0; !result.done && n < 5; n++) {
      const progress = result.progress
      const measured = await measure(fake, async () => (result = await p.provision(ctx, s, result.locator, progress, signal())))
      row(`provision ${mode.toUpperCase()}, step ${n + 1} (${named[n] ?? progress})`, measured)
    }
    const retried = await measure(fake, () => p.provision(ctx, { ...s, fresh: false }, { region: s.region, attached: [] }, undefined, signal()))
    row(`provision ${mode.toUpperCase()} again, not fresh (finds the firewall by name)`, retried)
    let step = result
    row(`delete ${mode.toUpperCase()}, step 1 (DELETE /v2/instances/{id})`, await measure(fake, async () => (step = await p.delete(ctx, result.locator, undefined, signal()))))
    for (let n = 1; !step.done && n < 8; n++) {
      const progress = step.progress
      const measured = await measure(fake, async () => (step = await p.delete(ctx, step.locator, step.progress, signal())))
      row(`delete ${mode.toUpperCase()}, step ${n + 1} (after ${progress})`, measured)
    }
  }
  fake.clearFailures()
  const seed = createCivoProvisioner()
  for (let n = 0; n < 1_200; n++) {
    const hostId = `bench-${n}`
    const s: ProvisionSpec = { hostId, name: `exit-${n}`, region: 'LON1', plan: 'g4s.xsmall', userData: '#!/bin/sh\n', tunnel: { mode: 'tcp', inletsVersion: '0.11.14', domains: [], letsEncryptIssuer: 'prod' }, tags: { app: 'exitdesk', host: `exitdesk-host-${hostId}` }, fresh: true }
    let r = await seed.provision(ctx, s, { region: s.region, attached: [] }, undefined, signal())
    while (!r.done) r = await seed.provision(ctx, s, r.locator, r.progress, signal())
  }
  fake.setFailure(rule)
  row('refresh: listByTag of 1,200 hosts in LON1 (100 a page, pages at once)', await measure(fake, () => p.listByTag(ctx, 'LON1', 'exitdesk', signal())))
  const serial = createCivoProvisioner({ pageConcurrency: 1 })
  row('refresh: the same list page after page', await measure(fake, () => serial.listByTag(ctx, 'LON1', 'exitdesk', signal())))
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
