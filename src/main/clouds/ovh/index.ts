/**
 * The OVHcloud Public Cloud adapter: one instance per host on OVH's public network (Ext-Net),
 * which gives it a public IPv4 (and IPv6) of its own; nothing else is made per host.
 *
 * Every method makes one or two rounds of quick API calls and returns; nothing waits for an
 * instance to boot or to disappear. The first call for an account costs one more round trip:
 * GET /auth/time, measured once per account (./signing.ts).
 *
 * Create:   [GET /instance?region=R: a name carrying the host tag]     (skipped when `fresh`)
 *           alongside [GET /flavor?region=R, GET /image?osType=linux&region=R] (cached from the catalogue)
 *           then POST /instance with `userData`                        -> done
 * Teardown: DELETE /instance/{id}                                      -> 'instance-delete-requested'
 *           GET /instance/{id} until 404                               -> done
 *
 * No firewall: OVH's API has none for instances (security groups exist only through OpenStack
 * Neutron, a second API with its own credentials), so an instance on Ext-Net is reachable on
 * every port. The cloud-init script Exitdesk generates (src/main/tunnel) is then the only guard:
 * inlets-pro listens on 8123 (and 80/443 for HTTPS), and a stock Ubuntu image answers on SSH
 * (22) too, with no password and no key installed by Exitdesk. The README says so.
 *
 * No tags: the instance name carries them ("<host tag>.<name>", ./naming.ts). OVH has no
 * idempotency key, so a create whose outcome is unknown is looked up by that name with
 * `lookupOnly` until the host service's late-processing window has passed; never sent blind.
 */
import { OVH_CONSOLE } from './console'
import type { Catalog, HostLocator, Plan, Region } from '../../../shared/domain'
import { AppError, invalidInput } from '../../../shared/errors'
import type { AccountIdentity, CloudContext, Observation, ProvisionSpec, Provisioner, StepResult } from '../types'
import { OvhClient, OvhError, type OvhFlavor, type OvhImage, type OvhInstance, type OvhInstanceCreate, type OvhProject } from './client'
import { DEFAULT_OVH_ENDPOINT, monthlyUsd, OVH_ENDPOINTS, OVH_MANIFEST, PRICE_NOTE, FLAVOR_PRICES, regionLabel, UBUNTU_IMAGE_NAME } from './manifest'
import { carriesTag, displayName, instanceName, tagsFromName } from './naming'
import { TimeDeltas } from './signing'
import { instanceState } from './state'

export { OVH_MANIFEST } from './manifest'
export { instanceState, INSTANCE_STATES } from './state'

export interface OvhProvisionerOptions {
  /** Per-request deadline; the RestClient default (15 s) when absent. */
  timeoutMs?: number
  /** Local clock (tests skew it against the fake's to prove the delta is used). */
  now?: () => number
}

/** How long flavor and image ids read from the API are trusted. */
export const ID_CACHE_MS = 60 * 60_000

export const PROGRESS = {
  instanceCreated: 'instance-created',
  instanceDeleteRequested: 'instance-delete-requested',
  instanceGone: 'instance-gone',
} as const

interface IdCache {
  at: number
  /** `${region} ${flavor name}` -> flavor id. */
  flavors: Map<string, OvhFlavor>
  /** region -> Ubuntu image. */
  images: Map<string, OvhImage>
}

/** What one account needs besides the client: its project and where its API is. */
interface Account {
  client: OvhClient
  project: string
  /** "ovh-eu", "ovh-ca" or "ovh-us". */
  apiRegion: string
  cacheKey: string
}

export function createOvhProvisioner(options: OvhProvisionerOptions = {}): Provisioner & { readonly times: TimeDeltas } {
  const now = options.now ?? Date.now
  const times = new TimeDeltas(now)
  const caches = new Map<string, IdCache>()
  const cacheFor = (key: string): IdCache => {
    let cache = caches.get(key)
    if (!cache || now() - cache.at > ID_CACHE_MS) {
      cache = { at: now(), flavors: new Map(), images: new Map() }
      caches.set(key, cache)
    }
    return cache
  }

  function accountFor(ctx: CloudContext): Account {
    const { apiRegion, baseUrl } = apiBase(ctx)
    const project = (ctx.credentials.projectId ?? '').trim()
    if (project.length === 0) throw invalidInput('credentials.projectId', 'The OVHcloud Public Cloud project id is required.')
    const client = new OvhClient({
      baseUrl,
      applicationKey: ctx.credentials.applicationKey ?? '',
      applicationSecret: ctx.credentials.applicationSecret ?? '',
      consumerKey: ctx.credentials.consumerKey ?? '',
      timeKey: `${ctx.accountId} ${baseUrl}`,
      times,
      timeoutMs: options.timeoutMs,
      budget: ctx.budget?.gate(ctx.priority ?? 'background'),
    })
    return { client, project, apiRegion, cacheKey: `${baseUrl} ${project}` }
  }

  /** The flavor and Ubuntu image for a create: from the cache the catalogue fills, else one parallel look-up. */
  async function resolve(account: Account, region: string, plan: string, signal: AbortSignal): Promise<{ flavor: OvhFlavor; image: OvhImage }> {
    const cache = cacheFor(account.cacheKey)
    let flavor = cache.flavors.get(`${region} ${plan}`)
    let image = cache.images.get(region)
    if (!flavor || !image) {
      const [flavors, images] = await Promise.all([
        flavor ? Promise.resolve([flavor]) : account.client.listFlavors(account.project, region, signal),
        image ? Promise.resolve([image]) : account.client.listImages(account.project, region, signal),
      ])
      remember(cache, flavors, images)
      flavor = cache.flavors.get(`${region} ${plan}`)
      image = cache.images.get(region)
    }
    if (!flavor) throw new AppError({ code: 'invalid-input', field: 'plan', message: `OVHcloud offers no flavor "${plan}" in ${region} for this project.`, retryable: false })
    if (!image) throw new AppError({ code: 'unprocessable', message: `OVHcloud offers no "${UBUNTU_IMAGE_NAME}" image in ${region}, so Exitdesk will not pick another on its own.`, retryable: false })
    return { flavor, image }
  }

  return {
    manifest: OVH_MANIFEST,
    console: OVH_CONSOLE,
    times,

    async verify(ctx, signal): Promise<AccountIdentity> {
      const account = accountFor(ctx)
      try {
        return projectIdentity(await account.client.getProject(account.project, signal), account.apiRegion)
      } catch (error) {
        // OVH answers 404 for a project id these keys' account does not have (or a typo in it).
        if (error instanceof OvhError && error.httpStatus === 404) {
          throw new AppError({
            ...error.info,
            field: 'credentials.projectId',
            message: `OVHcloud has no Public Cloud project ${account.project} for these keys (${account.apiRegion}). Check the project id and the API region.`,
          })
        }
        throw error
      }
    },

    async catalog(ctx, signal): Promise<Catalog> {
      const account = accountFor(ctx)
      const [regionCodes, flavors, images] = await Promise.all([
        account.client.listRegions(account.project, signal),
        account.client.listFlavors(account.project, undefined, signal),
        account.client.listImages(account.project, undefined, signal),
      ])
      const cache = cacheFor(account.cacheKey)
      remember(cache, flavors, images)
      const enabled = new Set(regionCodes)
      const plans = buildPlans(flavors, (region) => enabled.has(region) && cache.images.has(region))
      const sold = new Set(plans.flatMap((plan) => plan.regions ?? []))
      const regions: Region[] = regionCodes
        .filter((code) => sold.has(code))
        .map((code) => ({ id: code, label: regionLabel(code) }))
        .sort((a, b) => a.label.localeCompare(b.label))
      return { regions, plans, source: 'live' }
    },

    async provision(ctx, spec, locator, _progress, signal): Promise<StepResult> {
      const next = copyLocator(locator)
      if (next.instanceId) return { done: true, locator: next, progress: PROGRESS.instanceCreated }
      const account = accountFor(ctx)
      const name = instanceName(spec.tags, spec.name)
      recordHostTag(next, spec.tags.host)
      // The name carries the host tag: an instance with it is one an earlier, interrupted call
      // created, adopted instead of paying for two (the oldest, should there be several).
      // Both look-ups in one round trip; a failed flavor/image look-up matters only when nothing is found.
      const resolving = spec.lookupOnly ? undefined : resolve(account, spec.region, spec.plan, signal).then((value) => ({ value }), (error: unknown) => ({ error }))
      const found = spec.fresh ? undefined : oldest((await account.client.listInstances(account.project, spec.region, signal)).filter((instance) => carriesTag(instance.name, spec.tags.host)))
      const resolved = await resolving
      if (found) {
        next.instanceId = found.id
        return { done: true, locator: next, progress: PROGRESS.instanceCreated }
      }
      if (!resolved) return { done: false, locator: next, unresolved: true, waitingFor: 'OVHcloud to show whether it made the instance' }
      if ('error' in resolved) throw resolved.error
      const instance = await account.client.createInstance(account.project, instanceRequest(spec, name, resolved.value.flavor, resolved.value.image), signal).catch((error: unknown) => {
        // A refused create may name an image OVH has since republished under a new id: the
        // next try reads the region's flavor and image ids again instead of the cached ones.
        if (error instanceof OvhError && error.httpStatus === 400) forgetRegion(cacheFor(account.cacheKey), spec.region)
        throw error
      })
      next.instanceId = instance.id
      return { done: true, locator: next, progress: PROGRESS.instanceCreated }
    },

    async status(ctx, locator, signal): Promise<Observation | null> {
      if (!locator.instanceId) return null
      const account = accountFor(ctx)
      const instance = await account.client.getInstance(account.project, locator.instanceId, signal)
      return instance ? observe(instance, flavorNames(cacheFor(account.cacheKey))) : null
    },

    async delete(ctx, locator, progress, signal): Promise<StepResult> {
      const next = copyLocator(locator)
      // Nothing but the instance is made per host; the host tag is only its name.
      const finished = (): StepResult => ({ done: true, locator: { ...next, attached: next.attached.filter((resource) => resource.kind !== 'tag') }, progress: PROGRESS.instanceGone })
      if (!next.instanceId) return finished()
      const account = accountFor(ctx)
      const stillThere =
        progress === PROGRESS.instanceDeleteRequested
          ? (await account.client.getInstance(account.project, next.instanceId, signal)) !== null
          : await account.client.deleteInstance(account.project, next.instanceId, signal)
      if (stillThere) return { done: false, locator: next, progress: PROGRESS.instanceDeleteRequested, waitingFor: 'the instance to disappear', instancePresent: true }
      return finished()
    },

    listScopes() {
      // GET /cloud/project/{serviceName}/instance covers every region of the project in one call.
      return ['account']
    },

    async listByTag(ctx, _scope, tag, signal): Promise<Observation[]> {
      const account = accountFor(ctx)
      const names = flavorNames(cacheFor(account.cacheKey))
      const listed = await account.client.listInstances(account.project, undefined, signal)
      return listed.filter((instance) => carriesTag(instance.name, tag)).map((instance) => observe(instance, names))
    },
  }
}

/**
 * Where an account's API is: the base URL of its API region (the `endpoint` credential, ovh-eu
 * when empty), unless the account names an endpoint of its own (tests: the fake).
 */
export function apiBase(ctx: Pick<CloudContext, 'credentials' | 'endpoint'>): { apiRegion: string; baseUrl: string } {
  const apiRegion = (ctx.credentials.endpoint ?? '').trim() || DEFAULT_OVH_ENDPOINT
  const known = Object.prototype.hasOwnProperty.call(OVH_ENDPOINTS, apiRegion) ? OVH_ENDPOINTS[apiRegion] : undefined
  if (!known) throw invalidInput('credentials.endpoint', `"${apiRegion.slice(0, 20)}" is not an OVHcloud API region: use ovh-eu, ovh-ca or ovh-us.`)
  return { apiRegion, baseUrl: ctx.endpoint || known }
}

/**
 * Which project keys act in: its immutable id, with the API region it belongs to (projects of
 * ovh-eu and ovh-ca are separate systems). The name is only for display and may change.
 */
export function projectIdentity(project: OvhProject, apiRegion: string): AccountIdentity {
  if (project.status === 'deleted' || project.status === 'deleting' || project.status === 'suspended') {
    throw new AppError({ code: 'forbidden', message: `This OVHcloud Public Cloud project is ${project.status}: Exitdesk cannot create hosts in it.`, retryable: false })
  }
  const name = (project.description ?? project.projectName ?? '').trim()
  return { identity: `${apiRegion}/project:${project.project_id}`, accountName: name ? `OVHcloud project ${name} (${project.project_id})` : `OVHcloud project ${project.project_id}` }
}

export function observe(instance: OvhInstance, flavorNamesById: ReadonlyMap<string, string> = new Map()): Observation {
  const publicIp = (version: number): string | undefined => instance.ipAddresses.find((address) => address.type === 'public' && address.version === version)?.ip || undefined
  return {
    instanceId: instance.id,
    name: displayName(instance.name),
    region: instance.region,
    plan: instance.flavor?.name ?? (instance.flavorId ? flavorNamesById.get(instance.flavorId) : undefined),
    state: instanceState(instance.status),
    rawStatus: instance.status,
    ipv4: publicIp(4),
    ipv6: publicIp(6),
    createdAt: instance.created,
    tags: tagsFromName(instance.name),
  }
}

export function instanceRequest(spec: ProvisionSpec, name: string, flavor: OvhFlavor, image: OvhImage): OvhInstanceCreate {
  return {
    name,
    flavorId: flavor.id,
    imageId: image.id,
    region: spec.region,
    // "Configuration information or scripts to use upon launch", type text: plain cloud-init,
    // not base64 (cloud.ProjectInstanceCreation `userData` in the schema). No `networks`: the
    // instance then gets the public network, Ext-Net, with its own public IPv4.
    userData: spec.userData,
    // Hourly: an exit server may live an hour; monthly billing is paid for the whole month.
    monthlyBilling: false,
  }
}

/**
 * One plan per priced flavor (manifest FLAVOR_PRICES) that OVH says is available for Linux in
 * an enabled region with the Ubuntu image, cheapest first.
 */
export function buildPlans(flavors: OvhFlavor[], usable: (region: string) => boolean): Plan[] {
  const where = new Map<string, Set<string>>()
  for (const flavor of flavors) {
    if (flavor.osType !== 'linux' || !flavor.available || !(flavor.name in FLAVOR_PRICES) || !usable(flavor.region)) continue
    where.set(flavor.name, (where.get(flavor.name) ?? new Set()).add(flavor.region))
  }
  return [...where.entries()]
    .map(([id, regions]) => ({ id, label: `${FLAVOR_PRICES[id]!.label}, IPv4 included`, monthlyCostUsd: monthlyUsd(id)!, costNote: PRICE_NOTE, regions: [...regions].sort() }))
    .sort((a, b) => a.monthlyCostUsd - b.monthlyCostUsd || a.id.localeCompare(b.id))
}

/** Fills the cache from lists: flavors by region and name, the newest active Ubuntu image per region. */
function remember(cache: IdCache, flavors: OvhFlavor[], images: OvhImage[]): void {
  for (const flavor of flavors) if (flavor.osType === 'linux' && flavor.available) cache.flavors.set(`${flavor.region} ${flavor.name}`, flavor)
  for (const image of images) {
    // By exact name, active, and usable by every flavor type (`flavorType` null).
    if (image.name !== UBUNTU_IMAGE_NAME || image.status !== 'active' || image.flavorType) continue
    const kept = cache.images.get(image.region)
    if (!kept || (image.creationDate ?? '') > (kept.creationDate ?? '')) cache.images.set(image.region, image)
  }
}

function forgetRegion(cache: IdCache, region: string): void {
  cache.images.delete(region)
  for (const key of [...cache.flavors.keys()]) if (key.startsWith(`${region} `)) cache.flavors.delete(key)
}

function flavorNames(cache: IdCache): Map<string, string> {
  return new Map([...cache.flavors.values()].map((flavor) => [flavor.id, flavor.name]))
}

function oldest(instances: OvhInstance[]): OvhInstance | undefined {
  return [...instances].sort((a, b) => (a.created ?? '').localeCompare(b.created ?? '') || a.id.localeCompare(b.id))[0]
}

function recordHostTag(locator: HostLocator, tag: string): void {
  if (!locator.attached.some((resource) => resource.kind === 'tag' && resource.id === tag)) locator.attached.push({ kind: 'tag', id: tag })
}

function copyLocator(locator: HostLocator): HostLocator {
  return { ...locator, attached: locator.attached.map((resource) => ({ ...resource })) }
}
