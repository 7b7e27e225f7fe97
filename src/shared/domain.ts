/**
 * The domain every process agrees on. Pure TypeScript: no electron, node or DOM imports,
 * so the renderer, the preload and the main process can all use it.
 */

/** Clouds Exitdesk knows. Equinix Metal was shut down on 2026-06-30 and is not offered. */
export const CLOUD_IDS = [
  'simulator',
  'digitalocean',
  'ec2',
  'gce',
  'azure',
  'hetzner',
  'linode',
  'vultr',
  'scaleway',
  'ovh',
  'civo',
] as const
export type CloudId = (typeof CLOUD_IDS)[number]

/**
 * One standard host state for every cloud (the Libcloud lesson: one normalized enum, one
 * raw-to-normalized map per cloud, falling back to `unknown`). The provider's own word is
 * always kept beside it as `rawStatus`.
 */
export const HOST_STATES = [
  'provisioning',
  'active',
  'stopping',
  'stopped',
  'deleting',
  'deleted',
  'error',
  'unknown',
] as const
export type HostState = (typeof HOST_STATES)[number]

/** States in which a host is expected to change soon, so the table polls fast. */
export const CHANGING_STATES: ReadonlySet<HostState> = new Set(['provisioning', 'stopping', 'deleting'])

/** The newest inlets-pro release Exitdesk knows; the list, with sources, is in ./inlets-versions. */
export { DEFAULT_INLETS_VERSION } from './inlets-versions'

export type TunnelMode = 'tcp' | 'https'
export type LetsEncryptIssuer = 'prod' | 'staging'

export interface TunnelSettings {
  mode: TunnelMode
  /** inlets-pro release, e.g. "0.11.7". */
  inletsVersion: string
  /** HTTPS mode only: the domains Let's Encrypt certificates are requested for. */
  domains: string[]
  // No e-mail: inlets-pro's http server dropped --letsencrypt-email in February 2026 (see
  // ./inlets-versions). Ledger records written before still carry `letsEncryptEmail`; it is
  // never read, so they load unchanged.
  letsEncryptIssuer: LetsEncryptIssuer
}

/** Another resource that belongs to a host and must be removed with it. */
export interface AttachedResource {
  kind: 'firewall' | 'security-group' | 'public-ip' | 'network-interface' | 'disk' | 'tag'
  id: string
}

/**
 * Everything delete needs, recorded when the host is created so teardown never guesses.
 * Optional fields are filled by the clouds that need them (GCE: project + zone; Azure:
 * resourceGroup; EC2: region ...).
 */
export interface HostLocator {
  /** The provider's own id for the instance (droplet id, instance id, VM name ...). */
  instanceId?: string
  region: string
  zone?: string
  project?: string
  resourceGroup?: string
  /** Resources created for this host, removed after the instance is gone. */
  attached: AttachedResource[]
}

/** A host as the renderer sees it. Carries nothing secret. */
export interface Host {
  /** Exitdesk's own id for the host (stable before and after the cloud assigns one). */
  id: string
  name: string
  cloud: CloudId
  accountId: string
  region: string
  plan: string
  ipv4?: string
  ipv6?: string
  state: HostState
  /** The provider's own status word, e.g. DigitalOcean "new" or EC2 "shutting-down". */
  rawStatus: string
  /** ISO 8601. */
  createdAt: string
  monthlyCostUsd?: number
  tunnel: { mode: TunnelMode; domains: string[] }
  locator: HostLocator
  /** The last error met while creating, refreshing or tearing down this host, as a sentence. */
  lastError?: string
  /**
   * Something Exitdesk did on its own for this host that the user should know of, as a
   * sentence: a duplicate instance found and removed, a delete sent again.
   */
  notice?: string
  /** True for a host found in the cloud by its tag that this installation did not create. */
  discovered: boolean
  /** True while Exitdesk is still working through the create or teardown steps. */
  busy: boolean
  /** ISO 8601: when a failed step is tried again (absent when nothing is waiting on a retry). */
  retryAt?: string
  /**
   * Whether the tunnel server itself works, apart from the VM's state: present only for an
   * active, created host with a public IPv4 (the only ones main checks).
   */
  readiness?: TunnelReadiness
  /**
   * ISO 8601: when main tears this host down on its own (auto-teardown), absent when never.
   * The window shows a countdown to it; main keeps the deadline, so a closed window changes nothing.
   */
  deleteAt?: string
  /** The "delete after" choice that set `deleteAt`, e.g. "8h". */
  deleteAfter?: AutoTeardownAfter
}

/**
 * How long after it is chosen a host is torn down on its own. "never" keeps it until deleted.
 * A forgotten exit server bills until someone notices; this is the remedy.
 */
export const AUTO_TEARDOWN_CHOICES = ['1h', '8h', '24h', '7d', 'never'] as const
export type AutoTeardownChoice = (typeof AUTO_TEARDOWN_CHOICES)[number]
export type AutoTeardownAfter = Exclude<AutoTeardownChoice, 'never'>

export const AUTO_TEARDOWN_MS: Record<AutoTeardownAfter, number> = {
  '1h': 3_600_000,
  '8h': 8 * 3_600_000,
  '24h': 24 * 3_600_000,
  '7d': 7 * 24 * 3_600_000,
}

/** Words for a choice, e.g. "8 h", "7 days", "never". */
export function autoTeardownLabel(choice: AutoTeardownChoice): string {
  return choice === 'never' ? 'never' : choice === '7d' ? '7 days' : `${choice.slice(0, -1)} h`
}

/**
 * The tunnel's own signal, learned by main by asking the host (or, for the simulated cloud, by
 * the simulator): a VM can run for minutes before cloud-init has the inlets server listening.
 *   checking   the first check is still under way
 *   ready      the control port answers TLS (and, for HTTPS, 80/443 answer and every domain points here)
 *   not-ready  something that was checked did not work yet (`summary` says what)
 *   unknown    nothing could be checked (e.g. a documentation address nobody may contact)
 */
/**
 * HTTPS mode: what the server presents on 443 for a domain (TLS handshake with the domain as
 * SNI, to the host's own IPv4). "valid": a certificate for the name that the system trusts.
 */
export interface CertificateState {
  status: 'valid' | 'untrusted' | 'wrong-name' | 'expired' | 'none' | 'unchecked'
  /** The issuer's organisation or common name, e.g. "Let's Encrypt". */
  issuer?: string
  /** ISO 8601. */
  validTo?: string
  /** Why it is not valid, as a sentence. */
  error?: string
}

export interface TunnelReadiness {
  status: 'checking' | 'ready' | 'not-ready' | 'unknown'
  /** ISO 8601: when the result was learned. */
  checkedAt?: string
  /** The inlets control port (8123) answering a TLS handshake. */
  control: 'answering' | 'not-answering' | 'unchecked'
  /** HTTPS mode: whether ports 80 and 443 accept a connection. */
  ports?: { http: boolean; https: boolean }
  /** HTTPS mode: what each domain resolves to, and whether that is this host's IPv4. */
  domains?: Array<{ name: string; resolvesTo: string[]; pointsHere: boolean; error?: string; certificate?: CertificateState }>
  /** One line for the table, e.g. "tunnel server not answering yet · www.example.com points at 192.0.2.4, not this host". */
  summary: string
  /** True when the simulated cloud made this up; nothing was contacted. */
  simulated?: boolean
}

export interface Region {
  id: string
  label: string
}

export interface Plan {
  id: string
  label: string
  monthlyCostUsd: number
  /** Where the price leaves something out, e.g. "plus $3.65/mo for the public IPv4". */
  costNote?: string
  /** Regions the plan is sold in; absent means every region. */
  regions?: string[]
}

export interface CredentialField {
  key: string
  label: string
  kind: 'secret' | 'text'
  help?: string
  placeholder?: string
  /** May be left empty (e.g. an AWS session token, needed only for temporary keys). Absent: required. */
  optional?: boolean
  /**
   * Not a secret: an identifier the provider itself puts in its URLs and answers (a Google Cloud
   * project id, an Azure subscription or tenant id). Kept in the keychain with the rest, but not
   * redacted, so sentences and the account's identity can name it. Absent: the value is treated
   * as secret and redacted everywhere main writes (an AWS access key id is half a key pair).
   */
  public?: boolean
}

export interface NameRule {
  /** JavaScript regular expression source the whole name must match. */
  pattern: string
  maxLength: number
  /** The rule in words, shown under the field. */
  description: string
}

/** What the renderer knows about a cloud; it renders forms from this, so adding a cloud needs no UI change. */
export interface CloudInfo {
  id: CloudId
  label: string
  simulated: boolean
  credentialFields: CredentialField[]
  /** Accounts may point at another API endpoint (used by tests to reach a local fake). */
  supportsEndpoint: boolean
  defaultEndpoint?: string
  defaultRegion: string
  defaultPlan: string
  image: { id: string; label: string; link: string }
  /**
   * A URL the VM can read its own public IPv4 from (the cloud's metadata service), tried by
   * the cloud-init script before an outside IPv4-only lookup. Absent: only the outside lookup.
   */
  publicIpv4MetadataUrl?: string
  regions: Region[]
  plans: Plan[]
  nameRule: NameRule
  capabilities: { httpsFirewall: boolean; ipv6: boolean; listScope: 'account' | 'region' | 'project' | 'zone' }
  /**
   * What tells two accounts of this cloud apart: the provider's immutable id of the scope a
   * credential acts in (DigitalOcean: the team uuid; GCE: the project id; Azure: the
   * subscription id ...). Two credentials with the same identity are one account; a
   * replacement credential must have the account's identity.
   */
  identity: {
    label: string
    description: string
    source: string
    /**
     * What the first check of a credential makes in the account, for a cloud that names no
     * account id of its own (e.g. "one empty firewall, free, that names the project"): said in
     * the form, so a check that writes is never a surprise. Absent: the check only reads.
     */
    marker?: string
  }
  /** Provider pages the app may open in the user's browser (exact hosts only; see main/external-links.ts). */
  links?: { console?: string; docs?: string }
  /**
   * The provider's documented request limits per credential, each a rolling window, and the
   * page that documents them. Every request to the cloud passes one budget per account built
   * from these (main/clouds/budget.ts). Absent: no documented limit (the simulated cloud).
   */
  rateLimits?: { windows: RateLimitWindow[]; source: string }
}

/** At most `requests` requests in any `perSeconds` seconds (a rolling window). */
export interface RateLimitWindow {
  requests: number
  perSeconds: number
}

export interface AccountInfo {
  id: string
  cloud: CloudId
  label: string
  endpoint?: string
  /** "ok" once the credential answered a cheap API call; "failing" when it last did not. */
  credential: 'ok' | 'failing' | 'none'
  credentialMessage?: string
  builtIn: boolean
}

export interface Catalog {
  regions: Region[]
  plans: Plan[]
  /** "live" when read from the provider just now, "built-in" when the fallback list was used. */
  source: 'live' | 'built-in'
  note?: string
}

export interface AppStatus {
  keyring: { available: boolean; message?: string }
  /**
   * Where credentials and tunnel tokens are kept: the system keychain (under `service`), or
   * only in memory (EXITDESK_SECRET_STORE=memory), in which case they are forgotten on exit.
   */
  secretStore: { kind: 'keychain'; service?: string } | { kind: 'memory' }
  version: string
  shell: 'electron' | 'web'
  /** Present when the records file was damaged at start: what was kept, and what came back. */
  ledgerRecovery?: LedgerRecovery
}

/**
 * What Exitdesk did at start about a records file (ledger) it could not read, or records in it
 * it could not use; shown as a notice until dismissed. Nothing is ever reset without this.
 */
export interface LedgerRecovery {
  /** Plain sentences: what was wrong, where the old file is, what was recovered. */
  message: string
  /** Where the unreadable records file was kept (absent when only single records were set aside). */
  file?: string
  /** Where records that could not be used were kept, each as it was. */
  quarantineFile?: string
  /** How many single account or host records were set aside. */
  quarantined: number
  /** Accounts rebuilt from the details kept beside their credentials in the keychain. */
  accountsRecovered: number
  /** Whether the accounts and hosts came back from the backup copy made before the last change. */
  restoredFromBackup: boolean
}
