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

/**
 * The newest inlets-pro release confirmed while writing this: 0.11.14, announced in
 * https://inlets.dev/blog/2026/07/13/hardening-auto-tls.html (release notes:
 * https://github.com/inlets/inlets-pro/releases/tag/0.11.14). From 0.11.14 the auto-TLS
 * client checks the server's CA with the shared token, so clients should run 0.11.14 or newer.
 */
export const DEFAULT_INLETS_VERSION = '0.11.14'

export type TunnelMode = 'tcp' | 'https'
export type LetsEncryptIssuer = 'prod' | 'staging'

export interface TunnelSettings {
  mode: TunnelMode
  /** inlets-pro release, e.g. "0.11.7". */
  inletsVersion: string
  /** HTTPS mode only: the domains Let's Encrypt certificates are requested for. */
  domains: string[]
  /** HTTPS mode only. */
  letsEncryptEmail?: string
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
  /** True for a host found in the cloud by its tag that this installation did not create. */
  discovered: boolean
  /** True while Exitdesk is still working through the create or teardown steps. */
  busy: boolean
  /** ISO 8601: when a failed step is tried again (absent when nothing is waiting on a retry). */
  retryAt?: string
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
  regions: Region[]
  plans: Plan[]
  nameRule: NameRule
  capabilities: { httpsFirewall: boolean; ipv6: boolean; listScope: 'account' | 'region' | 'project' | 'zone' }
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
  version: string
  shell: 'electron' | 'web'
}
