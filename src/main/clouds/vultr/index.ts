/**
 * The Vultr adapter: Cloud Compute instances for exit servers, behind a Vultr firewall group
 * of their own.
 *
 * Every method makes one or two rounds of quick API calls and returns; nothing here waits for an
 * instance to boot or to disappear. Multi-step work is driven by the host service calling again
 * with the recorded `locator` and `progress`.
 *
 * Create:   [find group by description | POST /v2/firewalls]  (+ GET /v2/os, cached)  -> 'firewall-created'
 *           [GET rules] + POST /v2/firewalls/{id}/rules, in parallel             -> 'rules-added'
 *           [find by host tag | POST /v2/instances with firewall_group_id]       -> done
 *           A `fresh` step (the first try for a host just created) skips the look-ups and adds
 *           the rules in the same call as the group: two calls, three round trips in all.
 * Teardown: DELETE /v2/instances/{id}                                            -> 'instance-delete-requested'
 *           GET /v2/instances/{id} until 404                                     -> 'instance-gone'
 *           GET /v2/firewalls (its own groups, recorded or not, and their instance_count)
 *           and GET /v2/instances?tag=<host tag> (a duplicate), side by side: wait for those -> 'removing-attached'
 *           DELETE one firewall group a call                                     -> done
 *
 * Both tunnel modes get a firewall group, attached at create (`firewall_group_id`), so the
 * instance is never reachable on more than its mode needs: HTTPS opens TCP 8123 (the inlets
 * control port), 80 and 443; TCP opens every TCP port, because the client decides what it
 * forwards. A Vultr firewall group drops whatever no rule accepts
 * (https://docs.vultr.com/products/network/firewall), for IPv4 and IPv6 alike, so each rule is
 * added for both (the instance gets IPv6: `enable_ipv6`).
 *
 * Vultr has no idempotency key for creates. A create whose outcome is unknown is therefore looked
 * up by the host's tag (instance) or description (firewall group) with `lookupOnly` until the host
 * service's late-processing window has passed; nothing is created blind.
 */
import { VULTR_CONSOLE } from './console'
import type { Catalog, HostLocator, Plan, TunnelMode } from '../../../shared/domain'
import { AppError } from '../../../shared/errors'
import type { AccountIdentity, CloudContext, Observation, ProvisionSpec, Provisioner, StepResult } from '../types'
import { VultrClient, type VultrAccount, type VultrFirewallGroup, type VultrFirewallRule, type VultrFirewallRuleCreate, type VultrInstance, type VultrInstanceCreate, type VultrPlan } from './client'
import { UBUNTU, VULTR_MANIFEST } from './manifest'
import { instanceState, rawStatus } from './state'

export { VULTR_MANIFEST } from './manifest'
export { instanceState, rawStatus } from './state'

export interface VultrProvisionerOptions {
  /** Per-request deadline; the RestClient default (15 s) when absent. */
  timeoutMs?: number
  /** Bound on pages one list call follows. */
  maxPages?: number
}

/** Ports an HTTPS tunnel needs: inlets control plane, ACME HTTP-01 challenge and HTTPS. */
export const HTTPS_PORTS = ['8123', '80', '443'] as const
/** Every TCP port, in Vultr's colon-separated range syntax (firewall rule `port`). */
export const ALL_TCP_PORTS = '1:65535'
/** The description of the empty firewall group that identifies a Vultr account (see the manifest's `identity`). */
export const ACCOUNT_MARKER = 'exitdesk-account-marker'
/** How long the Ubuntu os_id read from GET /v2/os is trusted. */
const OS_TTL_MS = 60 * 60_000

export const PROGRESS = {
  firewallCreated: 'firewall-created',
  rulesAdded: 'rules-added',
  instanceCreated: 'instance-created',
  instanceDeleteRequested: 'instance-delete-requested',
  instanceGone: 'instance-gone',
  removingAttached: 'removing-attached',
  attachedRemoved: 'attached-removed',
} as const

export function createVultrProvisioner(options: VultrProvisionerOptions = {}): Provisioner {
  const clientFor = (ctx: CloudContext): VultrClient =>
    new VultrClient({
      endpoint: ctx.endpoint,
      token: ctx.credentials.token ?? '',
      timeoutMs: options.timeoutMs,
      maxPages: options.maxPages,
      budget: ctx.budget?.gate(ctx.priority ?? 'background'),
    })
  /** The Ubuntu 24.04 os_id per endpoint, read live and kept for an hour (the catalogue is public and rarely changes). */
  const osIds = new Map<string, { id: Promise<number>; at: number }>()
  const ubuntuId = (client: VultrClient, endpoint: string, signal: AbortSignal): Promise<number> => {
    const cached = osIds.get(endpoint)
    if (cached && Date.now() - cached.at < OS_TTL_MS) return cached.id
    const id = client.listOs(signal).then(pickUbuntu)
    osIds.set(endpoint, { id, at: Date.now() })
    id.catch(() => osIds.delete(endpoint))
    return id
  }

  return {
    manifest: VULTR_MANIFEST,
    console: VULTR_CONSOLE,

    async verify(ctx, signal) {
      const client = clientFor(ctx)
      const [account, groups] = await Promise.all([client.getAccount(signal), client.listFirewallGroups(signal)])
      // The oldest marker wins, so two Exitdesks that made one each at the same moment agree.
      const marker = oldest(groups.filter((group) => group.description === ACCOUNT_MARKER)) ?? (await client.createFirewallGroup(ACCOUNT_MARKER, signal))
      return accountIdentity(account, marker)
    },

    async catalog(ctx, signal): Promise<Catalog> {
      const client = clientFor(ctx)
      const [regions, plans] = await Promise.all([client.listRegions(signal), client.listPlans(signal)])
      const known = new Set(regions.map((region) => region.id))
      const offered: Plan[] = plans
        .filter(offerable)
        .map((plan) => ({ plan, regions: plan.locations.filter((id) => typeof id === 'string' && known.has(id)) }))
        .filter(({ regions: where }) => where.length > 0)
        .map(({ plan, regions: where }) => ({ id: plan.id, label: planLabel(plan), monthlyCostUsd: plan.monthly_cost, regions: where }))
        .sort((a, b) => a.monthlyCostUsd - b.monthlyCostUsd || a.id.localeCompare(b.id))
      return {
        regions: regions.map((region) => ({ id: region.id, label: region.country ? `${region.city} (${region.country})` : region.city })).sort((a, b) => a.label.localeCompare(b.label)),
        plans: offered,
        source: 'live',
      }
    },

    async provision(ctx, spec, locator, progress, signal): Promise<StepResult> {
      const client = clientFor(ctx)
      const next = copyLocator(locator)
      if (next.instanceId) return { done: true, locator: next, progress: PROGRESS.instanceCreated }
      recordHostTag(next, spec.tags.host)
      const description = spec.tags.host

      const group = next.attached.find((resource) => resource.kind === 'firewall')
      if (!group) {
        // The OS id is read alongside (and cached), so the instance step needs one round trip.
        const os = ubuntuId(client, ctx.endpoint, signal).catch(() => undefined)
        // A group made before a crash or a lost answer is found by its description, not made twice.
        const existing = spec.fresh ? undefined : oldest((await client.listFirewallGroups(signal)).filter((candidate) => candidate.description === description))
        if (!existing && spec.lookupOnly) return { done: false, locator: next, unresolved: true, waitingFor: 'Vultr to show whether it made the firewall group' }
        const made = existing ?? (await client.createFirewallGroup(description, signal))
        next.attached.push({ kind: 'firewall', id: made.id })
        await os
        if (!spec.fresh) return { done: false, locator: next, progress: PROGRESS.firewallCreated, waitingFor: "the firewall group's rules" }
        // A group a fresh step made is empty: its rules go in at once.
        await settleAll(firewallRules(spec.tunnel.mode).map((rule) => client.createFirewallRule(made.id, rule, signal)))
        return { done: false, locator: next, progress: PROGRESS.rulesAdded, waitingFor: 'the instance to be created' }
      }

      if (progress !== PROGRESS.rulesAdded) {
        const present = spec.fresh ? [] : await client.listFirewallRules(group.id, signal)
        const missing = firewallRules(spec.tunnel.mode).filter((rule) => !present.some((have) => sameRule(have, rule)))
        if (missing.length > 0 && spec.lookupOnly) return { done: false, locator: next, unresolved: true, waitingFor: 'Vultr to show whether it added the firewall rules' }
        await settleAll(missing.map((rule) => client.createFirewallRule(group.id, rule, signal)))
        return { done: false, locator: next, progress: PROGRESS.rulesAdded, waitingFor: 'the instance to be created' }
      }

      // The host tag is unique to this host: an instance carrying it is one an earlier,
      // interrupted call already created, so it is adopted instead of paying for two. Several
      // (a create carried out late) are duplicates: the oldest is the host, a refresh removes the rest.
      const [osId, found] = await Promise.all([
        ubuntuId(client, ctx.endpoint, signal),
        spec.fresh ? Promise.resolve(undefined) : client.listInstances({ tag: spec.tags.host }, signal).then((listed) => oldestInstance(listed)),
      ])
      if (!found && spec.lookupOnly) return { done: false, locator: next, unresolved: true, waitingFor: 'Vultr to show whether it made the instance' }
      const instance = found ?? (await client.createInstance(instanceRequest(spec, osId, group.id), signal))
      next.instanceId = instance.id
      return { done: true, locator: next, progress: PROGRESS.instanceCreated }
    },

    async status(ctx, locator, signal): Promise<Observation | null> {
      if (!locator.instanceId) return null
      const instance = await clientFor(ctx).getInstance(locator.instanceId, signal)
      return instance ? observe(instance) : null
    },

    async delete(ctx, locator, progress, signal): Promise<StepResult> {
      const client = clientFor(ctx)
      const next = copyLocator(locator)
      if (next.instanceId && progress !== PROGRESS.instanceGone && progress !== PROGRESS.removingAttached) {
        const stillThere =
          progress === PROGRESS.instanceDeleteRequested
            ? (await client.getInstance(next.instanceId, signal)) !== null
            : await client.deleteInstance(next.instanceId, signal)
        if (stillThere) return { done: false, locator: next, progress: PROGRESS.instanceDeleteRequested, waitingFor: 'the instance to disappear', instancePresent: true }
        return { done: false, locator: next, progress: PROGRESS.instanceGone, waitingFor: 'its firewall group to be removed' }
      }
      const knowsGroups = hostTagsOf(next).length > 0 || next.attached.some((resource) => resource.kind === 'firewall')
      if (progress !== PROGRESS.removingAttached && knowsGroups) {
        // The instance is gone (or was never created). Every group made for the host is looked
        // up, recorded or not; and none goes while an instance still uses it (`instance_count`
        // of the same list) or carries the host's tag (a duplicate from a create carried out
        // late, attached to the same group). One round trip: the lists run side by side.
        const [groups, carriers] = await Promise.all([
          client.listFirewallGroups(signal),
          Promise.all(hostTagsOf(next).map((tag) => client.listInstances({ tag }, signal))).then((lists) => lists.flat().map((instance) => instance.id)),
        ])
        recordUnrecordedGroups(groups, next)
        const ours = new Set(next.attached.filter((resource) => resource.kind === 'firewall').map((resource) => resource.id))
        const others = [...new Set(carriers)].filter((id) => id !== next.instanceId)
        const used = groups.filter((group) => ours.has(group.id)).reduce((sum, group) => sum + (group.instance_count ?? 0), 0)
        if (others.length > 0) {
          return { done: false, locator: next, progress: PROGRESS.instanceGone, waitingFor: `instance ${others.join(', ')}, which carries this host's tag, to be deleted first` }
        }
        if (used > 0) {
          return { done: false, locator: next, progress: PROGRESS.instanceGone, waitingFor: `the ${used === 1 ? 'instance' : `${used} instances`} still using this host's firewall group to be deleted first` }
        }
      }
      // One group a call. A 404 means an earlier call removed it.
      const group = next.attached.find((resource) => resource.kind === 'firewall')
      if (group) {
        await client.deleteFirewallGroup(group.id, signal)
        next.attached = next.attached.filter((kept) => !(kept.kind === 'firewall' && kept.id === group.id))
        if (next.attached.some((resource) => resource.kind === 'firewall')) {
          return { done: false, locator: next, progress: PROGRESS.removingAttached, waitingFor: 'its firewall groups to be removed' }
        }
      }
      // Vultr tags live on the instance only: nothing is left to remove for them.
      next.attached = next.attached.filter((resource) => resource.kind !== 'tag')
      return { done: true, locator: next, progress: PROGRESS.attachedRemoved }
    },

    listScopes() {
      // GET /v2/instances covers every region of the account in one (cursor-paginated) call.
      return ['account']
    },

    async listByTag(ctx, _scope, tag, signal): Promise<Observation[]> {
      return clientFor(ctx).listInstances({ tag }, signal, observe)
    },
  }
}

/**
 * Which Vultr account a key acts in: the id of the account's marker firewall group (see the
 * manifest's `identity` for why). The name is only for display and may change.
 */
export function accountIdentity(account: VultrAccount, marker: VultrFirewallGroup): AccountIdentity {
  const name = account.name?.trim()
  const email = account.email?.trim()
  const accountName = name && email ? `${name} (${email})` : name || email || `Vultr account ${marker.id.slice(0, 8)}`
  return { identity: `firewall-group:${marker.id}`, accountName }
}

export function observe(instance: VultrInstance): Observation {
  // `main_ip` is "0.0.0.0" (and an IPv6 "::") until Vultr has assigned the address.
  const ipv4 = instance.main_ip && instance.main_ip !== '0.0.0.0' ? instance.main_ip : undefined
  const ipv6 = instance.v6_networks?.map((network) => network.main_ip).find((address) => typeof address === 'string' && address.length > 0 && address !== '::')
  return {
    instanceId: instance.id,
    name: instance.label || instance.hostname || instance.id,
    region: instance.region ?? '',
    plan: instance.plan,
    state: instanceState(instance),
    rawStatus: rawStatus(instance),
    ipv4,
    ipv6,
    createdAt: instance.date_created,
    tags: instance.tags ?? [],
  }
}

/** The inbound rules of a mode's firewall group, for IPv4 and IPv6, from anywhere. */
export function firewallRules(mode: TunnelMode): VultrFirewallRuleCreate[] {
  const ports = mode === 'https' ? [...HTTPS_PORTS] : [ALL_TCP_PORTS]
  const anywhere = [
    { ip_type: 'v4' as const, subnet: '0.0.0.0', subnet_size: 0 },
    { ip_type: 'v6' as const, subnet: '::', subnet_size: 0 },
  ]
  return ports.flatMap((port) => anywhere.map((source) => ({ ...source, protocol: 'tcp' as const, port, notes: mode === 'https' ? 'exitdesk https tunnel' : 'exitdesk tcp tunnel' })))
}

export function instanceRequest(spec: ProvisionSpec, osId: number, firewallGroupId: string): VultrInstanceCreate {
  return {
    region: spec.region,
    plan: spec.plan,
    os_id: osId,
    label: spec.name,
    hostname: spec.name,
    // "The user-supplied, base64 encoded user data" (create-instance): cloud-init reads it from
    // the metadata service. No startup script (inletsctl's way): that would be a second
    // resource holding the tunnel token, left behind unless removed.
    user_data: Buffer.from(spec.userData, 'utf8').toString('base64'),
    tags: [spec.tags.app, spec.tags.host],
    // The tunnel answers on IPv6 too; the firewall group has a rule for each family.
    enable_ipv6: true,
    firewall_group_id: firewallGroupId,
    // Automatic backups add 20% to the price (https://www.vultr.com/pricing/#backups); an exit server has nothing to back up.
    backups: 'disabled',
    activation_email: false,
  }
}

/**
 * Whether a plan can carry a tunnel server: not an IPv6-only `-v6` plan (no public IPv4; a
 * tunnel client reaches the server over IPv4), not the `-free` plan of Vultr's free-tier
 * programme (one per account, by application), and not a GPU plan.
 */
export function offerable(plan: VultrPlan): boolean {
  return !/-v6$/.test(plan.id) && !/-free$/.test(plan.id) && plan.type !== 'vcg' && Number.isFinite(plan.monthly_cost) && plan.monthly_cost > 0
}

function planLabel(plan: VultrPlan): string {
  const memory = plan.ram >= 1024 ? `${plan.ram / 1024} GB` : `${plan.ram} MB`
  const kind = plan.type ? (PLAN_TYPES[plan.type] ?? plan.type) : undefined
  return `${kind ? `${kind}: ` : ''}${plan.vcpu_count} vCPU, ${memory} RAM, ${plan.disk} GB disk, IPv4 included`
}

/** `type` values of GET /v2/plans (list-plans `type` parameter). */
const PLAN_TYPES: Record<string, string> = {
  vc2: 'Cloud Compute',
  vhf: 'High Frequency',
  vhp: 'High Performance',
  voc: 'Optimized Cloud',
  vdc: 'Dedicated Cloud',
}

/** The Ubuntu 24.04 LTS x64 entry of GET /v2/os: by exact name and arch, never a guess. */
function pickUbuntu(list: Array<{ id: number; name: string; arch: string; family: string }>): number {
  const found = list.find((os) => os.name === UBUNTU.name && os.arch === UBUNTU.arch && os.family === UBUNTU.family)
  if (!found) {
    throw new AppError({
      code: 'unprocessable',
      message: `Vultr's operating system list no longer offers "${UBUNTU.name}", so Exitdesk will not pick an image on its own. Please report this.`,
      retryable: false,
    })
  }
  return found.id
}

/**
 * Waits for every request of a step before it reports the first failure: a step never returns
 * while one of its creates is still in flight (the next step's look-up would race it).
 */
async function settleAll(work: Array<Promise<unknown>>): Promise<void> {
  const failed = (await Promise.allSettled(work)).find((result) => result.status === 'rejected')
  if (failed) throw failed.reason
}

function sameRule(have: VultrFirewallRule, want: VultrFirewallRuleCreate): boolean {
  return (
    (have.ip_type ?? have.type) === want.ip_type &&
    have.protocol.toLowerCase() === want.protocol &&
    (have.port ?? '') === want.port &&
    have.subnet === want.subnet &&
    have.subnet_size === want.subnet_size
  )
}

function oldest<T extends { id: string; date_created?: string }>(items: T[]): T | undefined {
  return [...items].sort((a, b) => (a.date_created ?? '').localeCompare(b.date_created ?? '') || a.id.localeCompare(b.id))[0]
}

function oldestInstance(items: VultrInstance[]): VultrInstance | undefined {
  return oldest(items)
}

/**
 * Records every firewall group made for the host, recorded or not: one described with its host
 * tag was made for it (by a create whose answer was lost, or before the ledger was lost).
 */
function recordUnrecordedGroups(groups: VultrFirewallGroup[], locator: HostLocator): void {
  const tags = hostTagsOf(locator)
  for (const group of groups) {
    if (tags.includes(group.description) && !locator.attached.some((resource) => resource.kind === 'firewall' && resource.id === group.id)) {
      locator.attached.push({ kind: 'firewall', id: group.id })
    }
  }
}

function hostTagsOf(locator: HostLocator): string[] {
  return locator.attached.filter((resource) => resource.kind === 'tag').map((resource) => resource.id)
}

function recordHostTag(locator: HostLocator, tag: string): void {
  if (!locator.attached.some((resource) => resource.kind === 'tag' && resource.id === tag)) locator.attached.push({ kind: 'tag', id: tag })
}

function copyLocator(locator: HostLocator): HostLocator {
  return { ...locator, attached: locator.attached.map((resource) => ({ ...resource })) }
}
