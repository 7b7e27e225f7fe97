/**
 * OVHcloud Public Cloud: each user operation through the real core (memory keychain, temp data
 * folder) against the fake OVH API (test/fakes/ovh.ts, its clock an hour off this machine's)
 * with 200 ms added to every answer, printing round trips and wall time; then the adapter's own
 * steps and a refresh of 1,200 instances (OVH lists a project's instances whole, unpaginated).
 * Figures, not pass/fail. Run with `npx tsx bench/cloud-ovh.ts`. Nothing leaves 127.0.0.1.
 */
import { randomUUID } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createCore } from '../src/main/core'
import { createMemorySecretStore } from '../src/main/secrets/memory-store'
import { createOvhProvisioner } from '../src/main/clouds/ovh'
import type { CloudContext, ProvisionSpec, StepResult } from '../src/main/clouds/types'
import { startFakeOvh, type FakeOvh } from '../test/fakes/ovh'

const RTT_MS = 200

async function measure(fake: FakeOvh, run: () => Promise<unknown>): Promise<{ ms: number; requests: number }> {
  const before = fake.requests.length
  const started = performance.now()
  await run()
  return { ms: performance.now() - started, requests: fake.requests.length - before }
}

const cell = (result: { ms: number; requests: number }): string => `${String(result.requests).padStart(5)} req ${(result.ms / 1000).toFixed(2).padStart(7)} s`
const row = (label: string, result: { ms: number; requests: number }): void => console.log(`${label.padEnd(72)}${cell(result)}`)

/** Each user operation through the real core, at +200 ms per answer. */
async function operations(): Promise<void> {
  const fake = await startFakeOvh({ activateAfterMs: 0, clockSkewSeconds: 3_600 })
  const dataDir = await mkdtemp(join(tmpdir(), 'exitdesk-bench-ovh-'))
  const core = await createCore({ dataDir, secrets: createMemorySecretStore(), shell: 'web', version: 'bench' })
  core.hosts.stop()
  const call = async <T>(channel: string, input: unknown): Promise<T> => {
    const envelope = await core.dispatch(channel, input)
    if (!envelope.ok) throw new Error(`${channel}: ${envelope.error.message}`)
    return envelope.data as T
  }
  fake.setFailure({ delayMs: RTT_MS })
  console.log(`\nOVHcloud: user operations at +${RTT_MS} ms per answer (requests counted at the fake while the call ran)\n`)
  let account: { id: string } | undefined
  row('accounts:add (verify: the time once, then GET /cloud/project/{sn})', await measure(fake, async () => (account = await call<{ id: string }>('accounts:add', { cloud: 'ovh', label: 'bench', endpoint: fake.url, credentials: { ...fake.credentials } }))))
  row('accounts:verify (the time is known: one GET)', await measure(fake, () => call('accounts:verify', { accountId: account!.id })))
  row('clouds:catalog (regions, flavors, images at once; + the new account’s first refresh)', await measure(fake, () => call('clouds:catalog', { accountId: account!.id })))
  const create = (mode: 'tcp' | 'https') =>
    call<{ id: string }>('hosts:create', { requestId: randomUUID(), accountId: account!.id, name: `exit-ops-${mode}`, region: 'GRA11', plan: 'd2-2', tunnel: mode === 'https' ? { mode, inletsVersion: '0.11.14', domains: ['ops.example.com'] } : { mode, inletsVersion: '0.11.14' } })
  row('hosts:create, TCP (answers within 1 s; the steps go on behind it)', await measure(fake, () => create('tcp')))
  let https: { id: string } | undefined
  row('hosts:create, HTTPS (the same request: OVH has no firewall to add)', await measure(fake, async () => (https = await create('https'))))
  row('hosts:list (from memory)', await measure(fake, () => call('hosts:list', {})))
  row('hosts:delete (returns once the instance DELETE is accepted)', await measure(fake, () => call('hosts:delete', { by: 'id', hostId: https!.id })))
  await core.stop()
  await fake.close()
}

/** The adapter's steps one by one, at +200 ms per answer; then a refresh of 1,200 instances. */
async function steps(): Promise<void> {
  const fake = await startFakeOvh({ activateAfterMs: 0, deleteAfterMs: 0, clockSkewSeconds: -600 })
  const p = createOvhProvisioner()
  const ctx: CloudContext = { accountId: 'bench', credentials: { ...fake.credentials }, endpoint: fake.url }
  const signal = (): AbortSignal => AbortSignal.timeout(30_000)
  const rule = { delayMs: RTT_MS }
  fake.setFailure(rule)
  console.log(`\nAdapter calls at +${RTT_MS} ms per answer (the fake's instances run and go at once, so every step advances)\n`)
  row('first call of an account: GET /auth/time, then the call (verify)', await measure(fake, () => p.verify(ctx, signal())))
  const spec = (mode: 'tcp' | 'https', fresh: boolean): ProvisionSpec => {
    const hostId = randomUUID()
    return { hostId, name: `exit-step-${mode}`, region: 'GRA11', plan: 'd2-2', userData: '#!/bin/sh\n', tunnel: { mode, inletsVersion: '0.11.14', domains: mode === 'https' ? ['ops.example.com'] : [], letsEncryptIssuer: 'prod' }, tags: { app: 'exitdesk', host: `exitdesk-host-${hostId}` }, fresh }
  }
  let result: StepResult = { done: false, locator: { region: 'GRA11', attached: [] } }
  const cold = spec('tcp', true)
  row('provision, cold cache (flavor + image by region at once, then POST)', await measure(fake, async () => (result = await p.provision(ctx, cold, result.locator, undefined, signal()))))
  row('clouds:catalog at the adapter (regions, flavors, images at once)', await measure(fake, () => p.catalog(ctx, signal())))
  const warm = spec('https', true)
  let warmResult: StepResult = { done: false, locator: { region: 'GRA11', attached: [] } }
  row('provision, fresh, warm cache (one POST)', await measure(fake, async () => (warmResult = await p.provision(ctx, warm, warmResult.locator, undefined, signal()))))
  row('provision again, not fresh (GET /instance?region finds it by name)', await measure(fake, () => p.provision(ctx, { ...warm, fresh: false }, { region: 'GRA11', attached: [] }, undefined, signal())))
  row('provision, lookupOnly, nothing made (GET /instance?region)', await measure(fake, () => p.provision(ctx, { ...spec('tcp', false), lookupOnly: true }, { region: 'GRA11', attached: [] }, undefined, signal())))
  row('status (GET /instance/{id})', await measure(fake, () => p.status(ctx, result.locator, signal())))
  let step: StepResult = result
  row('delete, step 1 (DELETE /instance/{id})', await measure(fake, async () => (step = await p.delete(ctx, result.locator, undefined, signal()))))
  for (let n = 1; !step.done && n < 4; n++) {
    const progress = step.progress
    row(`delete, step ${n + 1} (after ${progress}: GET /instance/{id} until 404)`, await measure(fake, async () => (step = await p.delete(ctx, step.locator, step.progress, signal()))))
  }
  fake.clearFailures()
  const flavor = fake.state.flavors.find((candidate) => candidate.region === 'GRA11' && candidate.name === 'd2-2')!
  const image = fake.state.images.find((candidate) => candidate.region === 'GRA11' && candidate.name === 'Ubuntu 24.04')!
  for (let n = 0; n < 1_200; n++) {
    const id = randomUUID()
    fake.state.instances.set(id, { id, name: `exitdesk-host-${randomUUID()}.exit-${n}`, region: 'GRA11', flavorId: flavor.id, imageId: image.id, userData: '', monthlyBilling: false, createdAtMs: Date.now(), n: n + 10 })
  }
  fake.setFailure(rule)
  let seen = 0
  row('refresh: listByTag of 1,200 hosts (one unpaginated GET /instance)', await measure(fake, async () => (seen = (await p.listByTag(ctx, 'account', 'exitdesk', signal())).length)))
  console.log(`  (${seen} instances listed; the time was measured ${p.times.measured} time(s) in all)`)
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
