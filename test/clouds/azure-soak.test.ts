/**
 * Azure in the fault soak (test/soak/driver.ts `runSoak`, unchanged): a real HostService on a
 * fake clock, four lanes of create -> delete cycles, TCP and HTTPS mixed, against the fake ARM
 * whose seeded `chaos` faults break a share of the requests the way the DigitalOcean soak's
 * fault proxy does (429 with Retry-After, 500, an HTML 503, resets before and after ARM acted,
 * cut-off bodies, answers held past the adapter's deadline, and requests carried out late), then
 * a fault-free recovery, and the same count: no duplicate VM, nothing left in the subscription
 * (VM, NIC, public IP, NSG, VNet, disk, resource group), no row left, no unhandled rejection,
 * every failed user action a plain sentence.
 *
 * The DigitalOcean soak reaches its fake through test/support/fault-proxy.ts, a plain-http
 * proxy; the Azure SDK sends its bearer token over TLS only, so the faults live in the fake.
 *   AZURE_SOAK_RUNS="0.1x30,0.3x15"   rate x cycles (default; about a minute on 2 cores), AZURE_SOAK_SEED=...
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, it } from 'vitest'
import { AccountService } from '../../src/main/accounts/account-service'
import { createAzureProvisioner } from '../../src/main/clouds/azure'
import { CatalogService } from '../../src/main/clouds/catalog'
import { createRegistry } from '../../src/main/clouds/registry'
import { createEventBus } from '../../src/main/events'
import { HostService } from '../../src/main/hosts/host-service'
import { HOST_TAG_PREFIX } from '../../src/main/hosts/tags'
import { createMemorySecretStore } from '../../src/main/secrets/memory-store'
import { openLedger } from '../../src/main/store/ledger'
import { startFakeAzure } from '../fakes/azure'
import { FakeClock } from '../support/harness'
import { seedFrom } from '../support/prng'
import { reportLine, runSoak, type SoakCloud, type SoakTarget } from '../soak/driver'
import { haveOpenssl, removeCertificate, sharedCertificate } from './azure-support'

const runs = (process.env.AZURE_SOAK_RUNS ?? '0.1x30,0.3x15').split(',').map((run, index) => {
  const [rate, cycles] = run.split('x').map(Number)
  return { rate: rate!, cycles: cycles!, index }
})
const BASE_SEED = seedFrom(process.env.AZURE_SOAK_SEED, 20_261_207)
/** The adapter's per-request deadline (real ms), and how long a delayed or late request is held. */
const TIMEOUT_MS = 400
const HOLD_MS = 600

afterAll(() => removeCertificate())

async function azureTarget(seed: number): Promise<SoakTarget> {
  const clock = new FakeClock()
  const fake = await startFakeAzure({ certificate: sharedCertificate(), clock, provisionAfterMs: 4_000, vmAfterMs: 6_000, deleteAfterMs: 3_000, chaos: { seed, holdMs: HOLD_MS } })
  const dataDir = await mkdtemp(join(tmpdir(), 'exitdesk-azure-soak-'))
  const ledger = await openLedger(dataDir)
  const secrets = createMemorySecretStore()
  const registry = createRegistry({ clock, extra: [createAzureProvisioner({ timeoutMs: TIMEOUT_MS })] })
  const accounts = new AccountService({ ledger, secrets, registry, clock, onChange: () => undefined })
  const catalogs = new CatalogService({ accounts, clock })
  const probe = async () => ({ status: 'unknown' as const, control: 'unchecked' as const, summary: 'not checked in the soak' })
  const hosts = new HostService({ ledger, accounts, catalogs, secrets, clock, events: createEventBus(), timers: { setTimeout: () => 0, clearTimeout: () => undefined }, readiness: { probe } })
  const account = await accounts.add({ cloud: 'azure', label: 'Soak', endpoint: fake.url, credentials: fake.credentials })
  const catalog = await catalogs.get(account.id)
  if (catalog.source !== 'live') throw new Error(catalog.note ?? 'no live catalogue')
  const hostOf = (tags: Record<string, string>): string | undefined => Object.keys(tags).find((key) => key.startsWith(HOST_TAG_PREFIX))
  return {
    cloud: 'azure' as SoakCloud,
    hosts,
    ledger,
    clock,
    accountId: account.id,
    region: 'eastus',
    plan: 'Standard_B1ls',
    async advance(ms) {
      clock.advance(ms) // the fake's time too
      fake.releaseDue()
    },
    setRate: (rate) => fake.setFaultRate(rate),
    providerRateLimited: () => 0,
    pendingLate: () => fake.pendingLate(),
    lateLanded: () => fake.lateLanded(),
    requests: () => fake.requests.length,
    faults: () => fake.faultCounts(),
    createsByTag: () => new Map(fake.vmCreatesByTag),
    // One NSG per host, by its fixed name in the host's own group: never made twice.
    firewallsByHost: () => new Map(),
    async liveInstanceTags() {
      fake.inventory()
      return [...fake.resources.values()].filter((resource) => resource.type === 'microsoft.compute/virtualmachines').flatMap((vm) => hostOf(vm.tags) ?? [])
    },
    async leftovers() {
      const inventory = fake.inventory()
      return {
        instances: inventory.vms,
        // NSGs stand in for firewalls; every other resource and every resource group count as "tags" (things left).
        firewalls: inventory.nsgs,
        tags: inventory.groups + inventory.nics + inventory.publicIps + inventory.vnets + inventory.disks,
        detail: [...[...fake.groups.values()].map((group) => `resource group ${group.name}${group.deletingSinceMs !== undefined ? ' (deleting)' : ''}`), ...[...fake.resources.values()].map((resource) => `${resource.type} ${resource.group}/${resource.name}`)],
      }
    },
    async leftoverHosts() {
      fake.inventory()
      return [...new Set([...fake.groups.keys()].map((group) => group.slice(HOST_TAG_PREFIX.length)))]
    },
    history: (hostId) => fake.requests.filter((request) => request.path.includes(hostId)).map((request) => `${request.method} ${request.path.split('/').slice(-2).join('/')} ${request.fault ?? request.status ?? ''}`),
    async close() {
      await fake.close()
      await rm(dataDir, { recursive: true, force: true })
    },
  }
}

describe.skipIf(!haveOpenssl)('Azure soak', () => {
  for (const run of runs) {
    const seed = (BASE_SEED + run.index) >>> 0
    it(`azure: ${run.cycles} create -> delete cycles at ${Math.round(run.rate * 100)} % faults, 4 lanes (seed ${seed})`, { timeout: 120_000 + run.cycles * 3_000 }, async ({ expect }) => {
      const target = await azureTarget(seed)
      try {
        const report = await runSoak(target, { seed, rate: run.rate, cycles: run.cycles, lanes: 4 })
        console.log([reportLine(report), ...report.leftoverHistories.slice(0, 6).map((line) => `  [soak azure ${Math.round(run.rate * 100)}%] left behind or stuck: ${line}`)].join('\n'))
        expect.soft(report.unhandledRejections, 'unhandled rejections').toEqual([])
        expect.soft(report.duplicatesMade, 'VMs made twice for one host').toBe(0)
        expect.soft(report.leftovers, 'resources left in the subscription').toMatchObject({ instances: 0, firewalls: 0, tags: 0 })
        expect.soft(report.stuckRows, 'rows left in the ledger').toEqual([])
        expect.soft(report.lanesStuck, 'deleted hosts not gone within an hour of fake time').toBe(0)
        expect.soft(report.cyclesCompleted + report.lanesStuck, 'create -> delete cycles run').toBe(run.cycles)
        expect.soft(report.failedActions.filter((failure) => failure.problem), 'failed user actions without a plain sentence').toEqual([])
        expect.soft(report.latePending, 'late requests that never landed').toBe(0)
        expect.soft(report.faults, 'faults injected').not.toEqual({})
      } finally {
        await target.close()
      }
    })
  }
})
