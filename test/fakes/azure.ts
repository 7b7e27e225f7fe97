/**
 * A stateful, wire-compatible fake of the Azure Resource Manager calls Exitdesk makes, and of
 * the Microsoft Entra ID client-credentials token endpoint, on https://127.0.0.1 with a
 * throwaway certificate (./azure-tls.ts): the Azure SDK sends bearer tokens over TLS only.
 *
 * Modelled on ARM (https://github.com/Azure/azure-resource-manager-rpc, v1.0):
 * - Entra ID: GET /{tenant}/v2.0/.well-known/openid-configuration and POST
 *   /{tenant}/oauth2/v2.0/token (grant_type=client_credentials); a wrong client or secret is
 *   400 `invalid_client` with an AADSTS7000215 description, an unknown tenant 400 AADSTS90002.
 * - ARM: `Authorization: Bearer <issued token>` (else 401 InvalidAuthenticationToken); a token
 *   of another tenant 401 InvalidAuthenticationTokenTenant; another subscription 404
 *   SubscriptionNotFound; paths compared without case, `api-version` required.
 * - Resource groups: PUT answers synchronously (201, then 200); DELETE answers 202 with a
 *   `Location` operation that answers 202 until the group is gone, then 200; the group is
 *   `Deleting` for `deleteAfterMs` of fake time, then it and everything in it disappear.
 *   PUTs into a deleting group are 409 ResourceGroupBeingDeleted; into a missing one 404
 *   ResourceGroupNotFound.
 * - Network resources and the VM: PUT answers 201 (200 when it existed) with
 *   `provisioningState: Updating` (VM: `Creating`) and an `Azure-AsyncOperation` header whose
 *   operation says InProgress, then Succeeded after `provisionAfterMs` (VM: `vmAfterMs`); a NIC
 *   naming a resource that is not Succeeded is 400 ReferencedResourceNotProvisioned, a VM
 *   naming such a NIC likewise. The VM's instance view has ProvisioningState/creating and
 *   PowerState/starting, then ProvisioningState/succeeded and PowerState/running; its OS disk
 *   becomes a disk resource of the group.
 * - Lists (resource groups, VMs with `statusOnly=true`, public IPs, SKUs) page by `pageSize`
 *   with an absolute `nextLink` carrying `$skiptoken`.
 * - `x-ms-ratelimit-remaining-subscription-{reads,writes,deletes}` on every ARM answer;
 *   failures injected per rule in ARM's error JSON, as a gateway's HTML page, as a cut-off
 *   body, after a delay, or "ignored" (the normal answer without carrying the call out).
 * Fake time is real time plus what `advance(ms)` added, so tests never sleep.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { listenOnLoopback } from '../support/listeners'
import { closeServer, heldAnswers, readRaw } from './http-server'
import { mulberry32 } from '../support/prng'
import type { FakeCertificate } from './azure-tls'

export interface FakeAzureOptions {
  certificate: Pick<FakeCertificate, 'cert' | 'key'>
  tenantId?: string
  clientId?: string
  clientSecret?: string
  subscriptionId?: string
  /** Fake-time ms before a network resource is Succeeded. Default 1000. */
  provisionAfterMs?: number
  /** Fake-time ms before a VM is Succeeded and running. Default 3000. */
  vmAfterMs?: number
  /** Fake-time ms a deleting resource group lingers. Default 2000. */
  deleteAfterMs?: number
  /** Items per list page. Default 100. */
  pageSize?: number
  /** Real ms added before every answer (the bench's 200 ms round trip). */
  latencyMs?: number
  clock?: { now(): number }
  /** Public IPv4 of the n-th address (n from 10). Default 198.51.100.n (TEST-NET-2). */
  ipv4For?: (n: number) => string
  /** Regions the SKU list offers Standard_B1ls in (others get B1s and B1ms only). */
  b1lsRegions?: string[]
  /** Every error answer repeats the Authorization header and the body back (the redaction tests). */
  echo?: boolean
  /**
   * Seeded faults on a share of the ARM requests (the soak), as test/support/fault-proxy.ts
   * breaks DigitalOcean's, in ARM's shapes: `setFaultRate(rate)` turns them on.
   * `holdMs`: how long (real ms) a delayed or late request is held, past the client's deadline.
   */
  chaos?: { seed: number; holdMs: number }
}

/** The faults of `chaos`, as the fault proxy names them. */
export const AZURE_FAULT_KINDS = ['rate-limited', 'server-error', 'unavailable-html', 'delayed', 'late', 'reset-before', 'reset-after', 'truncated'] as const
export type AzureFaultKind = (typeof AZURE_FAULT_KINDS)[number]

export interface AzureFailureRule {
  method?: string
  /** Tested against the lower-cased pathname. */
  path?: string | RegExp
  status?: number
  /** ARM error code and message for the `{ error: { code, message } }` body. */
  code?: string
  message?: string
  headers?: Record<string, string>
  times?: number
  /** Real ms to wait before answering (or before the normal answer when no status). */
  delayMs?: number
  /** A gateway's text/html page instead of ARM's JSON. */
  html?: boolean
  /** The normal status with a body cut off in the middle. */
  truncate?: boolean
  /** The normal answer, but the call is not carried out. */
  ignore?: boolean
  /** Carry the call out, then answer with this rule's status anyway (a 5xx after the work was done). */
  afterWork?: boolean
}

export interface FakeResource {
  id: string
  type: string
  group: string
  name: string
  location: string
  tags: Record<string, string>
  properties: Record<string, unknown>
  body: Record<string, unknown>
  createdAtMs: number
  doneAtMs: number
  /** When the resource fails instead of succeeding. */
  fail?: boolean
  /** Fake time its own DELETE was accepted (VMs). */
  deletingSinceMs?: number
}

export interface FakeGroup {
  name: string
  location: string
  tags: Record<string, string>
  deletingSinceMs?: number
}

export interface FakeAzureRequest {
  method: string
  /** Lower-cased pathname. */
  path: string
  /** Pathname as sent. */
  rawPath: string
  apiVersion?: string
  query: Record<string, string>
  body?: unknown
  status?: number
  /** The chaos fault injected on this request, if any. */
  fault?: AzureFaultKind
}

export interface FakeAzure {
  /** https://127.0.0.1:<port>: both the ARM endpoint and the authority host. */
  url: string
  tenantId: string
  clientId: string
  clientSecret: string
  subscriptionId: string
  credentials: Record<string, string>
  groups: Map<string, FakeGroup>
  resources: Map<string, FakeResource>
  requests: FakeAzureRequest[]
  tokenRequests: () => number
  /** Every access token the fake issued (the redaction tests look for them). */
  issuedTokens: () => string[]
  /** Everything in the subscription, by kind, for "the fake holds nothing" checks. */
  inventory(): { groups: number; vms: number; nics: number; publicIps: number; nsgs: number; vnets: number; disks: number }
  setFailure(rule: AzureFailureRule): void
  clearFailures(): void
  /** Makes the next created resource of this type end Failed. */
  failNext(type: string): void
  advance(ms: number): void
  /** Real ms added before every answer from now on (the bench's round trip). */
  setLatency(ms: number): void
  /** What the `x-ms-ratelimit-remaining-subscription-*` headers say from now on. */
  setRemaining(values: Partial<{ reads: number; writes: number; deletes: number }>): void
  /** Share of ARM requests the `chaos` faults break from now on (0 turns them off). */
  setFaultRate(rate: number): void
  faultCounts(): Record<string, number>
  /** Late requests held and not yet carried out; `releaseDue()` carries out those whose fake time came. */
  pendingLate(): number
  lateLanded(): number
  releaseDue(): void
  /** VMs created (not updated) per host tag, over the whole run. */
  vmCreatesByTag: Map<string, number>
  now(): number
  close(): Promise<void>
}

const TYPES = {
  nsg: 'microsoft.network/networksecuritygroups',
  publicIp: 'microsoft.network/publicipaddresses',
  vnet: 'microsoft.network/virtualnetworks',
  nic: 'microsoft.network/networkinterfaces',
  vm: 'microsoft.compute/virtualmachines',
  disk: 'microsoft.compute/disks',
} as const

const CANONICAL_TYPE: Record<string, string> = {
  [TYPES.nsg]: 'Microsoft.Network/networkSecurityGroups',
  [TYPES.publicIp]: 'Microsoft.Network/publicIPAddresses',
  [TYPES.vnet]: 'Microsoft.Network/virtualNetworks',
  [TYPES.nic]: 'Microsoft.Network/networkInterfaces',
  [TYPES.vm]: 'Microsoft.Compute/virtualMachines',
  [TYPES.disk]: 'Microsoft.Compute/disks',
}

class ArmFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

export async function startFakeAzure(options: FakeAzureOptions): Promise<FakeAzure> {
  const tenantId = options.tenantId ?? randomUUID()
  const clientId = options.clientId ?? randomUUID()
  const clientSecret = options.clientSecret ?? `fake~${randomBytes(18).toString('base64url')}`
  const subscriptionId = options.subscriptionId ?? randomUUID()
  const provisionAfterMs = options.provisionAfterMs ?? 1_000
  const vmAfterMs = options.vmAfterMs ?? 3_000
  const deleteAfterMs = options.deleteAfterMs ?? 2_000
  const pageSize = options.pageSize ?? 100
  const b1ls = new Set(options.b1lsRegions ?? ['eastus', 'westeurope', 'uksouth'])
  let offsetMs = 0
  const now = (): number => (options.clock ? options.clock.now() : Date.now()) + offsetMs
  const groups = new Map<string, FakeGroup>()
  const resources = new Map<string, FakeResource>()
  const operations = new Map<string, { kind: 'put'; resourceId: string } | { kind: 'delete-group'; group: string }>()
  const tokens = new Map<string, string>()
  const requests: FakeAzureRequest[] = []
  const failures: Array<AzureFailureRule & { used: number }> = []
  const failNextTypes = new Set<string>()
  const held = heldAnswers()
  let issued = 0
  let latencyMs = options.latencyMs ?? 0
  let faultRate = 0
  /** What `x-ms-ratelimit-remaining-subscription-*` say (another tool may spend the same principal's buckets). */
  const remaining = { reads: 249, writes: 199, deletes: 199 }
  const random = mulberry32(options.chaos?.seed ?? 1)
  const faultCounts: Record<string, number> = {}
  const lateQueue: Array<{ dueAt: number; run: () => void }> = []
  let lateLanded = 0
  /** Late requests still being held (not yet queued). */
  let holding = 0
  const vmCreatesByTag = new Map<string, number>()
  let nextAddress = 10
  let origin = ''

  const subPrefix = `/subscriptions/${subscriptionId}`.toLowerCase()
  const idOf = (group: string, type: string, name: string): string => `${subPrefix}/resourcegroups/${group}/providers/${type}/${name}`.toLowerCase()

  /** Applies the passage of fake time. */
  function settle(): void {
    const t = now()
    for (const [key, group] of groups) {
      if (group.deletingSinceMs !== undefined && t - group.deletingSinceMs >= deleteAfterMs) {
        groups.delete(key)
        for (const [id, resource] of resources) if (resource.group === key) resources.delete(id)
      }
    }
    for (const [id, resource] of resources) if (resource.deletingSinceMs !== undefined && t - resource.deletingSinceMs >= deleteAfterMs) resources.delete(id)
    for (const resource of resources.values()) {
      if (resource.fail || t < resource.doneAtMs || resource.properties.provisioningState === 'Succeeded') continue
      resource.properties.provisioningState = 'Succeeded'
      if (resource.type === TYPES.publicIp && !resource.properties.ipAddress) {
        const n = nextAddress++
        resource.properties.ipAddress = options.ipv4For ? options.ipv4For(n) : `198.51.100.${n % 254 || 254}`
      }
    }
    for (const resource of resources.values()) if (resource.fail) resource.properties.provisioningState = 'Failed'
  }

  function provisioningState(resource: FakeResource): string {
    const group = groups.get(resource.group)
    if (group?.deletingSinceMs !== undefined || resource.deletingSinceMs !== undefined) return 'Deleting'
    return String(resource.properties.provisioningState)
  }

  function resourceJson(resource: FakeResource, expand?: string): Record<string, unknown> {
    const properties: Record<string, unknown> = { ...resource.properties, provisioningState: provisioningState(resource) }
    if (resource.type === TYPES.vm) {
      const vmDone = properties.provisioningState === 'Succeeded'
      properties.vmId = resource.properties.vmId
      if (expand === 'instanceview') properties.instanceView = instanceView(resource)
      if (!vmDone) delete properties.instanceView
      if (expand === 'instanceview' && !vmDone) properties.instanceView = instanceView(resource)
    }
    return {
      id: canonicalId(resource),
      name: resource.name,
      type: CANONICAL_TYPE[resource.type],
      location: resource.location,
      tags: resource.tags,
      ...(resource.type === TYPES.publicIp ? { sku: { name: 'Standard', tier: 'Regional' } } : {}),
      ...(resource.type === TYPES.vm ? {} : { etag: `W/"${resource.createdAtMs}"` }),
      properties,
    }
  }

  function instanceView(vm: FakeResource): Record<string, unknown> {
    const state = provisioningState(vm)
    const power = state === 'Succeeded' ? 'running' : state === 'Deleting' ? 'stopped' : 'starting'
    return {
      computerName: (vm.properties.osProfile as Record<string, unknown> | undefined)?.computerName,
      statuses: [
        { code: `ProvisioningState/${state.toLowerCase()}`, level: 'Info', displayStatus: state === 'Succeeded' ? 'Provisioning succeeded' : `Provisioning ${state.toLowerCase()}` },
        { code: `PowerState/${power}`, level: 'Info', displayStatus: `VM ${power}` },
      ],
    }
  }

  /** ARM answers list ids with the group name upper-cased; tests see that the adapter copes. */
  function canonicalId(resource: FakeResource): string {
    return `/subscriptions/${subscriptionId}/resourceGroups/${resource.group.toUpperCase()}/providers/${CANONICAL_TYPE[resource.type]}/${resource.name}`
  }

  function groupJson(group: FakeGroup): Record<string, unknown> {
    return {
      id: `/subscriptions/${subscriptionId}/resourceGroups/${group.name}`,
      name: group.name,
      type: 'Microsoft.Resources/resourceGroups',
      location: group.location,
      tags: group.tags,
      properties: { provisioningState: group.deletingSinceMs !== undefined ? 'Deleting' : 'Succeeded' },
    }
  }

  function page<T>(url: URL, all: T[], toJson: (item: T) => unknown): Record<string, unknown> {
    const skip = Number(url.searchParams.get('$skiptoken') ?? '0')
    const top = Number(url.searchParams.get('$top') ?? '0')
    const size = top > 0 ? Math.min(top, pageSize) : pageSize
    const slice = all.slice(skip, skip + size)
    const result: Record<string, unknown> = { value: slice.map(toJson) }
    if (skip + size < all.length && !(top > 0)) {
      const next = new URL(url.toString())
      next.searchParams.set('$skiptoken', String(skip + size))
      result.nextLink = `${origin}${next.pathname}${next.search}`
    }
    return result
  }

  function requireGroup(name: string): FakeGroup {
    const group = groups.get(name)
    if (!group) throw new ArmFailure(404, 'ResourceGroupNotFound', `Resource group '${name}' could not be found.`)
    if (group.deletingSinceMs !== undefined) throw new ArmFailure(409, 'ResourceGroupBeingDeleted', `The resource group '${name}' is in deprovisioning state and cannot perform this operation.`)
    return group
  }

  function referenced(id: unknown, type: string, by: string): FakeResource {
    if (typeof id !== 'string') throw new ArmFailure(400, 'InvalidRequestFormat', `Cannot parse the request: ${by} names no resource id.`)
    const lower = id.toLowerCase()
    const base = type === 'subnet' ? lower.replace(/\/subnets\/[^/]+$/, '') : lower
    const resource = resources.get(base)
    if (!resource) throw new ArmFailure(400, 'InvalidResourceReference', `Resource ${id} referenced by resource ${by} was not found.`)
    if (provisioningState(resource) !== 'Succeeded') {
      throw new ArmFailure(400, 'ReferencedResourceNotProvisioned', `Cannot proceed with operation because resource ${id} used by resource ${by} is not in Succeeded state. Resource is in ${provisioningState(resource)} state and the last operation that updated/is updating the resource is PutPublicIpAddressOperation.`)
    }
    return resource
  }

  function putResource(group: string, type: string, name: string, body: Record<string, unknown>): { status: number; json: unknown; headers: Record<string, string> } {
    const groupRecord = requireGroup(group)
    if (typeof body.location !== 'string') throw new ArmFailure(400, 'LocationRequired', 'The location property is required for this definition.')
    const properties = (body.properties ?? {}) as Record<string, unknown>
    const id = idOf(group, type, name)
    if (type === TYPES.nic) {
      const configs = (properties.ipConfigurations ?? []) as Array<{ properties?: Record<string, { id?: string } | undefined> }>
      for (const config of configs) {
        referenced(config.properties?.subnet?.id, 'subnet', id)
        if (config.properties?.publicIPAddress) referenced(config.properties.publicIPAddress.id, 'publicIp', id)
      }
      if (properties.networkSecurityGroup) referenced((properties.networkSecurityGroup as { id?: string }).id, 'nsg', id)
    }
    if (type === TYPES.publicIp) {
      const sku = (body.sku as { name?: string } | undefined)?.name
      if (sku === 'Basic') throw new ArmFailure(400, 'BasicSkuPublicIpRetired', 'Basic SKU public IP addresses were retired on 30 September 2025. Use the Standard SKU.')
    }
    if (type === TYPES.vm) {
      const nics = ((properties.networkProfile as { networkInterfaces?: Array<{ id?: string }> } | undefined)?.networkInterfaces ?? [])
      if (nics.length === 0) throw new ArmFailure(400, 'InvalidParameter', 'At least one network interface is required.')
      for (const nic of nics) referenced(nic.id, 'nic', id)
      const os = properties.osProfile as { customData?: string; adminUsername?: string; linuxConfiguration?: { disablePasswordAuthentication?: boolean; ssh?: { publicKeys?: unknown[] } } } | undefined
      if (!os?.adminUsername) throw new ArmFailure(400, 'InvalidParameter', "Required parameter 'adminUsername' is missing (null).")
      if (os.linuxConfiguration?.disablePasswordAuthentication && (os.linuxConfiguration.ssh?.publicKeys ?? []).length === 0) {
        throw new ArmFailure(400, 'InvalidParameter', 'Authentication using either SSH or by user name and password must be enabled in Linux profile.')
      }
      if (os.customData !== undefined && !/^[A-Za-z0-9+/]*={0,2}$/.test(os.customData)) throw new ArmFailure(400, 'InvalidParameter', 'Custom data in OSProfile must be in Base64 encoding.')
      const size = (properties.hardwareProfile as { vmSize?: string } | undefined)?.vmSize
      if (size?.toLowerCase() === 'standard_b1ls' && !b1ls.has(String(body.location).toLowerCase())) {
        throw new ArmFailure(409, 'SkuNotAvailable', `The requested VM size for resource 'Following SKUs have failed for Capacity Restrictions: ${size}' is currently not available in location '${String(body.location)}'. Please try another size or deploy to a different location or different zone.`)
      }
    }
    const existing = resources.get(id)
    const t = now()
    const fail = failNextTypes.delete(type)
    const after = type === TYPES.vm ? vmAfterMs : provisionAfterMs
    const stored: Record<string, unknown> = structuredClone(properties)
    if (type === TYPES.vm) {
      const os = stored.osProfile as Record<string, unknown> | undefined
      // ARM never returns customData or secrets in a GET.
      if (os) delete os.customData
      stored.vmId = existing?.properties.vmId ?? randomUUID()
      stored.timeCreated = new Date(existing?.createdAtMs ?? t).toISOString()
    }
    if (type === TYPES.vnet) {
      stored.subnets = ((properties.subnets ?? []) as Array<{ name: string; properties?: Record<string, unknown> }>).map((subnet) => ({
        id: `${canonicalId({ group, type, name } as FakeResource)}/subnets/${subnet.name}`,
        name: subnet.name,
        properties: { ...subnet.properties, provisioningState: 'Succeeded' },
      }))
    }
    if (type === TYPES.publicIp && existing?.properties.ipAddress) stored.ipAddress = existing.properties.ipAddress
    stored.provisioningState = existing && provisioningState(existing) === 'Succeeded' ? 'Updating' : type === TYPES.vm ? 'Creating' : 'Updating'
    const resource: FakeResource = {
      id,
      type,
      group,
      name,
      location: String(body.location),
      tags: (body.tags as Record<string, string> | undefined) ?? {},
      properties: stored,
      body,
      createdAtMs: existing?.createdAtMs ?? t,
      doneAtMs: t + after,
      fail,
    }
    resources.set(id, resource)
    if (type === TYPES.vm && !existing) {
      const tag = Object.keys(resource.tags).find((key) => key.startsWith('exitdesk-host-'))
      if (tag) vmCreatesByTag.set(tag, (vmCreatesByTag.get(tag) ?? 0) + 1)
    }
    if (type === TYPES.vm) {
      const disk = (properties.storageProfile as { osDisk?: { name?: string } } | undefined)?.osDisk?.name ?? `${name}_OsDisk_1`
      const diskId = idOf(group, TYPES.disk, disk)
      if (!resources.has(diskId)) {
        resources.set(diskId, { id: diskId, type: TYPES.disk, group, name: disk, location: resource.location, tags: {}, properties: { provisioningState: 'Succeeded', diskSizeGB: 30 }, body: {}, createdAtMs: t, doneAtMs: t })
      }
    }
    void groupRecord
    const operation = randomUUID()
    operations.set(operation, { kind: 'put', resourceId: id })
    const provider = type.startsWith('microsoft.compute') ? 'Microsoft.Compute' : 'Microsoft.Network'
    return {
      status: existing ? 200 : 201,
      json: resourceJson(resource),
      headers: { 'azure-asyncoperation': `${origin}/subscriptions/${subscriptionId}/providers/${provider}/locations/${resource.location}/operations/${operation}?api-version=2024-01-01`, 'retry-after': '10' },
    }
  }

  function listAllOf(type: string, filterTagged = false): FakeResource[] {
    void filterTagged
    return [...resources.values()].filter((resource) => resource.type === type).sort((a, b) => a.id.localeCompare(b.id))
  }

  function skus(): Array<Record<string, unknown>> {
    const all = ['eastus', 'westeurope', 'uksouth', 'japaneast', 'brazilsouth']
    const sku = (name: string, locations: string[], restricted: string[] = []): Record<string, unknown> => ({
      resourceType: 'virtualMachines',
      name,
      tier: 'Standard',
      size: name.replace('Standard_', ''),
      family: 'standardBSFamily',
      locations,
      locationInfo: locations.map((location) => ({ location, zones: [] })),
      capabilities: [],
      restrictions: restricted.map((location) => ({ type: 'Location', values: [location], restrictionInfo: { locations: [location] }, reasonCode: 'NotAvailableForSubscription' })),
    })
    return [
      // One entry per location, as ARM lists them.
      ...all.map((location) => sku('Standard_B1ls', [location], b1ls.has(location) ? [] : [location])),
      ...all.map((location) => sku('Standard_B1s', [location])),
      ...all.map((location) => sku('Standard_B1ms', [location])),
      sku('Standard_D2s_v5', all),
      { resourceType: 'disks', name: 'Standard_LRS', locations: all, restrictions: [] },
    ]
  }

  /** ARM's routes, on the lower-cased path. */
  function route(method: string, path: string, url: URL, body: Record<string, unknown> | undefined): { status: number; json?: unknown; headers?: Record<string, string> } {
    const operation = /^\/subscriptions\/[^/]+\/providers\/microsoft\.(?:network|compute)\/locations\/[^/]+\/operations\/([^/]+)$/.exec(path)
    if (operation && method === 'GET') {
      const op = operations.get(operation[1]!)
      if (!op || op.kind !== 'put') throw new ArmFailure(404, 'NotFound', 'The operation was not found.')
      const resource = resources.get(op.resourceId)
      const state = resource ? provisioningState(resource) : 'Succeeded'
      const status = state === 'Succeeded' ? 'Succeeded' : state === 'Failed' ? 'Failed' : 'InProgress'
      return { status: 200, json: { name: operation[1], status, ...(status === 'Failed' ? { error: { code: 'InternalServerError', message: 'The resource failed to provision.' } } : {}) } }
    }
    const groupOperation = /^\/subscriptions\/[^/]+\/operationresults\/([^/]+)$/.exec(path)
    if (groupOperation && method === 'GET') {
      const op = operations.get(groupOperation[1]!)
      if (!op || op.kind !== 'delete-group') throw new ArmFailure(404, 'NotFound', 'The operation was not found.')
      return groups.has(op.group) ? { status: 202, headers: { location: `${origin}${url.pathname}${url.search}`, 'retry-after': '15' } } : { status: 200 }
    }
    if (!path.startsWith(subPrefix)) {
      const sub = /^\/subscriptions\/([^/]+)/.exec(path)?.[1]
      throw new ArmFailure(404, 'SubscriptionNotFound', `The subscription '${sub ?? ''}' could not be found.`)
    }
    const rest = path.slice(subPrefix.length)
    if (rest === '/resourcegroups' && method === 'GET') return { status: 200, json: page(url, [...groups.values()], groupJson) }
    const group = /^\/resourcegroups\/([^/]+)$/.exec(rest)
    if (group) {
      const name = group[1]!
      const existing = groups.get(name)
      if (method === 'GET') {
        if (!existing) throw new ArmFailure(404, 'ResourceGroupNotFound', `Resource group '${name}' could not be found.`)
        return { status: 200, json: groupJson(existing) }
      }
      if (method === 'PUT') {
        if (!body || typeof body.location !== 'string') throw new ArmFailure(400, 'LocationRequired', 'The location property is required for this definition.')
        if (existing?.deletingSinceMs !== undefined) throw new ArmFailure(409, 'ResourceGroupBeingDeleted', `The resource group '${name}' is in deprovisioning state and cannot perform this operation.`)
        const record: FakeGroup = { name, location: body.location, tags: (body.tags as Record<string, string> | undefined) ?? {} }
        groups.set(name, record)
        return { status: existing ? 200 : 201, json: groupJson(record) }
      }
      if (method === 'DELETE') {
        if (!existing) return { status: 404, json: { error: { code: 'ResourceGroupNotFound', message: `Resource group '${name}' could not be found.` } } }
        existing.deletingSinceMs ??= now()
        const id = randomUUID()
        operations.set(id, { kind: 'delete-group', group: name })
        return { status: 202, headers: { location: `${origin}/subscriptions/${subscriptionId}/operationresults/${id}?api-version=2024-03-01`, 'retry-after': '15' } }
      }
    }
    const inGroup = /^\/resourcegroups\/([^/]+)\/providers\/(microsoft\.(?:network|compute)\/[a-z]+)\/([^/]+)$/.exec(rest)
    if (inGroup) {
      const [, groupName, type, name] = inGroup as unknown as [string, string, string, string]
      if (!Object.values(TYPES).includes(type as never)) throw new ArmFailure(400, 'InvalidResourceType', `The resource type '${type}' could not be found.`)
      if (method === 'PUT') return putResource(groupName, type, name, body ?? {})
      if (method === 'GET') {
        if (!groups.has(groupName)) throw new ArmFailure(404, 'ResourceGroupNotFound', `Resource group '${groupName}' could not be found.`)
        const resource = resources.get(idOf(groupName, type, name))
        if (!resource) throw new ArmFailure(404, type === TYPES.vm ? 'ResourceNotFound' : 'NotFound', `The Resource '${CANONICAL_TYPE[type]}/${name}' under resource group '${groupName}' was not found.`)
        return { status: 200, json: resourceJson(resource, url.searchParams.get('$expand')?.toLowerCase()) }
      }
      if (method === 'DELETE' && type === TYPES.vm) {
        const resource = resources.get(idOf(groupName, type, name))
        if (!resource) return { status: 204 }
        resource.deletingSinceMs ??= now()
        const operation = randomUUID()
        operations.set(operation, { kind: 'put', resourceId: resource.id })
        return { status: 202, headers: { 'azure-asyncoperation': `${origin}/subscriptions/${subscriptionId}/providers/Microsoft.Compute/locations/${resource.location}/operations/${operation}?api-version=2024-03-01`, location: `${origin}/subscriptions/${subscriptionId}/providers/Microsoft.Compute/locations/${resource.location}/operations/${operation}?monitor=true&api-version=2024-03-01` } }
      }
    }
    if (rest === '/providers/microsoft.compute/virtualmachines' && method === 'GET') {
      const statusOnly = url.searchParams.get('statusOnly') === 'true'
      return { status: 200, json: page(url, listAllOf(TYPES.vm), (vm) => resourceJson(vm, statusOnly ? 'instanceview' : undefined)) }
    }
    if (rest === '/providers/microsoft.network/publicipaddresses' && method === 'GET') return { status: 200, json: page(url, listAllOf(TYPES.publicIp), (ip) => resourceJson(ip)) }
    if (rest === '/providers/microsoft.compute/skus' && method === 'GET') return { status: 200, json: page(url, skus(), (sku) => sku) }
    throw new ArmFailure(404, 'NotFound', `No route for ${method} ${path}.`)
  }

  /** The Entra ID token endpoint (client credentials). */
  function token(method: string, path: string, form: URLSearchParams): { status: number; json: unknown } | undefined {
    const config = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(path)
    if (config && method === 'GET') {
      const tenant = config[1]!
      if (tenant !== tenantId) return { status: 400, json: { error: 'invalid_tenant', error_description: `AADSTS90002: Tenant '${tenant}' not found.` } }
      return {
        status: 200,
        json: {
          token_endpoint: `${origin}/${tenant}/oauth2/v2.0/token`,
          authorization_endpoint: `${origin}/${tenant}/oauth2/v2.0/authorize`,
          end_session_endpoint: `${origin}/${tenant}/oauth2/v2.0/logout`,
          issuer: `${origin}/${tenant}/v2.0`,
          jwks_uri: `${origin}/${tenant}/discovery/v2.0/keys`,
          response_modes_supported: ['query', 'fragment', 'form_post'],
        },
      }
    }
    const tokenPath = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(path)
    if (tokenPath && method === 'POST') {
      if (tokenPath[1] !== tenantId) return { status: 400, json: { error: 'invalid_request', error_description: `AADSTS90002: Tenant '${tokenPath[1]}' not found.` } }
      if (form.get('grant_type') !== 'client_credentials') return { status: 400, json: { error: 'unsupported_grant_type', error_description: 'AADSTS70003: The app requested an unsupported grant type.' } }
      if (form.get('client_id') !== clientId) {
        return { status: 400, json: { error: 'unauthorized_client', error_description: `AADSTS700016: Application with identifier '${form.get('client_id') ?? ''}' was not found in the directory.` } }
      }
      if (form.get('client_secret') !== clientSecret) {
        return { status: 401, json: { error: 'invalid_client', error_description: `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.` } }
      }
      issued += 1
      const access = `fake-arm-token.${randomBytes(24).toString('base64url')}`
      tokens.set(access, tenantId)
      return { status: 200, json: { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: access } }
    }
    return undefined
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET'
    const url = new URL(request.url ?? '/', 'https://127.0.0.1')
    const path = url.pathname.toLowerCase()
    const raw = await readRaw(request)
    if (latencyMs > 0) await held.wait(latencyMs, response)
    const logged: FakeAzureRequest = { method, path, rawPath: url.pathname, apiVersion: url.searchParams.get('api-version') ?? undefined, query: Object.fromEntries(url.searchParams) }
    const rateHeaders = (): Record<string, string> => ({
      'x-ms-ratelimit-remaining-subscription-reads': String(remaining.reads),
      'x-ms-ratelimit-remaining-subscription-writes': String(remaining.writes),
      'x-ms-ratelimit-remaining-subscription-deletes': String(remaining.deletes),
      'x-ms-request-id': randomUUID(),
      'x-ms-correlation-request-id': randomUUID(),
    })
    const send = (status: number, json?: unknown, extra: Record<string, string> = {}): void => {
      logged.status = status
      if (response.destroyed) return
      const text = json === undefined ? '' : JSON.stringify(json)
      response.writeHead(status, { ...rateHeaders(), ...(text ? { 'content-type': 'application/json; charset=utf-8' } : {}), 'content-length': String(Buffer.byteLength(text)), ...extra })
      response.end(text)
    }
    const echo = (): string => (options.echo ? ` You sent Authorization: ${request.headers.authorization ?? ''} (base64 ${Buffer.from(request.headers.authorization ?? '').toString('base64')}) and body: ${raw} (base64 ${Buffer.from(raw).toString('base64')})` : '')
    const armError = (status: number, code: string, message: string, extra: Record<string, string> = {}): void => send(status, { error: { code, message: `${message}${echo()}` } }, extra)

    // Entra ID: form-encoded, answered before the bearer check.
    const form = new URLSearchParams(raw)
    const tokenAnswer = token(method, path, form)
    if (tokenAnswer) {
      requests.push({ ...logged, body: method === 'POST' ? { grant_type: form.get('grant_type'), client_id: form.get('client_id'), scope: form.get('scope') } : undefined })
      const json = tokenAnswer.json as Record<string, unknown>
      if (options.echo && typeof json.error_description === 'string') json.error_description += echo()
      return send(tokenAnswer.status, json)
    }

    let body: Record<string, unknown> | undefined
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw) as Record<string, unknown>
      } catch {
        requests.push(logged)
        return armError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized.')
      }
    }
    if (body !== undefined) logged.body = body
    requests.push(logged)

    const authorization = request.headers.authorization ?? ''
    const bearer = /^Bearer (.+)$/.exec(authorization)?.[1]
    const tokenTenant = bearer ? tokens.get(bearer) : undefined
    if (!tokenTenant) return armError(401, 'InvalidAuthenticationToken', 'The access token is invalid.')
    if (!logged.apiVersion && !/\/operations\/|\/operationresults\//.test(path)) return armError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.")

    const fault = faultRate > 0 && options.chaos && random() < faultRate ? AZURE_FAULT_KINDS[Math.floor(random() * AZURE_FAULT_KINDS.length)]! : undefined
    if (fault) {
      logged.fault = fault
      faultCounts[fault] = (faultCounts[fault] ?? 0) + 1
      const holdMs = options.chaos!.holdMs
      switch (fault) {
        case 'rate-limited':
          return armError(429, 'TooManyRequests', 'The request is being throttled as the limit has been reached for operation type - Write.', { 'retry-after': String(1 + Math.floor(random() * 20)), 'x-ms-ratelimit-remaining-subscription-writes': '0' })
        case 'server-error':
          return armError(500, 'InternalServerError', 'Encountered internal server error.')
        case 'unavailable-html': {
          logged.status = 503
          const text = '<html><body><h1>503 Service Unavailable</h1><p>Microsoft-Azure-Application-Gateway/v2</p></body></html>\n'
          response.writeHead(503, { 'content-type': 'text/html', 'content-length': String(Buffer.byteLength(text)) })
          response.end(text)
          return
        }
        case 'reset-before':
          logged.status = 0
          response.socket?.destroy()
          return
        case 'late': {
          // Held without acting until the client gave up, then carried out later on fake time.
          holding += 1
          await held.wait(holdMs, response)
          logged.status = 0
          response.socket?.destroy()
          lateQueue.push({
            dueAt: now() + 1_000 + Math.floor(random() * 20_000),
            run: () => {
              settle()
              try {
                route(method, path, url, body)
              } catch {
                // Refused when it landed: nothing happened.
              }
              lateLanded += 1
            },
          })
          holding -= 1
          return
        }
        default: {
          // delayed, reset-after, truncated: ARM acts, the answer is lost or broken.
          settle()
          let answer: { status: number; json?: unknown; headers?: Record<string, string> } | undefined
          try {
            answer = route(method, path, url, body)
          } catch {
            answer = undefined
          }
          if (fault === 'delayed') await held.wait(holdMs, response)
          if (fault === 'truncated' && answer?.json !== undefined && !response.destroyed) {
            logged.status = answer.status
            const text = JSON.stringify(answer.json)
            response.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', ...answer.headers })
            response.write(text.slice(0, Math.max(1, Math.floor(text.length / 2))))
            response.socket?.destroy()
            return
          }
          logged.status = 0
          response.socket?.destroy()
          return
        }
      }
    }

    const rule = failures.find(
      (candidate) =>
        (candidate.times === undefined || candidate.used < candidate.times) &&
        (candidate.method === undefined || candidate.method.toUpperCase() === method) &&
        (candidate.path === undefined || (typeof candidate.path === 'string' ? candidate.path.toLowerCase() === path : candidate.path.test(path))),
    )
    if (rule) rule.used += 1
    if (rule?.delayMs) {
      if (await held.wait(rule.delayMs, response)) {
        logged.status = 0
        return
      }
    }
    settle()
    const injected = (): void => {
      if (!rule || rule.status === undefined) return
      if (rule.html) {
        logged.status = rule.status
        const text = `<html><head><title>${rule.status} Bad Gateway</title></head><body><h1>${rule.status} Bad Gateway</h1><p>${echo() || 'Microsoft-Azure-Application-Gateway/v2'}</p></body></html>\n`
        response.writeHead(rule.status, { 'content-type': 'text/html', 'content-length': String(Buffer.byteLength(text)), ...rule.headers })
        response.end(text)
        return
      }
      armError(rule.status, rule.code ?? defaultCode(rule.status), rule.message ?? `Injected failure (HTTP ${rule.status}).`, rule.headers)
    }
    if (rule && rule.status !== undefined && !rule.afterWork && !rule.truncate) return injected()
    try {
      if (rule?.ignore) {
        // The answer ARM would give, for a call it then drops.
        return send(method === 'DELETE' ? 202 : 200, method === 'GET' ? undefined : {}, method === 'DELETE' ? { location: `${origin}/subscriptions/${subscriptionId}/operationresults/${randomUUID()}` } : {})
      }
      const answer = route(method, path, url, body)
      if (rule?.afterWork) return injected()
      if (rule?.truncate) {
        logged.status = answer.status
        const text = JSON.stringify(answer.json ?? { value: [] })
        response.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', ...answer.headers })
        response.end(text.slice(0, Math.max(1, Math.floor(text.length / 2))))
        return
      }
      send(answer.status, answer.json, answer.headers)
    } catch (caught) {
      if (caught instanceof ArmFailure) return armError(caught.status, caught.code, caught.message)
      return armError(500, 'InternalServerError', 'Encountered internal server error.')
    }
  }

  const server: Server = createServer({ cert: options.certificate.cert, key: options.certificate.key }, (request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) {
        response.writeHead(500, { 'content-type': 'application/json; charset=utf-8' })
        response.end(JSON.stringify({ error: { code: 'InternalServerError', message: 'Encountered internal server error.' } }))
      }
    })
  })
  const port = await listenOnLoopback(server)
  origin = `https://127.0.0.1:${port}`

  return {
    url: origin,
    tenantId,
    clientId,
    clientSecret,
    subscriptionId,
    credentials: { tenantId, clientId, clientSecret, subscriptionId },
    groups,
    resources,
    requests,
    tokenRequests: () => issued,
    issuedTokens: () => [...tokens.keys()],
    inventory() {
      settle()
      const count = (type: string): number => [...resources.values()].filter((resource) => resource.type === type).length
      return { groups: groups.size, vms: count(TYPES.vm), nics: count(TYPES.nic), publicIps: count(TYPES.publicIp), nsgs: count(TYPES.nsg), vnets: count(TYPES.vnet), disks: count(TYPES.disk) }
    },
    setFailure(rule) {
      failures.push({ ...rule, used: 0 })
    },
    clearFailures() {
      failures.length = 0
    },
    failNext(type) {
      failNextTypes.add(type.toLowerCase())
    },
    advance(ms) {
      offsetMs += ms
    },
    setLatency(ms) {
      latencyMs = ms
    },
    setRemaining(values) {
      Object.assign(remaining, values)
    },
    setFaultRate(rate) {
      faultRate = rate
    },
    faultCounts: () => ({ ...faultCounts }),
    pendingLate: () => lateQueue.length + holding,
    lateLanded: () => lateLanded,
    releaseDue() {
      const t = now()
      for (const entry of [...lateQueue]) {
        if (entry.dueAt > t) continue
        lateQueue.splice(lateQueue.indexOf(entry), 1)
        entry.run()
      }
    },
    vmCreatesByTag,
    now,
    close() {
      held.releaseAll()
      return closeServer(server)
    },
  }
}

function defaultCode(status: number): string {
  return (
    { 400: 'BadRequest', 401: 'InvalidAuthenticationToken', 403: 'AuthorizationFailed', 404: 'ResourceNotFound', 409: 'Conflict', 429: 'TooManyRequests' }[status] ??
    (status >= 500 ? 'InternalServerError' : 'BadRequest')
  )
}
