/**
 * The Civo adapter: an instance for the exit node, with a Civo firewall of its own.
 *
 * Every method makes one or two quick round trips and returns; nothing waits for an instance to
 * boot or to disappear. Multi-step work is driven by the host service calling again with the
 * recorded `locator` and `progress`.
 *
 * Create:   [find by name | GET /v2/networks + POST /v2/firewalls]       -> 'firewall-created'
 *           GET /v2/firewalls/{id}/rules, then at once: DELETE every
 *           ingress rule that is not ours, POST the ones missing          -> 'firewall-ready'
 *           [find by host tag | POST /v2/instances]                       -> done
 *           A `fresh` step skips the look-ups.
 * Teardown: DELETE /v2/instances/{id}                                     -> 'instance-delete-requested'
 *           GET /v2/instances/{id} until 404                              -> 'instance-gone'
 *           GET /v2/firewalls and the instances carrying the host tag: a
 *           duplicate must go first, and a firewall Civo still counts an
 *           instance on is left; then DELETE /v2/firewalls/{id}           -> done
 *
 * Firewall (https://www.civo.com/api/firewall): a firewall belongs to a network — the region's
 * default network here, the one the instance joins — and is made with `create_rules: false`,
 * because Civo's default rules are what make the default firewall "open to all"
 * (https://www.civo.com/api/instances, `firewall_id`). The rules step then deletes any ingress
 * rule that is not Exitdesk's (should Civo add its defaults anyway) and adds ours: HTTPS opens
 * TCP 8123 (inlets control), 80 (ACME HTTP-01) and 443; TCP opens every TCP port, because the
 * client decides which ports it advertises. Outbound: TCP and UDP to anywhere, which the
 * start-up script needs (DNS, GitHub for the binary, Let's Encrypt).
 *
 * Public IPv4: `public_ip: "create"` allocates the instance's address with it and it is
 * released with the instance; Exitdesk makes no reserved IP (/v2/ips), so there is none to
 * release. Start-up: `script` is "uploaded to /usr/local/bin/civo-user-init-script on your
 * instance, read/write/executable only by root and then will be executed at the end of the
 * cloud initialization" — it is run as a program, not handed to cloud-init as user-data, so it
 * must start with `#!`; Exitdesk's script does (`#!/bin/bash`, src/main/tunnel/userdata.ts), and
 * a `#cloud-config` document would not run.
 *
 * Tags (`tags`, space-separated) mark the app and the host, and GET /v2/instances?tags= finds
 * them; firewalls carry no tags, so each host's firewall is named after its host tag (firewall
 * names are unique per account: "a unique name for this firewall within your account").
 * Civo has no idempotency key: a retried create looks the host up by its tag or the firewall by
 * its name first, and `lookupOnly` creates nothing.
 */
import { CIVO_CONSOLE } from './console'
import type { Catalog, HostLocator, Plan, Region } from '../../../shared/domain'
import { AppError, invalidInput } from '../../../shared/errors'
import type { AccountIdentity, CloudContext, Observation, ProvisionSpec, Provisioner, StepResult } from '../types'
import { CivoClient, CivoError, type CivoDiskImage, type CivoFirewallRule, type CivoInstance, type CivoQuota, type CivoRegion, type CivoRuleCreate, type CivoSize } from './client'
import { CIVO_MANIFEST } from './manifest'
import { instanceState } from './state'

export { CIVO_MANIFEST } from './manifest'
export { instanceState, INSTANCE_STATES } from './state'

export interface CivoProvisionerOptions {
  timeoutMs?: number
  maxPages?: number
  pageConcurrency?: number
  /** Clock for the network/image cache (tests). */
  now?: () => number
}

export const HTTPS_PORTS = ['8123', '80', '443'] as const
const EVERYWHERE = ['0.0.0.0/0']
/** How long a region's default network and Ubuntu image are kept per endpoint. */
export const LOOKUP_CACHE_MS = 60 * 60_000

export const PROGRESS = {
  firewallCreated: 'firewall-created',
  firewallReady: 'firewall-ready',
  instanceCreated: 'instance-created',
  instanceDeleteRequested: 'instance-delete-requested',
  instanceGone: 'instance-gone',
  attachedRemoved: 'attached-removed',
} as const

interface RegionLookups {
  at: number
  network?: string
  image?: string
}

export function createCivoProvisioner(options: CivoProvisionerOptions = {}): Provisioner {
  const now = options.now ?? Date.now
  const lookups = new Map<string, RegionLookups>()
  const lookupFor = (endpoint: string, region: string): RegionLookups => {
    const key = `${endpoint} ${region}`
    let entry = lookups.get(key)
    if (!entry || now() - entry.at > LOOKUP_CACHE_MS) {
      entry = { at: now() }
      lookups.set(key, entry)
    }
    return entry
  }
  const clientFor = (ctx: CloudContext): CivoClient =>
    new CivoClient({
      endpoint: ctx.endpoint,
      token: ctx.credentials.token ?? '',
      timeoutMs: options.timeoutMs,
      maxPages: options.maxPages,
      pageConcurrency: options.pageConcurrency,
      budget: ctx.budget?.gate(ctx.priority ?? 'background'),
    })

  async function networkFor(client: CivoClient, endpoint: string, region: string, signal: AbortSignal): Promise<string> {
    const entry = lookupFor(endpoint, region)
    if (entry.network) return entry.network
    const networks = await client.listNetworks(region, signal)
    // "Instances in a single region for a given account will all share an internal network":
    // the one marked `default` (civogo `network.go` GetDefaultNetwork).
    const network = networks.find((candidate) => candidate.default === true)
    if (!network) throw new AppError({ code: 'unprocessable', message: `Civo shows no default network in ${region}. Create one in the Civo dashboard, or choose another region.`, retryable: false })
    entry.network = network.id
    return network.id
  }

  async function imageFor(client: CivoClient, endpoint: string, region: string, signal: AbortSignal): Promise<string> {
    const entry = lookupFor(endpoint, region)
    if (entry.image) return entry.image
    const image = ubuntuImage(await client.listDiskImages(region, signal))
    if (!image) throw new AppError({ code: 'unprocessable', message: `Civo offers no Ubuntu 24.04 or 22.04 disk image in ${region}. Choose another region.`, retryable: false })
    entry.image = image.id
    return image.id
  }

  return {
    manifest: CIVO_MANIFEST,
    console: CIVO_CONSOLE,

    async verify(ctx, signal): Promise<AccountIdentity> {
      // One read: GET /v2/quota proves the key and names the account.
      return accountIdentity(await clientFor(ctx).getQuota(signal))
    },

    async catalog(ctx, signal): Promise<Catalog> {
      const client = clientFor(ctx)
      const [regions, sizes] = await Promise.all([client.listRegions(signal), client.listSizes(signal)])
      const plans = buildPlans(sizes)
      const offered = buildRegions(regions)
      if (plans.length === 0) throw new AppError({ code: 'provider-unavailable', message: 'Civo listed no instance size Exitdesk can price.', retryable: true })
      return { regions: offered, plans, source: 'live' }
    },

    async provision(ctx, spec, locator, progress, signal): Promise<StepResult> {
      const client = clientFor(ctx)
      const next = copyLocator(locator)
      if (next.instanceId) return { done: true, locator: next, progress: PROGRESS.instanceCreated }
      const region = next.region || spec.region
      // Checked before anything is made: Civo runs the script as a program.
      if (!spec.userData.startsWith('#!')) throw invalidInput('userData', 'Civo runs the start-up script as a program, so it must start with "#!".')
      const tags = tagsFor(spec)
      // Tags need no removal (they go with the instance); the host tag is recorded so that
      // teardown can find what carries it, recorded or not.
      recordHostTag(next, spec.tags.host)

      let firewall = next.attached.find((resource) => resource.kind === 'firewall')
      if (!firewall) {
        const name = firewallName(spec.tags.host)
        // A create that succeeded before a crash or a lost answer is found by its unique name.
        const existing = spec.fresh ? undefined : (await client.listFirewalls(region, signal)).find((candidate) => candidate.name === name)
        if (!existing && spec.lookupOnly) return { done: false, locator: next, unresolved: true, waitingFor: 'Civo to show whether it made the firewall' }
        const made =
          existing ??
          (await adoptOnClash(
            async () => client.createFirewall({ name, network_id: await networkFor(client, ctx.endpoint, region, signal), region }, signal),
            async () => (await client.listFirewalls(region, signal)).find((candidate) => candidate.name === name),
          ))
        firewall = { kind: 'firewall', id: made.id }
        next.attached.push(firewall)
        return { done: false, locator: next, progress: PROGRESS.firewallCreated, waitingFor: 'its firewall rules' }
      }

      if (progress !== PROGRESS.firewallReady) {
        const rules = await client.listFirewallRules(firewall.id, region, signal)
        const { missing, extra } = ruleChanges(rules, firewallRules(spec.tunnel.mode))
        if (missing.length > 0 && spec.lookupOnly) return { done: false, locator: next, unresolved: true, waitingFor: 'Civo to show whether it added the firewall rules' }
        const firewallId = firewall.id
        await Promise.all([
          ...extra.map((rule) => client.deleteFirewallRule(firewallId, rule.id, region, signal)),
          ...missing.map((rule) => client.createFirewallRule(firewallId, region, rule, signal)),
        ])
        return { done: false, locator: next, progress: PROGRESS.firewallReady, waitingFor: 'the instance to be created' }
      }

      // The host tag is unique to this host: an instance carrying it is one an earlier,
      // interrupted call created, adopted instead of paying for two (the oldest, if several).
      const found = spec.fresh ? undefined : oldest(await client.listInstances(region, spec.tags.host, signal))
      if (!found && spec.lookupOnly) return { done: false, locator: next, unresolved: true, waitingFor: 'Civo to show whether it made the instance' }
      const firewallId = firewall.id
      const instance =
        found ??
        (await adoptOnClash<CivoInstance>(
          async () => {
            const [network, image] = await Promise.all([networkFor(client, ctx.endpoint, region, signal), imageFor(client, ctx.endpoint, region, signal)])
            return client.createInstance(
              { hostname: spec.name, size: spec.plan, region, network_id: network, template_id: image, count: 1, public_ip: 'create', firewall_id: firewallId, script: spec.userData, tags },
              signal,
            )
          },
          async () => oldest(await client.listInstances(region, spec.tags.host, signal)),
        ))
      next.instanceId = instance.id
      return { done: true, locator: next, progress: PROGRESS.instanceCreated }
    },

    async status(ctx, locator, signal): Promise<Observation | null> {
      if (!locator.instanceId) return null
      const instance = await clientFor(ctx).getInstance(locator.instanceId, locator.region, signal)
      return instance ? observe(instance, locator.region) : null
    },

    async delete(ctx, locator, progress, signal): Promise<StepResult> {
      const client = clientFor(ctx)
      const next = copyLocator(locator)
      const region = next.region
      if (next.instanceId && progress !== PROGRESS.instanceGone) {
        const stillThere =
          progress === PROGRESS.instanceDeleteRequested ? (await client.getInstance(next.instanceId, region, signal)) !== null : await client.deleteInstance(next.instanceId, region, signal)
        if (stillThere) return { done: false, locator: next, progress: PROGRESS.instanceDeleteRequested, waitingFor: 'the instance to disappear', instancePresent: true }
        return { done: false, locator: next, progress: PROGRESS.instanceGone, waitingFor: 'its firewall to be removed' }
      }
      const hostTag = hostTagOf(next)
      // Everything made for the host is looked up, recorded or not (a create whose answer was
      // lost made a firewall nobody recorded), and nothing goes while another instance still
      // carries the host's tag (a duplicate): the firewall protects it. Both at once.
      const [firewalls, carrying] = await Promise.all([client.listFirewalls(region, signal), hostTag ? client.listInstances(region, hostTag, signal) : Promise.resolve([])])
      if (hostTag) {
        const mine = firewalls.find((candidate) => candidate.name === firewallName(hostTag))
        if (mine && !next.attached.some((resource) => resource.kind === 'firewall' && resource.id === mine.id)) next.attached.push({ kind: 'firewall', id: mine.id })
      }
      const carriers = carrying.map((instance) => instance.id).filter((id) => id !== next.instanceId)
      if (carriers.length > 0) {
        return { done: false, locator: next, progress: PROGRESS.instanceGone, waitingFor: `instance ${carriers.join(', ')}, which carries this host's tag, to be deleted first` }
      }
      const firewall = next.attached.find((resource) => resource.kind === 'firewall')
      if (!firewall) return { done: true, locator: next, progress: PROGRESS.attachedRemoved }
      const listed = firewalls.find((candidate) => candidate.id === firewall.id)
      // Civo counts the instances a firewall is applied to; one still counted is not removed.
      if (listed && (listed.instance_count ?? 0) > 0) {
        return { done: false, locator: next, progress: PROGRESS.instanceGone, waitingFor: 'Civo to release the firewall from the deleted instance' }
      }
      const outcome = listed ? await client.deleteFirewall(firewall.id, region, signal) : 'gone'
      if (outcome === 'in-use') return { done: false, locator: next, progress: PROGRESS.instanceGone, waitingFor: 'Civo to release the firewall from the deleted instance' }
      next.attached = next.attached.filter((kept) => !(kept.kind === 'firewall' && kept.id === firewall.id))
      if (next.attached.some((resource) => resource.kind === 'firewall')) return { done: false, locator: next, progress: PROGRESS.instanceGone, waitingFor: 'its other firewall to be removed' }
      return { done: true, locator: next, progress: PROGRESS.attachedRemoved }
    },

    listScopes(locators: HostLocator[]): string[] {
      // Civo is regional: one GET /v2/instances?region= per region in use; with no host yet, the
      // default region (where hosts from another computer most likely are).
      const regions = [...new Set(locators.map((locator) => locator.region).filter(Boolean))].sort()
      return regions.length > 0 ? regions : [CIVO_MANIFEST.defaultRegion]
    },

    async listByTag(ctx, scope, tag, signal): Promise<Observation[]> {
      return clientFor(ctx).listInstances(scope, tag, signal, (instance) => observe(instance, scope))
    },
  }
}

/** The account, named by its quota record's immutable id; the e-mail is only shown. */
export function accountIdentity(quota: CivoQuota): AccountIdentity {
  const email = quota.default_user_email_address
  return { identity: `civo-quota:${quota.id}`, accountName: email ? `Civo account (${email})` : `Civo account ${quota.id.slice(0, 8)}` }
}

/** Runs `create`; when Civo says the name is taken (an earlier try made it), answers what `find` finds instead. */
async function adoptOnClash<T>(create: () => Promise<T>, find: () => Promise<T | undefined>): Promise<T> {
  try {
    return await create()
  } catch (error) {
    if (!(error instanceof CivoError) || !(error.civoCode?.includes('duplicate') ?? false)) throw error
    const existing = await find()
    if (!existing) throw error
    return existing
  }
}

function oldest(instances: CivoInstance[]): CivoInstance | undefined {
  const time = (instance: CivoInstance): number => (instance.created_at ? Date.parse(instance.created_at) : Number.NaN)
  return instances.reduce<CivoInstance | undefined>((best, instance) => {
    if (!best) return instance
    const a = time(instance)
    const b = time(best)
    if (Number.isFinite(a) && Number.isFinite(b) && a !== b) return a < b ? instance : best
    return instance.id < best.id ? instance : best
  }, undefined)
}

export function observe(instance: CivoInstance, region: string): Observation {
  return {
    instanceId: instance.id,
    name: instance.hostname,
    region: instance.region ?? region,
    plan: instance.size,
    state: instanceState(instance.status),
    rawStatus: instance.status,
    ipv4: instance.public_ip || undefined,
    ipv6: instance.ipv6 || undefined,
    createdAt: instance.created_at,
    tags: instance.tags ?? [],
  }
}

/** Civo tags are one space-separated string, so a tag may hold no whitespace. */
function tagsFor(spec: ProvisionSpec): string {
  for (const tag of [spec.tags.app, spec.tags.host]) {
    if (!/^[A-Za-z0-9._:-]{1,128}$/.test(tag)) throw invalidInput('tags', `"${tag.slice(0, 64)}" cannot be a Civo tag (letters, digits, ".", "_", ":" and "-").`)
  }
  return `${spec.tags.app} ${spec.tags.host}`
}

/** The host's firewall is named after its host tag: unique per host, and found again from it. */
export function firewallName(hostTag: string): string {
  return hostTag.slice(0, 128)
}

/** Ingress for the tunnel, egress for the start-up script; nothing else. */
export function firewallRules(mode: 'tcp' | 'https'): CivoRuleCreate[] {
  const ingress = (mode === 'https' ? [...HTTPS_PORTS] : ['1-65535']).map((ports): CivoRuleCreate => {
    const [start, end] = ports.split('-')
    return { protocol: 'tcp', start_port: start!, end_port: end ?? start!, cidr: [...EVERYWHERE], direction: 'ingress', action: 'allow', label: mode === 'https' ? `inlets https ${start}` : 'inlets tcp: every TCP port' }
  })
  const egress = (['tcp', 'udp'] as const).map((protocol): CivoRuleCreate => ({ protocol, start_port: '1', end_port: '65535', cidr: [...EVERYWHERE], direction: 'egress', action: 'allow', label: `outbound ${protocol}` }))
  return [...ingress, ...egress]
}

function ruleKey(rule: CivoRuleCreate | CivoFirewallRule): string {
  const end = rule.end_port && rule.end_port.length > 0 ? rule.end_port : rule.start_port
  return [rule.direction, rule.protocol.toLowerCase(), rule.start_port, end, [...rule.cidr].sort().join(','), (rule.action ?? 'allow').toLowerCase()].join('|')
}

/** What the rules step changes: ours that are missing, and every other ingress rule (too open, or not ours). */
export function ruleChanges(existing: CivoFirewallRule[], wanted: CivoRuleCreate[]): { missing: CivoRuleCreate[]; extra: CivoFirewallRule[] } {
  const have = new Set(existing.map(ruleKey))
  const keep = new Set(wanted.map(ruleKey))
  return {
    missing: wanted.filter((rule) => !have.has(ruleKey(rule))),
    extra: existing.filter((rule) => rule.direction === 'ingress' && !keep.has(ruleKey(rule))),
  }
}

/**
 * Ubuntu 24.04 from the region's disk images: distribution "ubuntu" and version 24.04 (name
 * "ubuntu-noble"); 22.04 ("ubuntu-jammy") only when 24.04 is missing.
 */
export function ubuntuImage(images: CivoDiskImage[]): CivoDiskImage | undefined {
  const usable = images.filter((image) => image.state === undefined || /^(available|active|ready)$/i.test(image.state))
  const release = (version: string, codename: string): CivoDiskImage | undefined =>
    usable.find((image) => (image.distribution?.toLowerCase() === 'ubuntu' && (image.version ?? '').startsWith(version)) || image.name.toLowerCase() === `ubuntu-${codename}`)
  return release('24.04', 'noble') ?? release('22.04', 'jammy')
}

/**
 * One plan per selectable instance size, priced from its `price_monthly` (USD, the public IPv4
 * included); a size without a price takes the built-in one, and one without either is left out.
 * Kubernetes and database sizes are not offered.
 */
export function buildPlans(sizes: CivoSize[]): Plan[] {
  const builtIn = new Map(CIVO_MANIFEST.plans.map((plan) => [plan.id, plan.monthlyCostUsd]))
  const plans: Plan[] = []
  for (const size of sizes) {
    if (size.selectable === false) continue
    if (size.type !== undefined && !/^instance$/i.test(size.type)) continue
    if (/\.(kube|db)\./.test(size.name)) continue
    const live = typeof size.price_monthly === 'number' && Number.isFinite(size.price_monthly) && size.price_monthly > 0 ? size.price_monthly : undefined
    const price = live ?? builtIn.get(size.name)
    if (price === undefined) continue
    const memory = size.ram_mb >= 1024 ? `${Math.round((size.ram_mb / 1024) * 10) / 10} GB` : `${size.ram_mb} MB`
    plans.push({
      id: size.name,
      label: `${size.cpu_cores} vCPU, ${memory} RAM, ${size.disk_gb} GB disk${size.nice_name ? ` (${size.nice_name})` : ''}`,
      monthlyCostUsd: Math.round(price * 100) / 100,
      costNote: live !== undefined ? 'public IPv4 included' : 'public IPv4 included; built-in price (Civo listed none)',
    })
  }
  return plans.sort((a, b) => a.monthlyCostUsd - b.monthlyCostUsd || a.id.localeCompare(b.id))
}

/** Regions that sell instances and have room (`features.iaas`, `out_of_capacity`). */
export function buildRegions(regions: CivoRegion[]): Region[] {
  return regions
    .filter((region) => region.features?.iaas !== false && region.out_of_capacity !== true)
    .map((region) => ({ id: region.code, label: region.country_name ? `${region.name}, ${region.country_name}` : region.name }))
    .sort((a, b) => a.label.localeCompare(b.label))
}

function recordHostTag(locator: HostLocator, tag: string): void {
  if (!locator.attached.some((resource) => resource.kind === 'tag' && resource.id === tag)) locator.attached.push({ kind: 'tag', id: tag })
}

function hostTagOf(locator: HostLocator): string | undefined {
  return locator.attached.find((resource) => resource.kind === 'tag')?.id
}

function copyLocator(locator: HostLocator): HostLocator {
  return { ...locator, attached: locator.attached.map((resource) => ({ ...resource })) }
}
