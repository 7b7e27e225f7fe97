/**
 * Shared set-up for the Azure adapter tests: a certificate made with openssl, trusted by this
 * process, the fake ARM + Entra ID on 127.0.0.1, and a guard that fails the test if any
 * name other than 127.0.0.1 is looked up (identity must never reach login.microsoftonline.com).
 */
import dns from 'node:dns'
import { isIP } from 'node:net'
import type { HostLocator, TunnelMode } from '../../src/shared/domain'
import { AppError, type AppErrorInfo } from '../../src/shared/errors'
import type { CloudContext, ProvisionSpec, Provisioner, StepResult } from '../../src/main/clouds/types'
import { startFakeAzure, type FakeAzure, type FakeAzureOptions } from '../fakes/azure'
import { makeCertificate, opensslAvailable, trustInThisProcess, type FakeCertificate } from '../fakes/azure-tls'

export const haveOpenssl = opensslAvailable()

let certificate: FakeCertificate | undefined
/** Names looked up by anything in this process since `guardLookups()`. */
export const lookedUp: string[] = []

export function sharedCertificate(): FakeCertificate {
  if (!certificate) {
    certificate = makeCertificate()
    trustInThisProcess(certificate.cert)
  }
  return certificate
}

export function removeCertificate(): void {
  certificate?.remove()
  certificate = undefined
}

/** Records (and refuses) every DNS lookup: the fake is reached by IP, so none should happen. */
export function guardLookups(): () => void {
  const original = dns.lookup
  const patched = ((hostname: string, ...rest: unknown[]) => {
    // Node looks IP literals up too (listen, connect): those never leave the machine.
    if (isIP(hostname) !== 0) return (original as (...args: unknown[]) => unknown)(hostname, ...rest)
    lookedUp.push(hostname)
    const callback = rest[rest.length - 1] as (error: Error) => void
    const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname} (refused by the test: only 127.0.0.1 may be contacted)`), { code: 'ENOTFOUND' })
    process.nextTick(() => callback(error))
  }) as unknown as typeof dns.lookup
  dns.lookup = patched
  return () => {
    dns.lookup = original
  }
}

export async function startFake(options: Partial<FakeAzureOptions> = {}): Promise<FakeAzure> {
  return startFakeAzure({ certificate: sharedCertificate(), provisionAfterMs: 1_000, vmAfterMs: 3_000, deleteAfterMs: 2_000, ...options })
}

export function contextFor(fake: FakeAzure, accountId = 'acct-azure-1'): CloudContext {
  return { accountId, credentials: fake.credentials, endpoint: fake.url }
}

export const signal = (): AbortSignal => AbortSignal.timeout(10_000)

export function spec(hostId: string, mode: TunnelMode = 'tcp', overrides: Partial<ProvisionSpec> = {}): ProvisionSpec {
  return {
    hostId,
    name: `exit-calm-otter-${hostId.slice(0, 8)}`,
    region: 'eastus',
    plan: 'Standard_B1ls',
    userData: '#!/bin/bash\necho "inlets exit server"\n',
    tunnel: { mode, inletsVersion: '0.11.14', domains: mode === 'https' ? ['tunnel.example.com'] : [], letsEncryptIssuer: 'staging' },
    tags: { app: 'exitdesk', host: `exitdesk-host-${hostId}` },
    ...overrides,
  }
}

export const startLocator = (region = 'eastus'): HostLocator => ({ region, attached: [] })

/**
 * Calls provision again and again as the host service does across refreshes, moving fake
 * time on between calls, until it is done (or `limit` calls).
 */
export async function createUntilDone(p: Provisioner, ctx: CloudContext, fake: FakeAzure, s: ProvisionSpec, limit = 12): Promise<{ step: StepResult; calls: number }> {
  let step: StepResult = { done: false, locator: startLocator(s.region) }
  let calls = 0
  while (!step.done && calls < limit) {
    step = await p.provision(ctx, { ...s, fresh: s.fresh && calls === 0 }, step.locator, step.progress, signal())
    calls += 1
    fake.advance(1_500)
  }
  return { step, calls }
}

/** Calls delete until done, moving fake time on between calls. */
export async function deleteUntilDone(p: Provisioner, ctx: CloudContext, fake: FakeAzure, from: { locator: HostLocator; progress?: string }, limit = 8): Promise<{ step: StepResult; calls: number }> {
  let step = await p.delete(ctx, from.locator, from.progress, signal())
  let calls = 1
  while (!step.done && calls < limit) {
    fake.advance(1_500)
    step = await p.delete(ctx, step.locator, step.progress, signal())
    calls += 1
  }
  return { step, calls }
}

export async function appError(promise: Promise<unknown>): Promise<AppErrorInfo> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`)
  return error.info
}
