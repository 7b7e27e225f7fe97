/**
 * What Exitdesk knows about Civo before it has an API key: the credential form, the defaults,
 * and a built-in region/size list shown only when the live catalogue cannot be read.
 *
 * Pages relied on (no OpenAPI description of Civo exists in ../shared/provider-specs):
 *   https://www.civo.com/api/instances   create/list/get/delete, `public_ip`, `script`, `tags`
 *   https://www.civo.com/api/firewall    firewalls and their rules (name unique per account)
 *   https://www.civo.com/api/networks    the default network a firewall and an instance live in
 *   https://www.civo.com/api/sizes       sizes (GET /v2/sizes)
 *   https://www.civo.com/api/disk-images disk images per region (GET /v2/disk_images)
 *   https://www.civo.com/api/regions     regions (GET /v2/regions)
 *   https://www.civo.com/api/quota       the account's quota record (GET /v2/quota)
 * and the official Go client github.com/civo/civogo (`client.go`, `instance.go`,
 * `firewall.go`, `network.go`, `instance_size.go` and its test, `quota.go`, `errors.go`).
 */
import { DNS_LABEL_RULE } from '../../../shared/naming'
import type { Plan, Region } from '../../../shared/domain'
import type { CloudManifest } from '../types'

/**
 * Civo regions (codes as GET /v2/regions answers them; https://www.civo.com/api/regions). The
 * live list wins; this one only stands in when it cannot be read.
 */
const REGIONS: Region[] = [
  { id: 'LON1', label: 'London, UK' },
  { id: 'FRA1', label: 'Frankfurt, DE' },
  { id: 'NYC1', label: 'New York, US' },
  { id: 'PHX1', label: 'Phoenix, US' },
]

/**
 * Sizes carry their price since 2025: GET /v2/sizes answers `price_monthly` and `price_hourly`
 * per size (civo/civogo `instance_size_test.go`: g4s.xsmall and g3.xsmall `price_monthly: 5.00`,
 * g3.small `10.00`). One public IPv4 comes with every instance made with `public_ip: create`
 * and no separate price for it is listed (https://www.civo.com/api/instances); Civo bills a
 * monthly cap over 28 days of hours (https://www.civo.com/learn/quota-charges-and-payment).
 * The figures below are the built-in fallback; the live catalogue reads the prices.
 */
const PLANS: Plan[] = [
  { id: 'g4s.xsmall', label: '1 vCPU, 1 GB RAM, 25 GB disk (xSmall - Standard)', monthlyCostUsd: 5, costNote: 'public IPv4 included; built-in estimate' },
  { id: 'g3.xsmall', label: '1 vCPU, 1 GB RAM, 25 GB disk (Extra Small, previous generation)', monthlyCostUsd: 5, costNote: 'public IPv4 included; built-in estimate' },
  { id: 'g4s.small', label: '1 vCPU, 2 GB RAM, 25 GB disk (Small - Standard)', monthlyCostUsd: 10, costNote: 'public IPv4 included; built-in estimate' },
]

export const CIVO_MANIFEST: CloudManifest = {
  id: 'civo',
  label: 'Civo',
  simulated: false,
  credentialFields: [
    {
      key: 'token',
      label: 'API key',
      kind: 'secret',
      // "Authorization: bearer <key>" (https://www.civo.com/api, civogo `client.go`).
      help: 'your Civo API key (Civo dashboard → Settings → Profile → Security → API key); a key acts in one account',
    },
  ],
  supportsEndpoint: true,
  // civogo `client.go`: NewClient uses https://api.civo.com; every path is /v2/...
  defaultEndpoint: 'https://api.civo.com',
  // inletsctl's Civo default before Civo was dropped in 2024 was lon1 with g3.xsmall
  // (provider-facts.md section 10); g4s.xsmall is the current generation at the same price.
  defaultRegion: 'LON1',
  defaultPlan: 'g4s.xsmall',
  image: {
    // Resolved per region from Civo's own catalogue: GET /v2/disk_images?region=R, the available
    // image of distribution "ubuntu" and version 24.04 (name "ubuntu-noble"); 22.04
    // ("ubuntu-jammy") only if 24.04 is missing there (https://www.civo.com/api/disk-images,
    // civogo `disk_image.go` fields id/name/version/state/distribution).
    id: 'ubuntu-noble',
    label: 'Ubuntu 24.04 LTS',
    link: 'https://www.civo.com/api/disk-images',
  },
  // No metadata URL: Civo documents no instance metadata service, so the start-up script asks
  // checkip.amazonaws.com over IPv4 (src/main/tunnel/userdata.ts).
  regions: REGIONS,
  plans: PLANS,
  // `hostname` on POST /v2/instances is "a fully qualified domain name"; one DNS label is one.
  nameRule: DNS_LABEL_RULE,
  capabilities: { httpsFirewall: true, ipv6: false, listScope: 'region' },
  identity: {
    label: 'account',
    // GET /v2/quota describes "the current quota for the current user", one record per account,
    // whose `id` is a UUID that never changes (https://www.civo.com/api/quota; civogo
    // `quota.go`). The e-mail beside it (`default_user_email_address`) is only shown.
    description: 'the id of the account\'s quota record (GET /v2/quota `id`), one per Civo account',
    source: 'https://www.civo.com/api/quota',
  },
  links: { console: 'https://dashboard.civo.com/', docs: 'https://www.civo.com/api' },
  rateLimits: {
    // Civo documents no request limit (none on https://www.civo.com/api or in civogo), though it
    // does answer 429 (civo/cli pull request 323 "Modify function to check RateLimit error";
    // civo/cli-rubygem issue 34). So a conservative budget of Exitdesk's own, one request a
    // second on average: 3,600 an hour, what Hetzner documents for its own API. A per-minute
    // window was tried and dropped: at 120 a minute, polling's half share was spent by a single
    // create's burst of steps and the table stopped refreshing for the rest of the minute.
    windows: [{ requests: 3_600, perSeconds: 3_600 }],
    source: 'https://www.civo.com/api',
  },
}
