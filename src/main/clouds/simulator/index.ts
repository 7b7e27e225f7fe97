/**
 * The built-in simulated cloud. It implements the same Provisioner interface as every real
 * cloud and follows the same multi-step rules (HTTPS hosts get a simulated firewall that is
 * removed after the instance is gone), so a new user sees the whole product with no account.
 * Instances boot for a few seconds, then get an address from 203.0.113.0/24 (TEST-NET-3,
 * RFC 5737: reserved for documentation, never routed); their tunnel "answers" a few seconds
 * after that (`simulateReadiness`), so nothing ever probes those addresses or looks up the
 * example domains. State is kept in a small JSON file so simulated hosts survive a restart
 * like real ones.
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import writeFileAtomic from 'write-file-atomic'
import type { Catalog, CertificateState, HostLocator, HostState } from '../../../shared/domain'
import { AppError } from '../../../shared/errors'
import type { Clock } from '../../clock'
import type { CloudContext, Observation, ProvisionSpec, Provisioner, ReadinessTunnel, SimulatedReadiness, StepResult } from '../types'
import { SIMULATOR_CONSOLE } from './console'
import { simulatorManifest } from './manifest'

interface SimInstance {
  id: string
  name: string
  region: string
  plan: string
  tags: string[]
  createdAtMs: number
  deleteRequestedAtMs?: number
  ipv4: string
}

interface SimState {
  nextNumber: number
  instances: SimInstance[]
  firewalls: Array<{ id: string; name: string; ports: number[] }>
}

export interface SimulatorOptions {
  clock: Clock
  /** Where the simulated cloud keeps its state; omit for memory only (tests). */
  stateDir?: string
  bootMs?: number
  teardownMs?: number
  /** How long after booting the simulated tunnel server takes to answer. */
  tunnelStartMs?: number
}

export const SIM_BOOT_MS = 4_000
export const SIM_TEARDOWN_MS = 2_000
/** A real VM runs cloud-init for a while before inlets listens; the simulation shows that gap too. */
export const SIM_TUNNEL_START_MS = 3_000

/** Raw statuses of the simulated cloud, mapped like any provider's. */
const SIM_STATES: Record<string, HostState> = { booting: 'provisioning', running: 'active', terminating: 'deleting' }

export interface SimulatorProvisioner extends Provisioner {
  /** What the simulated cloud still holds: after a teardown, nothing may be left. */
  holdings(): Promise<{ instances: number; firewalls: number }>
  simulateReadiness(locator: HostLocator, tunnel: ReadinessTunnel): Promise<SimulatedReadiness>
}

/** One simulated firewall per host, named after it (as DigitalOcean's adapter names its firewalls). */
const firewallName = (hostId: string): string => `exitdesk-${hostId}`
/** The per-host tag (hosts/tags.ts) of the host a simulated firewall was made for. */
const hostTagOf = (firewall: { name: string }): string => `exitdesk-host-${firewall.name.slice('exitdesk-'.length)}`

export function createSimulatorProvisioner(options: SimulatorOptions): SimulatorProvisioner {
  const bootMs = options.bootMs ?? SIM_BOOT_MS
  const teardownMs = options.teardownMs ?? SIM_TEARDOWN_MS
  const tunnelStartMs = options.tunnelStartMs ?? SIM_TUNNEL_START_MS
  const file = options.stateDir ? join(options.stateDir, 'simulated-cloud.json') : undefined
  let state: SimState | undefined

  async function load(): Promise<SimState> {
    if (state) return state
    state = { nextNumber: 1, instances: [], firewalls: [] }
    if (file) {
      try {
        state = JSON.parse(await fs.readFile(file, 'utf8')) as SimState
      } catch {
        // First run, or an unreadable file: the simulated cloud starts empty.
      }
    }
    return state
  }

  async function save(): Promise<void> {
    if (file && state) await writeFileAtomic(file, JSON.stringify(state, null, 2))
  }

  /** Expire instances whose simulated teardown finished. */
  function sweep(sim: SimState): void {
    const now = options.clock.now()
    sim.instances = sim.instances.filter((i) => i.deleteRequestedAtMs === undefined || now - i.deleteRequestedAtMs < teardownMs)
  }

  function observe(instance: SimInstance): Observation {
    const now = options.clock.now()
    const rawStatus = instance.deleteRequestedAtMs !== undefined ? 'terminating' : now - instance.createdAtMs < bootMs ? 'booting' : 'running'
    return {
      instanceId: instance.id,
      name: instance.name,
      region: instance.region,
      plan: instance.plan,
      rawStatus,
      state: SIM_STATES[rawStatus] ?? 'unknown',
      ipv4: rawStatus === 'booting' ? undefined : instance.ipv4,
      createdAt: new Date(instance.createdAtMs).toISOString(),
      tags: [...instance.tags],
    }
  }

  return {
    manifest: simulatorManifest,
    console: SIMULATOR_CONSOLE,

    async holdings() {
      const sim = await load()
      sweep(sim)
      return { instances: sim.instances.length, firewalls: sim.firewalls.length }
    },

    async verify() {
      return { identity: 'simulated', accountName: 'simulated' }
    },

    async catalog(): Promise<Catalog> {
      return { regions: simulatorManifest.regions, plans: simulatorManifest.plans, source: 'live' }
    },

    async provision(_ctx: CloudContext, spec: ProvisionSpec, locator: HostLocator, progress: string | undefined): Promise<StepResult> {
      const sim = await load()
      if (!simulatorManifest.regions.some((r) => r.id === spec.region)) {
        throw new AppError({ code: 'unprocessable', message: 'The simulated cloud could not accept these settings.', providerMessage: `unknown region ${spec.region}`, retryable: false })
      }
      if (locator.instanceId) return { done: true, locator }
      if (spec.tunnel.mode === 'https' && progress !== 'firewall-created') {
        // Like a real cloud's adapter: what an earlier, interrupted call made is found, not made twice.
        const name = firewallName(spec.hostId)
        const existing = sim.firewalls.find((f) => f.name === name)
        if (!existing && spec.lookupOnly) return { done: false, locator, unresolved: true, waitingFor: 'the simulated cloud to show whether it made the firewall' }
        const id = existing?.id ?? `sim-fw-${sim.nextNumber++}`
        if (!existing) sim.firewalls.push({ id, name, ports: [8123, 80, 443] })
        await save()
        const attached = locator.attached.some((a) => a.id === id) ? locator.attached : [...locator.attached, { kind: 'firewall' as const, id }]
        return { done: false, progress: 'firewall-created', locator: { ...locator, attached } }
      }
      const found = sim.instances.find((i) => i.deleteRequestedAtMs === undefined && i.tags.includes(spec.tags.host))
      if (found) return { done: true, locator: { ...locator, instanceId: found.id } }
      if (spec.lookupOnly) return { done: false, locator, unresolved: true, waitingFor: 'the simulated cloud to show whether it made the instance' }
      const number = sim.nextNumber++
      const instance: SimInstance = {
        id: `sim-${number}`,
        name: spec.name,
        region: spec.region,
        plan: spec.plan,
        tags: [spec.tags.app, spec.tags.host],
        createdAtMs: options.clock.now(),
        ipv4: `203.0.113.${(number % 254) + 1}`,
      }
      sim.instances.push(instance)
      await save()
      return { done: true, locator: { ...locator, instanceId: instance.id } }
    },

    async status(_ctx, locator) {
      const sim = await load()
      sweep(sim)
      const instance = sim.instances.find((i) => i.id === locator.instanceId)
      return instance ? observe(instance) : null
    },

    async delete(_ctx, locator, progress): Promise<StepResult> {
      const sim = await load()
      sweep(sim)
      const instance = sim.instances.find((i) => i.id === locator.instanceId)
      if (instance && progress !== 'instance-delete-requested' && progress !== 'instance-gone') {
        instance.deleteRequestedAtMs = options.clock.now()
        await save()
        return { done: false, progress: 'instance-delete-requested', locator, waitingFor: 'the simulated instance to stop', instancePresent: true }
      }
      if (instance) return { done: false, progress, locator, waitingFor: 'the simulated instance to stop', instancePresent: true }
      // The host's firewall: the one recorded, or one named after the host's tag (its create
      // answer was lost before the firewall could be recorded).
      const tagged = new Set(locator.attached.filter((a) => a.kind === 'tag').map((a) => a.id))
      const mine = sim.firewalls.filter((f) => locator.attached.some((a) => a.id === f.id) || tagged.has(hostTagOf(f)))
      const hostTags = new Set([...tagged, ...mine.map(hostTagOf)])
      // A duplicate instance (a create carried out late) carries the host's tag: the firewall
      // made for that host stays until the duplicate is gone too.
      const carriers = sim.instances.filter((i) => i.id !== locator.instanceId && i.tags.some((t) => hostTags.has(t)))
      if (carriers.length > 0) return { done: false, progress: 'instance-gone', locator, waitingFor: `simulated instance ${carriers.map((i) => i.id).join(', ')}, which carries this host's tag, to be deleted first` }
      sim.firewalls = sim.firewalls.filter((f) => !mine.includes(f))
      await save()
      return { done: true, locator: { ...locator, attached: [] } }
    },

    listScopes() {
      return ['account']
    },

    async listByTag(_ctx, _scope, tag) {
      const sim = await load()
      sweep(sim)
      return sim.instances.filter((i) => i.tags.includes(tag)).map(observe)
    },

    // Made up from the instance's age: its 203.0.113.x address and example domains are never contacted.
    async simulateReadiness(locator, tunnel) {
      const sim = await load()
      sweep(sim)
      const instance = sim.instances.find((i) => i.id === locator.instanceId)
      if (!instance || instance.deleteRequestedAtMs !== undefined) return { status: 'unknown', control: 'unchecked', summary: 'the simulated instance is not running', simulated: true }
      const up = options.clock.now() - instance.createdAtMs >= bootMs + tunnelStartMs
      const https = tunnel.mode === 'https'
      // A made-up certificate, like the rest: once the simulated 443 "answers", each domain
      // "has" a valid one, issued when the tunnel came up and good for Let's Encrypt's 90 days.
      const certificate = (): CertificateState => ({ status: 'valid', issuer: "Let's Encrypt (simulated)", validTo: new Date(instance.createdAtMs + bootMs + tunnelStartMs + 90 * 24 * 3_600_000).toISOString() })
      const domains = tunnel.domains.map((name) => ({ name, resolvesTo: [], pointsHere: false, error: 'was not looked up (simulated cloud)', ...(up ? { certificate: certificate() } : {}) }))
      const dnsNote = https && domains.length > 0 ? ` · DNS not checked for ${tunnel.domains.join(', ')}` : ''
      return {
        status: up ? 'ready' : 'not-ready',
        control: up ? 'answering' : 'not-answering',
        ...(https ? { ports: { http: up, https: up }, domains } : {}),
        summary: up ? `tunnel ready (simulated)${dnsNote}` : 'tunnel server not answering yet (simulated)',
        simulated: true,
      }
    },
  }
}

