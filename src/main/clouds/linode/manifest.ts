/**
 * What Exitdesk knows about Linode (Akamai Cloud) before it has a token: the credential form,
 * the defaults, and a built-in region/plan list shown when the live catalogue cannot be read.
 * The live catalogue (GET /v4/regions and /v4/linode/types, both public) always wins.
 *
 * API description: linode/linode-api-docs `openapi.yaml` (v4.189.0, commit 40e7c7d2), now
 * published at https://techdocs.akamai.com/linode-api/reference/api.
 */
import type { CloudManifest } from '../types'
import type { Plan, Region } from '../../../shared/domain'

/**
 * Core regions where a Linode gets cloud-init user data: `metadata.user_data` "requires a
 * compatible Region ... `Metadata` under `capabilities`" (POST /linode/instances in the spec).
 * These are the regions opened since 2023, which offer the Metadata service; older data centres
 * (us-east, eu-west ...) are left out of this fallback because Exitdesk could not confirm their
 * Metadata capability. The live list is filtered by `capabilities` and wins over this one.
 * Ids: https://techdocs.akamai.com/linode-api/reference/get-regions
 */
const REGIONS: Region[] = [
  { id: 'fr-par', label: 'Paris, FR' },
  { id: 'nl-ams', label: 'Amsterdam, NL' },
  { id: 'se-sto', label: 'Stockholm, SE' },
  { id: 'it-mil', label: 'Milan, IT' },
  { id: 'es-mad', label: 'Madrid, ES' },
  { id: 'us-iad', label: 'Washington, DC' },
  { id: 'us-ord', label: 'Chicago, IL' },
  { id: 'us-sea', label: 'Seattle, WA' },
  { id: 'us-lax', label: 'Los Angeles, CA' },
  { id: 'us-mia', label: 'Miami, FL' },
  { id: 'jp-osa', label: 'Osaka, JP' },
  { id: 'in-maa', label: 'Chennai, IN' },
  { id: 'id-cgk', label: 'Jakarta, ID' },
  { id: 'br-gru', label: 'Sao Paulo, BR' },
]

/**
 * Cheapest first. Every Linode has a public IPv4 and an IPv6 (SLAAC) included in its price, and
 * outbound transfer up to the plan's allowance. Prices: the public plan catalogue
 * GET https://api.linode.com/v4/linode/types (read 2026-09-17: Nanode 1GB $5.00/mo, $0.0075/h;
 * Linode 2GB $12; Linode 4GB $24), https://www.linode.com/pricing/. Some regions (São Paulo,
 * Jakarta) carry higher prices in `region_prices`; the live list shows them in the plan's note.
 */
const PLANS: Plan[] = [
  // Nanode 1 GB: 1 vCPU, 1 GB RAM, 25 GB storage, 1 TB transfer; still the cheapest type (class
  // `nanode`), and inletsctl's default for Linode (https://github.com/inlets/inletsctl).
  { id: 'g6-nanode-1', label: 'Nanode 1 GB: 1 vCPU, 1 GB RAM, 25 GB storage', monthlyCostUsd: 5, costNote: 'more in some regions (e.g. Sao Paulo, Jakarta): the live list shows the regional price' },
  { id: 'g6-standard-1', label: 'Linode 2 GB: 1 vCPU, 2 GB RAM, 50 GB storage', monthlyCostUsd: 12 },
  { id: 'g6-standard-2', label: 'Linode 4 GB: 2 vCPU, 4 GB RAM, 80 GB storage', monthlyCostUsd: 24 },
]

export const LINODE_MANIFEST: CloudManifest = {
  id: 'linode',
  label: 'Linode',
  simulated: false,
  credentialFields: [
    {
      key: 'token',
      label: 'Personal access token',
      kind: 'secret',
      // Scopes: linodes:read_write, firewall:read_write, account:read_only (GET /v4/account).
      // "You must be an unrestricted User in order to add or modify tags on Linodes" (POST
      // /linode/instances in the spec), and every host carries Exitdesk's tags.
      help: 'a personal access token of an unrestricted user, with Linodes and Firewalls read/write and Account read-only',
    },
  ],
  supportsEndpoint: true,
  // `servers` in openapi.yaml; paths are under /{apiVersion} = /v4.
  defaultEndpoint: 'https://api.linode.com',
  // Paris: a core region with the Metadata service (cloud-init user data) and the Nanode plan.
  // inletsctl's default, eu-west (London), is an older data centre whose Metadata capability
  // Exitdesk could not confirm; the picker offers only regions the live list says have it.
  defaultRegion: 'fr-par',
  defaultPlan: 'g6-nanode-1',
  image: {
    // Linode's own stable id for Ubuntu 24.04 LTS (GET /v4/images: vendor Ubuntu, capability
    // `cloud-init`, which `metadata.user_data` needs); `linode/ubuntu22.04` is the older LTS.
    id: 'linode/ubuntu24.04',
    label: 'Ubuntu 24.04 LTS',
    link: 'https://techdocs.akamai.com/linode-api/reference/get-images',
  },
  // No `publicIpv4MetadataUrl`: Linode's Metadata API answers only after a PUT /v1/token
  // handshake (https://techdocs.akamai.com/cloud-computing/docs/metadata-service-api), which the
  // cloud-init script's one GET cannot do; the outside IPv4 lookup finds the address instead.
  regions: REGIONS,
  plans: PLANS,
  nameRule: {
    // `label` of POST /linode/instances: ^[a-zA-Z]((?!--|__|\.\.)[a-zA-Z0-9-_.])+$, 3 to 64
    // characters, and "needs to begin and end with an alphanumeric character".
    pattern: '[a-zA-Z](?:(?!--|__|\\.\\.)[a-zA-Z0-9_.-]){2,}(?<=[a-zA-Z0-9])',
    maxLength: 64,
    description: '3 to 64 letters, digits, dashes, underscores or dots, starting with a letter, ending with a letter or digit, never two dashes, underscores or dots in a row',
  },
  capabilities: { httpsFirewall: true, ipv6: true, listScope: 'account' },
  identity: {
    label: 'account',
    // A token acts for one user of one account; several users (e-mails) can share an account,
    // and one e-mail can be a user of several accounts. `euuid` is the account's own id.
    description: 'the account euuid that GET /v4/account reports for the token',
    source: 'https://techdocs.akamai.com/linode-api/reference/get-account',
  },
  links: { console: 'https://cloud.linode.com/', docs: 'https://techdocs.akamai.com/linode-api/reference/api' },
  rateLimits: {
    // https://techdocs.akamai.com/linode-api/reference/rate-limits: per user (per token),
    // 200 a minute for paginated GET collections and 1,600 a minute for other operations, plus
    // per-operation limits (create a Linode 20 per 15 s, list images 20 a minute). Exitdesk's
    // polling is mostly collection GETs (the list by tag), so the account's one budget keeps to
    // the tightest general limit; the per-operation buckets are left to Linode's 429 +
    // Retry-After, which pauses the whole account (the older spec text said 800 per 2 minutes,
    // 400 a minute and 200 a minute for collections: 200 a minute holds under both).
    windows: [{ requests: 200, perSeconds: 60 }],
    source: 'https://techdocs.akamai.com/linode-api/reference/rate-limits',
  },
}
