/**
 * What Exitdesk knows about DigitalOcean before it has a token: the credential form, the
 * defaults, and a built-in region/plan list shown when the live catalogue cannot be read.
 * The live catalogue (GET /v2/regions and /v2/sizes) always wins over these lists.
 */
import type { CloudManifest } from '../types'
import type { Plan, Region } from '../../../shared/domain'

/** Where the $4 plan is sold (it is not offered everywhere). Source:
 * https://docs.digitalocean.com/release-notes/droplets/ — introduced 2022-07-01 in NYC1, FRA1,
 * SFO3, SGP1 and AMS3; the 512 MB Basic plans were added to BLR1, LON1, NYC3 and TOR1 on 2025-09-10. */
const PLAN_512MB_REGIONS = ['ams3', 'blr1', 'fra1', 'lon1', 'nyc1', 'nyc3', 'sfo3', 'sgp1', 'tor1']

/** Regions open for new droplets, per https://docs.digitalocean.com/platform/regional-availability/
 * (older datacenters such as nyc2, sfo1 and ams2 are answered by GET /v2/regions with
 * `available: false` and are left out). Note: the OpenAPI spec's shared `region_slug` enum
 * (specification/shared/attributes/region_slug.yml at digitalocean/openapi 7c1300c) lacks atl1 and ric1. */
const REGIONS: Region[] = [
  { id: 'nyc1', label: 'New York 1' },
  { id: 'nyc3', label: 'New York 3' },
  { id: 'sfo2', label: 'San Francisco 2' },
  { id: 'sfo3', label: 'San Francisco 3' },
  { id: 'ams3', label: 'Amsterdam 3' },
  { id: 'sgp1', label: 'Singapore 1' },
  { id: 'lon1', label: 'London 1' },
  { id: 'fra1', label: 'Frankfurt 1' },
  { id: 'tor1', label: 'Toronto 1' },
  { id: 'blr1', label: 'Bangalore 1' },
  { id: 'syd1', label: 'Sydney 1' },
  { id: 'atl1', label: 'Atlanta 1' },
  { id: 'ric1', label: 'Richmond 1' },
]

/** Cheapest first. Every Basic droplet includes a public IPv4 and outbound transfer in its
 * price, so there is no extra line item to note. Prices: https://www.digitalocean.com/pricing/droplets
 * (Basic, Regular SSD), cross-checked with the release notes above. */
const PLANS: Plan[] = [
  // The cheapest plan with a public IPv4 (1 vCPU, 512 MB, 10 GB, 500 GB transfer), and the size
  // inletsctl uses for DigitalOcean (https://github.com/inlets/inletsctl).
  { id: 's-1vcpu-512mb-10gb', label: '1 vCPU, 512 MB RAM, 10 GB SSD', monthlyCostUsd: 4, regions: PLAN_512MB_REGIONS },
  // Sold in every region: the fallback where the $4 plan is not offered. $6 since the
  // 2022-07-01 price change (https://docs.digitalocean.com/release-notes/droplets/).
  { id: 's-1vcpu-1gb', label: '1 vCPU, 1 GB RAM, 25 GB SSD', monthlyCostUsd: 6 },
  { id: 's-1vcpu-2gb', label: '1 vCPU, 2 GB RAM, 50 GB SSD', monthlyCostUsd: 12 },
]

export const DIGITALOCEAN_MANIFEST: CloudManifest = {
  id: 'digitalocean',
  label: 'DigitalOcean',
  simulated: false,
  credentialFields: [
    {
      key: 'token',
      label: 'API token',
      kind: 'secret',
      placeholder: 'dop_v1_…',
      help: 'a personal access token with droplet, firewall, tag, size, region and account scopes',
    },
  ],
  supportsEndpoint: true,
  // `servers` in specification/DigitalOcean-public.v2.yaml; paths are under /v2.
  defaultEndpoint: 'https://api.digitalocean.com',
  // inletsctl's default DigitalOcean region; the $4 plan is sold there since 2025-09-10.
  defaultRegion: 'lon1',
  defaultPlan: 's-1vcpu-512mb-10gb',
  image: {
    // A stable slug (not a dated image id) that DigitalOcean keeps pointing at the current
    // 24.04 build; added 2024-04-25 per https://docs.digitalocean.com/release-notes/droplets/.
    // `ubuntu-22-04-x64` is the older LTS if 24.04 is ever withdrawn.
    id: 'ubuntu-24-04-x64',
    label: 'Ubuntu 24.04 LTS',
    link: 'https://docs.digitalocean.com/release-notes/droplets/',
  },
  // The droplet's own public IPv4, from its metadata service (link-local, answers only the
  // droplet itself): https://docs.digitalocean.com/reference/api/metadata/ ("Network
  // Interfaces": GET /metadata/v1/interfaces/public/0/ipv4/address, plain text).
  publicIpv4MetadataUrl: 'http://169.254.169.254/metadata/v1/interfaces/public/0/ipv4/address',
  regions: REGIONS,
  plans: PLANS,
  nameRule: {
    // `name` in specification/resources/droplets/models/droplet_single_create.yml:
    // pattern ^[a-zA-Z0-9]?[a-z0-9A-Z.\-]*[a-z0-9A-Z]$, maxLength 255.
    pattern: '[a-zA-Z0-9]?[a-zA-Z0-9.-]*[a-zA-Z0-9]',
    maxLength: 255,
    description: 'letters, digits, dots and dashes, ending with a letter or digit, at most 255 characters',
  },
  capabilities: { httpsFirewall: true, ipv6: true, listScope: 'account' },
  identity: {
    label: 'team',
    // A token acts in one team, and one person (one e-mail, one user uuid) may belong to
    // several teams; only the team's uuid tells two such accounts apart.
    description: 'the team uuid that GET /v2/account reports for the token',
    source: 'https://github.com/digitalocean/openapi/blob/main/specification/resources/account/models/account.yml',
  },
  links: { console: 'https://cloud.digitalocean.com/', docs: 'https://docs.digitalocean.com/' },
  rateLimits: {
    // "Rate Limit" in specification/description.yml: per token, 5,000 requests an hour and 250
    // a minute, each on a rolling basis (a request stops counting an hour after it was made);
    // answers carry ratelimit-limit/-remaining/-reset, and a 429 of the burst limit retry-after.
    // Some endpoints have lower limits of their own (GET /v2/account/keys, 10 per 60 s), none
    // of which Exitdesk calls.
    windows: [
      { requests: 5_000, perSeconds: 3_600 },
      { requests: 250, perSeconds: 60 },
    ],
    source: 'https://github.com/digitalocean/openapi/blob/main/specification/description.yml',
  },
}
