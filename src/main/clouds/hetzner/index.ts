/**
 * The Hetzner Cloud adapter: a server for the exit node, and a Hetzner Firewall per host
 * applied in the server's own create request.
 *
 * Every method makes one to three quick API calls and returns; nothing waits for a server to
 * boot or to disappear, and the `action` Hetzner answers a create or delete with is not
 * waited on either. Multi-step work is driven by the host service calling again with the
 * recorded `locator` and `progress`.
 *
 * Create:   [find by name | POST /firewalls]                          -> 'firewall-created'
 *           [find by host label | POST /servers with `firewalls`]     -> done
 *           A `fresh` step skips the look-ups: two round trips in all (plus, on a cold
 *           cache, the Ubuntu image of the type's architecture).
 * Teardown: DELETE /servers/{id}                                      -> 'server-delete-requested'
 *           GET /servers/{id} until 404                               -> 'server-gone'
 *           GET /firewalls and /servers by the host label: another
 *           server carrying it (a duplicate) must go first; then
 *           DELETE one firewall a call (422 resource_in_use: not yet),
 *           then the primary IPs at once (404: gone with the server)  -> done
 *
 * Firewalls: HTTPS opens TCP 8123 (inlets control), 80 (ACME HTTP-01) and 443; TCP opens every
 * TCP port, because the client decides which ports it advertises. Outbound stays open: "When
 * applying a firewall with no `out` rule all outbound traffic will be accepted" (the
 * "Firewalls" section of the API description). Hetzner lists no price for firewalls (GET /pricing has none).
 *
 * The public IPv4 is the primary IP Hetzner makes for `public_net.enable_ipv4` (no separate
 * create); its id (and the IPv6 one's) is recorded, and teardown deletes whatever of them
 * Hetzner did not already remove with the server (`auto_delete`): nothing billable is left.
 *
 * Hetzner has no idempotency key, but server and firewall names are unique per project, so a
 * create carried out late and its retry cannot both succeed; a retried step still looks the
 * host up by label or name first (`lookupOnly` creates nothing), and a 409 `uniqueness_error`
 * on a retry is answered by adopting what carries the name.
 */
import { HETZNER_CONSOLE } from './console'
import type { Catalog, HostLocator, Plan, Region } from '../../../shared/domain'
import { AppError } from '../../../shared/errors'
import type { AccountIdentity, CloudContext, Observation, ProvisionSpec, Provisioner, StepResult } from '../types'
import { HetznerClient, HetznerError, type HzFirewall, type HzFirewallRule, type HzPricing, type HzServer, type HzServerCreate, type HzServerType } from './client'
import { hasLabel, labelKey, labelsFor, tagsFromLabels } from './labels'
import { EUR_TO_USD, HETZNER_MANIFEST } from './manifest'
import { serverState } from './state'

export { HETZNER_MANIFEST } from './manifest'
export { serverState, SERVER_STATES } from './state'

export interface HetznerProvisionerOptions {
  timeoutMs?: number
  maxPages?: number
  pageConcurrency?: number
  /** Clock for the image cache (tests). */
  now?: () => number
}

export const HTTPS_PORTS = ['8123', '80', '443'] as const
const EVERYWHERE = ['0.0.0.0/0', '::/0']
/** The system image, by name; its id differs per architecture. */
export const UBUNTU_IMAGE = 'ubuntu-24.04'
/** Name and label of the project's identity marker (see the manifest's `identity`). */
export const MARKER_NAME = 'exitdesk-project-marker'
/** How long resolved image ids and type architectures are kept per endpoint. */
export const IMAGE_CACHE_MS = 60 * 60_000

export const PROGRESS = {
  firewallCreated: 'firewall-created',
  serverCreated: 'server-created',
  serverDeleteRequested: 'server-delete-requested',
  serverGone: 'server-gone',
  removingAttached: 'removing-attached',
  attachedRemoved: 'attached-removed',
} as const

interface ImageCache {
  at: number
  /** Ubuntu image id per architecture. */
  images: Map<string, number>
  /** Server type name -> architecture. */
  typeArch: Map<string, string>
}

export function createHetznerProvisioner(options: HetznerProvisionerOptions = {}): Provisioner {
  const now = options.now ?? Date.now
  const caches = new Map<string, ImageCache>()
  const cacheFor = (endpoint: string): ImageCache => {
    let cache = caches.get(endpoint)
    if (!cache || now() - cache.at > IMAGE_CACHE_MS) {
      cache = { at: now(), images: new Map(), typeArch: new Map() }
      caches.set(endpoint, cache)
    }
    return cache
  }
  const clientFor = (ctx: CloudContext): HetznerClient =>
    new HetznerClient({
      endpoint: ctx.endpoint,
      token: ctx.credentials.token ?? '',
      timeoutMs: options.timeoutMs,
      maxPages: options.maxPages,
      pageConcurrency: options.pageConcurrency,
      budget: ctx.budget?.gate(ctx.priority ?? 'background'),
    })

  /** The Ubuntu 24.04 image id for the plan's architecture: from the cache the catalogue fills, else two look-ups. */
  async function imageFor(client: HetznerClient, endpoint: string, plan: string, signal: AbortSignal): Promise<string> {
    const cache = cacheFor(endpoint)
    let arch = cache.typeArch.get(plan)
    if (!arch) {
      const [type] = await client.listServerTypes(signal, plan)
      if (!type) throw new AppError({ code: 'invalid-input', field: 'plan', message: `Hetzner Cloud has no server type "${plan}".`, retryable: false })
      arch = type.architecture
      cache.typeArch.set(plan, arch)
    }
    let id = cache.images.get(arch)
    if (id === undefined) {
      id = newestImage(await client.listSystemImages(UBUNTU_IMAGE, arch, signal))?.id
      if (id === undefined) throw new AppError({ code: 'unprocessable', message: `Hetzner Cloud offers no ${UBUNTU_IMAGE} image for ${arch} servers.`, retryable: false })
      cache.images.set(arch, id)
    }
    return String(id)
  }

  return {
    manifest: HETZNER_MANIFEST,
    console: HETZNER_CONSOLE,

    async verify(ctx, signal): Promise<AccountIdentity> {
      return projectIdentity(await findOrMakeMarker(clientFor(ctx), signal))
    },

    async catalog(ctx, signal): Promise<Catalog> {
      const client = clientFor(ctx)
      const [locations, types, pricing, images] = await Promise.all([
        client.listLocations(signal),
        client.listServerTypes(signal),
        client.getPricing(signal),
        client.listSystemImages(UBUNTU_IMAGE, undefined, signal),
      ])
      const cache = cacheFor(ctx.endpoint)
      for (const type of types) cache.typeArch.set(type.name, type.architecture)
      for (const arch of new Set(images.map((image) => image.architecture))) {
        const image = newestImage(images.filter((candidate) => candidate.architecture === arch))
        if (image) cache.images.set(arch, image.id)
      }
      const known = new Set(locations.map((location) => location.name))
      const plans = buildPlans(types, pricing, known, new Set(cache.images.keys()), now())
      const sold = new Set(plans.flatMap((plan) => plan.regions ?? []))
      const regions: Region[] = locations
        .filter((location) => sold.has(location.name))
        .map((location) => ({ id: location.name, label: location.city && location.country ? `${location.city}, ${location.country}` : location.description }))
        .sort((a, b) => a.label.localeCompare(b.label))
      return { regions, plans, source: 'live' }
    },

    async provision(ctx, spec, locator, _progress, signal): Promise<StepResult> {
      const client = clientFor(ctx)
      const next = copyLocator(locator)
      if (next.instanceId) return { done: true, locator: next, progress: PROGRESS.serverCreated }
      const labels = labelsFor(spec.tags)
      // Labels need no removal (they go with what carries them); the host label is recorded so
      // that teardown can find what carries it, recorded or not.
      recordHostLabel(next, spec.tags.host)

      if (!next.attached.some((resource) => resource.kind === 'firewall')) {
        const name = firewallName(spec.hostId)
        // A create that succeeded before a crash or a lost answer is found by its unique name, not repeated.
        const existing = spec.fresh ? undefined : (await client.listFirewalls({ name }, signal))[0]
        if (!existing && spec.lookupOnly) return { done: false, locator: next, unresolved: true, waitingFor: 'Hetzner Cloud to show whether it made the firewall' }
        const firewall = existing ?? (await adoptOnClash(() => client.createFirewall({ name, labels, rules: firewallRules(spec.tunnel.mode) }, signal), async () => (await client.listFirewalls({ name }, signal))[0]))
        next.attached.push({ kind: 'firewall', id: String(firewall.id) })
        return { done: false, locator: next, progress: PROGRESS.firewallCreated, waitingFor: 'the server to be created' }
      }

      // The host label is unique to this host: a server carrying it is one an earlier,
      // interrupted call created, adopted instead of paying for two (the oldest, if several).
      const found = spec.fresh ? undefined : oldest(await client.listServers({ labelSelector: hasLabel(spec.tags.host) }, signal))
      if (!found && spec.lookupOnly) return { done: false, locator: next, unresolved: true, waitingFor: 'Hetzner Cloud to show whether it made the server' }
      const server: HzServer =
        found ??
        (await adoptOnClash<HzServer>(
          async () => client.createServer(serverRequest(spec, labels, next, await imageFor(client, ctx.endpoint, spec.plan, signal)), signal),
          async () => oldest(await client.listServers<HzServer>({ labelSelector: hasLabel(spec.tags.host) }, signal)),
        ))
      next.instanceId = String(server.id)
      recordPrimaryIps(next, server)
      return { done: true, locator: next, progress: PROGRESS.serverCreated }
    },

    async status(ctx, locator, signal): Promise<Observation | null> {
      if (!locator.instanceId) return null
      const server = await clientFor(ctx).getServer(locator.instanceId, signal)
      return server ? observe(server) : null
    },

    async delete(ctx, locator, progress, signal): Promise<StepResult> {
      const client = clientFor(ctx)
      const next = copyLocator(locator)
      if (next.instanceId && progress !== PROGRESS.serverGone && progress !== PROGRESS.removingAttached) {
        const stillThere =
          progress === PROGRESS.serverDeleteRequested ? (await client.getServer(next.instanceId, signal)) !== null : await client.deleteServer(next.instanceId, signal)
        if (stillThere) return { done: false, locator: next, progress: PROGRESS.serverDeleteRequested, waitingFor: 'the server to disappear', instancePresent: true }
        return { done: false, locator: next, progress: PROGRESS.serverGone, waitingFor: 'its firewall to be removed' }
      }
      const hostLabel = hostLabelOf(next)
      if (progress !== PROGRESS.removingAttached && hostLabel) {
        // Everything made for the host is looked up, recorded or not (a create whose answer
        // was lost made a firewall nobody recorded); and nothing goes while another server
        // still carries the host's label (a duplicate): the firewall protects it.
        // Both look-ups at once: one round trip of the three this step may take.
        const [firewalls, carrying] = await Promise.all([client.listFirewalls({ labelSelector: hasLabel(hostLabel) }, signal), client.listServers({ labelSelector: hasLabel(hostLabel) }, signal)])
        for (const firewall of firewalls) {
          if (!next.attached.some((resource) => resource.kind === 'firewall' && resource.id === String(firewall.id))) next.attached.push({ kind: 'firewall', id: String(firewall.id) })
        }
        const carriers = carrying.map((server) => String(server.id)).filter((id) => id !== next.instanceId)
        if (carriers.length > 0) {
          return { done: false, locator: next, progress: PROGRESS.serverGone, waitingFor: `server ${carriers.join(', ')}, which carries this host's label, to be deleted first` }
        }
      }
      // One firewall a call, then the primary IPs together (normally already gone with the server: 404).
      const firewall = next.attached.find((attached) => attached.kind === 'firewall')
      const ips = firewall ? [] : next.attached.filter((attached) => attached.kind === 'public-ip')
      if (!firewall && ips.length === 0) return { done: true, locator: next, progress: PROGRESS.attachedRemoved }
      const targets = firewall ? [firewall] : ips
      const outcomes = await Promise.all(targets.map((resource) => (resource.kind === 'firewall' ? client.deleteFirewall(resource.id, signal) : client.deletePrimaryIp(resource.id, signal))))
      const removed = targets.filter((_, index) => outcomes[index] !== 'in-use')
      next.attached = next.attached.filter((kept) => !removed.some((resource) => resource.kind === kept.kind && resource.id === kept.id))
      if (removed.length < targets.length) {
        // Hetzner detaches the firewall and the IPs as the server goes; until then it refuses.
        return { done: false, locator: next, progress: PROGRESS.serverGone, waitingFor: `Hetzner Cloud to release the ${firewall ? 'firewall' : 'primary IP'} from the deleted server` }
      }
      if (next.attached.some((attached) => attached.kind === 'firewall' || attached.kind === 'public-ip')) {
        return { done: false, locator: next, progress: PROGRESS.removingAttached, waitingFor: 'its firewall and primary IPs to be removed' }
      }
      return { done: true, locator: next, progress: PROGRESS.attachedRemoved }
    },

    listScopes() {
      // A token reaches one project, and GET /servers covers every location of it.
      return ['account']
    },

    async listByTag(ctx, _scope, tag, signal): Promise<Observation[]> {
      return clientFor(ctx).listServers({ labelSelector: hasLabel(tag) }, signal, observe)
    },
  }
}

/**
 * Finds the project's marker firewall by its label (the oldest, should there be several), or
 * makes it: no rules, applied to nothing, so it changes no traffic (and GET /pricing lists no
 * price for firewalls). Its name
 * is unique per project, so two installations checking at once make one marker; the one that
 * loses the race gets 409 `uniqueness_error` and reads the winner's.
 */
async function findOrMakeMarker(client: HetznerClient, signal: AbortSignal): Promise<HzFirewall> {
  const found = oldest(await client.listFirewalls({ labelSelector: MARKER_NAME }, signal))
  if (found) return found
  return adoptOnClash(
    () => client.createFirewall({ name: MARKER_NAME, labels: { [labelKey(MARKER_NAME)]: '' }, rules: [] }, signal),
    async () => oldest(await client.listFirewalls({ name: MARKER_NAME }, signal)),
  )
}

/**
 * The project, named by its marker's immutable id. Hetzner ids are never reused, so a token of
 * another project can never show the same one; the prefix keeps it apart from other schemes.
 */
export function projectIdentity(marker: HzFirewall): AccountIdentity {
  return { identity: `project-marker:${marker.id}`, accountName: `Hetzner Cloud project (marker firewall ${marker.id})` }
}

/** Runs `create`; on 409 `uniqueness_error` (an earlier try made it) answers what `find` finds instead. */
async function adoptOnClash<T>(create: () => Promise<T>, find: () => Promise<T | undefined>): Promise<T> {
  try {
    return await create()
  } catch (error) {
    if (!(error instanceof HetznerError) || error.hetznerCode !== 'uniqueness_error') throw error
    const existing = await find()
    if (!existing) throw error
    return existing
  }
}

function oldest<T extends { id: number }>(items: T[]): T | undefined {
  return items.reduce<T | undefined>((best, item) => (!best || item.id < best.id ? item : best), undefined)
}

/** The newest available image (highest id) of a list that is already one name and architecture. */
function newestImage<T extends { id: number; deprecated?: string | null }>(images: T[]): T | undefined {
  return images.filter((image) => !image.deprecated).reduce<T | undefined>((best, image) => (!best || image.id > best.id ? image : best), undefined)
}

export function observe(server: HzServer): Observation {
  const v6 = server.public_net?.ipv6?.ip
  return {
    instanceId: String(server.id),
    name: server.name,
    region: server.location?.name ?? '',
    plan: server.server_type?.name,
    state: serverState(server.status),
    rawStatus: server.status,
    ipv4: server.public_net?.ipv4?.ip || undefined,
    // Hetzner reports the server's IPv6 network ("2001:db8:1234::/64"); the server itself answers on ::1 of it.
    ipv6: v6 ? v6.replace(/::\/64$/, '::1') : undefined,
    createdAt: server.created,
    tags: tagsFromLabels(server.labels),
  }
}

/** Firewall names: at most 128 characters, unique per project (CreateFirewallRequest `name`). */
export function firewallName(hostId: string): string {
  const safe = hostId.replace(/[^a-zA-Z0-9.-]+/g, '-').replace(/^-+|-+$/g, '')
  return `exitdesk-${safe || 'host'}`.slice(0, 128)
}

/** Inbound only; outbound is left open (no `out` rules). */
export function firewallRules(mode: 'tcp' | 'https'): HzFirewallRule[] {
  const ports = mode === 'https' ? [...HTTPS_PORTS] : ['1-65535']
  return ports.map((port) => ({ direction: 'in', protocol: 'tcp', port, source_ips: [...EVERYWHERE], description: mode === 'https' ? `inlets https ${port}` : 'inlets tcp: every TCP port' }))
}

function serverRequest(spec: ProvisionSpec, labels: Record<string, string>, locator: HostLocator, image: string): HzServerCreate {
  const firewall = locator.attached.find((resource) => resource.kind === 'firewall')
  return {
    name: spec.name,
    server_type: spec.plan,
    image,
    location: spec.region,
    // Plain text cloud-init, "limited to 32KiB" (POST /servers `user_data`).
    user_data: spec.userData,
    labels,
    // Applied at creation, so the server is never reachable on other ports, not even at first boot.
    ...(firewall ? { firewalls: [{ firewall: Number(firewall.id) }] } : {}),
    public_net: { enable_ipv4: true, enable_ipv6: true },
    start_after_create: true,
  }
}

/**
 * One plan per server type that Hetzner still sells, has an Ubuntu image for its architecture
 * and prices in a known location. Its monthly cost is the type's price plus the primary IPv4
 * there (net of VAT, as every cloud's prices here), converted from euros; where locations
 * differ, the cheapest is shown and the note names the rest.
 */
export function buildPlans(types: HzServerType[], pricing: HzPricing, locations: Set<string>, architectures: Set<string>, nowMs: number): Plan[] {
  const ipv4 = new Map((pricing.primary_ips.find((entry) => entry.type === 'ipv4')?.prices ?? []).map((price) => [price.location, amount(price.price_monthly.net)]))
  const toUsd = pricing.currency.toUpperCase() === 'USD' ? 1 : EUR_TO_USD
  const symbol = pricing.currency.toUpperCase() === 'EUR' ? '€' : pricing.currency.toUpperCase() === 'USD' ? '$' : `${pricing.currency} `
  const plans: Plan[] = []
  for (const type of types) {
    if (type.deprecated || gone(type.deprecation, nowMs) || !architectures.has(type.architecture)) continue
    const sellable = type.locations ? new Set(type.locations.filter((where) => !gone(where.deprecation, nowMs)).map((where) => where.name)) : undefined
    const offers = type.prices
      .filter((price) => locations.has(price.location) && (!sellable || sellable.has(price.location)))
      .map((price) => ({ location: price.location, server: amount(price.price_monthly.net), ip: ipv4.get(price.location) }))
      .filter((offer): offer is { location: string; server: number; ip: number } => Number.isFinite(offer.server) && offer.ip !== undefined && Number.isFinite(offer.ip))
    if (offers.length === 0) continue
    const cheapest = offers.reduce((best, offer) => (offer.server + offer.ip < best.server + best.ip ? offer : best))
    const money = (value: number): string => `${symbol}${value.toFixed(2)}`
    const dearer = offers.filter((offer) => round2(offer.server + offer.ip) !== round2(cheapest.server + cheapest.ip))
    const elsewhere = dearer.length > 0 ? `; ${dearer.map((offer) => `${offer.location} ${money(offer.server + offer.ip)}`).join(', ')}` : ''
    plans.push({
      id: type.name,
      label: `${type.cores} vCPU (${type.architecture}${type.cpu_type ? `, ${type.cpu_type}` : ''}), ${type.memory} GB RAM, ${type.disk} GB disk`,
      monthlyCostUsd: round2((cheapest.server + cheapest.ip) * toUsd),
      costNote: `${money(cheapest.server)} + ${money(cheapest.ip)} primary IPv4 a month, net of VAT${elsewhere}`,
      regions: offers.map((offer) => offer.location),
    })
  }
  return plans.sort((a, b) => a.monthlyCostUsd - b.monthlyCostUsd || a.id.localeCompare(b.id))
}

function gone(deprecation: { unavailable_after: string } | null | undefined, nowMs: number): boolean {
  if (!deprecation) return false
  const after = Date.parse(deprecation.unavailable_after)
  // Announced deprecations still sell until `unavailable_after`; new hosts should not start on them.
  return Number.isNaN(after) || after <= nowMs + 30 * 24 * 60 * 60_000
}

function amount(value: string): number {
  return Number.parseFloat(value)
}

function round2(value: number): number {
  return Math.round(value * 100) / 100
}

/**
 * The server's primary IPs. Made by Hetzner for `public_net.enable_ipv4/6` and, per Hetzner's
 * Primary IP docs, deleted with the server (`auto_delete`); the API description does not say so
 * for these, so teardown checks: a DELETE answered 404 means Hetzner already removed it, and a
 * kept one (billed hourly) is removed rather than left behind.
 */
function recordPrimaryIps(locator: HostLocator, server: HzServer): void {
  for (const ip of [server.public_net?.ipv4, server.public_net?.ipv6]) {
    const id = ip?.id
    if (typeof id === 'number' && Number.isSafeInteger(id) && id > 0 && !locator.attached.some((resource) => resource.kind === 'public-ip' && resource.id === String(id))) {
      locator.attached.push({ kind: 'public-ip', id: String(id) })
    }
  }
}

function recordHostLabel(locator: HostLocator, tag: string): void {
  if (!locator.attached.some((resource) => resource.kind === 'tag' && resource.id === tag)) locator.attached.push({ kind: 'tag', id: tag })
}

function hostLabelOf(locator: HostLocator): string | undefined {
  return locator.attached.find((resource) => resource.kind === 'tag')?.id
}

function copyLocator(locator: HostLocator): HostLocator {
  return { ...locator, attached: locator.attached.map((resource) => ({ ...resource })) }
}
