/**
 * The Scaleway adapter: per host a security group, a flexible IPv4 and a server, in the zone the
 * user picks (the Instance API is per zone: https://www.scaleway.com/en/developers/api/instance/).
 *
 * Scaleway makes a server `stopped`, and its cloud-init and power-on are separate calls. The Go
 * provision package waits up to five minutes inside one call for that; here every step is one
 * request (plus, on a retry, one look-up) and returns, recorded by the host service before the
 * next call:
 *
 * Create:   [find by host tag | POST /security_groups (inbound drop)]   -> 'security-group-created'
 *           PUT /security_groups/{id}/rules (idempotent)                -> 'rules-set'
 *           [find by host tag | POST /ips]                              -> 'ip-created'
 *           [find by host tag | POST /servers, stopped, with the group
 *            and the IP, tagged with the host tag only]                 -> 'server-created'
 *           PATCH /servers/{id} tags: app + host (idempotent)           -> 'tagged'
 *           PATCH /servers/{id}/user_data/cloud-init (text/plain)       -> 'user-data-set'
 *           [GET the server] POST /servers/{id}/action poweron          -> done
 * Teardown: GET /servers/{id}: running -> action `terminate` (the server and its local volumes
 *           in one call: "Delete the Instance along with its attached local volumes", the
 *           ServerAction doc in @scaleway/sdk-instance); stopped (never powered on) -> DELETE
 *           the server, its local volumes recorded to go after it      -> 'server-delete-requested'
 *           GET until 404                                               -> 'server-gone'
 *           look up by host tag: another server carrying it must go first; the IPs and groups
 *           carrying it are recorded; then one DELETE a call: volumes, IPs, group -> done
 *
 * Security group: inbound default `drop`, outbound `accept`, stateful; HTTPS accepts TCP 8123
 * (inlets control), 80 (ACME HTTP-01) and 443; TCP accepts TCP 1-65535, because the client
 * decides which ports it advertises. Security groups are free (no price in the API or the price list).
 *
 * Why the app tag comes one step after the server: a refresh lists servers by the app tag and
 * adopts one carrying a host's tag as that host, finished (hosts/merge.ts), when the host has
 * no instance recorded yet — which is the case after a server create whose answer was lost. A
 * Scaleway server found that way would stay `stopped` with no cloud-init. Until the adapter has
 * recorded the server (its own look-up by the host tag), the server carries only the host tag.
 *
 * The IPv4 is a flexible IP of its own, not the default dynamic one (`dynamic_ip_required: false`
 * with `public_ip`), so that it is a recorded resource teardown removes for certain; it is
 * billed apart (manifest.ts, IPV4_EUR_PER_MONTH) and that cost is in every plan's price.
 */
import { SCALEWAY_CONSOLE } from './console'
import type { Catalog, HostLocator, Plan, Region } from '../../../shared/domain'
import { AppError } from '../../../shared/errors'
import type { AccountIdentity, CloudContext, Observation, Provisioner, StepResult } from '../types'
import { ScalewayClient, type ScwRule, type ScwServer, type ScwServerType } from './client'
import { EUR_TO_USD, IPV4_EUR_PER_MONTH, REGIONS, SCALEWAY_MANIFEST } from './manifest'
import { serverState } from './state'

export { SCALEWAY_MANIFEST } from './manifest'
export { serverState, SERVER_STATES } from './state'

export interface ScalewayProvisionerOptions {
  timeoutMs?: number
  maxPages?: number
  pageConcurrency?: number
  /** Clock for the image cache (tests). */
  now?: () => number
  /** The zones the catalogue asks (default: the manifest's; the contract test keeps to the description's older enum). */
  zones?: string[]
}

export const HTTPS_PORTS = [8123, 80, 443] as const
/** The marketplace label of Ubuntu 24.04 (provider-facts.md section 5, seen in the SDKs' tests). */
export const UBUNTU_LABEL = 'ubuntu_noble'
export const IMAGE_CACHE_MS = 60 * 60_000

export const PROGRESS = {
  securityGroupCreated: 'security-group-created',
  rulesSet: 'rules-set',
  ipCreated: 'ip-created',
  serverCreated: 'server-created',
  tagged: 'tagged',
  userDataSet: 'user-data-set',
  poweredOn: 'powered-on',
  serverDeleteRequested: 'server-delete-requested',
  serverGone: 'server-gone',
  removingAttached: 'removing-attached',
  attachedRemoved: 'attached-removed',
} as const

export function createScalewayProvisioner(options: ScalewayProvisionerOptions = {}): Provisioner {
  const now = options.now ?? Date.now
  /** `<endpoint> <zone> <plan>` -> image id. */
  const images = new Map<string, { id: string; at: number }>()
  const clientFor = (ctx: CloudContext): ScalewayClient =>
    new ScalewayClient({
      endpoint: ctx.endpoint,
      secretKey: ctx.credentials.secretKey ?? '',
      timeoutMs: options.timeoutMs,
      maxPages: options.maxPages,
      pageConcurrency: options.pageConcurrency,
      budget: ctx.budget?.gate(ctx.priority ?? 'background'),
    })
  const projectOf = (ctx: CloudContext): string => {
    const project = (ctx.credentials.projectId ?? '').trim()
    if (!project) throw new AppError({ code: 'invalid-input', field: 'projectId', message: 'This Scaleway account has no project id. Add it in the account settings.', retryable: false })
    return project
  }

  /** The Ubuntu 24.04 local image for this type in this zone (the ids differ per zone and architecture). */
  async function imageFor(client: ScalewayClient, endpoint: string, zone: string, plan: string, signal: AbortSignal): Promise<string> {
    const key = `${endpoint} ${zone} ${plan}`
    const cached = images.get(key)
    if (cached && now() - cached.at < IMAGE_CACHE_MS) return cached.id
    const found = (await client.listLocalImages(UBUNTU_LABEL, zone, signal)).find((image) => image.compatible_commercial_types.includes(plan))
    if (!found) throw new AppError({ code: 'unprocessable', message: `Scaleway offers no Ubuntu 24.04 image for ${plan} servers in ${zone}.`, retryable: false })
    images.set(key, { id: found.id, at: now() })
    return found.id
  }

  return {
    manifest: SCALEWAY_MANIFEST,
    console: SCALEWAY_CONSOLE,

    async verify(ctx, signal): Promise<AccountIdentity> {
      checkKeyShapes(ctx)
      // One read: the project the key is to work in. A wrong secret answers 401, a key without
      // access to that project 403, an unknown project 404 — each a sentence in Scaleway's words.
      const project = await clientFor(ctx).getProject(projectOf(ctx), signal)
      return { identity: `project:${project.id}`, accountName: `Scaleway project ${project.name} (${project.id}, organization ${project.organization_id})` }
    },

    async catalog(ctx, signal): Promise<Catalog> {
      const client = clientFor(ctx)
      // The Instance API has no zone list: each known zone is asked for its types at once. A zone
      // that refuses (a 4xx: not open to this account) is left out; one that failed for a passing
      // reason (a timeout, a 5xx, a 429) fails the whole list, so the form shows the built-in one
      // with the reason instead of a live list that silently lacks a zone for ten minutes.
      const zones = options.zones ? REGIONS.filter((region) => options.zones!.includes(region.id)) : REGIONS
      const answers = await Promise.allSettled(zones.map(async (region) => ({ region, types: await client.listServerTypes(region.id, signal) })))
      const failures = answers.flatMap((answer) => (answer.status === 'rejected' ? [answer.reason as unknown] : []))
      const passing = failures.find((reason) => !(reason instanceof AppError) || reason.info.retryable)
      if (passing !== undefined) throw passing
      const reached = answers.flatMap((answer) => (answer.status === 'fulfilled' ? [answer.value] : []))
      if (reached.length === 0) throw failures[0] ?? new AppError({ code: 'provider-unavailable', message: 'Scaleway listed no zone.', retryable: true })
      const plans = buildPlans(reached.map(({ region, types }) => ({ zone: region.id, types })))
      const sold = new Set(plans.flatMap((plan) => plan.regions ?? []))
      const regions: Region[] = reached.map(({ region }) => region).filter((region) => sold.has(region.id))
      return { regions, plans, source: 'live' }
    },

    async provision(ctx, spec, locator, progress, signal): Promise<StepResult> {
      const client = clientFor(ctx)
      const project = projectOf(ctx)
      const zone = spec.region
      const next: HostLocator = { ...copyLocator(locator), zone }
      const hostTags = [spec.tags.host]
      recordHostTag(next, spec.tags.host)
      const group = next.attached.find((resource) => resource.kind === 'security-group')
      const ip = next.attached.find((resource) => resource.kind === 'public-ip')

      if (next.instanceId) {
        if (progress !== PROGRESS.tagged && progress !== PROGRESS.userDataSet) {
          // Setting the same tags again is harmless: no look-up needed on a retry.
          await client.setServerTags(zone, next.instanceId, [spec.tags.app, spec.tags.host], signal)
          return { done: false, locator: next, progress: PROGRESS.tagged, waitingFor: 'its cloud-init to be set' }
        }
        if (progress === PROGRESS.tagged) {
          // Setting the same key again is harmless: a retry after an unknown outcome just sends it.
          await client.setCloudInit(zone, next.instanceId, spec.userData, signal)
          return { done: false, locator: next, progress: PROGRESS.userDataSet, waitingFor: 'the server to be powered on' }
        }
        if (!spec.fresh) {
          // A poweron that may have been carried out is not sent again blind: a server no longer
          // `stopped` is on its way up.
          const server = await client.getServer(zone, next.instanceId, signal)
          if (server && server.state !== 'stopped') return { done: true, locator: next, progress: PROGRESS.poweredOn }
          if (spec.lookupOnly) return { done: false, locator: next, unresolved: true, waitingFor: 'Scaleway to show whether it powered the server on' }
        }
        await client.serverAction(zone, next.instanceId, 'poweron', signal)
        return { done: true, locator: next, progress: PROGRESS.poweredOn }
      }

      if (!group) {
        const found = spec.fresh ? undefined : first(await client.listSecurityGroups(zone, { tags: hostTags, project }, signal))
        if (!found && spec.lookupOnly) return { done: false, locator: next, unresolved: true, waitingFor: 'Scaleway to show whether it made the security group' }
        const made =
          found ??
          (await client.createSecurityGroup(
            zone,
            {
              name: groupName(spec.hostId),
              description: `Exitdesk ${spec.tunnel.mode.toUpperCase()} tunnel host ${spec.name}`,
              project,
              tags: [spec.tags.app, spec.tags.host],
              stateful: true,
              inbound_default_policy: 'drop',
              outbound_default_policy: 'accept',
            },
            signal,
          ))
        next.attached.push({ kind: 'security-group', id: made.id })
        return { done: false, locator: next, progress: PROGRESS.securityGroupCreated, waitingFor: 'its security group rules' }
      }

      if (!ip && progress === PROGRESS.securityGroupCreated) {
        await client.setRules(zone, group.id, securityRules(spec.tunnel.mode), signal)
        return { done: false, locator: next, progress: PROGRESS.rulesSet, waitingFor: 'its flexible IPv4' }
      }

      if (!ip) {
        const found = spec.fresh ? undefined : first(await client.listIps(zone, { tags: hostTags, project }, signal))
        if (!found && spec.lookupOnly) return { done: false, locator: next, unresolved: true, waitingFor: 'Scaleway to show whether it made the flexible IP' }
        const made = found ?? (await client.createIp(zone, { project, tags: [spec.tags.app, spec.tags.host] }, signal))
        next.attached.push({ kind: 'public-ip', id: made.id })
        return { done: false, locator: next, progress: PROGRESS.ipCreated, waitingFor: 'the server to be created' }
      }

      // The host tag is unique to this host: a server carrying it is one an earlier, interrupted
      // call created, adopted instead of paying for two (the oldest, if several).
      const found = spec.fresh ? undefined : oldest(await client.listServers(zone, { tags: hostTags, project }, signal))
      if (!found && spec.lookupOnly) return { done: false, locator: next, unresolved: true, waitingFor: 'Scaleway to show whether it made the server' }
      const server =
        found ??
        (await client.createServer(
          zone,
          {
            name: spec.name,
            commercial_type: spec.plan,
            image: await imageFor(client, ctx.endpoint, zone, spec.plan, signal),
            project,
            // The host tag only: the app tag follows once the server is recorded (see above).
            tags: [spec.tags.host],
            security_group: group.id,
            public_ip: ip.id,
            dynamic_ip_required: false,
            boot_type: 'local',
          },
          signal,
        ))
      next.instanceId = server.id
      recordVolumes(next, server)
      return { done: false, locator: next, progress: PROGRESS.serverCreated, waitingFor: 'its tags to be set' }
    },

    async status(ctx, locator, signal): Promise<Observation | null> {
      if (!locator.instanceId) return null
      const server = await clientFor(ctx).getServer(zoneOf(locator), locator.instanceId, signal)
      return server ? observe(server, zoneOf(locator)) : null
    },

    async delete(ctx, locator, progress, signal): Promise<StepResult> {
      const client = clientFor(ctx)
      const project = projectOf(ctx)
      const zone = zoneOf(locator)
      const next = copyLocator(locator)
      if (next.instanceId && progress !== PROGRESS.serverGone && progress !== PROGRESS.removingAttached) {
        const server = await client.getServer(zone, next.instanceId, signal)
        if (server) {
          recordVolumes(next, server)
          if (progress === PROGRESS.serverDeleteRequested) return { done: false, locator: next, progress, waitingFor: 'the server to disappear', instancePresent: true }
          const asked = await removeServer(client, zone, server, signal)
          if (asked === 'wait') return { done: false, locator: next, waitingFor: waitingOn(server) }
          if (asked === 'powering-off') return { done: false, locator: next, waitingFor: 'the server to power off before it can be deleted' }
          return { done: false, locator: next, progress: PROGRESS.serverDeleteRequested, waitingFor: 'the server to disappear', instancePresent: true }
        }
        return { done: false, locator: next, progress: PROGRESS.serverGone, waitingFor: 'its volumes, flexible IP and security group to be removed' }
      }
      const hostTag = next.attached.find((resource) => resource.kind === 'tag')?.id
      if (progress !== PROGRESS.removingAttached && hostTag) {
        // Everything made for the host is looked up by its tag, recorded or not (a create whose
        // answer was lost); nothing goes while another server still carries the tag (a duplicate
        // from a late create): its IP and group are in use. All three look-ups in one round trip.
        const [carrying, ips, groups] = await Promise.all([
          client.listServers(zone, { tags: [hostTag], project }, signal),
          client.listIps(zone, { tags: [hostTag], project }, signal),
          client.listSecurityGroups(zone, { tags: [hostTag], project }, signal),
        ])
        for (const found of ips) addAttached(next, 'public-ip', found.id)
        for (const found of groups) addAttached(next, 'security-group', found.id)
        const carriers = carrying.filter((server) => server.id !== next.instanceId)
        for (const server of carriers) recordVolumes(next, server)
        const carrier = carriers[0]
        if (carrier) {
          // A duplicate is this host's own leftover: it is removed here, then the rest.
          const asked = await removeServer(client, zone, carrier, signal)
          return { done: false, locator: next, progress: PROGRESS.serverGone, waitingFor: `server ${carrier.id}, which carries this host's tag, to be deleted${asked === 'asked' ? '' : ` (${waitingOn(carrier)})`}` }
        }
      }
      // One resource a call: volumes (gone with a terminate: 404), then IPs, then the group.
      const target = pickNext(next)
      if (!target) return { done: true, locator: next, progress: PROGRESS.attachedRemoved }
      const outcome =
        target.kind === 'disk'
          ? await client.deleteVolume(zone, target.id, signal)
          : target.kind === 'public-ip'
            ? await client.deleteIp(zone, target.id, signal)
            : await client.deleteSecurityGroup(zone, target.id, signal)
      if (outcome === 'in-use') {
        return { done: false, locator: next, progress: PROGRESS.removingAttached, waitingFor: `Scaleway to release the ${describeKind(target.kind)} from the deleted server` }
      }
      next.attached = next.attached.filter((kept) => !(kept.kind === target.kind && kept.id === target.id))
      if (pickNext(next)) return { done: false, locator: next, progress: PROGRESS.removingAttached, waitingFor: 'its volumes, flexible IP and security group to be removed' }
      return { done: true, locator: next, progress: PROGRESS.attachedRemoved }
    },

    listScopes(locators: HostLocator[]): string[] {
      // One list per zone in use; with no host yet, the default zone.
      const zones = [...new Set(locators.map(zoneOf).filter(Boolean))].sort()
      return zones.length > 0 ? zones : [SCALEWAY_MANIFEST.defaultRegion]
    },

    async listByTag(ctx, scope, tag, signal): Promise<Observation[]> {
      return clientFor(ctx).listServers(scope, { tags: [tag], project: projectOf(ctx) }, signal, (server) => observe(server, scope))
    },
  }
}

/**
 * Asks Scaleway to remove a server in the one call its state allows (its `allowed_actions` where
 * the answer lists them): `terminate` for a running one (the server and its local volumes),
 * DELETE for a stopped one (never powered on; its volumes are recorded and deleted after it),
 * and for one `stopped in place` (still on its hypervisor, where neither is allowed) a `poweroff`
 * first. 'wait' while it is starting, stopping or locked.
 */
async function removeServer(client: ScalewayClient, zone: string, server: ScwServer, signal: AbortSignal): Promise<'asked' | 'powering-off' | 'wait'> {
  const allowed = server.allowed_actions
  if (server.state === 'running' && (!allowed || allowed.includes('terminate'))) {
    await client.serverAction(zone, server.id, 'terminate', signal)
    return 'asked'
  }
  if (server.state === 'stopped') {
    await client.deleteServer(zone, server.id, signal)
    return 'asked'
  }
  if (server.state === 'stopped in place' && (!allowed || allowed.includes('poweroff'))) {
    await client.serverAction(zone, server.id, 'poweroff', signal)
    return 'powering-off'
  }
  return 'wait'
}

function waitingOn(server: ScwServer): string {
  if (server.state === 'locked') return 'Scaleway to unlock the server (locked servers cannot be deleted; Scaleway support can say why)'
  return `the server to finish ${server.state === 'stopping' ? 'stopping' : 'starting'} before it can be deleted`
}

/**
 * The shapes Scaleway's own SDK insists on (scaleway-sdk-js `internal/validations/string-validation`:
 * an access key is `SCW` and 17 letters or digits, a secret key and a project id are UUIDs):
 * a typo is named at its field before anything is sent. The values are never quoted back.
 */
function checkKeyShapes(ctx: CloudContext): void {
  const field = (key: string, message: string): AppError => new AppError({ code: 'invalid-input', field: key, message, retryable: false })
  if (!/^SCW[A-Z0-9]{17}$/i.test((ctx.credentials.accessKey ?? '').trim())) throw field('accessKey', 'A Scaleway access key is "SCW" followed by 17 letters or digits.')
  if (!UUID.test((ctx.credentials.secretKey ?? '').trim())) throw field('secretKey', 'A Scaleway secret key looks like 00000000-0000-0000-0000-000000000000.')
  if (!UUID.test((ctx.credentials.projectId ?? '').trim())) throw field('projectId', 'A Scaleway project id looks like 00000000-0000-0000-0000-000000000000 (Project settings → Project ID).')
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * One plan per server type that is a virtual (not bare-metal, no GPU) type with a local SSD
 * (`per_volume_constraint.l_ssd`: `terminate` deletes local volumes with the server, so nothing is
 * left; block volumes would only be detached) and a monthly price, in the zones that sell it. The
 * price is the type's `monthly_price` plus the flexible IPv4; where zones differ, the cheapest is
 * shown and the note names the rest.
 */
export function buildPlans(zones: Array<{ zone: string; types: Map<string, ScwServerType> }>): Plan[] {
  const offers = new Map<string, { type: ScwServerType; prices: Array<{ zone: string; eur: number }> }>()
  for (const { zone, types } of zones) {
    for (const [name, type] of types) {
      const local = type.per_volume_constraint?.l_ssd
      if (type.baremetal || (type.gpu ?? 0) > 0 || !local || local.max_size <= 0) continue
      if (typeof type.monthly_price !== 'number' || !Number.isFinite(type.monthly_price) || type.monthly_price <= 0) continue
      const entry = offers.get(name) ?? { type, prices: [] }
      entry.prices.push({ zone, eur: type.monthly_price })
      offers.set(name, entry)
    }
  }
  const plans: Plan[] = []
  for (const [name, { type, prices }] of offers) {
    const cheapest = prices.reduce((best, price) => (price.eur < best.eur ? price : best))
    const dearer = prices.filter((price) => round2(price.eur) !== round2(cheapest.eur))
    const elsewhere = dearer.length > 0 ? `; ${dearer.map((price) => `${price.zone} €${(price.eur + IPV4_EUR_PER_MONTH).toFixed(2)}`).join(', ')}` : ''
    plans.push({
      id: name,
      label: `${type.ncpus} vCPU (${type.arch}), ${formatRam(type.ram)} RAM, local SSD`,
      monthlyCostUsd: round2((cheapest.eur + IPV4_EUR_PER_MONTH) * EUR_TO_USD),
      costNote: `€${cheapest.eur.toFixed(2)} + €${IPV4_EUR_PER_MONTH.toFixed(2)} flexible IPv4 a month (local SSD included), net of VAT${elsewhere}`,
      regions: prices.map((price) => price.zone),
    })
  }
  return plans.sort((a, b) => a.monthlyCostUsd - b.monthlyCostUsd || a.id.localeCompare(b.id))
}

/** Scaleway reports RAM in bytes. */
function formatRam(bytes: number): string {
  const gb = bytes / 1024 ** 3
  return gb >= 1 ? `${Number.isInteger(gb) ? gb : gb.toFixed(1)} GB` : `${Math.round(bytes / 1024 ** 2)} MB`
}

function round2(value: number): number {
  return Math.round(value * 100) / 100
}

export function observe(server: ScwServer, zone: string): Observation {
  const v4 = server.public_ip?.address || server.public_ips?.find((ip) => ip.family !== 'inet6' && !ip.address.includes(':'))?.address
  return {
    instanceId: server.id,
    name: server.name,
    region: server.zone ?? zone,
    plan: server.commercial_type,
    state: serverState(server.state),
    rawStatus: server.state,
    ipv4: v4 || undefined,
    ipv6: server.ipv6?.address || undefined,
    createdAt: server.creation_date ?? undefined,
    tags: server.tags ?? [],
  }
}

/** Inbound only (outbound is accepted by the group's default policy). */
export function securityRules(mode: 'tcp' | 'https'): ScwRule[] {
  const ranges: Array<[number, number]> = mode === 'https' ? HTTPS_PORTS.map((port) => [port, port]) : [[1, 65535]]
  return ranges.flatMap(([from, to], index) =>
    ['0.0.0.0/0', '::/0'].map((range, family) => ({
      action: 'accept' as const,
      protocol: 'TCP' as const,
      direction: 'inbound' as const,
      ip_range: range,
      dest_port_from: from,
      ...(to !== from ? { dest_port_to: to } : {}),
      position: index * 2 + family + 1,
      editable: true,
    })),
  )
}

/** Security group names are free text; one per host keeps the console readable. */
export function groupName(hostId: string): string {
  const safe = hostId.replace(/[^a-zA-Z0-9.-]+/g, '-').replace(/^-+|-+$/g, '')
  return `exitdesk-${safe || 'host'}`.slice(0, 128)
}

function zoneOf(locator: HostLocator): string {
  return locator.zone ?? locator.region
}

function first<T>(items: T[]): T | undefined {
  return items[0]
}

function oldest(servers: ScwServer[]): ScwServer | undefined {
  return servers.reduce<ScwServer | undefined>((best, server) => (!best || (server.creation_date ?? '') < (best.creation_date ?? '') ? server : best), undefined)
}

function recordVolumes(locator: HostLocator, server: ScwServer): void {
  for (const volume of Object.values(server.volumes ?? {})) {
    // Only local volumes: `terminate` removes them, and a DELETE removes what a plain server
    // delete left. Block (SBS) volumes are never made by Exitdesk.
    if (volume && typeof volume.id === 'string' && (volume.volume_type === undefined || volume.volume_type === 'l_ssd')) addAttached(locator, 'disk', volume.id)
  }
}

function addAttached(locator: HostLocator, kind: 'disk' | 'public-ip' | 'security-group', id: string): void {
  if (!locator.attached.some((resource) => resource.kind === kind && resource.id === id)) locator.attached.push({ kind, id })
}

function recordHostTag(locator: HostLocator, tag: string): void {
  if (!locator.attached.some((resource) => resource.kind === 'tag' && resource.id === tag)) locator.attached.push({ kind: 'tag', id: tag })
}

function pickNext(locator: HostLocator): { kind: 'disk' | 'public-ip' | 'security-group'; id: string } | undefined {
  for (const kind of ['disk', 'public-ip', 'security-group'] as const) {
    const found = locator.attached.find((resource) => resource.kind === kind)
    if (found) return { kind, id: found.id }
  }
  return undefined
}

function describeKind(kind: 'disk' | 'public-ip' | 'security-group'): string {
  return kind === 'disk' ? 'volume' : kind === 'public-ip' ? 'flexible IP' : 'security group'
}

function copyLocator(locator: HostLocator): HostLocator {
  return { ...locator, attached: locator.attached.map((resource) => ({ ...resource })) }
}

