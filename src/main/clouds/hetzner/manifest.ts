/**
 * What Exitdesk knows about Hetzner Cloud before it has a token: the credential form, the
 * defaults, and a built-in location/plan list shown only when the live catalogue cannot be read.
 * Hetzner renamed its cheapest types in 2025 (cx22 -> cx23, the "cost-optimised" line) and
 * raised prices on 2026-04-01 and again for new orders from 2026-06-15, so the live catalogue
 * (GET /server_types with per-location prices, GET /pricing for the primary IPv4) always wins
 * over the figures below.
 */
import { DNS_LABEL_RULE } from '../../../shared/naming'
import type { Plan, Region } from '../../../shared/domain'
import type { CloudManifest } from '../types'

/**
 * Hetzner bills in euros (GET /pricing says the project's `currency`); Exitdesk shows dollars.
 * A fixed rate, not a live one (Exitdesk asks nothing but the cloud's own API): 1 EUR ≈ 1.16 USD,
 * the ECB euro reference rate's level through the second half of 2025
 * (https://www.ecb.europa.eu/stats/policy_and_exchange_rates/euro_reference_exchange_rates/html/eurofxref-graph-usd.en.html).
 * Every plan's note shows the euro figure Hetzner bills, so nothing rests on this rate alone.
 */
export const EUR_TO_USD = 1.16

/**
 * A primary IPv4 is billed on top of the server type since 2024-02-01 (€0.50 a month net,
 * https://docs.hetzner.com/cloud/servers/primary-ips/faq/ and the Hetzner Cloud price list;
 * the amount is marked unconfirmed in provider-facts.md). Live catalogues read it from
 * GET /pricing (`primary_ips[type=ipv4].prices[].price_monthly.net`, per location).
 */
export const FALLBACK_IPV4_EUR = 0.5

/** cx23's monthly cap, net: ≈ €4.11 (third-party, 2026: https://docs.cnap.tech/compute/providers/hetzner,
 * "cx23 … ~€4.11/month"; marked unconfirmed in provider-facts.md section 7). */
const CX23_EUR = 4.11

/** The locations of the cost-optimised cx line: Hetzner's EU sites only (provider-facts.md section 7). */
const EU_LOCATIONS = ['fsn1', 'nbg1', 'hel1']

/** Hetzner Cloud locations (GET /locations; https://docs.hetzner.com/cloud/general/locations/). */
const REGIONS: Region[] = [
  { id: 'fsn1', label: 'Falkenstein, DE' },
  { id: 'nbg1', label: 'Nuremberg, DE' },
  { id: 'hel1', label: 'Helsinki, FI' },
]

export function usdFromEur(eur: number): number {
  return Math.round(eur * EUR_TO_USD * 100) / 100
}

/** Only what a source gives a monthly figure for; the live list has every type. */
const PLANS: Plan[] = [
  {
    // The cheapest x86 type with a public IPv4 that a source prices (2 vCPU shared, 4 GB, 40 GB),
    // and inletsctl's Hetzner default (github.com/inlets/inletsctl cmd/create.go: cx23 in hel1).
    id: 'cx23',
    label: '2 vCPU (x86, shared), 4 GB RAM, 40 GB disk',
    monthlyCostUsd: usdFromEur(CX23_EUR + FALLBACK_IPV4_EUR),
    costNote: `€${CX23_EUR.toFixed(2)} + €${FALLBACK_IPV4_EUR.toFixed(2)} primary IPv4 a month, net of VAT; built-in estimate`,
    regions: EU_LOCATIONS,
  },
]

export const HETZNER_MANIFEST: CloudManifest = {
  id: 'hetzner',
  label: 'Hetzner Cloud',
  simulated: false,
  credentialFields: [
    {
      key: 'token',
      label: 'API token',
      kind: 'secret',
      // Hetzner Console → the project → Security → API tokens (https://docs.hetzner.cloud/#authentication).
      help: 'a project API token with Read & Write permission (Hetzner Console → your project → Security → API tokens); a token reaches exactly one project',
    },
  ],
  supportsEndpoint: true,
  // `servers[0].url` of the API description; hcloud-go `hcloud/client.go` `Endpoint`.
  defaultEndpoint: 'https://api.hetzner.cloud/v1',
  // inletsctl's default Hetzner location (cmd/create.go); cx23 is sold there.
  defaultRegion: 'hel1',
  defaultPlan: 'cx23',
  image: {
    // Resolved per architecture (x86 for cx/cpx/ccx types, arm for cax) from Hetzner's own
    // catalogue: GET /images?type=system&name=ubuntu-24.04&architecture=… gives the id the
    // server is created from ("Images" in https://docs.hetzner.cloud/#images-get-all-images;
    // one system image of that name exists per architecture). `ubuntu-22.04` is the older LTS if 24.04 is withdrawn.
    id: 'ubuntu-24.04',
    label: 'Ubuntu 24.04 LTS',
    link: 'https://docs.hetzner.cloud/#images-get-all-images',
  },
  // The server's own public IPv4 from Hetzner's metadata service (link-local, answers only the
  // server itself): "Server Metadata" in https://docs.hetzner.cloud/ — plain text.
  publicIpv4MetadataUrl: 'http://169.254.169.254/hetzner/v1/metadata/public-ipv4',
  regions: REGIONS,
  plans: PLANS,
  // `name` on POST /servers: "must be unique per Project and a valid hostname as per RFC 1123".
  nameRule: DNS_LABEL_RULE,
  capabilities: { httpsFirewall: true, ipv6: true, listScope: 'account' },
  identity: {
    label: 'project',
    // A token belongs to exactly one project and the API has no "who am I" call and carries no
    // project id in any answer. So Exitdesk keeps one rule-less, unapplied Firewall (no traffic
    // changes; GET /pricing lists no price for firewalls) named
    // `exitdesk-project-marker` in the project (found by its label, made on the first check):
    // Hetzner ids are immutable and never reused, and firewall names are unique per project,
    // so its id names the project for as long as the marker exists.
    description: 'the id of the exitdesk-project-marker Firewall Exitdesk keeps in the project (the API names no project id)',
    source: 'https://docs.hetzner.cloud/#firewalls',
    marker: 'one empty Firewall named exitdesk-project-marker (no rules, applied to nothing, free) whose id names the project',
  },
  links: { console: 'https://console.hetzner.cloud/', docs: 'https://docs.hetzner.cloud/' },
  rateLimits: {
    // "Rate Limiting" in the API description: 3,600 requests an hour per project by default,
    // refilled one a second; answers carry RateLimit-Limit / -Remaining / -Reset (a UNIX time),
    // and a 429 `rate_limit_exceeded` when it is spent. No shorter window is documented.
    windows: [{ requests: 3_600, perSeconds: 3_600 }],
    source: 'https://docs.hetzner.cloud/#rate-limiting',
  },
}
