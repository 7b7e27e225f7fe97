/**
 * `npx tsx bench/cloud-azure.ts` (Node 22.19+/24: the fake's certificate is trusted through
 * tls.setDefaultCACertificates): each user operation on an Azure account through the real
 * core, against the fake ARM + Entra ID (test/fakes/azure.ts) with 200 ms added to every
 * answer, as bench/scale.ts `operations()` does for DigitalOcean. Prints wall time and the
 * requests the fake received while the call ran (a background refresh included), then every
 * create and teardown step of the adapter on its own, to show that none waits for Azure.
 */
import { randomUUID } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createCore } from '../src/main/core'
import { createMemorySecretStore } from '../src/main/secrets/memory-store'
import { createAzureProvisioner } from '../src/main/clouds/azure'
import type { StepResult } from '../src/main/clouds/types'
import { startFakeAzure, type FakeAzure } from '../test/fakes/azure'
import { makeCertificate, trustInThisProcess } from '../test/fakes/azure-tls'

const RTT_MS = 200

async function measure(fake: FakeAzure, run: () => Promise<unknown>): Promise<{ ms: number; requests: string[] }> {
  const before = fake.requests.length
  const started = performance.now()
  await run()
  return { ms: performance.now() - started, requests: fake.requests.slice(before).map((request) => `${request.method} ${shortPath(request.path)}`) }
}

/** "PUT networkinterfaces", "GET virtualmachines (list)", "POST token" … */
function shortPath(path: string): string {
  if (path.endsWith('/oauth2/v2.0/token')) return 'token'
  if (path.endsWith('/openid-configuration')) return 'openid-configuration'
  if (/\/operations\/|\/operationresults\//.test(path)) return 'operation status'
  const parts = path.split('/')
  const last = parts[parts.length - 1]!
  const kind = parts[parts.length - 2]!
  return /^(virtualmachines|publicipaddresses|resourcegroups|skus)$/.test(last) ? `${last} (list)` : kind
}

function cell(result: { ms: number; requests: string[] }): string {
  const counts = new Map<string, number>()
  for (const request of result.requests) counts.set(request, (counts.get(request) ?? 0) + 1)
  const list = [...counts].map(([request, count]) => (count > 1 ? `${request} ×${count}` : request)).join(', ')
  return `${(result.ms / 1000).toFixed(2)} s, ${result.requests.length} requests (${list || 'none'})`
}

async function operations(fake: FakeAzure): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'exitdesk-bench-azure-'))
  const core = await createCore({ dataDir, secrets: createMemorySecretStore(), shell: 'web', version: 'bench' })
  core.hosts.stop()
  const call = async <T>(channel: string, input: unknown): Promise<T> => {
    const envelope = await core.dispatch(channel, input)
    if (!envelope.ok) throw new Error(`${channel}: ${envelope.error.message}`)
    return envelope.data as T
  }
  const account = await call<{ id: string }>('accounts:add', { cloud: 'azure', label: 'bench', endpoint: fake.url, credentials: fake.credentials })
  await call('clouds:catalog', { accountId: account.id }) // the form has it before the click
  fake.setLatency(RTT_MS)
  console.log(`\nAzure: user operations at +${RTT_MS} ms per answer (requests counted at the fake while the call ran, a background refresh included)\n`)
  const create = (mode: 'tcp' | 'https') =>
    call<{ id: string }>('hosts:create', {
      requestId: randomUUID(),
      accountId: account.id,
      name: `exit-ops-${mode}`,
      region: 'eastus',
      plan: 'Standard_B1ls',
      tunnel: mode === 'https' ? { mode, inletsVersion: '0.11.14', domains: ['ops.example.com'] } : { mode, inletsVersion: '0.11.14' },
    })
  const tcp = await measure(fake, () => create('tcp'))
  console.log(`${'hosts:create, TCP'.padEnd(40)}${cell(tcp)}`)
  let https: { id: string } | undefined
  const httpsCreate = await measure(fake, async () => (https = await create('https')))
  console.log(`${'hosts:create, HTTPS'.padEnd(40)}${cell(httpsCreate)}`)
  const list = await measure(fake, () => call('hosts:list', {}))
  console.log(`${'hosts:list (from memory)'.padEnd(40)}${cell(list)}`)
  const refresh = await measure(fake, () => core.hosts.refresh())
  console.log(`${'one refresh (list by tag + due steps)'.padEnd(40)}${cell(refresh)}`)
  const remove = await measure(fake, () => call('hosts:delete', { by: 'id', hostId: https!.id }))
  console.log(`${'hosts:delete'.padEnd(40)}${cell(remove)}`)
  await core.stop()
}

/** Each adapter call on its own: the create steps until done, then the teardown steps. */
async function steps(fake: FakeAzure): Promise<void> {
  const p = createAzureProvisioner()
  const ctx = { accountId: 'bench-steps', credentials: fake.credentials, endpoint: fake.url }
  fake.setLatency(0)
  await p.verify(ctx, AbortSignal.timeout(10_000)) // the token, as an added account has it
  fake.setLatency(RTT_MS)
  console.log(`\nAzure: each adapter call at +${RTT_MS} ms per answer (fake time moved 1.5 s between calls)\n`)
  for (const mode of ['tcp', 'https'] as const) {
    const hostId = randomUUID()
    const spec = {
      hostId,
      name: `exit-steps-${mode}`,
      region: 'eastus',
      plan: 'Standard_B1ls',
      userData: '#!/bin/bash\necho bench\n',
      tunnel: { mode, inletsVersion: '0.11.14', domains: mode === 'https' ? ['ops.example.com'] : [], letsEncryptIssuer: 'prod' as const },
      tags: { app: 'exitdesk', host: `exitdesk-host-${hostId}` },
    }
    let step: StepResult = { done: false, locator: { region: 'eastus', attached: [] } }
    for (let call = 1; !step.done && call < 10; call++) {
      const from = step
      const result = await measure(fake, async () => (step = await p.provision(ctx, { ...spec, fresh: true }, from.locator, from.progress, AbortSignal.timeout(10_000))))
      console.log(`${`provision ${mode} #${call} → ${step.progress ?? ''}`.padEnd(40)}${cell(result)}`)
      fake.advance(1_500)
    }
    fake.advance(5_000)
    const status = await measure(fake, () => p.status(ctx, step.locator, AbortSignal.timeout(10_000)))
    console.log(`${`status ${mode}`.padEnd(40)}${cell(status)}`)
    // Each step is a first try here, as for a host this Exitdesk just created: no look-ups.
    let teardown: StepResult = { done: false, locator: step.locator }
    for (let call = 1; !teardown.done && call < 10; call++) {
      const from = teardown
      const result = await measure(fake, async () => (teardown = await p.delete(ctx, from.locator, from.progress, AbortSignal.timeout(10_000))))
      console.log(`${`delete ${mode} #${call} → ${teardown.done ? 'done' : (teardown.progress ?? '')}`.padEnd(40)}${cell(result)}`)
      fake.advance(1_500)
    }
  }
  const list = await measure(fake, () => p.listByTag(ctx, 'account', 'exitdesk', AbortSignal.timeout(10_000)))
  console.log(`${'listByTag (VMs and IPs in parallel)'.padEnd(40)}${cell(list)}`)
}

async function main(): Promise<void> {
  const certificate = makeCertificate()
  trustInThisProcess(certificate.cert)
  const fake = await startFakeAzure({ certificate, provisionAfterMs: 0, vmAfterMs: 0, deleteAfterMs: 1_000 })
  try {
    await operations(fake)
    await steps(fake)
  } finally {
    await fake.close()
    certificate.remove()
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
