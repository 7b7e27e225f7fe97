/** Builds a core-less host service over a temp ledger, a memory keychain and a fake clock. */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AccountService } from '../../src/main/accounts/account-service'
import { CatalogService } from '../../src/main/clouds/catalog'
import { createRegistry } from '../../src/main/clouds/registry'
import { createSimulatorProvisioner } from '../../src/main/clouds/simulator'
import type { Provisioner } from '../../src/main/clouds/types'
import { createEventBus } from '../../src/main/events'
import { HostService, type HostServiceDeps } from '../../src/main/hosts/host-service'
import { createMemorySecretStore } from '../../src/main/secrets/memory-store'
import type { SecretStore } from '../../src/main/secrets/secret-store'
import { openLedger } from '../../src/main/store/ledger'
import { AppError, type AppErrorInfo } from '../../src/shared/errors'

export class FakeClock {
  constructor(public t = Date.parse('2026-11-25T10:00:00Z')) {}
  now(): number {
    return this.t
  }
  advance(ms: number): void {
    this.t += ms
  }
}

type Method = 'provision' | 'status' | 'delete' | 'listByTag'

/** Wraps a provisioner to count calls and inject failures, so the service can be disagreed with. */
export function instrument(inner: Provisioner) {
  const calls: Record<Method, number> = { provision: 0, status: 0, delete: 0, listByTag: 0 }
  const failures: Array<{ method: Method; error: AppErrorInfo; afterSuccess?: boolean }> = []
  const hooks: Partial<Record<Method, () => void>> = {}
  const gates: Partial<Record<Method, Promise<void>>> = {}
  async function run<T>(method: Method, work: () => Promise<T>): Promise<T> {
    calls[method] += 1
    hooks[method]?.()
    const gate = gates[method]
    if (gate) {
      delete gates[method]
      await gate
    }
    const index = failures.findIndex((f) => f.method === method)
    const failure = index >= 0 ? failures.splice(index, 1)[0] : undefined
    if (failure && !failure.afterSuccess) throw new AppError(failure.error)
    const result = await work()
    if (failure) throw new AppError(failure.error) // the cloud did it, but the answer was lost
    return result
  }
  const provisioner: Provisioner = {
    manifest: inner.manifest,
    verify: (ctx, s) => inner.verify(ctx, s),
    catalog: (ctx, s) => inner.catalog(ctx, s),
    provision: (ctx, spec, loc, p, s) => run('provision', () => inner.provision(ctx, spec, loc, p, s)),
    status: (ctx, loc, s) => run('status', () => inner.status(ctx, loc, s)),
    delete: (ctx, loc, p, s) => run('delete', () => inner.delete(ctx, loc, p, s)),
    listScopes: (locators) => inner.listScopes(locators),
    listByTag: (ctx, scope, tag, s) => run('listByTag', () => inner.listByTag(ctx, scope, tag, s)),
    // Kept optional as on the inner provisioner: only a simulating cloud has it.
    ...(inner.simulateReadiness ? { simulateReadiness: inner.simulateReadiness.bind(inner) } : {}),
  }
  return {
    provisioner,
    calls,
    /** Makes the next call of `method` wait until `release()`: a step still running in the cloud. */
    hold(method: Method): { release: () => void } {
      let release = (): void => undefined
      gates[method] = new Promise<void>((resolve) => (release = resolve))
      return { release: () => release() }
    },
    /** Runs `hook` at every call of `method`, e.g. to let fake time pass while the cloud answers. */
    during(method: Method, hook: () => void) {
      hooks[method] = hook
    },
    failNext(method: Method, error: Partial<AppErrorInfo> = {}, options: { afterSuccess?: boolean } = {}) {
      failures.push({ method, error: { code: 'provider-unavailable', message: 'The cloud is having trouble.', retryable: true, ...error }, afterSuccess: options.afterSuccess })
    },
  }
}

export async function makeHostService(options: { dataDir?: string; clock?: FakeClock; secrets?: SecretStore; readiness?: HostServiceDeps['readiness']; timers?: HostServiceDeps['timers']; provisioners?: Provisioner[] } = {}) {
  const clock = options.clock ?? new FakeClock()
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'exitdesk-test-')))
  const simulator = createSimulatorProvisioner({ clock, stateDir: dataDir })
  const cloud = instrument(simulator)
  const ledger = await openLedger(dataDir)
  const secrets = options.secrets ?? createMemorySecretStore()
  const events = createEventBus()
  const registry = createRegistry({ clock, extra: [cloud.provisioner, ...(options.provisioners ?? [])] })
  const accounts = new AccountService({ ledger, secrets, registry, clock, onChange: () => undefined })
  const catalogs = new CatalogService({ accounts, clock })
  const noTimers = { setTimeout: () => 0, clearTimeout: () => undefined }
  const hosts = new HostService({ ledger, accounts, catalogs, secrets, clock, events, timers: options.timers ?? noTimers, readiness: options.readiness })
  let changes = 0
  events.on('hosts:changed', () => void (changes += 1))
  return { hosts, ledger, clock, cloud, simulator, dataDir, secrets, accounts, changes: () => changes }
}
