/**
 * The DigitalOcean adapter: droplets for exit servers, a Cloud Firewall for HTTPS tunnels.
 *
 * Every method makes one to three quick API calls and returns; nothing here waits for a
 * droplet to boot or to disappear. Multi-step work is driven by the host service calling
 * again with the recorded `locator` and `progress`.
 *
 * Create (TCP):   [find by host tag | POST /v2/droplets]                       -> done
 * Create (HTTPS): [tag exists? POST /v2/tags] + [find by name | POST /v2/firewalls] -> 'firewall-created'
 *                 then the droplet step as for TCP                               -> done
 *                 A `fresh` step (the first try for a host just created) skips the
 *                 look-ups: TCP is one round trip, HTTPS three.
 * Teardown:       DELETE /v2/droplets/{id}                                       -> 'droplet-delete-requested'
 *                 GET /v2/droplets/{id} until 404                                -> 'droplet-gone'
 *                 GET /v2/firewalls (its own, recorded or not) and
 *                 GET /v2/droplets?tag_name=<host tag>: another droplet carrying
 *                 the tag (a duplicate from a late create) must go first         -> 'removing-attached'
 *                 DELETE one firewall a call, then the host's own tag            -> done
 *
 * DigitalOcean has no idempotency key for creates. A create whose outcome is unknown is
 * therefore looked up by the host's tag (droplet) or name (firewall) with `lookupOnly` until the
 * host service's late-processing window has passed; nothing is created blind.
 *
 * TCP tunnels get no firewall: the client decides which ports it advertises, so every port
 * stays open, as the original inlets provision package does. HTTPS tunnels open only 8123
 * (the inlets control port), 80 and 443.
 */
import { DIGITALOCEAN_CONSOLE } from './console'
import type { Catalog, HostLocator, Plan } from '../../../shared/domain'
import { outcomeUnknown, toErrorInfo } from '../../../shared/errors'
import type { AccountIdentity, CloudContext, Observation, ProvisionSpec, Provisioner, StepResult } from '../types'
import { DigitalOceanClient, type DoAccount, type DoDroplet, type DoFirewallCreate, type DoSize } from './client'
import { DIGITALOCEAN_MANIFEST } from './manifest'
import { HOST_TAG_PREFIX } from '../../hosts/tags'
import { dropletState } from './state'

export { DIGITALOCEAN_MANIFEST } from './manifest'
export { dropletState, DROPLET_STATES } from './state'

export interface DigitalOceanProvisionerOptions {
  /** Per-request deadline; the RestClient default (15 s) when absent. */
  timeoutMs?: number
  /** Bound on pages one list call follows. */
  maxPages?: number
  /** Pages of one list asked for at the same time (the bench compares 1, page after page). */
  pageConcurrency?: number
}

/** Ports an HTTPS tunnel needs: inlets control plane, ACME HTTP-01 challenge and HTTPS. */
export const HTTPS_PORTS = ['8123', '80', '443'] as const
const EVERYWHERE = ['0.0.0.0/0', '::/0']

export const PROGRESS = {
  firewallCreated: 'firewall-created',
  dropletCreated: 'droplet-created',
  /** A fresh HTTPS create made its droplet but not (or not surely) its firewall: that comes next. */
  firewallMissing: 'firewall-missing',
  dropletDeleteRequested: 'droplet-delete-requested',
  dropletGone: 'droplet-gone',
  removingAttached: 'removing-attached',
  attachedRemoved: 'attached-removed',
} as const

export function createDigitalOceanProvisioner(options: DigitalOceanProvisionerOptions = {}): Provisioner {
  const clientFor = (ctx: CloudContext): DigitalOceanClient =>
    new DigitalOceanClient({
      endpoint: ctx.endpoint,
      token: ctx.credentials.token ?? '',
      timeoutMs: options.timeoutMs,
      maxPages: options.maxPages,
      pageConcurrency: options.pageConcurrency,
      budget: ctx.budget?.gate(ctx.priority ?? 'background'),
    })

  return {
    manifest: DIGITALOCEAN_MANIFEST,
    console: DIGITALOCEAN_CONSOLE,

    async verify(ctx, signal) {
      return accountIdentity(await clientFor(ctx).getAccount(signal))
    },

    async catalog(ctx, signal): Promise<Catalog> {
      const client = clientFor(ctx)
      const [regions, sizes] = await Promise.all([client.listRegions(signal), client.listSizes(signal)])
      const open = regions.filter((region) => region.available)
      const openSlugs = new Set(open.map((region) => region.slug))
      const plans: Plan[] = sizes
        .filter((size) => size.available)
        .map((size) => ({ size, regions: size.regions.filter((slug) => openSlugs.has(slug)) }))
        .filter(({ regions: where }) => where.length > 0)
        .map(({ size, regions: where }) => ({ id: size.slug, label: planLabel(size), monthlyCostUsd: size.price_monthly, regions: where }))
        .sort((a, b) => a.monthlyCostUsd - b.monthlyCostUsd || a.id.localeCompare(b.id))
      return {
        regions: open.map((region) => ({ id: region.slug, label: region.name })).sort((a, b) => a.label.localeCompare(b.label)),
        plans,
        source: 'live',
      }
    },

    async provision(ctx, spec, locator, _progress, signal): Promise<StepResult> {
      const client = clientFor(ctx)
      const next = copyLocator(locator)
      // A droplet of an HTTPS host without its firewall (made beside it and refused, or its answer lost) is not done.
      if (next.instanceId && !(spec.tunnel.mode === 'https' && !hasFirewall(next))) return { done: true, locator: next, progress: PROGRESS.dropletCreated }
      // The very first step only: once a firewall is recorded, the steps below go one at a time.
      if (spec.tunnel.mode === 'https' && spec.fresh && !next.instanceId && next.attached.length === 0) return freshHttpsCreate(client, spec, next, signal)
      if (spec.lookupOnly && !next.instanceId) return lookUpCreate(client, spec, next, signal)

      if (spec.tunnel.mode === 'https' && !next.attached.some((resource) => resource.kind === 'firewall')) {
        // A Cloud Firewall may only name tags that exist (shared/attributes/existing_tags_array.yml),
        // while droplet create makes its tags on the fly; so the host tag is made here first.
        recordHostTag(next, spec.tags.host)
        if (spec.fresh || (!spec.lookupOnly && !(await client.tagExists(spec.tags.host, signal)))) await client.createTag(spec.tags.host, signal)
        const name = firewallName(spec.hostId)
        // A create that succeeded before a crash or a lost answer must be found, not repeated
        // (a fresh step has nothing to find).
        const existing = spec.fresh ? undefined : (await client.listFirewalls(signal)).find((firewall) => firewall.name === name)
        if (!existing && spec.lookupOnly) return { done: false, locator: next, unresolved: true, waitingFor: 'DigitalOcean to show whether it made the firewall' }
        const firewall = existing ?? (await client.createFirewall(httpsFirewall(name, spec.tags.host), signal))
        next.attached.push({ kind: 'firewall', id: firewall.id })
        if (next.instanceId) return { done: true, locator: next, progress: PROGRESS.dropletCreated }
        return { done: false, locator: next, progress: PROGRESS.firewallCreated, waitingFor: 'the droplet to be created' }
      }

      // The host tag is unique to this host: a droplet carrying it is one an earlier,
      // interrupted call already created, so it is adopted instead of paying for two.
      // Several (a late create) means duplicates: the oldest is the host, the refresh removes the rest.
      const [found] = spec.fresh ? [] : await client.listDroplets({ tagName: spec.tags.host }, signal)
      if (!found && spec.lookupOnly) return { done: false, locator: next, unresolved: true, waitingFor: 'DigitalOcean to show whether it made the droplet' }
      const droplet = found ?? (await client.createDroplet(dropletRequest(spec), signal))
      next.instanceId = String(droplet.id)
      // Droplet create made the host tag if it did not exist; it is removed at teardown.
      recordHostTag(next, spec.tags.host)
      return { done: true, locator: next, progress: PROGRESS.dropletCreated }
    },

    async status(ctx, locator, signal): Promise<Observation | null> {
      if (!locator.instanceId) return null
      const droplet = await clientFor(ctx).getDroplet(locator.instanceId, signal)
      return droplet ? observe(droplet) : null
    },

    async delete(ctx, locator, progress, signal): Promise<StepResult> {
      const client = clientFor(ctx)
      const next = copyLocator(locator)
      // Each call is one or two requests, recorded before the next: under faults, a teardown
      // advances a little at every call instead of starting over from the droplet.
      if (next.instanceId && progress !== PROGRESS.dropletGone && progress !== PROGRESS.removingAttached) {
        const stillThere =
          progress === PROGRESS.dropletDeleteRequested
            ? (await client.getDroplet(next.instanceId, signal)) !== null
            : await client.deleteDroplet(next.instanceId, signal)
        if (stillThere) return { done: false, locator: next, progress: PROGRESS.dropletDeleteRequested, waitingFor: 'the droplet to disappear', instancePresent: true }
        return { done: false, locator: next, progress: PROGRESS.dropletGone, waitingFor: 'its firewall and tag to be removed' }
      }
      if (progress !== PROGRESS.removingAttached) {
        // The droplet is gone (or was never created). Everything made for the host is looked
        // up, recorded or not; and nothing goes while another droplet still carries the host's
        // tag (a duplicate from a create carried out late): the firewall protects it, and
        // removing the tag would hide it.
        await findUnrecordedFirewalls(client, next, signal)
        const carriers = (await dropletsCarrying(client, hostTagsOf(next), signal)).filter((id) => id !== next.instanceId)
        if (carriers.length > 0) {
          return { done: false, locator: next, progress: PROGRESS.dropletGone, waitingFor: `droplet ${carriers.join(', ')}, which carries this host's tag, to be deleted first` }
        }
      }
      // One resource a call: the firewalls, then the tag they targeted. A 404 means an earlier call removed it.
      const resource = next.attached.find((attached) => attached.kind === 'firewall') ?? next.attached.find((attached) => attached.kind === 'tag')
      if (!resource) return { done: true, locator: next, progress: PROGRESS.attachedRemoved }
      await (resource.kind === 'firewall' ? client.deleteFirewall(resource.id, signal) : client.deleteTag(resource.id, signal))
      next.attached = next.attached.filter((kept) => !(kept.kind === resource.kind && kept.id === resource.id))
      if (next.attached.some((attached) => attached.kind === 'firewall' || attached.kind === 'tag')) {
        return { done: false, locator: next, progress: PROGRESS.removingAttached, waitingFor: 'its firewall and tag to be removed' }
      }
      return { done: true, locator: next, progress: PROGRESS.attachedRemoved }
    },

    listScopes() {
      // GET /v2/droplets covers every region of the account in one (paginated) call.
      return ['account']
    },

    async listByTag(ctx, _scope, tag, signal): Promise<Observation[]> {
      return clientFor(ctx).listDroplets({ tagName: tag }, signal, observe)
    },
  }
}

/**
 * Which DigitalOcean account a token acts in. `uuid` is the USER (the same person in every
 * team), so the team's uuid is the identity; the `team` object is there "when authorized in a
 * team context" (resources/account/models/account.yml). Without one the token acts for the
 * user alone, and the user's uuid is all there is: it is prefixed so it can never equal a
 * team uuid.
 */
export function accountIdentity(account: DoAccount): AccountIdentity {
  const team = account.team ?? undefined
  if (!team) return { identity: `user:${account.uuid}`, accountName: account.email || account.uuid }
  const teamName = team.name?.trim() || `team ${team.uuid.slice(0, 8)}`
  return { identity: `team:${team.uuid}`, accountName: account.email ? `${teamName} (${account.email})` : teamName }
}

export function observe(droplet: DoDroplet): Observation {
  return {
    instanceId: String(droplet.id),
    name: droplet.name,
    region: droplet.region?.slug ?? '',
    plan: droplet.size_slug,
    state: dropletState(droplet.status),
    rawStatus: droplet.status,
    ipv4: droplet.networks?.v4?.find((network) => network.type === 'public')?.ip_address,
    ipv6: droplet.networks?.v6?.find((network) => network.type === 'public')?.ip_address,
    createdAt: droplet.created_at,
    tags: droplet.tags ?? [],
  }
}

/** Firewall names: a letter or digit, then letters, digits, dots or dashes (firewalls/models/firewall.yml). */
export function firewallName(hostId: string): string {
  const safe = hostId.replace(/[^a-zA-Z0-9.-]+/g, '-').replace(/^-+|-+$/g, '')
  return `exitdesk-${safe || 'host'}`.slice(0, 255)
}

/** Inbound 8123/80/443 from anywhere; outbound everything. Targets the host tag, so it is in
 * force from the droplet's first boot, before its id is even known. */
/**
 * A fresh HTTPS create in two round trips: the host tag (a Cloud Firewall may only name tags that
 * exist), then the firewall and the droplet at once. The droplet takes tens of seconds to boot
 * and the firewall applies to its tag as soon as both exist, so in the usual case the droplet
 * never runs unprotected, and the form is answered after two round trips instead of three.
 * - Both made: done.
 * - The droplet made, the firewall not (or its answer lost): the droplet is recorded and the
 *   next step makes the firewall (looked up by name first, so never twice).
 * - The droplet not made: its error is thrown (an unknown outcome stays one, so the host service
 *   looks the droplet up before anything is sent again); a firewall made meanwhile is found by
 *   its name by that next step, or by the teardown of a refused create.
 */
async function freshHttpsCreate(client: DigitalOceanClient, spec: ProvisionSpec, next: HostLocator, signal: AbortSignal): Promise<StepResult> {
  recordHostTag(next, spec.tags.host)
  await client.createTag(spec.tags.host, signal)
  const [firewall, droplet] = await Promise.allSettled([client.createFirewall(httpsFirewall(firewallName(spec.hostId), spec.tags.host), signal), client.createDroplet(dropletRequest(spec), signal)])
  if (droplet.status === 'rejected') {
    // Either call may still be carried out late: an unknown outcome of either is what is thrown,
    // so the host service looks both up (lookUpCreate) before anything is sent again.
    const unknown = (result: PromiseSettledResult<unknown>): boolean => result.status === 'rejected' && outcomeUnknown(toErrorInfo(result.reason))
    throw unknown(firewall) && !unknown(droplet) ? (firewall as PromiseRejectedResult).reason : droplet.reason
  }
  next.instanceId = String(droplet.value.id)
  if (firewall.status === 'rejected') {
    // The droplet is recorded. A firewall refused outright is made by the next step; one whose
    // outcome is unknown may still land, so the next steps only look for it (unresolved) until
    // the late-processing window has passed: never two firewalls for one host.
    const unresolved = outcomeUnknown(toErrorInfo(firewall.reason))
    return { done: false, locator: next, progress: PROGRESS.firewallMissing, waitingFor: 'its firewall to be created', ...(unresolved ? { unresolved: true } : {}) }
  }
  next.attached.push({ kind: 'firewall', id: firewall.value.id })
  return { done: true, locator: next, progress: PROGRESS.dropletCreated }
}

/**
 * A create step after an unknown outcome (a timeout, a reset, a 5xx, an answer that was not
 * DigitalOcean's): the droplet and the firewall may still be made late. Both are looked up,
 * whatever is found is recorded, and nothing is created; until the droplet shows, the step stays
 * unresolved, so the host service keeps looking (and does not take a found firewall as the end
 * of the uncertainty) until the late-processing window has passed.
 */
async function lookUpCreate(client: DigitalOceanClient, spec: ProvisionSpec, next: HostLocator, signal: AbortSignal): Promise<StepResult> {
  const https = spec.tunnel.mode === 'https'
  const [droplets, firewalls] = await Promise.all([client.listDroplets({ tagName: spec.tags.host }, signal), https && !hasFirewall(next) ? client.listFirewalls(signal) : Promise.resolve([])])
  const firewall = firewalls.find((candidate) => candidate.name === firewallName(spec.hostId))
  if (firewall) {
    recordHostTag(next, spec.tags.host)
    next.attached.push({ kind: 'firewall', id: firewall.id })
  }
  // Several (a late create) means duplicates: the oldest is the host, the refresh removes the rest.
  const [found] = droplets
  if (!found) return { done: false, locator: next, unresolved: true, waitingFor: 'DigitalOcean to show whether it made the droplet' }
  next.instanceId = String(found.id)
  recordHostTag(next, spec.tags.host)
  if (https && !hasFirewall(next)) return { done: false, locator: next, progress: PROGRESS.firewallMissing, waitingFor: 'its firewall to be created' }
  return { done: true, locator: next, progress: PROGRESS.dropletCreated }
}

function hasFirewall(locator: HostLocator): boolean {
  return locator.attached.some((resource) => resource.kind === 'firewall')
}

export function httpsFirewall(name: string, hostTag: string): DoFirewallCreate {
  return {
    name,
    inbound_rules: HTTPS_PORTS.map((ports) => ({ protocol: 'tcp' as const, ports, sources: { addresses: [...EVERYWHERE] } })),
    // "0" opens every port of a protocol (firewalls/models/firewall_rule.yml); the spec makes
    // `ports` required even for icmp, where DigitalOcean always reports "0".
    outbound_rules: (['tcp', 'udp', 'icmp'] as const).map((protocol) => ({ protocol, ports: '0', destinations: { addresses: [...EVERYWHERE] } })),
    tags: [hostTag],
  }
}

export function dropletRequest(spec: ProvisionSpec) {
  return {
    name: spec.name,
    region: spec.region,
    size: spec.plan,
    image: DIGITALOCEAN_MANIFEST.image.id,
    // Plain text, at most 64 KiB (droplets/models/droplet_create.yml).
    user_data: spec.userData,
    tags: [spec.tags.app, spec.tags.host],
    ipv6: true,
    monitoring: false,
  }
}

function planLabel(size: DoSize): string {
  const memory = size.memory >= 1024 ? `${size.memory / 1024} GB` : `${size.memory} MB`
  const kind = size.description ? `${size.description}: ` : ''
  return `${kind}${size.vcpus} vCPU, ${memory} RAM, ${size.disk} GB disk`
}

/**
 * Every firewall made for the host, recorded or not: one targeting its tag or named after it
 * was made for it — by a create whose answer was lost, a create carried out late (a second one
 * of the same name), or before the ledger was lost. One list call per teardown with a host tag.
 */
async function findUnrecordedFirewalls(client: DigitalOceanClient, locator: HostLocator, signal: AbortSignal): Promise<void> {
  const hostTags = hostTagsOf(locator)
  if (hostTags.length === 0) return
  const names = new Set(hostTags.filter((tag) => tag.startsWith(HOST_TAG_PREFIX)).map((tag) => firewallName(tag.slice(HOST_TAG_PREFIX.length))))
  for (const firewall of await client.listFirewalls(signal)) {
    const ours = firewall.tags?.some((tag) => hostTags.includes(tag)) || names.has(firewall.name)
    if (ours && !locator.attached.some((resource) => resource.kind === 'firewall' && resource.id === firewall.id)) locator.attached.push({ kind: 'firewall', id: firewall.id })
  }
}

function hostTagsOf(locator: HostLocator): string[] {
  return locator.attached.filter((resource) => resource.kind === 'tag').map((resource) => resource.id)
}

/** Ids of droplets still carrying any of these tags (one list call per tag; none when there is no tag). */
async function dropletsCarrying(client: DigitalOceanClient, tags: string[], signal: AbortSignal): Promise<string[]> {
  const ids: string[] = []
  for (const tag of tags) for (const droplet of await client.listDroplets({ tagName: tag }, signal)) ids.push(String(droplet.id))
  return ids
}

function recordHostTag(locator: HostLocator, tag: string): void {
  if (!locator.attached.some((resource) => resource.kind === 'tag' && resource.id === tag)) locator.attached.push({ kind: 'tag', id: tag })
}

function copyLocator(locator: HostLocator): HostLocator {
  return { ...locator, attached: locator.attached.map((resource) => ({ ...resource })) }
}
