/**
 * Google Compute Engine: each user operation through the real core (memory keychain, temp data
 * folder) against the fake Compute API (test/fakes/gce.ts) with 200 ms added to every answer,
 * printing round trips and wall time; then the adapter's own steps and a paged list. Figures,
 * not pass/fail. Run with `npx tsx bench/cloud-gce.ts` (Node 22+: the SDK needs it).
 *
 * The app signs its own JWT with the bench's generated service-account key (the real
 * credential path); the fake checks it. Nothing leaves 127.0.0.1.
 */
import { randomUUID } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { OAuth2Client } from 'google-auth-library'
import { warmSdk } from '../src/main/clouds/gce/client'
import { createCore } from '../src/main/core'
import { createMemorySecretStore } from '../src/main/secrets/memory-store'
import { createGceProvisioner } from '../src/main/clouds/gce'
import type { CloudContext, ProvisionSpec } from '../src/main/clouds/types'
import { startFakeGce, type FakeGce } from '../test/fakes/gce'

const RTT_MS = 200
/** GCE firewall and instance operations take seconds; the fake's take this long (real time). */
const OPERATION_MS = 3_000

async function measure(fake: FakeGce, run: () => Promise<unknown>): Promise<{ ms: number; requests: number }> {
  const before = fake.requests.length
  const started = performance.now()
  await run()
  return { ms: performance.now() - started, requests: fake.requests.length - before }
}

const cell = (result: { ms: number; requests: number }): string => `${String(result.requests).padStart(5)} req ${(result.ms / 1000).toFixed(2).padStart(7)} s`
const row = (label: string, result: { ms: number; requests: number }): void => console.log(`${label.padEnd(66)}${cell(result)}`)

/** Each user operation through the real core, at +200 ms per answer. */
async function operations(): Promise<void> {
  const fake = await startFakeGce({ operationMs: OPERATION_MS, stagingAfterMs: 1_000, runningAfterMs: 5_000 })
  const dataDir = await mkdtemp(join(tmpdir(), 'exitdesk-bench-gce-'))
  const core = await createCore({ dataDir, secrets: createMemorySecretStore(), shell: 'web', version: 'bench' })
  core.hosts.stop()
  const call = async <T>(channel: string, input: unknown): Promise<T> => {
    const envelope = await core.dispatch(channel, input)
    if (!envelope.ok) throw new Error(`${channel}: ${envelope.error.message}`)
    return envelope.data as T
  }
  const key = fake.newKey()
  // As the form does: picking the cloud loads the SDK in the background (clouds:prepare), while
  // the key is pasted; the load is timed on its own, then accounts:add at 200 ms.
  const loadStarted = performance.now()
  await call('clouds:prepare', { cloud: 'gce' })
  await warmSdk()
  const loadMs = performance.now() - loadStarted
  fake.setLatency(RTT_MS)
  const added = await measure(fake, () => call('accounts:add', { cloud: 'gce', label: 'bench', endpoint: fake.url, credentials: { serviceAccountKey: JSON.stringify(key), projectId: fake.project } }))
  const account = (await call<Array<{ id: string; cloud: string }>>('accounts:list', {})).find((a) => a.cloud === 'gce')!
  await call('clouds:catalog', { accountId: account.id }) // the form has it before the click
  fake.setLatency(RTT_MS)
  console.log(`\nGoogle Compute Engine: user operations at +${RTT_MS} ms per answer (requests counted at the fake while the call ran)\n`)
  console.log(`${'clouds:prepare (SDK loaded in the background, no request)'.padEnd(66)}      ${(loadMs / 1000).toFixed(2)} s of main's time`)
  console.log(`${'accounts:add (verify: GET projects/{project})'.padEnd(66)}${cell(added)}`)
  const create = (mode: 'tcp' | 'https') =>
    call<{ id: string }>('hosts:create', { requestId: randomUUID(), accountId: account.id, name: `exit-ops-${mode}`, region: 'us-central1-a', plan: 'e2-micro', tunnel: mode === 'https' ? { mode, inletsVersion: '0.11.14', domains: ['ops.example.com'] } : { mode, inletsVersion: '0.11.14' } })
  row('hosts:create, TCP (answers within 1 s; the steps go on behind it)', await measure(fake, () => create('tcp')))
  let https: { id: string } | undefined
  row('hosts:create, HTTPS', await measure(fake, async () => (https = await create('https'))))
  row('hosts:list (from memory)', await measure(fake, () => call('hosts:list', {})))
  row('hosts:delete (returns once the instance delete is accepted)', await measure(fake, () => call('hosts:delete', { by: 'id', hostId: https!.id })))
  await core.stop()
  await fake.close()
}

/** The adapter's steps one by one, at +200 ms per answer: requests and time per call. */
async function steps(): Promise<void> {
  const fake = await startFakeGce({ operationMs: 0, stagingAfterMs: 0, runningAfterMs: 0, deleteAfterMs: 0 })
  const client = new OAuth2Client()
  client.setCredentials({ access_token: fake.token, expiry_date: Date.now() + 3600_000 })
  const p = createGceProvisioner({ credentialFor: () => client })
  const ctx: CloudContext = { accountId: 'bench', credentials: { serviceAccountKey: JSON.stringify(fake.newKey()), projectId: fake.project }, endpoint: fake.url }
  const signal = (): AbortSignal => AbortSignal.timeout(30_000)
  await p.verify(ctx, signal()) // loads the SDK
  fake.setLatency(RTT_MS)
  console.log(`\nAdapter calls at +${RTT_MS} ms per answer (operations finish at once here, so every step advances)\n`)
  for (const mode of ['tcp', 'https'] as const) {
    const hostId = randomUUID()
    const s: ProvisionSpec = { hostId, name: `exit-step-${mode}`, region: 'us-central1-a', plan: 'e2-micro', userData: '#!/bin/sh\n', tunnel: { mode, inletsVersion: '0.11.14', domains: mode === 'https' ? ['ops.example.com'] : [], letsEncryptIssuer: 'prod' }, tags: { app: 'exitdesk', host: `exitdesk-host-${hostId}` }, fresh: true }
    let result = await p.provision(ctx, s, { region: s.region, attached: [] }, undefined, signal())
    let locator = result.locator
    for (let n = 1; ; n++) {
      const before = { progress: result.progress }
      // `fresh`: the first try of each step of a host this Exitdesk just created, as the host service sends it.
      const measured = await measure(fake, async () => (result = await p.provision(ctx, s, locator, result.progress, signal())))
      row(`provision ${mode.toUpperCase()}, step ${n + 1} (after ${before.progress?.split(':')[0]})`, measured)
      locator = result.locator
      if (result.done || n > 5) break
    }
    let step = await p.delete(ctx, locator, undefined, signal())
    for (let n = 1; !step.done && n < 8; n++) {
      const progress = step.progress
      const measured = await measure(fake, async () => (step = await p.delete(ctx, step.locator, step.progress, signal())))
      row(`delete ${mode.toUpperCase()}, step ${n + 1} (after ${progress?.split(':')[0]})`, measured)
    }
  }
  fake.setLatency(0)
  for (let n = 0; n < 1_200; n++) fake.addInstance({ name: `exit-${n}`, zone: n % 2 ? 'us-central1-a' : 'europe-west2-a', labels: { exitdesk_app: 'exitdesk', exitdesk_host: `exitdesk-host-${n}` } })
  fake.setLatency(RTT_MS)
  const listed = await measure(fake, () => p.listByTag(ctx, 'project', 'exitdesk', signal()))
  row('refresh: listByTag of 1,200 hosts (aggregatedList, 500 a page)', listed)
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
