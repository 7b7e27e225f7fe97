/**
 * The Azure adapter: one resource group per host, holding a Standard static public IPv4, a
 * network security group, a virtual network with one subnet, a NIC and the VM.
 *
 * Why individual resources and not one ARM template deployment: `@azure/arm-resources` 7
 * moved `deployments` into a separate package (`@azure/arm-resourcesdeployments`, CHANGELOG
 * 7.0.0), which this project does not ship; and the steps below keep each call to a couple of
 * round trips while showing the user how far the create got.
 *
 * Create (each line is one call of `provision`; nothing waits for a long-running operation):
 *   1 [GET group unless fresh] PUT group (tagged) + start NSG, public IP, VNet in parallel -> 'network-started'
 *   2 GET the three; once all Succeeded, start the NIC                                     -> 'nic-started'
 *   3 GET the NIC; once Succeeded, start the VM (cloud-init in customData)                  -> done
 *   `lookupOnly` (an earlier step's outcome is unknown): only the GETs of that step; what is
 *   found is adopted, nothing is created, and `unresolved` when nothing is there.
 *   Every name is fixed inside the host's group and every PUT is idempotent, so a create ARM
 *   carries out late lands on the same resources: there is never a second VM for one host.
 * Teardown:
 *   1 GET the group (it must carry the app tag and this host's tag), start its delete -> 'group-delete-requested'
 *   2 GET the group until 404                                                          -> done
 *   A locator without the host's tag (a VM someone tagged by hand) deletes only that VM.
 *   ARM deletes everything in the group (VM, OS disk, NIC, public IP, NSG, VNet). Nothing in
 *   it belongs to another host: the group is named after this host's own tag and every create
 *   step names it explicitly, so no other host's resource can be inside.
 * List: every VM of the subscription with its power state (`statusOnly=true`) and every public
 *   IP, two paged calls in parallel, kept when they carry the tag.
 */
import { AZURE_CONSOLE } from './console'
import { createHash, generateKeyPairSync } from 'node:crypto'
import type { NetworkSecurityGroup, NetworkInterface, PublicIPAddress, SecurityRule, VirtualNetwork } from '@azure/arm-network'
import type { ResourceSku, VirtualMachine } from '@azure/arm-compute'
import type { Catalog, HostLocator, Plan, Region } from '../../../shared/domain'
import { AppError } from '../../../shared/errors'
import { APP_TAG, HOST_TAG_PREFIX } from '../../hosts/tags'
import type { AccountIdentity, CloudContext, Observation, ProvisionSpec, Provisioner, StepResult } from '../types'
import { AzureClient, NAMES, loadSdk, parseCredentials, type GroupInfo, type NetworkPart } from './client'
import { AZURE_MANIFEST, OS_DISK_SKU, PLANS, REGION_LABELS, UBUNTU_IMAGE } from './manifest'
import { rawVmStatus, statusCodes, vmState } from './state'

export { AZURE_MANIFEST } from './manifest'
export { vmState, rawVmStatus } from './state'

export interface AzureProvisionerOptions {
  /** Per-request deadline; the shared default (15 s) when absent. */
  timeoutMs?: number
  maxPages?: number
}

export const PROGRESS = {
  networkStarted: 'network-started',
  nicStarted: 'nic-started',
  vmStarted: 'vm-started',
  groupDeleteRequested: 'group-delete-requested',
  vmDeleteRequested: 'vm-delete-requested',
  groupGone: 'group-gone',
} as const

/** Ports an HTTPS tunnel needs: inlets control plane, ACME HTTP-01 challenge and HTTPS. */
export const HTTPS_PORTS = ['8123', '80', '443'] as const

/** The admin user cloud-init creates; nobody can log in as it (see `unusableSshKey`). */
const ADMIN_USER = 'exitdesk'

export function createAzureProvisioner(options: AzureProvisionerOptions = {}): Provisioner {
  const clientFor = (ctx: CloudContext): Promise<AzureClient> =>
    AzureClient.create({
      accountId: ctx.accountId,
      endpoint: ctx.endpoint,
      credentials: parseCredentials(ctx.credentials),
      budget: ctx.budget?.gate(ctx.priority ?? 'background'),
      timeoutMs: options.timeoutMs,
      maxPages: options.maxPages,
    })

  return {
    manifest: AZURE_MANIFEST,
    console: AZURE_CONSOLE,

    async verify(ctx, signal): Promise<AccountIdentity> {
      const credentials = parseCredentials(ctx.credentials)
      const client = await clientFor(ctx)
      // One read in the subscription with a token of this tenant: ARM answers 401
      // InvalidAuthenticationTokenTenant when the subscription trusts another tenant, so a
      // success proves the pair.
      await client.checkSubscription(signal)
      return accountIdentity(credentials.tenantId, credentials.subscriptionId)
    },

    async catalog(ctx, signal): Promise<Catalog> {
      const client = await clientFor(ctx)
      return catalogFromSkus(await client.listVmSkus(signal))
    },

    async provision(ctx, spec, locator, progress, signal): Promise<StepResult> {
      const client = await clientFor(ctx)
      const next = copyLocator(locator)
      const group = groupName(spec.hostId)
      next.resourceGroup = group
      recordHostTag(next, spec.tags.host)
      if (next.instanceId) return { done: true, locator: next, progress: PROGRESS.vmStarted }
      const tags = hostTags(spec)

      if (progress !== PROGRESS.networkStarted && progress !== PROGRESS.nicStarted) {
        // Step 1. A fresh create has nothing to find; a retried one looks its group up first.
        const existing = spec.fresh ? null : await client.getGroup(group, signal)
        if (existing && existing.provisioningState?.toLowerCase() === 'deleting') {
          throw new AppError({ code: 'conflict', message: "Azure is still deleting this host's resource group from an earlier try; Exitdesk will try again.", retryable: true })
        }
        if (spec.lookupOnly) {
          if (!existing) return { done: false, locator: next, unresolved: true, waitingFor: 'Azure to show whether it made the resource group' }
          const parts = await networkStates(client, group, signal)
          if (Object.values(parts).some((state) => state === null)) return { done: false, locator: next, unresolved: true, waitingFor: 'Azure to show whether it made the network' }
          return { done: false, locator: next, progress: PROGRESS.networkStarted, waitingFor: 'the network to be created' }
        }
        if (!existing) await client.createGroup(group, spec.region, tags, signal)
        const bodies: Record<NetworkPart, NetworkSecurityGroup | PublicIPAddress | VirtualNetwork> = {
          nsg: securityGroup(spec, tags),
          publicIp: publicIp(spec, tags),
          vnet: virtualNetwork(spec, tags),
        }
        await Promise.all((Object.keys(bodies) as NetworkPart[]).map((part) => client.startNetworkPart(group, part, bodies[part], signal)))
        return { done: false, locator: next, progress: PROGRESS.networkStarted, waitingFor: 'the network to be created' }
      }

      if (progress === PROGRESS.networkStarted) {
        // Step 2: the NIC may only name resources ARM finished (else 400 ReferencedResourceNotProvisioned).
        const [parts, nic] = await Promise.all([networkStates(client, group, signal), spec.fresh ? Promise.resolve(null) : client.networkPartState(group, 'nic', signal)])
        const failed = (Object.keys(parts) as NetworkPart[]).filter((part) => parts[part]?.toLowerCase() === 'failed')
        if (failed.length > 0) throw creationFailed(failed.map(partLabel).join(', '))
        if (nic !== null) return { done: false, locator: next, progress: PROGRESS.nicStarted, waitingFor: 'the network interface to be created' }
        const missing = (Object.keys(parts) as NetworkPart[]).filter((part) => parts[part] === null)
        if (missing.length > 0) {
          if (spec.lookupOnly) return { done: false, locator: next, unresolved: true, waitingFor: `Azure to show whether it made the ${missing.map(partLabel).join(', ')}` }
          // The start of a part was lost (an answer that never came): start it again (idempotent PUT).
          const bodies = { nsg: securityGroup(spec, tags), publicIp: publicIp(spec, tags), vnet: virtualNetwork(spec, tags) }
          await Promise.all(missing.map((part) => client.startNetworkPart(group, part, bodies[part], signal)))
          return { done: false, locator: next, progress: PROGRESS.networkStarted, waitingFor: 'the network to be created' }
        }
        if ((Object.values(parts) as string[]).some((state) => state.toLowerCase() !== 'succeeded')) {
          return { done: false, locator: next, progress: PROGRESS.networkStarted, waitingFor: 'the network to be created' }
        }
        if (spec.lookupOnly) return { done: false, locator: next, unresolved: true, waitingFor: 'Azure to show whether it made the network interface' }
        await client.startNic(group, networkInterface(client, group, spec, tags), signal)
        return { done: false, locator: next, progress: PROGRESS.nicStarted, waitingFor: 'the network interface to be created' }
      }

      // Step 3: the VM may only name a NIC ARM finished.
      const vmName = spec.name
      const [nic, vm] = await Promise.all([client.networkPartState(group, 'nic', signal), spec.fresh ? Promise.resolve(null) : client.getVm(group, vmName, signal)])
      if (vm) {
        next.instanceId = instanceIdOf(group, vmName)
        return { done: true, locator: next, progress: PROGRESS.vmStarted }
      }
      if (nic === null) {
        if (spec.lookupOnly) return { done: false, locator: next, unresolved: true, waitingFor: 'Azure to show whether it made the network interface' }
        await client.startNic(group, networkInterface(client, group, spec, tags), signal)
        return { done: false, locator: next, progress: PROGRESS.nicStarted, waitingFor: 'the network interface to be created' }
      }
      if (nic.toLowerCase() === 'failed') throw creationFailed('network interface')
      if (nic.toLowerCase() !== 'succeeded') return { done: false, locator: next, progress: PROGRESS.nicStarted, waitingFor: 'the network interface to be created' }
      if (spec.lookupOnly) return { done: false, locator: next, unresolved: true, waitingFor: 'Azure to show whether it made the VM' }
      await client.startVm(group, vmName, virtualMachine(client, group, spec, tags), signal)
      next.instanceId = instanceIdOf(group, vmName)
      return { done: true, locator: next, progress: PROGRESS.vmStarted }
    },

    async status(ctx, locator, signal): Promise<Observation | null> {
      const where = vmLocation(locator)
      if (!where) return null
      const client = await clientFor(ctx)
      const [vm, ipv4] = await Promise.all([client.getVm(where.group, where.name, signal), client.getPublicIpv4(where.group, signal)])
      return vm ? observe(vm, ipv4) : null
    },

    async delete(ctx, locator, progress, signal): Promise<StepResult> {
      const client = await clientFor(ctx)
      const next = copyLocator(locator)
      const hostTag = next.attached.find((resource) => resource.kind === 'tag' && resource.id.startsWith(HOST_TAG_PREFIX))?.id
      const vm = vmLocation(next)
      if (!hostTag) {
        // No host tag: a VM carrying only the app tag (tagged by hand in someone's group), or a
        // record the host service made for a second instance carrying a host's tag. Only the
        // VM itself is deleted, never its group; and a VM in an Exitdesk host group belongs to
        // that host (names are fixed per group, so it can only be the host itself).
        if (!vm || vm.group.startsWith(HOST_TAG_PREFIX)) return { done: true, locator: next, progress: PROGRESS.groupGone }
        const present = progress === PROGRESS.vmDeleteRequested ? (await client.getVm(vm.group, vm.name, signal)) !== null : await client.startVmDelete(vm.group, vm.name, signal)
        if (!present) return { done: true, locator: next, progress: PROGRESS.groupGone }
        return { done: false, locator: next, progress: PROGRESS.vmDeleteRequested, waitingFor: 'Azure to delete the VM', instancePresent: true }
      }
      const group = next.resourceGroup ?? groupName(hostTag.slice(HOST_TAG_PREFIX.length))
      const found = await client.getGroup(group, signal)
      if (!found) return { done: true, locator: next, progress: PROGRESS.groupGone }
      if (progress === PROGRESS.groupDeleteRequested && found.provisioningState?.toLowerCase() === 'deleting') {
        return { done: false, locator: next, progress: PROGRESS.groupDeleteRequested, waitingFor: 'Azure to delete the resource group', instancePresent: true }
      }
      refuseForeignGroup(found, hostTag)
      const accepted = await client.startGroupDelete(group, signal)
      if (!accepted) return { done: true, locator: next, progress: PROGRESS.groupGone }
      return { done: false, locator: next, progress: PROGRESS.groupDeleteRequested, waitingFor: 'Azure to delete the resource group', instancePresent: true }
    },

    /** The four SDKs, loaded ahead of the first call (about 0.6 s). */
    async prepare() {
      await loadSdk()
    },

    listScopes() {
      // One subscription per account: the VM and public IP lists cover every region.
      return ['account']
    },

    async listByTag(ctx, _scope, tag, signal): Promise<Observation[]> {
      const client = await clientFor(ctx)
      const [vms, ips] = await Promise.all([client.listVms(signal), client.listPublicIps(signal)])
      const addressByGroup = new Map<string, string>()
      for (const ip of ips) {
        const group = groupOf(ip.id)
        if (group && ip.name?.toLowerCase() === NAMES.publicIp && ip.ipAddress) addressByGroup.set(group, ip.ipAddress)
      }
      return vms.filter((vm) => hasTag(vm.tags, tag)).map((vm) => observe(vm, addressByGroup.get(groupOf(vm.id) ?? '')))
    },
  }
}

/**
 * identity = tenant + subscription. Both are credential fields, which main treats as secrets
 * (every string leaving main, the ledger too, has them replaced by [redacted]), so the
 * identity is their SHA-256 (compared, never shown) and the name shows only their last four
 * characters, as the Azure portal's lists abbreviate ids.
 */
export function accountIdentity(tenantId: string, subscriptionId: string): AccountIdentity {
  const digest = createHash('sha256').update(`tenant:${tenantId}/subscription:${subscriptionId}`).digest('hex')
  return { identity: `azure:${digest}`, accountName: `subscription …${subscriptionId.slice(-4)} (tenant …${tenantId.slice(-4)})` }
}

/**
 * The instance id Exitdesk records: "<resource group>/<vm name>", lower-cased. Not the ARM id:
 * that holds the subscription id, a credential field the redactor hides, which would make the
 * recorded id differ from the listed one.
 */
export function instanceIdOf(group: string, vmName: string): string {
  return `${group}/${vmName}`.toLowerCase()
}

/** The host's resource group: named after its own tag, so a teardown finds it from the tag alone. */
export function groupName(hostId: string): string {
  // Resource group names: 1–90 letters, digits, underscores, parentheses, hyphens, periods
  // (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftresources).
  return `${HOST_TAG_PREFIX}${hostId}`.replace(/[^a-zA-Z0-9_().-]+/g, '-').slice(0, 90).replace(/\.+$/, '').toLowerCase()
}

/**
 * A group is deleted only when Exitdesk made it for this host: it carries the app tag and the
 * host's own tag. A VM someone tagged by hand in a shared group never deletes that group.
 */
function refuseForeignGroup(group: GroupInfo, hostTag: string): void {
  const keys = new Set(Object.keys(group.tags).map((key) => key.toLowerCase()))
  if (!keys.has(APP_TAG) || !keys.has(hostTag.toLowerCase())) {
    throw new AppError({
      code: 'conflict',
      message: `The resource group "${group.name}" was not made by Exitdesk for this host, so Exitdesk does not delete it. Delete the VM in the Azure portal.`,
      retryable: false,
    })
  }
}

function hostTags(spec: ProvisionSpec): Record<string, string> {
  // Tag names with empty values: one list finds every host by the app tag, one host by its own.
  return { [spec.tags.app]: '', [spec.tags.host]: '' }
}

function hasTag(tags: Record<string, string> | undefined, tag: string): boolean {
  return Object.keys(tags ?? {}).some((key) => key.toLowerCase() === tag.toLowerCase())
}

function securityGroup(spec: ProvisionSpec, tags: Record<string, string>): NetworkSecurityGroup {
  // A Standard public IP is closed to inbound traffic until an NSG allows it
  // (https://learn.microsoft.com/azure/virtual-network/ip-services/public-ip-addresses#sku).
  // HTTPS opens 8123, 80 and 443; TCP opens every TCP port (the client picks what it forwards).
  const rule = (name: string, priority: number, ports: string[]): SecurityRule => ({
    name,
    protocol: 'Tcp',
    access: 'Allow',
    direction: 'Inbound',
    priority,
    sourceAddressPrefix: '*',
    sourcePortRange: '*',
    destinationAddressPrefix: '*',
    ...(ports.length === 1 ? { destinationPortRange: ports[0] } : { destinationPortRanges: ports }),
  })
  const securityRules = spec.tunnel.mode === 'https' ? [rule('inlets-https', 100, [...HTTPS_PORTS])] : [rule('inlets-tcp', 100, ['*'])]
  return { location: spec.region, tags, securityRules }
}

function publicIp(spec: ProvisionSpec, tags: Record<string, string>): PublicIPAddress {
  // Standard SKU, static: Basic was retired on 2025-09-30 (see manifest.ts).
  return { location: spec.region, tags, sku: { name: 'Standard', tier: 'Regional' }, publicIPAllocationMethod: 'Static', publicIPAddressVersion: 'IPv4' }
}

function virtualNetwork(spec: ProvisionSpec, tags: Record<string, string>): VirtualNetwork {
  return { location: spec.region, tags, addressSpace: { addressPrefixes: ['10.0.0.0/16'] }, subnets: [{ name: NAMES.subnet, addressPrefix: '10.0.0.0/24' }] }
}

function networkInterface(client: AzureClient, group: string, spec: ProvisionSpec, tags: Record<string, string>): NetworkInterface {
  const id = (type: string, name: string): string => client.resourceId(group, `Microsoft.Network/${type}`, name)
  return {
    location: spec.region,
    tags,
    networkSecurityGroup: { id: id('networkSecurityGroups', NAMES.nsg) },
    ipConfigurations: [
      {
        name: 'ipconfig1',
        privateIPAllocationMethod: 'Dynamic',
        subnet: { id: `${id('virtualNetworks', NAMES.vnet)}/subnets/${NAMES.subnet}` },
        publicIPAddress: { id: id('publicIPAddresses', NAMES.publicIp) },
      },
    ],
  }
}

function virtualMachine(client: AzureClient, group: string, spec: ProvisionSpec, tags: Record<string, string>): VirtualMachine {
  const customData = Buffer.from(spec.userData, 'utf8').toString('base64')
  // osProfile.customData: base64, at most 65,535 bytes decoded (../shared/provider-facts.md §4).
  if (Buffer.byteLength(spec.userData, 'utf8') > 65_535) {
    throw new AppError({ code: 'invalid-input', field: 'tunnel', message: 'The cloud-init script is larger than Azure accepts (64 KiB).', retryable: false })
  }
  return {
    location: spec.region,
    tags,
    hardwareProfile: { vmSize: spec.plan },
    storageProfile: {
      imageReference: { ...UBUNTU_IMAGE },
      // The disk goes with the VM and with the group; Standard HDD is the cheapest managed disk.
      osDisk: { name: `${spec.name}-osdisk`, createOption: 'FromImage', deleteOption: 'Delete', managedDisk: { storageAccountType: OS_DISK_SKU } },
    },
    osProfile: {
      computerName: spec.name,
      adminUsername: ADMIN_USER,
      customData,
      linuxConfiguration: { disablePasswordAuthentication: true, ssh: { publicKeys: [{ path: `/home/${ADMIN_USER}/.ssh/authorized_keys`, keyData: unusableSshKey() }] } },
    },
    networkProfile: { networkInterfaces: [{ id: client.resourceId(group, 'Microsoft.Network/networkInterfaces', NAMES.nic), primary: true, deleteOption: 'Delete' }] },
  }
}

/**
 * Azure requires a Linux VM to have a password or an SSH key. Exitdesk needs neither (the
 * tunnel is set up by cloud-init), so it gives a freshly made Ed25519 public key whose private
 * half is never kept: nobody can log in. Ed25519 keys are accepted for Linux VMs
 * (https://learn.microsoft.com/azure/virtual-machines/ssh-keys-portal#supported-ssh-key-formats).
 */
function unusableSshKey(): string {
  const der = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' })
  const raw = der.subarray(der.length - 32)
  const field = (bytes: Buffer): Buffer => Buffer.concat([Buffer.from([0, 0, 0, bytes.length]), bytes])
  return `ssh-ed25519 ${Buffer.concat([field(Buffer.from('ssh-ed25519')), field(raw)]).toString('base64')} exitdesk-no-login`
}

async function networkStates(client: AzureClient, group: string, signal: AbortSignal): Promise<Record<NetworkPart, string | null>> {
  const [nsg, publicIp, vnet] = await Promise.all((['nsg', 'publicIp', 'vnet'] as const).map((part) => client.networkPartState(group, part, signal)))
  return { nsg: nsg ?? null, publicIp: publicIp ?? null, vnet: vnet ?? null }
}

function partLabel(part: NetworkPart): string {
  return part === 'nsg' ? 'network security group' : part === 'publicIp' ? 'public IP address' : 'virtual network'
}

function creationFailed(what: string): AppError {
  return new AppError({ code: 'unprocessable', message: `Azure could not create the host's ${what} (provisioning state Failed). Exitdesk removes what was made; try another region or size.`, retryable: false })
}

export function observe(vm: VirtualMachine, ipv4: string | undefined): Observation {
  const codes = statusCodes(vm.instanceView?.statuses)
  const status = { provisioningState: vm.provisioningState ?? capitalize(codes.provisioning), power: codes.power }
  return {
    instanceId: instanceIdOf(groupOf(vm.id) ?? '', vm.name ?? ''),
    name: vm.name ?? '',
    region: vm.location,
    plan: vm.hardwareProfile?.vmSize,
    state: vmState(status),
    rawStatus: rawVmStatus(status),
    ipv4,
    createdAt: vm.timeCreated instanceof Date ? vm.timeCreated.toISOString() : undefined,
    tags: Object.keys(vm.tags ?? {}),
  }
}

function capitalize(word: string | undefined): string | undefined {
  return word ? word.charAt(0).toUpperCase() + word.slice(1) : undefined
}

/** The resource group in an ARM id, lower-cased. */
export function groupOf(id: string | undefined): string | undefined {
  return id ? /\/resourcegroups\/([^/]+)/i.exec(id)?.[1]?.toLowerCase() : undefined
}

function vmLocation(locator: HostLocator): { group: string; name: string } | undefined {
  const match = locator.instanceId ? /^([^/]+)\/([^/]+)$/.exec(locator.instanceId) : null
  return match ? { group: match[1]!, name: match[2]! } : undefined
}

/**
 * Regions and plans from the resource SKUs the subscription may use: a B-series size is
 * offered in a region when the SKU lists it and no `Location` restriction (e.g.
 * NotAvailableForSubscription) names it. Prices are not in this API: the built-in list's.
 */
export function catalogFromSkus(skus: ResourceSku[]): Catalog {
  const known = new Map(PLANS.map((plan) => [plan.id.toLowerCase(), plan]))
  const regionsOf = new Map<string, Set<string>>()
  for (const sku of skus) {
    if (sku.resourceType !== 'virtualMachines' || !sku.name) continue
    const plan = known.get(sku.name.toLowerCase())
    if (!plan) continue
    const restricted = new Set((sku.restrictions ?? []).filter((restriction) => restriction.type === 'Location').flatMap((restriction) => restriction.values ?? []).map((value) => value.toLowerCase()))
    const where = regionsOf.get(plan.id) ?? new Set<string>()
    for (const location of sku.locations ?? []) if (!restricted.has(location.toLowerCase())) where.add(location.toLowerCase())
    regionsOf.set(plan.id, where)
  }
  const plans: Plan[] = PLANS.filter((plan) => (regionsOf.get(plan.id)?.size ?? 0) > 0).map((plan) => ({ ...plan, regions: [...regionsOf.get(plan.id)!].sort() }))
  const regionIds = new Set(plans.flatMap((plan) => plan.regions ?? []))
  const regions: Region[] = [...regionIds].map((id) => ({ id, label: REGION_LABELS.get(id) ?? id })).sort((a, b) => a.label.localeCompare(b.label))
  if (plans.length === 0) throw new AppError({ code: 'not-found', message: 'Azure offers none of the B-series sizes to this subscription.', retryable: false })
  return { regions, plans, source: 'live' }
}

function recordHostTag(locator: HostLocator, tag: string): void {
  if (!locator.attached.some((resource) => resource.kind === 'tag' && resource.id === tag)) locator.attached.push({ kind: 'tag', id: tag })
}

function copyLocator(locator: HostLocator): HostLocator {
  return { ...locator, attached: locator.attached.map((resource) => ({ ...resource })) }
}
