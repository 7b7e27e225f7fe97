/**
 * Scaleway: each user operation through the real core (memory keychain, temp data folder)
 * against the fake Scaleway API (test/fakes/scaleway.ts) with 200 ms added to every answer,
 * printing round trips and wall time; then the adapter's own steps (six create steps, one
 * request each, never a wait) and a paged refresh of one zone.
 * Figures, not pass/fail. Run with `npx tsx bench/cloud-scaleway.ts`. Nothing leaves 127.0.0.1.
 */
import { randomUUID } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createCore } from '../src/main/core'
import { createMemorySecretStore } from '../src/main/secrets/memory-store'
import { createScalewayProvisioner } from '../src/main/clouds/scaleway'
import type { CloudContext, ProvisionSpec, StepResult } from '../src/main/clouds/types'
import { startFakeScaleway, type FakeScaleway } from '../test/fakes/scaleway'

const RTT_MS = 200

async function measure(fake: FakeScaleway, run: () => Promise<unknown>): Promise<{ ms: number; requests: number }> {
  const before = fake.requests.length
  const started = performance.now()
  await run()
  return { ms: performance.now() - started, requests: fake.requests.length - before }
}

const cell = (result: { ms: number; requests: number }): string => `${String(result.requests).padStart(5)} req ${(result.ms / 1000).toFixed(2).padStart(7)} s`
const row = (label: string, result: { ms: number; requests: number }): void => console.log(`${label.padEnd(66)}${cell(result)}`)

/** Each user operation through the real core, at +200 ms per answer. */
async function operations(): Promise<void> {
  const fake = await startFakeScaleway({ activateAfterMs: 0 })
  const dataDir = await mkdtemp(join(tmpdir(), 'exitdesk-bench-scaleway-'))
  const core = await createCore({ dataDir, secrets: createMemorySecretStore(), shell: 'web', version: 'bench' })
  core.hosts.stop()
  const call = async <T>(channel: string, input: unknown): Promise<T> => {
    const envelope = await core.dispatch(channel, input)
    if (!envelope.ok) throw new Error(`${channel}: ${envelope.error.message}`)
    return envelope.data as T
  }
  fake.setFailure({ delayMs: RTT_MS })
  console.log(`\nScaleway: user operations at +${RTT_MS} ms per answer (requests counted at the fake while the call ran)\n`)
  let account: { id: string } | undefined
  const credentials = { accessKey: 'SCW0123456789ABCDEFG', secretKey: fake.secretKey, projectId: fake.projectId }
  row('accounts:add (verify: GET the project)', await measure(fake, async () => (account = await call<{ id: string }>('accounts:add', { cloud: 'scaleway', label: 'bench', endpoint: fake.url, credentials }))))
  row('accounts:verify (one GET)', await measure(fake, () => call('accounts:verify', { accountId: account!.id })))
  row('clouds:catalog (server types of every zone at once)', await measure(fake, () => call('clouds:catalog', { accountId: account!.id })))
  const create = (mode: 'tcp' | 'https') =>
    call<{ id: string }>('hosts:create', { requestId: randomUUID(), accountId: account!.id, name: `exit-ops-${mode}`, region: 'fr-par-1', plan: 'STARDUST1-S', tunnel: mode === 'https' ? { mode, inletsVersion: '0.11.14', domains: ['ops.example.com'] } : { mode, inletsVersion: '0.11.14' } })
  row('hosts:create, TCP (answers within 1 s; the steps go on behind it)', await measure(fake, () => create('tcp')))
  let https: { id: string } | undefined
  row('hosts:create, HTTPS', await measure(fake, async () => (https = await create('https'))))
  row('hosts:list (from memory)', await measure(fake, () => call('hosts:list', {})))
  row('hosts:delete (GET the server, then terminate or DELETE)', await measure(fake, () => call('hosts:delete', { by: 'id', hostId: https!.id })))
  await core.stop()
  await fake.close()
}

/** The adapter's steps one by one, at +200 ms per answer: requests and time per call; then a paged list. */
async function steps(): Promise<void> {
  const fake = await startFakeScaleway({ activateAfterMs: 0, deleteAfterMs: 0 })
  const p = createScalewayProvisioner()
  const ctx: CloudContext = { accountId: 'bench', credentials: { accessKey: 'SCW0123456789ABCDEFG', secretKey: fake.secretKey, projectId: fake.projectId }, endpoint: fake.url }
  const signal = (): AbortSignal => AbortSignal.timeout(30_000)
  await p.catalog(ctx, signal()) // as the create form does before the click (the image is looked up at the server step)
  const rule = { delayMs: RTT_MS }
  fake.setFailure(rule)
  console.log(`\nAdapter calls at +${RTT_MS} ms per answer (the fake's servers run and go at once, so every step advances)\n`)
  for (const mode of ['tcp', 'https'] as const) {
    const hostId = randomUUID()
    const s: ProvisionSpec = { hostId, name: `exit-step-${mode}`, region: 'fr-par-1', plan: 'STARDUST1-S', userData: '#!/bin/sh\n', tunnel: { mode, inletsVersion: '0.11.14', domains: mode === 'https' ? ['ops.example.com'] : [], letsEncryptIssuer: 'prod' }, tags: { app: 'exitdesk', host: `exitdesk-host-${hostId}` }, fresh: true }
    let result: StepResult = { done: false, locator: { region: s.region, attached: [] } }
    row(`provision ${mode.toUpperCase()}, step 1 (fresh: POST /security_groups)`, await measure(fake, async () => (result = await p.provision(ctx, s, result.locator, undefined, signal()))))
    for (let n = 1; !result.done && n < 8; n++) {
      const progress = result.progress
      const measured = await measure(fake, async () => (result = await p.provision(ctx, s, result.locator, result.progress, signal())))
      row(`provision ${mode.toUpperCase()}, step ${n + 1} (after ${progress})`, measured)
    }
    const retried = await measure(fake, () => p.provision(ctx, { ...s, fresh: false }, { region: s.region, attached: [] }, undefined, signal()))
    row(`provision ${mode.toUpperCase()} again, not fresh (look-up finds the group)`, retried)
    let step = result
    row(`delete ${mode.toUpperCase()}, step 1 (GET, then terminate)`, await measure(fake, async () => (step = await p.delete(ctx, result.locator, undefined, signal()))))
    for (let n = 1; !step.done && n < 10; n++) {
      const progress = step.progress
      const measured = await measure(fake, async () => (step = await p.delete(ctx, step.locator, step.progress, signal())))
      row(`delete ${mode.toUpperCase()}, step ${n + 1} (after ${progress})`, measured)
    }
  }
  fake.clearFailures()
  const seed = createScalewayProvisioner()
  for (let n = 0; n < 1_000; n++) {
    const hostId = `bench-${n}`
    const s: ProvisionSpec = { hostId, name: `exit-${n}`, region: 'fr-par-1', plan: 'STARDUST1-S', userData: '', tunnel: { mode: 'tcp', inletsVersion: '0.11.14', domains: [], letsEncryptIssuer: 'prod' }, tags: { app: 'exitdesk', host: `exitdesk-host-${hostId}` }, fresh: true }
    let step = await seed.provision(ctx, s, { region: s.region, attached: [] }, undefined, signal())
    while (!step.done) step = await seed.provision(ctx, s, step.locator, step.progress, signal())
  }
  fake.setFailure(rule)
  row('refresh: listByTag of 1,000 hosts in one zone (100 a page, pages at once)', await measure(fake, () => p.listByTag(ctx, 'fr-par-1', 'exitdesk', signal())))
  const serial = createScalewayProvisioner({ pageConcurrency: 1 })
  row('refresh: the same list page after page', await measure(fake, () => serial.listByTag(ctx, 'fr-par-1', 'exitdesk', signal())))
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
