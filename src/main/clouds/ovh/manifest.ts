/**
 * What Exitdesk knows about OVHcloud Public Cloud before it has keys: the credential form, the
 * defaults, and a built-in region/flavor list shown only when the live catalogue cannot be read.
 *
 * API: OVH's own API (not OpenStack's), described in OVH's schema format at
 * https://eu.api.ovh.com/1.0/cloud.json (a 2024 copy in ../shared/provider-specs/ovhcloud/cloud.json;
 * test/contract/ovh-schema.test.ts checks every request the adapter sends against it).
 * Facts and their sources: ../shared/provider-facts.md section 9.
 */
import type { CloudManifest } from '../types'
import type { Plan, Region } from '../../../shared/domain'
import { DNS_LABEL_RULE } from '../../../shared/naming'

/**
 * The three API endpoints by the names OVH's own SDKs use (`ovh/go-ovh` `ovh/ovh.go`,
 * `ovh/node-ovh` `lib/endpoints.js`). A Public Cloud project lives behind exactly one of them.
 */
export const OVH_ENDPOINTS: Readonly<Record<string, string>> = Object.freeze({
  'ovh-eu': 'https://eu.api.ovh.com/1.0',
  'ovh-ca': 'https://ca.api.ovh.com/1.0',
  'ovh-us': 'https://api.us.ovhcloud.com/1.0',
})
export const DEFAULT_OVH_ENDPOINT = 'ovh-eu'

/**
 * The Ubuntu image, by the name OVH's image list gives it (GET /cloud/project/{serviceName}/image
 * `name`; inletsctl picks OVH images the same way, by the name "Ubuntu 22.04"). Image ids differ
 * per region and change when OVH republishes the image, so the id is read live per region.
 */
export const UBUNTU_IMAGE_NAME = 'Ubuntu 24.04'

/**
 * OVH's cloud API (cloud.json) has no price call: flavors carry only plan codes, and prices live
 * in the order catalogue, another API. So prices come from this list, an estimate from OVHcloud's
 * public price page (https://www.ovhcloud.com/en/public-cloud/prices/, hourly list price × 730 h,
 * before VAT; the figures are NOT confirmed against that page — provider-facts.md section 9 marks
 * the cheapest plan unconfirmed). The public IPv4 on Ext-Net is part of every instance's price
 * (https://www.ovhcloud.com/en/public-cloud/prices/: "Public IP address ... included"; also
 * unconfirmed). Only flavors named here are offered: Exitdesk never shows a plan without a price.
 */
export const FLAVOR_PRICES: Readonly<Record<string, { hourlyUsd: number; label: string }>> = Object.freeze({
  // "Discovery": shared vCPU, the cheapest current line, and sold in every region we know of.
  'd2-2': { hourlyUsd: 0.0099, label: 'Discovery d2-2: 1 vCPU (shared), 2 GB RAM, 25 GB NVMe' },
  'd2-4': { hourlyUsd: 0.0174, label: 'Discovery d2-4: 2 vCPU (shared), 4 GB RAM, 50 GB NVMe' },
  'd2-8': { hourlyUsd: 0.0329, label: 'Discovery d2-8: 4 vCPU (shared), 8 GB RAM, 50 GB NVMe' },
  // "General purpose": dedicated vCPUs.
  'b2-7': { hourlyUsd: 0.0609, label: 'General purpose b2-7: 2 vCPU, 7 GB RAM, 50 GB SSD' },
})

export const HOURS_PER_MONTH = 730

export function monthlyUsd(flavor: string): number | undefined {
  const price = FLAVOR_PRICES[flavor]
  return price ? Math.round(price.hourlyUsd * HOURS_PER_MONTH * 100) / 100 : undefined
}

export const PRICE_NOTE = 'public IPv4 included; built-in estimate (hourly list price × 730, before VAT): OVH’s cloud API gives no prices'

/**
 * Region codes as GET /cloud/project/{serviceName}/region names them; a project sees only the
 * regions enabled for it, so the live list always replaces this one. Labels: OVHcloud's
 * locations page (https://www.ovhcloud.com/en/about-us/global-infrastructure/regions/).
 */
export const REGION_LABELS: Readonly<Record<string, string>> = Object.freeze({
  GRA: 'Gravelines, FR',
  SBG: 'Strasbourg, FR',
  RBX: 'Roubaix, FR',
  'EU-WEST-PAR': 'Paris, FR',
  'EU-SOUTH-MIL': 'Milan, IT',
  DE: 'Frankfurt, DE',
  UK: 'London, UK',
  WAW: 'Warsaw, PL',
  BHS: 'Beauharnois, CA',
  'CA-EAST-TOR': 'Toronto, CA',
  SGP: 'Singapore',
  SYD: 'Sydney, AU',
  'AP-SOUTH-MUM': 'Mumbai, IN',
  'US-EAST-VA': 'Vint Hill, US',
  'US-WEST-OR': 'Hillsboro, US',
})

/** "GRA11" -> "Gravelines, FR" (the picker shows the code beside it); an unknown code is shown as it is. */
export function regionLabel(code: string): string {
  const prefix = Object.keys(REGION_LABELS)
    .sort((a, b) => b.length - a.length)
    .find((candidate) => code === candidate || code.startsWith(candidate) && /^[-0-9]/.test(code.slice(candidate.length)))
  return prefix ? REGION_LABELS[prefix]! : code
}

const REGIONS: Region[] = ['GRA11', 'SBG5', 'DE1', 'UK1', 'WAW1', 'BHS5'].map((id) => ({ id, label: regionLabel(id) }))

const PLANS: Plan[] = Object.entries(FLAVOR_PRICES).map(([id, price]) => ({ id, label: `${price.label}, IPv4 included`, monthlyCostUsd: monthlyUsd(id)!, costNote: PRICE_NOTE }))

export const OVH_MANIFEST: CloudManifest = {
  id: 'ovh',
  label: 'OVHcloud',
  simulated: false,
  credentialFields: [
    {
      key: 'applicationKey',
      label: 'Application key',
      // Sent in clear in every request header, but half of a key pair: kept redacted all the same.
      kind: 'text',
      help: 'from https://eu.api.ovh.com/createToken/ (or ca./us.), with GET, POST and DELETE on /cloud/project/<project id>/*',
    },
    { key: 'applicationSecret', label: 'Application secret', kind: 'secret', help: 'signs every request; never sent' },
    { key: 'consumerKey', label: 'Consumer key', kind: 'secret', help: 'the validated consumer key of the same application' },
    {
      key: 'projectId',
      label: 'Public Cloud project id',
      kind: 'text',
      // The project's id is in every API path and shown in the console: an identifier, not a secret.
      public: true,
      placeholder: '0123456789abcdef0123456789abcdef',
      help: 'the 32-character project id (Public Cloud → your project → the id under its name); the API calls it serviceName',
    },
    {
      key: 'endpoint',
      label: 'API region',
      kind: 'text',
      public: true,
      optional: true,
      placeholder: DEFAULT_OVH_ENDPOINT,
      help: 'ovh-eu (default), ovh-ca or ovh-us: where the OVHcloud account was opened',
    },
  ],
  // The API base URL follows the "API region" credential; the Advanced endpoint only points tests at a fake.
  supportsEndpoint: true,
  // Gravelines: OVH's largest Public Cloud site, in every EU project's region list.
  defaultRegion: 'GRA11',
  defaultPlan: 'd2-2',
  image: {
    // Resolved per region from the project's own image list by exact name (see UBUNTU_IMAGE_NAME).
    id: UBUNTU_IMAGE_NAME,
    label: 'Ubuntu 24.04 LTS',
    link: 'https://eu.api.ovh.com/console/?section=%2Fcloud&branch=v1#get-/cloud/project/-serviceName-/image',
  },
  // No publicIpv4MetadataUrl: the Ext-Net address sits on the instance's own interface, and
  // OpenStack's EC2-style `public-ipv4` metadata names floating IPs only; the cloud-init script's
  // outside IPv4 lookup finds it.
  regions: REGIONS,
  plans: PLANS,
  // The user's name is one DNS label; the instance is named "<host tag>.<name>" (see naming.ts).
  nameRule: DNS_LABEL_RULE,
  // OVH's API has no firewall for instances (security groups exist only in OpenStack Neutron):
  // HTTPS hosts cannot be narrowed to 8123/80/443.
  capabilities: { httpsFirewall: false, ipv6: true, listScope: 'account' },
  identity: {
    label: 'project',
    // The project id (`project_id` of GET /cloud/project/{serviceName}) is immutable and is where
    // the instances live. Not the nichandle or e-mail: one OVH account may own several projects
    // (several Exitdesk accounts), and one project may be shared with several nichandles.
    description: 'the Public Cloud project id, with the API region (ovh-eu, ovh-ca, ovh-us) it belongs to',
    source: 'https://eu.api.ovh.com/console/?section=%2Fcloud&branch=v1#get-/cloud/project/-serviceName-',
  },
  links: { console: 'https://www.ovh.com/manager/', docs: 'https://help.ovhcloud.com/csm/en-api-getting-started-ovhcloud-api' },
  rateLimits: {
    // OVH documents no request limit for its API (provider-facts.md section 9: "no documented
    // per-call limits found"). A conservative budget of one request a second keeps Exitdesk well
    // clear of whatever OVH enforces; a 429 still pauses the account.
    windows: [{ requests: 60, perSeconds: 60 }],
    source: 'https://help.ovhcloud.com/csm/en-api-getting-started-ovhcloud-api',
  },
}
