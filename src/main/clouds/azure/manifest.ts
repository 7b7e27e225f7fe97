/**
 * What Exitdesk knows about Azure before it has a credential: the credential form, the
 * defaults, and a built-in region/plan list shown when the live catalogue cannot be read.
 * The live catalogue (Microsoft.Compute resource SKUs: which sizes each region offers this
 * subscription) always wins over the region lists here; prices are not in that API, so the
 * figures below are the list prices, all in USD, Linux, pay-as-you-go, East US.
 */
import type { CloudManifest } from '../types'
import type { Plan, Region } from '../../../shared/domain'

/**
 * A Standard-SKU static public IPv4: $0.005 an hour, 730 hours a month = $3.65
 * (https://azure.microsoft.com/pricing/details/ip-addresses/, "Standard (ARM)", static).
 * Basic-SKU addresses were retired on 2025-09-30
 * (https://learn.microsoft.com/azure/virtual-network/ip-services/public-ip-basic-upgrade-guidance),
 * which is why the Go provision package's Azure template no longer deploys.
 */
export const PUBLIC_IPV4_MONTHLY_USD = 3.65

/**
 * The OS disk: a 30 GiB Standard HDD managed disk (Standard_LRS) is billed as an S4 (32 GiB),
 * $1.54 a month plus transactions (https://azure.microsoft.com/pricing/details/managed-disks/,
 * "Standard HDD", LRS). 30 GiB is the size of Canonical's Ubuntu 24.04 image. Price: list
 * price as remembered by the provider-facts notes, not read live (**unconfirmed** to the cent).
 */
export const OS_DISK_MONTHLY_USD = 1.54
export const OS_DISK_SKU = 'Standard_LRS'

const EXTRAS = PUBLIC_IPV4_MONTHLY_USD + OS_DISK_MONTHLY_USD
const round = (usd: number): number => Math.round(usd * 100) / 100

/** Cheapest first. Compute prices: https://azure.microsoft.com/pricing/details/virtual-machines/linux/
 * (B-series, East US, pay-as-you-go; Standard_B1ls ≈ $0.0052/h = $3.80/mo, **unconfirmed** per
 * ../shared/provider-facts.md §4). Each plan's cost adds the IPv4 and the OS disk above. */
function plan(id: string, label: string, computeMonthlyUsd: number): Plan {
  return {
    id,
    label,
    monthlyCostUsd: round(computeMonthlyUsd + EXTRAS),
    costNote: `VM $${computeMonthlyUsd.toFixed(2)} + Standard static public IPv4 $${PUBLIC_IPV4_MONTHLY_USD.toFixed(2)} + 30 GiB Standard HDD OS disk $${OS_DISK_MONTHLY_USD.toFixed(2)}`,
  }
}

/** The cheapest B-series sizes (https://learn.microsoft.com/azure/virtual-machines/sizes/general-purpose/bv1-series):
 * B1ls is the cheapest Azure VM and inletsctl's Azure default; not every region offers it to
 * every subscription, so the live catalogue marks where each is sold. */
export const PLANS: Plan[] = [
  plan('Standard_B1ls', 'B1ls: 1 vCPU, 0.5 GiB RAM', 3.8),
  plan('Standard_B1s', 'B1s: 1 vCPU, 1 GiB RAM', 7.59),
  plan('Standard_B1ms', 'B1ms: 1 vCPU, 2 GiB RAM', 15.11),
]

/** Public regions with the B-series (https://learn.microsoft.com/azure/reliability/regions-list);
 * region names are ARM `location` values. The live catalogue replaces this list. */
const REGIONS: Region[] = [
  { id: 'eastus', label: 'East US (Virginia)' },
  { id: 'eastus2', label: 'East US 2 (Virginia)' },
  { id: 'centralus', label: 'Central US (Iowa)' },
  { id: 'westus2', label: 'West US 2 (Washington)' },
  { id: 'westus3', label: 'West US 3 (Arizona)' },
  { id: 'canadacentral', label: 'Canada Central (Toronto)' },
  { id: 'brazilsouth', label: 'Brazil South (São Paulo)' },
  { id: 'uksouth', label: 'UK South (London)' },
  { id: 'westeurope', label: 'West Europe (Netherlands)' },
  { id: 'northeurope', label: 'North Europe (Ireland)' },
  { id: 'francecentral', label: 'France Central (Paris)' },
  { id: 'germanywestcentral', label: 'Germany West Central (Frankfurt)' },
  { id: 'swedencentral', label: 'Sweden Central (Gävle)' },
  { id: 'switzerlandnorth', label: 'Switzerland North (Zürich)' },
  { id: 'southafricanorth', label: 'South Africa North (Johannesburg)' },
  { id: 'centralindia', label: 'Central India (Pune)' },
  { id: 'southeastasia', label: 'Southeast Asia (Singapore)' },
  { id: 'eastasia', label: 'East Asia (Hong Kong)' },
  { id: 'japaneast', label: 'Japan East (Tokyo)' },
  { id: 'koreacentral', label: 'Korea Central (Seoul)' },
  { id: 'australiaeast', label: 'Australia East (New South Wales)' },
]

export const REGION_LABELS: ReadonlyMap<string, string> = new Map(REGIONS.map((region) => [region.id, region.label]))

/**
 * Ubuntu 24.04 LTS from Canonical's own marketplace publication (publisher Canonical, offer
 * ubuntu-24_04-lts, sku server, version latest): the URN Canonical documents at
 * https://documentation.ubuntu.com/azure/azure-how-to/instances/find-ubuntu-images/ and
 * ../shared/provider-facts.md §4. `latest` resolves at create time, so no dated image
 * disappears. 22.04's is Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest.
 */
export const UBUNTU_IMAGE = { publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest' } as const

export const DEFAULT_ENDPOINT = 'https://management.azure.com'

export const AZURE_MANIFEST: CloudManifest = {
  id: 'azure',
  label: 'Azure',
  simulated: false,
  credentialFields: [
    { key: 'tenantId', label: 'Directory (tenant) ID', kind: 'text', placeholder: '00000000-0000-0000-0000-000000000000', help: "the app registration's Directory (tenant) ID, a GUID" },
    { key: 'clientId', label: 'Application (client) ID', kind: 'text', placeholder: '00000000-0000-0000-0000-000000000000', help: 'a service principal with the Contributor role on the subscription' },
    { key: 'clientSecret', label: 'Client secret', kind: 'secret', help: "the secret's Value (not its ID)" },
    { key: 'subscriptionId', label: 'Subscription ID', kind: 'text', placeholder: '00000000-0000-0000-0000-000000000000' },
  ],
  supportsEndpoint: true,
  // Azure Resource Manager, public cloud (../shared/provider-facts.md §4).
  defaultEndpoint: DEFAULT_ENDPOINT,
  // Azure has no default region; East US is the reference region of Azure's list prices and
  // sells every B-series size.
  defaultRegion: 'eastus',
  defaultPlan: 'Standard_B1ls',
  image: {
    id: `${UBUNTU_IMAGE.publisher}:${UBUNTU_IMAGE.offer}:${UBUNTU_IMAGE.sku}:${UBUNTU_IMAGE.version}`,
    label: 'Ubuntu 24.04 LTS (Canonical)',
    link: 'https://documentation.ubuntu.com/azure/azure-how-to/instances/find-ubuntu-images/',
  },
  // Azure's Instance Metadata Service answers only with the `Metadata: true` header
  // (https://learn.microsoft.com/azure/virtual-machines/instance-metadata-service), which the
  // cloud-init script's plain lookup does not send: the outside IPv4 lookup is used instead.
  regions: REGIONS,
  plans: PLANS,
  nameRule: {
    // The VM name doubles as the Linux computer name: at most 64 characters, letters, digits and
    // dashes, not starting or ending with a dash
    // (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftcompute).
    pattern: '[a-zA-Z0-9]([a-zA-Z0-9-]{0,62}[a-zA-Z0-9])?',
    maxLength: 64,
    description: 'letters, digits and dashes, not starting or ending with a dash, at most 64 characters',
  },
  capabilities: { httpsFirewall: true, ipv6: false, listScope: 'account' },
  identity: {
    label: 'subscription',
    // A service principal may reach several subscriptions, and a subscription trusts one
    // tenant: the pair names the account; the client id and secret can be replaced.
    description: 'the tenant and subscription ids the credential acts in',
    source: 'https://learn.microsoft.com/azure/cost-management-billing/manage/view-all-accounts',
  },
  links: { console: 'https://portal.azure.com/', docs: 'https://learn.microsoft.com/azure/virtual-machines/' },
  rateLimits: {
    // Azure Resource Manager throttles per subscription, principal and region with token
    // buckets: reads 250 (+25/s), writes 200 (+10/s), deletes 200 (+10/s)
    // (https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling).
    // The budget counts every request alike, so the windows are the tightest bucket (writes:
    // at most 200 + 10·T in any T seconds) as rolling windows: 200 in 20 s and 600 a minute,
    // both below what that bucket allows.
    windows: [
      { requests: 200, perSeconds: 20 },
      { requests: 600, perSeconds: 60 },
    ],
    source: 'https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling',
  },
}
