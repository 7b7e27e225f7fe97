/**
 * What Exitdesk knows about Scaleway before it has a key: the credential form, the defaults,
 * and a built-in zone/plan list shown only when the live catalogue (GET
 * /instance/v1/zones/{zone}/products/servers, per zone, with hourly and monthly prices) cannot
 * be read. Scaleway removed prices from its docs in 2025 (scaleway/docs-content PR #5492), so
 * the live catalogue always wins over the figures below.
 */
import { DNS_LABEL_RULE } from '../../../shared/naming'
import type { Plan, Region } from '../../../shared/domain'
import type { CloudManifest } from '../types'

/**
 * Scaleway bills in euros; Exitdesk shows dollars at the fixed rate the Hetzner adapter uses
 * (1 EUR ≈ 1.16 USD, the ECB reference rate's level through late 2025:
 * https://www.ecb.europa.eu/stats/policy_and_exchange_rates/euro_reference_exchange_rates/html/eurofxref-graph-usd.en.html).
 * Every plan's note shows the euro figures, so nothing rests on this rate alone.
 */
export const EUR_TO_USD = 1.16

/** Hours in a month as Scaleway's monthly caps count them (730 = 8,760 / 12). */
export const HOURS_PER_MONTH = 730

/**
 * A flexible IPv4 is billed apart from the server, hourly, from its reservation to its deletion,
 * attached or not: "A flexible IPv4 address is billed, for example, at €0.004 per hour"
 * (https://www.scaleway.com/en/docs/ipam/reference-content/understanding-ip-billing/; the
 * price list is https://www.scaleway.com/en/pricing/network/#additional-ip). The API has no
 * price call for IPs, so this figure is added to every plan, live or built in.
 */
export const IPV4_EUR_PER_HOUR = 0.004
export const IPV4_EUR_PER_MONTH = Math.round(IPV4_EUR_PER_HOUR * HOURS_PER_MONTH * 100) / 100

/**
 * STARDUST1-S (1 vCPU, 1 GB, 10 GB local SSD) cost €0.0046/h ≈ €3.36 a month in the Instances FAQ
 * (scaleway/docs-content PR #5478, 2025-08-28; provider-facts.md section 5). Its local SSD is part
 * of the type's price (local volumes are not billed apart:
 * https://www.scaleway.com/en/docs/instances/reference-content/understanding-instance-pricing/).
 * Stock is limited ("released every month", inlets/cloud-provision issue #9), so the live list
 * may not offer it in every zone.
 */
const STARDUST_EUR = Math.round(0.0046 * HOURS_PER_MONTH * 100) / 100

export function usdFromEur(eur: number): number {
  return Math.round(eur * EUR_TO_USD * 100) / 100
}

/**
 * Instance API zones (the `zone` path parameter of the description lists fr-par-1..3, nl-ams-1..2
 * and pl-waw-1; nl-ams-3, pl-waw-2 and pl-waw-3 opened later:
 * https://www.scaleway.com/en/docs/account/reference-content/products-availability/).
 * The API has no "list zones" call: the catalogue asks each of these for its server types.
 */
export const REGIONS: Region[] = [
  { id: 'fr-par-1', label: 'Paris 1, FR' },
  { id: 'fr-par-2', label: 'Paris 2, FR' },
  { id: 'fr-par-3', label: 'Paris 3, FR' },
  { id: 'nl-ams-1', label: 'Amsterdam 1, NL' },
  { id: 'nl-ams-2', label: 'Amsterdam 2, NL' },
  { id: 'nl-ams-3', label: 'Amsterdam 3, NL' },
  { id: 'pl-waw-1', label: 'Warsaw 1, PL' },
  { id: 'pl-waw-2', label: 'Warsaw 2, PL' },
  { id: 'pl-waw-3', label: 'Warsaw 3, PL' },
]

const PLANS: Plan[] = [
  {
    id: 'STARDUST1-S',
    label: '1 vCPU (x86_64), 1 GB RAM, 10 GB local SSD',
    monthlyCostUsd: usdFromEur(STARDUST_EUR + IPV4_EUR_PER_MONTH),
    costNote: `€${STARDUST_EUR.toFixed(2)} + €${IPV4_EUR_PER_MONTH.toFixed(2)} flexible IPv4 a month (local SSD included), net of VAT; built-in estimate`,
  },
]

export const SCALEWAY_MANIFEST: CloudManifest = {
  id: 'scaleway',
  label: 'Scaleway',
  simulated: false,
  credentialFields: [
    {
      key: 'accessKey',
      label: 'Access key',
      kind: 'text',
      placeholder: 'SCWXXXXXXXXXXXXXXXXX',
      // https://www.scaleway.com/en/docs/iam/how-to/create-api-keys/
      help: 'the API key’s access key (IAM → API keys); its secret key goes below',
    },
    {
      key: 'secretKey',
      label: 'Secret key',
      kind: 'secret',
      help: 'sent as X-Auth-Token; needs InstancesFullAccess and ProjectReadOnly in the project',
    },
    {
      key: 'projectId',
      label: 'Project ID',
      kind: 'text',
      // An identifier Scaleway puts in its own URLs and answers, not a secret: not redacted.
      public: true,
      placeholder: '00000000-0000-0000-0000-000000000000',
      help: 'the project the hosts are made in (Project settings → Project ID)',
    },
  ],
  supportsEndpoint: true,
  // scaleway-sdk-go `scw/client.go` default API URL; every product lives under it.
  defaultEndpoint: 'https://api.scaleway.com',
  // inletsctl's Scaleway default zone (cmd/create.go, provision/scaleway.go).
  defaultRegion: 'fr-par-1',
  defaultPlan: 'STARDUST1-S',
  image: {
    // Marketplace label `ubuntu_noble` (Ubuntu 24.04), resolved per zone and type to the local
    // image id the server is created from: GET /marketplace/v2/local-images?image_label=
    // ubuntu_noble&zone=…&type=instance_local (scaleway-sdk-go api/marketplace/v2/marketplace_sdk.go),
    // the image whose `compatible_commercial_types` holds the chosen type (it differs for arm64).
    id: 'ubuntu_noble',
    label: 'Ubuntu 24.04 LTS (Noble Numbat)',
    link: 'https://www.scaleway.com/en/developers/api/marketplace/',
  },
  // A server reads its own metadata (public IP included) from the link-local metadata service
  // (https://www.scaleway.com/en/docs/instances/how-to/use-boot-modes/ "metadata"; scaleway-sdk-go
  // api/instance/v1/instance_metadata_sdk.go, `http://169.254.42.42/conf?format=json`); its
  // plain-text form is not one value per URL, so the cloud-init script's outside lookup is used.
  regions: REGIONS,
  plans: PLANS,
  // `name` on POST /servers is free text; a DNS label keeps it a valid hostname (cloud-init sets it).
  nameRule: DNS_LABEL_RULE,
  capabilities: { httpsFirewall: true, ipv6: false, listScope: 'zone' },
  identity: {
    label: 'project',
    // The key acts in the project the user names; the first check reads that project
    // (GET /account/v3/projects/{project_id}: `id`, `name`, `organization_id`), which proves the
    // key reaches it. Scaleway project ids are UUIDs fixed at creation.
    description: 'the Scaleway project id (confirmed by GET /account/v3/projects/{project_id}, which also names its organization)',
    source: 'https://www.scaleway.com/en/developers/api/account/project-api/',
  },
  links: { console: 'https://console.scaleway.com/', docs: 'https://www.scaleway.com/en/developers/api/instance/' },
  rateLimits: {
    // Scaleway documents no request limit for the Instance API (provider-facts.md section 5: limits
    // are documented only for Generative APIs; https://www.scaleway.com/en/developers/api/ says
    // nothing either). These are Exitdesk's own ceilings, DigitalOcean-sized, so a bulk teardown
    // stays polite; a 429 and its `Retry-After` / `X-RateLimit-*` headers still pause the account.
    windows: [
      { requests: 250, perSeconds: 60 },
      { requests: 5_000, perSeconds: 3_600 },
    ],
    source: 'https://www.scaleway.com/en/developers/api/',
  },
}
