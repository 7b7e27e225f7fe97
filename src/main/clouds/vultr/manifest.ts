/**
 * What Exitdesk knows about Vultr before it has an API key: the credential form, the defaults,
 * and a built-in region/plan list shown when the live catalogue cannot be read. The live
 * catalogue (GET /v2/regions and /v2/plans, no authorization needed) always wins over these lists.
 *
 * API description: vultr/vultr-ruby `blob/v0.0.1.json` (Vultr's OpenAPI v2, 2023-12-07), kept in
 * ../shared/provider-specs/vultr/vultr-openapi-v2.json; reference https://www.vultr.com/api/.
 */
import type { CloudManifest } from '../types'
import type { Plan, Region } from '../../../shared/domain'
import { DNS_LABEL_RULE } from '../../../shared/naming'

/**
 * Vultr's data centres (region ids as GET /v2/regions returns them, lower case: the v1 upper-case
 * ids such as inletsctl's "LHR" are not v2 ids). https://www.vultr.com/features/datacenter-locations/
 * The live list replaces this one as soon as the API answers.
 */
const REGIONS: Region[] = [
  { id: 'ams', label: 'Amsterdam' },
  { id: 'atl', label: 'Atlanta' },
  { id: 'blr', label: 'Bangalore' },
  { id: 'bom', label: 'Mumbai' },
  { id: 'cdg', label: 'Paris' },
  { id: 'del', label: 'Delhi NCR' },
  { id: 'dfw', label: 'Dallas' },
  { id: 'ewr', label: 'New Jersey' },
  { id: 'fra', label: 'Frankfurt' },
  { id: 'icn', label: 'Seoul' },
  { id: 'itm', label: 'Osaka' },
  { id: 'jnb', label: 'Johannesburg' },
  { id: 'lax', label: 'Los Angeles' },
  { id: 'lhr', label: 'London' },
  { id: 'mad', label: 'Madrid' },
  { id: 'man', label: 'Manchester' },
  { id: 'mel', label: 'Melbourne' },
  { id: 'mex', label: 'Mexico City' },
  { id: 'mia', label: 'Miami' },
  { id: 'nrt', label: 'Tokyo' },
  { id: 'ord', label: 'Chicago' },
  { id: 'sao', label: 'São Paulo' },
  { id: 'scl', label: 'Santiago' },
  { id: 'sea', label: 'Seattle' },
  { id: 'sgp', label: 'Singapore' },
  { id: 'sjc', label: 'Silicon Valley' },
  { id: 'sto', label: 'Stockholm' },
  { id: 'syd', label: 'Sydney' },
  { id: 'tlv', label: 'Tel Aviv' },
  { id: 'waw', label: 'Warsaw' },
  { id: 'yto', label: 'Toronto' },
]

/**
 * Cheapest first; Cloud Compute (vc2) "Regular Performance", https://www.vultr.com/pricing/.
 * Every plan here includes one public IPv4 in its price. The `-v6` variants (e.g.
 * `vc2-1c-0.5gb-v6`, $2.50) are IPv6-only and are never offered: a tunnel server needs a public
 * IPv4. Figures are the ones in ../shared/provider-facts.md §8 (third-party notes, 2026, marked
 * unconfirmed there); the live GET /v2/plans `monthly_cost` replaces them.
 */
const PLANS: Plan[] = [
  // 1 vCPU, 512 MB, 10 GB, with IPv4: sold only in some locations (New Jersey among them).
  { id: 'vc2-1c-0.5gb', label: '1 vCPU, 512 MB RAM, 10 GB SSD', monthlyCostUsd: 3.5, regions: ['ewr'] },
  // Sold in every region: the cheapest plan with a public IPv4 almost everywhere.
  { id: 'vc2-1c-1gb', label: '1 vCPU, 1 GB RAM, 25 GB SSD', monthlyCostUsd: 5 },
  { id: 'vc2-1c-2gb', label: '1 vCPU, 2 GB RAM, 55 GB SSD', monthlyCostUsd: 10 },
]

/** The OS catalogue entry Exitdesk boots, confirmed live from GET /v2/os by name and arch. */
export const UBUNTU = {
  /** "Ubuntu 24.04 LTS x64" (provider-facts §8: os_id 2284, seen in public API answers). */
  name: 'Ubuntu 24.04 LTS x64',
  arch: 'x64',
  family: 'ubuntu',
  /** Used only when the live list cannot be read and it has already been confirmed; see index.ts. */
  knownId: 2284,
} as const

export const VULTR_MANIFEST: CloudManifest = {
  id: 'vultr',
  label: 'Vultr',
  simulated: false,
  credentialFields: [
    {
      key: 'token',
      label: 'API key',
      kind: 'secret',
      placeholder: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567ABCD',
      help: 'a Vultr API key (Account → API); if it has an IP access list, this computer must be on it',
    },
  ],
  supportsEndpoint: true,
  // `servers` of the OpenAPI description (and vultr-node's default baseUrl); paths are below it.
  defaultEndpoint: 'https://api.vultr.com/v2',
  // London: inletsctl's Vultr default region ("LHR" in v1 spelling, cmd/create.go).
  defaultRegion: 'lhr',
  // The cheapest plan with a public IPv4 sold in London (the $3.50 one is not sold there).
  defaultPlan: 'vc2-1c-1gb',
  image: {
    // Resolved from Vultr's own OS catalogue (GET /v2/os) by name and arch at create time, so a
    // renumbered id is noticed; "Ubuntu 22.04 LTS x64" (os_id 1743, inletsctl's) is the older LTS.
    id: 'Ubuntu 24.04 LTS x64',
    label: 'Ubuntu 24.04 LTS',
    link: 'https://www.vultr.com/api/#tag/os/operation/list-os',
  },
  // The instance's own main IPv4 from Vultr's metadata service (link-local, plain text):
  // https://www.vultr.com/metadata/ ("/v1/interfaces/0/ipv4/address"); cloud-init's Vultr
  // datasource reads the same service (canonical/cloud-init doc/rtd/topics/datasources/vultr.rst).
  publicIpv4MetadataUrl: 'http://169.254.169.254/v1/interfaces/0/ipv4/address',
  regions: REGIONS,
  plans: PLANS,
  // The name becomes the instance's `hostname` (and `label`): one RFC 1123 label.
  nameRule: DNS_LABEL_RULE,
  capabilities: { httpsFirewall: true, ipv6: true, listScope: 'account' },
  identity: {
    label: 'account',
    // GET /v2/account carries no id at all (name, email, acls, balance ...: vultr-openapi-v2.json
    // `#/paths/~1account`), the name and e-mail can be changed, and /v2/users lists only
    // sub-users. The one immutable, account-wide id a key can read is that of a resource of the
    // account: an empty firewall group Exitdesk marks as the account's (free, no rules, attached
    // to nothing). Every key of the account sees the same group; a key of another account does not.
    description: 'the id of the empty "exitdesk-account-marker" firewall group in the account (Vultr exposes no account id)',
    source: 'https://www.vultr.com/api/#tag/account/operation/get-account',
    marker: 'one empty firewall group described exitdesk-account-marker (no rules, attached to nothing, free) whose id names the account',
  },
  links: { console: 'https://my.vultr.com/', docs: 'https://docs.vultr.com/' },
  rateLimits: {
    // "Rate Limit" in the OpenAPI description's introduction: "If your application sends more
    // than 30 requests per second, the API may return HTTP status code 429." Counted per source
    // IP address, not per key; no rate-limit headers are documented. One account's budget keeps
    // to it; several Vultr accounts on one computer share the address, which one budget per
    // account does not model (the 429 and its Retry-After still pause the account that got it).
    windows: [{ requests: 30, perSeconds: 1 }],
    source: 'https://www.vultr.com/api/#section/Introduction/Rate-Limit',
  },
}
