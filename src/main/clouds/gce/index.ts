/**
 * The Google Compute Engine adapter: an e2-micro with an ephemeral external IPv4 for each exit
 * server, and a VPC firewall rule of its own (GCE's default network lets in nothing but ssh,
 * rdp, icmp and internal traffic, so both tunnel modes need one).
 *
 * Every call sends one or two requests and returns; operations are started, never awaited.
 *
 * Create:   firewalls.insert (name = host tag; 409 = made before, adopted)   -> 'firewall-requested:<op>'
 *           globalOperations.get until DONE (an error is the create's refusal),
 *           then instances.insert with a requestId derived from the host id    -> 'instance-requested:<op>'
 *           zoneOperations.get until DONE (an error is the create's refusal)   -> done (instance id recorded)
 *           A step that is not `fresh` looks the instance up by name (and checks
 *           its host label) before it inserts; `lookupOnly` inserts nothing.
 * Teardown: instances.delete                                                   -> 'instance-delete-requested'
 *           instances.get until 404                                            -> 'instance-gone'
 *           aggregatedList by the host label: another live instance carrying
 *           it (a duplicate) keeps the rule                                    -> waits
 *           firewalls.delete, then firewalls.get until 404, one rule a call     -> done
 *
 * What the Go provision package did and this does not: a reserved static address that leaked
 * when the instance went (here the address is ephemeral: it goes with the instance); one shared
 * firewall rule named "inlets" that every create overwrote (here one rule per host, targeting a
 * network tag only that host carries); a dated pinned image (here the Ubuntu 24.04 family);
 * a list that looped on page 2 (here nextPageToken is followed to the end).
 */
import { GCE_CONSOLE } from './console'
import type { Catalog, HostLocator } from '../../../shared/domain'
import { AppError } from '../../../shared/errors'
import { HOST_TAG_PREFIX } from '../../hosts/tags'
import type { AccountIdentity, CloudContext, Observation, ProvisionSpec, Provisioner, StepResult } from '../types'
import { GceClient, GceConnection, lastSegment, warmSdk, type GceFirewall, type GceInstance, type GceOperation } from './client'
import { operationError, PROVIDER } from './errors'
import { parseProjectId, parseServiceAccountKey, type ServiceAccountKey } from './key'
import { firewallNameFor, HOST_LABEL, labelFilter, labelsFor, requestIdFor, tagsFromLabels } from './labels'
import { BOOT_DISK_GB, GCE_MANIFEST, SOURCE_IMAGE, zoneLabel } from './manifest'
import { instanceState } from './state'
import type { HeaderSource } from './transport'
import { createHash } from 'node:crypto'

export { GCE_MANIFEST } from './manifest'
export { instanceState, INSTANCE_STATES } from './state'

/** The scope a service-account token is asked for: Compute Engine read/write (https://developers.google.com/identity/protocols/oauth2/scopes#compute). */
export const COMPUTE_SCOPE = 'https://www.googleapis.com/auth/compute'

export interface GceProvisionerOptions {
  /** Per-request deadline; DEFAULT_TIMEOUT_MS when absent. */
  timeoutMs?: number
  maxPages?: number
  /** Tests: the bearer-token source instead of one signed with the key (e.g. a static token). */
  credentialFor?: (key: ServiceAccountKey) => HeaderSource
}

/** Ports an HTTPS tunnel needs: inlets control plane, ACME HTTP-01 challenge and HTTPS. */
export const HTTPS_PORTS = ['8123', '80', '443'] as const
/** The auto-created VPC every project starts with (https://cloud.google.com/vpc/docs/vpc#default-network). */
export const NETWORK = 'global/networks/default'

/** Connections kept (SDK clients are cheap after the first, but each holds a key). */
const MAX_CONNECTIONS = 16

export const PROGRESS = {
  firewallRequested: 'firewall-requested',
  instanceRequested: 'instance-requested',
  instanceCreated: 'instance-created',
  instanceDeleteRequested: 'instance-delete-requested',
  instanceGone: 'instance-gone',
  firewallDeleteRequested: 'firewall-delete-requested',
  removingAttached: 'removing-attached',
  attachedRemoved: 'attached-removed',
} as const

/**
 * The real credential: a self-signed JWT from the service-account key, signed here with its
 * private key and sent as the bearer token (google-auth-library's JWT with
 * `useJWTAccessWithScope`: https://google.aip.dev/auth/4111,
 * https://developers.google.com/identity/protocols/oauth2/service-account#jwt-auth). No token
 * endpoint is asked (no request to oauth2.googleapis.com), and the library is loaded only here.
 */
export function jwtCredential(key: ServiceAccountKey): HeaderSource {
  let jwt: Promise<{ getRequestHeaders(url?: string): Promise<Headers> }> | undefined
  return {
    async getRequestHeaders() {
      jwt ??= import('google-auth-library').then(({ JWT }) => {
        const client = new JWT({ email: key.clientEmail, key: key.privateKey, keyId: key.privateKeyId, scopes: [COMPUTE_SCOPE] })
        // Sign the scope into a self-signed token instead of trading it at the token endpoint.
        client.useJWTAccessWithScope = true
        return client
      })
      return (await jwt).getRequestHeaders()
    },
  }
}

export function createGceProvisioner(options: GceProvisionerOptions = {}): Provisioner {
  /** One connection (SDK clients, transport) per account, key and endpoint. */
  const connections = new Map<string, GceConnection>()

  const clientFor = (ctx: CloudContext): GceClient => {
    // Keys start with the account id, so a replaced key or endpoint drops the account's old connection.
    const key = parseServiceAccountKey(ctx.credentials.serviceAccountKey)
    const project = parseProjectId(ctx.credentials.projectId || key.projectId)
    const cacheKey = `${ctx.accountId}:${createHash('sha256').update(JSON.stringify([ctx.endpoint, ctx.credentials.serviceAccountKey, project])).digest('hex')}`
    let connection = connections.get(cacheKey)
    if (!connection) {
      for (const old of [...connections.keys()]) if (old.startsWith(`${ctx.accountId}:`)) connections.delete(old)
      connection = new GceConnection({ endpoint: ctx.endpoint, credential: (options.credentialFor ?? jwtCredential)(key), timeoutMs: options.timeoutMs })
      connections.set(cacheKey, connection)
      // Every verify of a new account (a fresh account id) makes one; the oldest go first.
      while (connections.size > MAX_CONNECTIONS) connections.delete(connections.keys().next().value!)
    }
    return new GceClient(connection, { project, gate: ctx.budget?.gate(ctx.priority ?? 'background'), maxPages: options.maxPages })
  }

  return {
    manifest: GCE_MANIFEST,
    console: GCE_CONSOLE,

    prepare: warmSdk,

    async verify(ctx, signal): Promise<AccountIdentity> {
      const key = parseServiceAccountKey(ctx.credentials.serviceAccountKey)
      const client = clientFor(ctx)
      const project = await client.getProject(signal)
      if (project.name !== client.project) throw new AppError({ code: 'unprocessable', message: `${PROVIDER} answered for another project than ${client.project}.`, retryable: false })
      return accountIdentity(client.project, key)
    },

    async catalog(ctx, signal): Promise<Catalog> {
      const zones = await clientFor(ctx).listZones(signal)
      const open = zones.filter((zone) => zone.name && zone.status === 'UP')
      return {
        regions: open.map((zone) => ({ id: zone.name!, label: zoneLabel(zone.name!) })).sort((a, b) => a.id.localeCompare(b.id)),
        // The Compute API has no prices (they are in the Cloud Billing Catalog API): the plans are the manifest's.
        plans: GCE_MANIFEST.plans,
        source: 'live',
      }
    },

    async provision(ctx, spec, locator, progress, signal): Promise<StepResult> {
      const client = clientFor(ctx)
      const next = copyLocator(locator, spec.region)
      const zone = next.zone!
      if (next.instanceId) return { done: true, locator: next, progress: PROGRESS.instanceCreated }
      const firewall = firewallNameFor(spec.tags.host)

      if (!next.attached.some((resource) => resource.kind === 'firewall' && resource.id === firewall)) {
        // The rule's name is the host tag: a rule made by an earlier try whose answer was lost
        // answers 409 alreadyExists and is adopted, so the insert itself is the look-up.
        if (spec.lookupOnly) {
          if (!(await client.getFirewall(firewall, signal))) return { done: false, locator: next, unresolved: true, waitingFor: `${PROVIDER} to show whether it made the firewall rule` }
          next.attached.push({ kind: 'firewall', id: firewall })
          recordHostTag(next, spec.tags.host)
          return { done: false, locator: next, progress: PROGRESS.firewallRequested, waitingFor: 'the instance to be created' }
        }
        const operation = await adoptOnConflict(() => client.insertFirewall(firewallRule(firewall, spec), signal))
        next.attached.push({ kind: 'firewall', id: firewall })
        recordHostTag(next, spec.tags.host)
        return { done: false, locator: next, progress: marker(PROGRESS.firewallRequested, operation?.name), waitingFor: 'Google to create the firewall rule' }
      }

      const [step, operationName] = splitMarker(progress)
      if (step === PROGRESS.firewallRequested && operationName) {
        // The instance waits for its rule: an instance made while the rule failed would be
        // adopted by the next refresh (it carries the host's label) and run with nothing open.
        const operation = await client.getGlobalOperation(operationName, signal)
        if (operation && operation.status !== 'DONE') return { done: false, locator: next, progress, waitingFor: 'Google to create the firewall rule' }
        if (operation?.error?.errors?.length) throw operationError('the firewall rule', operation.error.errors, operation.httpErrorStatusCode)
      }

      if (step === PROGRESS.instanceRequested && operationName) {
        const operation = await client.getZoneOperation(zone, operationName, signal)
        if (operation) {
          if (operation.status !== 'DONE') return { done: false, locator: next, progress, waitingFor: 'Google to create the instance' }
          if (operation.error?.errors?.length) throw operationError('the instance', operation.error.errors, operation.httpErrorStatusCode)
          if (operation.targetId) return created(next, String(operation.targetId))
        }
        // An operation GCE has forgotten (or one without a target): the instance tells.
      }

      // The instance step. A step that may follow an earlier try looks the instance up by its
      // name (unique in the zone) first; GCE also ignores a repeated insert with the same requestId.
      if (!spec.fresh || spec.lookupOnly || step === PROGRESS.instanceRequested) {
        const found = await client.getInstance(zone, spec.name, signal)
        if (found) return adopt(next, found, spec)
        if (spec.lookupOnly) return { done: false, locator: next, unresolved: true, waitingFor: `${PROVIDER} to show whether it made the instance` }
      }
      let operation: GceOperation
      try {
        operation = await client.insertInstance(zone, instanceRequest(spec, zone), requestIdFor(spec.hostId, 'instances.insert'), signal)
      } catch (error) {
        if (!(error instanceof AppError) || error.info.code !== 'conflict') throw error
        const found = await client.getInstance(zone, spec.name, signal)
        if (!found) throw error
        return adopt(next, found, spec)
      }
      return { done: false, locator: next, progress: marker(PROGRESS.instanceRequested, operation.name), waitingFor: 'Google to create the instance' }
    },

    async status(ctx, locator, signal): Promise<Observation | null> {
      if (!locator.instanceId) return null
      const instance = await clientFor(ctx).getInstance(zoneOf(locator), locator.instanceId, signal)
      return instance ? observe(instance) : null
    },

    async delete(ctx, locator, progress, signal): Promise<StepResult> {
      const client = clientFor(ctx)
      const next = copyLocator(locator, locator.region)
      const zone = next.zone!
      const [step, pending] = splitMarker(progress)
      if (next.instanceId && step !== PROGRESS.instanceGone && step !== PROGRESS.removingAttached && step !== PROGRESS.firewallDeleteRequested) {
        // The instance first: its boot disk goes with it (autoDelete) and so does its
        // ephemeral address; nothing else of it is billed.
        const stillThere = step === PROGRESS.instanceDeleteRequested ? (await client.getInstance(zone, next.instanceId, signal)) !== null : await requestDelete(client, zone, next.instanceId, signal)
        if (stillThere) return { done: false, locator: next, progress: PROGRESS.instanceDeleteRequested, waitingFor: 'the instance to be deleted', instancePresent: true }
        return { done: false, locator: next, progress: PROGRESS.instanceGone, waitingFor: 'its firewall rule to be removed' }
      }
      if (step === PROGRESS.firewallDeleteRequested && pending) {
        // The rule's delete was accepted: it is gone once GCE answers 404.
        if (await client.getFirewall(pending, signal)) return { done: false, locator: next, progress, waitingFor: 'its firewall rule to be removed' }
        next.attached = next.attached.filter((resource) => !(resource.kind === 'firewall' && resource.id === pending))
        return finishOrContinue(next)
      }
      if (step !== PROGRESS.removingAttached) {
        // The instance is gone (or was never made). The host's rule is found by its name even
        // when it was never recorded; and no rule goes while another instance carries the host's
        // label (a duplicate from a create carried out late): the rule is its firewall too.
        for (const tag of hostTagsOf(next)) {
          const name = firewallNameFor(tag)
          if (!next.attached.some((resource) => resource.kind === 'firewall' && resource.id === name)) next.attached.push({ kind: 'firewall', id: name })
        }
        const carriers: string[] = []
        for (const tag of hostTagsOf(next)) {
          for (const instance of await client.aggregatedInstances(labelFilter(tag), signal)) {
            if (String(instance.id) !== next.instanceId && instance.status !== 'DEPROVISIONING') carriers.push(`${lastSegment(instance.zone)}/${instance.name ?? String(instance.id)}`)
          }
        }
        if (carriers.length > 0) return { done: false, locator: next, progress: PROGRESS.instanceGone, waitingFor: `instance ${carriers.join(', ')}, which carries this host's label, to be deleted first` }
      }
      const rule = next.attached.find((resource) => resource.kind === 'firewall')
      if (!rule) return { done: true, locator: next, progress: PROGRESS.attachedRemoved }
      if ((await client.deleteFirewall(rule.id, signal)) === null) {
        // Already gone (an earlier call's delete, or never made).
        next.attached = next.attached.filter((resource) => !(resource.kind === 'firewall' && resource.id === rule.id))
        return finishOrContinue(next)
      }
      return { done: false, locator: next, progress: marker(PROGRESS.firewallDeleteRequested, rule.id), waitingFor: 'its firewall rule to be removed' }
    },

    listScopes() {
      // aggregated/instances covers every zone of the project in one (paginated) call.
      return ['project']
    },

    async listByTag(ctx, _scope, tag, signal): Promise<Observation[]> {
      return (await clientFor(ctx).aggregatedInstances(labelFilter(tag), signal)).map(observe)
    },
  }
}

/**
 * Whose account a key acts in: the project, and the service account by its unique id
 * (client_id), which every key of that account carries and a new account of the same e-mail
 * does not. The e-mail is only shown.
 *
 * The identity is a digest of `project:<id>/service-account:<client_id>`: the project id can be a
 * credential field, and main redacts every credential value wherever it writes (the ledger
 * included), so an identity spelling it out would be stored as "project:[redacted]/…" and never
 * compare equal again. The digest is compared, never shown.
 */
export function accountIdentity(project: string, key: ServiceAccountKey): AccountIdentity {
  const identity = `project:${project}/service-account:${key.clientId}`
  return { identity: `gce-sha256:${createHash('sha256').update(identity).digest('hex')}`, accountName: `${project} (${key.clientEmail})` }
}

export function observe(instance: GceInstance): Observation {
  const access = instance.networkInterfaces?.[0]?.accessConfigs?.find((config: { natIP?: string | null }) => config.natIP)
  return {
    instanceId: String(instance.id),
    name: instance.name ?? '',
    region: lastSegment(instance.zone),
    plan: lastSegment(instance.machineType) || undefined,
    state: instanceState(instance.status ?? undefined),
    rawStatus: instance.status ?? '',
    ipv4: access?.natIP ?? undefined,
    createdAt: instance.creationTimestamp ?? undefined,
    tags: tagsFromLabels(instance.labels as Record<string, string> | null | undefined),
  }
}

/** Inbound 8123/80/443 (HTTPS) or every TCP port (TCP), from anywhere, to this host's network tag only. */
export function firewallRule(name: string, spec: Pick<ProvisionSpec, 'tunnel' | 'tags' | 'hostId'>): GceFirewall {
  return {
    name,
    description: `Exitdesk tunnel host ${spec.hostId} (${spec.tunnel.mode.toUpperCase()})`,
    network: NETWORK,
    direction: 'INGRESS',
    priority: 1000,
    sourceRanges: ['0.0.0.0/0'],
    targetTags: [spec.tags.host],
    // No `ports` opens every port of the protocol (Firewall.allowed[].ports in compute.v1.discovery.json).
    allowed: spec.tunnel.mode === 'https' ? [{ IPProtocol: 'tcp', ports: [...HTTPS_PORTS] }] : [{ IPProtocol: 'tcp' }],
  }
}

export function instanceRequest(spec: ProvisionSpec, zone: string): GceInstance {
  const labels = labelsFor(spec.tags)
  return {
    name: spec.name,
    machineType: `zones/${zone}/machineTypes/${spec.plan}`,
    labels,
    // The host tag is the network tag its own firewall rule targets.
    tags: { items: [firewallNameFor(spec.tags.host)] },
    // Plain text; cloud-init on Ubuntu's GCE images reads the `user-data` key (at most 256 KiB per value).
    metadata: { items: [{ key: 'user-data', value: spec.userData }] },
    disks: [
      {
        boot: true,
        autoDelete: true,
        initializeParams: {
          // The family, resolved by GCE to its newest image at create time.
          sourceImage: SOURCE_IMAGE,
          diskSizeGb: String(BOOT_DISK_GB),
          // Standard persistent disk: the cheapest, and the type the free tier covers.
          diskType: `zones/${zone}/diskTypes/pd-standard`,
          labels,
        },
      },
    ],
    // An ephemeral external IPv4: released with the instance, nothing reserved to leak.
    networkInterfaces: [{ network: NETWORK, accessConfigs: [{ name: 'External NAT', type: 'ONE_TO_ONE_NAT' }] }],
  }
}

/** An instance found by name: ours only if it carries this host's label. */
function adopt(locator: HostLocator, instance: GceInstance, spec: ProvisionSpec): StepResult {
  const labels = (instance.labels ?? {}) as Record<string, string>
  if (labels[HOST_LABEL] !== spec.tags.host) {
    throw new AppError({ code: 'conflict', field: 'name', message: `An instance named "${spec.name}" that Exitdesk did not make already exists in zone ${locator.zone}. Choose another name.`, retryable: false })
  }
  return created(locator, String(instance.id))
}

function created(locator: HostLocator, instanceId: string): StepResult {
  return { done: true, locator: { ...locator, instanceId }, progress: PROGRESS.instanceCreated }
}

/**
 * Sends the instance's delete; true while the instance is still there. A delete sent again
 * while the first is under way (the host service does that after a grace) may be refused as
 * "not ready" (400 resourceNotReady) or a conflict: that is the first delete still working,
 * not a failure.
 */
async function requestDelete(client: GceClient, zone: string, instanceId: string, signal: AbortSignal): Promise<boolean> {
  try {
    return (await client.deleteInstance(zone, instanceId, signal)) !== null
  } catch (error) {
    if (!(error instanceof AppError) || (error.info.code !== 'unprocessable' && error.info.code !== 'conflict')) throw error
    const instance = await client.getInstance(zone, instanceId, signal)
    if (instance && (instance.status === 'STOPPING' || instance.status === 'DEPROVISIONING')) return true
    throw error
  }
}

/** A conflict (409 alreadyExists) means an earlier try made it: adopted, no operation to watch. */
async function adoptOnConflict(insert: () => Promise<GceOperation>): Promise<GceOperation | undefined> {
  try {
    return await insert()
  } catch (error) {
    if (error instanceof AppError && error.info.code === 'conflict') return undefined
    throw error
  }
}

function finishOrContinue(locator: HostLocator): StepResult {
  if (locator.attached.some((resource) => resource.kind === 'firewall')) return { done: false, locator, progress: PROGRESS.removingAttached, waitingFor: 'its firewall rule to be removed' }
  return { done: true, locator, progress: PROGRESS.attachedRemoved }
}

/** "step:operation[:operation]" markers: operation (and rule) names are RFC 1035 names, without colons. */
function marker(step: string, ...details: Array<string | null | undefined>): string {
  return [step, ...details.filter((detail): detail is string => Boolean(detail))].join(':')
}

function splitMarker(progress: string | undefined): [string | undefined, string | undefined, string | undefined] {
  if (!progress) return [undefined, undefined, undefined]
  const [step, first, second] = progress.split(':')
  return [step, first || undefined, second || undefined]
}

function zoneOf(locator: HostLocator): string {
  return locator.zone ?? locator.region
}

function hostTagsOf(locator: HostLocator): string[] {
  return locator.attached.filter((resource) => resource.kind === 'tag' && resource.id.startsWith(HOST_TAG_PREFIX)).map((resource) => resource.id)
}

function recordHostTag(locator: HostLocator, tag: string): void {
  if (!locator.attached.some((resource) => resource.kind === 'tag' && resource.id === tag)) locator.attached.push({ kind: 'tag', id: tag })
}

/** "Region" is the zone here; it is recorded as `zone` too, so the locator says what it is. */
function copyLocator(locator: HostLocator, zone: string): HostLocator {
  return { ...locator, zone: locator.zone ?? zone, attached: locator.attached.map((resource) => ({ ...resource })) }
}
