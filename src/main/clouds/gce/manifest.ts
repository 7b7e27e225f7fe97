/**
 * What Exitdesk knows about Google Compute Engine before it has a key: the credential form, the
 * defaults, and a built-in zone/plan list shown when the live catalogue cannot be read. The
 * live catalogue (zones.list) wins over the zones here; the Compute API has no prices, so the
 * plans and their costs are always these.
 *
 * "Region" in Exitdesk's words is a GCE *zone* here: an instance lives in a zone, and the user
 * picks one (provider-facts.md §3: inletsctl defaults the zone to us-central1-a).
 */
import type { CloudManifest } from '../types'
import type { Plan, Region } from '../../../shared/domain'

/**
 * Always Free covers one non-preemptible e2-micro a month, with 30 GB-months of standard
 * persistent disk, in these three regions only: https://cloud.google.com/free/docs/free-cloud-features#compute
 */
export const FREE_TIER_REGIONS = ['us-west1', 'us-central1', 'us-east1'] as const

/** The zone's region: "us-central1-a" -> "us-central1" (https://cloud.google.com/compute/docs/regions-zones). */
export function regionOfZone(zone: string): string {
  return zone.replace(/-[a-z]$/, '')
}

/** A zone's label, with the free tier marked. */
export function zoneLabel(zone: string, description?: string): string {
  const free = (FREE_TIER_REGIONS as readonly string[]).includes(regionOfZone(zone)) ? ' · free-tier region' : ''
  return `${zone}${description ? ` (${description})` : ''}${free}`
}

/**
 * A built-in subset of zones, shown only when zones.list cannot be read. Zone names:
 * https://cloud.google.com/compute/docs/regions-zones#available
 */
const ZONES: Region[] = [
  ['us-central1-a', 'Council Bluffs, Iowa'],
  ['us-central1-b', 'Council Bluffs, Iowa'],
  ['us-central1-c', 'Council Bluffs, Iowa'],
  ['us-central1-f', 'Council Bluffs, Iowa'],
  ['us-west1-a', 'The Dalles, Oregon'],
  ['us-west1-b', 'The Dalles, Oregon'],
  ['us-east1-b', 'Moncks Corner, South Carolina'],
  ['us-east1-c', 'Moncks Corner, South Carolina'],
  ['us-east4-a', 'Ashburn, Virginia'],
  ['europe-west1-b', 'St. Ghislain, Belgium'],
  ['europe-west2-a', 'London'],
  ['europe-west3-a', 'Frankfurt'],
  ['europe-west4-a', 'Eemshaven, Netherlands'],
  ['asia-southeast1-a', 'Jurong West, Singapore'],
  ['asia-northeast1-a', 'Tokyo'],
  ['australia-southeast1-a', 'Sydney'],
].map(([id, where]) => ({ id: id!, label: zoneLabel(id!, where) }))

/**
 * The costs that make up a host's monthly price (730 hours), in us-central1 list prices:
 * - e2-micro (2 shared vCPU, 1 GB): $0.00838/h = $6.12/mo,
 *   https://cloud.google.com/compute/vm-instance-pricing#e2_sharedcore_machine_types
 *   (provider-facts.md §3 marks the figure as a third-party working estimate: unconfirmed).
 * - an in-use external IPv4 (ephemeral, on a standard VM): $0.005/h = $3.65/mo,
 *   https://cloud.google.com/vpc/network-pricing#ipaddress
 * - the 10 GB standard persistent boot disk (the Ubuntu image's size): $0.04/GB-month = $0.40,
 *   https://cloud.google.com/compute/disks-image-pricing#persistentdisk
 */
export const IPV4_MONTHLY_USD = 3.65
export const BOOT_DISK_GB = 10
export const BOOT_DISK_MONTHLY_USD = 0.4
const withExtras = (machine: number): number => Math.round((machine + IPV4_MONTHLY_USD + BOOT_DISK_MONTHLY_USD) * 100) / 100
const COST_NOTE = `includes the external IPv4 ($${IPV4_MONTHLY_USD.toFixed(2)}) and a ${BOOT_DISK_GB} GB standard boot disk ($${BOOT_DISK_MONTHLY_USD.toFixed(2)}); us-central1 list prices, other regions differ`

/** Cheapest first. Shared-core E2 types: https://cloud.google.com/compute/docs/general-purpose-machines#sharedcore */
const PLANS: Plan[] = [
  // The cheapest type with an external IPv4 (inletsctl's f1-micro is a legacy shared-core type).
  // Its machine and disk cost nothing in the free-tier regions, for one VM a month.
  { id: 'e2-micro', label: 'e2-micro: 2 shared vCPU, 1 GB RAM', monthlyCostUsd: withExtras(6.12), costNote: `${COST_NOTE}; one e2-micro and its disk are free in ${FREE_TIER_REGIONS.join(', ')}` },
  // $0.01675/h
  { id: 'e2-small', label: 'e2-small: 2 shared vCPU, 2 GB RAM', monthlyCostUsd: withExtras(12.23), costNote: COST_NOTE },
  // $0.0335/h
  { id: 'e2-medium', label: 'e2-medium: 2 shared vCPU, 4 GB RAM', monthlyCostUsd: withExtras(24.46), costNote: COST_NOTE },
]

/**
 * Ubuntu 24.04 LTS from Canonical's own image family in project ubuntu-os-cloud: the family
 * always names the newest build, where inletsctl pins the dated ubuntu-minimal-2204-jammy-v20240606.
 * https://cloud.google.com/compute/docs/images/os-details#ubuntu_lts and
 * https://documentation.ubuntu.com/gcp/en/latest/gcp-how-to/find-ubuntu-images/
 * (`ubuntu-2204-lts` is the older LTS if 24.04 is ever withdrawn).
 */
export const IMAGE_PROJECT = 'ubuntu-os-cloud'
export const IMAGE_FAMILY = 'ubuntu-2404-lts-amd64'
export const SOURCE_IMAGE = `projects/${IMAGE_PROJECT}/global/images/family/${IMAGE_FAMILY}`

export const GCE_MANIFEST: CloudManifest = {
  id: 'gce',
  label: 'Google Compute Engine',
  simulated: false,
  credentialFields: [
    {
      key: 'serviceAccountKey',
      label: 'Service-account key (JSON)',
      kind: 'secret',
      placeholder: '{"type": "service_account", "project_id": …}',
      help: 'the JSON key file of a service account with the Compute Instance Admin (v1) and Compute Security Admin roles; paste its whole text',
    },
    {
      key: 'projectId',
      label: 'Project id',
      kind: 'text',
      // Optional: the key's own project_id when left empty. Given, it is a credential value like
      // the key, so main redacts it wherever it writes (see accountIdentity in ./index.ts).
      optional: true,
      placeholder: 'the key\'s project_id',
      help: 'the project the hosts are created in, when it is not the key\'s own project_id',
    },
  ],
  supportsEndpoint: true,
  // rootUrl of compute.v1.discovery.json; the client adds /compute/v1/.
  defaultEndpoint: 'https://compute.googleapis.com',
  defaultRegion: 'us-central1-a',
  defaultPlan: 'e2-micro',
  image: { id: SOURCE_IMAGE, label: 'Ubuntu 24.04 LTS (image family ubuntu-2404-lts-amd64)', link: 'https://cloud.google.com/compute/docs/images/os-details#ubuntu_lts' },
  // The instance's own external IPv4 from the metadata server (answers only the VM, and only
  // with Metadata-Flavor: Google, which the userdata's plain fetch does not send; so the
  // outside IPv4 lookup is what the VM uses): https://cloud.google.com/compute/docs/metadata/predefined-metadata-keys
  regions: ZONES,
  plans: PLANS,
  nameRule: {
    // Instance names are RFC 1035 labels: `name` in compute.v1.discovery.json's Instance schema,
    // pattern [a-z]([-a-z0-9]*[a-z0-9])?, at most 63 characters.
    pattern: '[a-z]([-a-z0-9]*[a-z0-9])?',
    maxLength: 63,
    description: 'lower-case letters, digits and dashes, starting with a letter and ending with a letter or digit, at most 63 characters',
  },
  capabilities: { httpsFirewall: true, ipv6: false, listScope: 'project' },
  identity: {
    label: 'project and service account',
    // The project id is fixed for the project's life (it cannot be changed or reused:
    // https://cloud.google.com/resource-manager/docs/creating-managing-projects#before_you_begin).
    // The service account is told apart by its unique id (the key's client_id, the account's
    // `uniqueId`), not its e-mail: a deleted account's e-mail can be taken by a new account,
    // which gets a new unique id, while every key of one account carries the same client_id
    // (https://cloud.google.com/iam/docs/service-accounts-delete-undelete#deleting).
    description: 'the project id, and the unique id (client_id) of the service account whose key acts in it',
    source: 'https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts',
  },
  links: { console: 'https://console.cloud.google.com/', docs: 'https://cloud.google.com/compute/docs' },
  rateLimits: {
    // Compute Engine API rate quotas are per project, counted per minute and refilled at the
    // minute's end; each of the default, read and list groups allows 1,500 requests a minute
    // (https://cloud.google.com/compute/api-quota). One window at the smallest group's size
    // covers every group Exitdesk uses. Going over answers 403 rateLimitExceeded (or 429),
    // with no rate-limit headers.
    windows: [{ requests: 1_500, perSeconds: 60 }],
    source: 'https://cloud.google.com/compute/api-quota',
  },
}
