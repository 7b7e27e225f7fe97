/**
 * What every cloud adapter implements. Kept as small as the Go provision package's
 * Provision/Status/Delete interface, with what it lacked: cancellation (every call takes an
 * AbortSignal), one list-by-tag call per scope, a normalized state next to the raw one, and
 * multi-step create/teardown that returns after each quick step instead of waiting for the
 * cloud inside the call.
 */
import type { HostResource } from '../../shared/contract'
import type { Catalog, CloudInfo, HostLocator, HostState, TunnelMode, TunnelReadiness, TunnelSettings } from '../../shared/domain'
import type { RequestBudget, RequestPriority } from './budget'

/** The static description of a cloud: drives the renderer's forms and the README table. */
export type CloudManifest = CloudInfo

/** What an adapter needs to talk to one account. Never logged, never sent to the renderer. */
export interface CloudContext {
  accountId: string
  /** Credential values from the keychain, keyed by the manifest's credential field keys. */
  credentials: Readonly<Record<string, string>>
  /** API base URL: the manifest default unless the account overrides it (tests point it at a fake). */
  endpoint: string
  /**
   * The account's one request budget (./budget.ts): every request the adapter sends passes it.
   * Absent for a cloud without documented limits, and in tests that talk to an adapter directly.
   */
  budget?: RequestBudget
  /** Whose request this is: 'user' may use the room kept for clicks. Default 'background'. */
  priority?: RequestPriority
}

/** Tags every Exitdesk host carries, so one list call finds them all and each one finds itself. */
export interface HostTags {
  /** Shared by every host this app creates, e.g. "exitdesk". */
  app: string
  /** Unique to one host, e.g. "exitdesk-host-<id>": lets a lost create be found instead of repeated. */
  host: string
}

export interface ProvisionSpec {
  hostId: string
  name: string
  region: string
  plan: string
  /** The cloud-init script, plain text; adapters encode it as their API wants. */
  userData: string
  tunnel: TunnelSettings
  tags: HostTags
  /**
   * An earlier create step's outcome is unknown (a timeout, a reset, a 5xx, an answer that was
   * not the provider's) and the cloud may still carry it out late: look the host's resources up
   * by their tag or name and adopt what is there, but create nothing. When nothing is found,
   * return `done: false, unresolved: true`; the host service asks again until the
   * late-processing window has passed, and only then lets the step create.
   */
  lookupOnly?: boolean
  /**
   * The first try of this step for a host this Exitdesk has just created: no earlier call can
   * have made anything, so the adapter may skip its look-ups (by tag, by name) and create at
   * once — fewer round trips before the form is answered, and no listing of every firewall.
   */
  fresh?: boolean
}

/** One instance as the cloud reports it right now. */
export interface Observation {
  instanceId: string
  name: string
  region: string
  plan?: string
  state: HostState
  rawStatus: string
  ipv4?: string
  ipv6?: string
  createdAt?: string
  /** Every tag/label on the instance, as the cloud reports them. */
  tags: string[]
}

/**
 * The result of one quick step of a multi-step create or teardown. The host service records
 * `locator` and `progress` atomically before it calls again, so a restart resumes where it was.
 */
export interface StepResult {
  done: boolean
  locator: HostLocator
  /** Adapter-defined marker of how far the work got, handed back on the next call. */
  progress?: string
  /** When not done: what the next call waits for, in words (shown in the table). */
  waitingFor?: string
  /** A `lookupOnly` step that found nothing and created nothing. */
  unresolved?: boolean
  /**
   * Teardown: the cloud accepted the instance's delete but still has the instance. After a
   * grace period the host service sends the delete again (a 204 the cloud did not carry out).
   */
  instancePresent?: boolean
  /** Epoch ms before which the next step need not be tried (set by the host service, not adapters). */
  retryAt?: number
}

/** Whose account a credential acts in, as `verify` reports it. */
export interface AccountIdentity {
  /**
   * The provider's immutable id of that account (what the manifest's `identity` names, e.g. a
   * DigitalOcean team uuid). Compared, never shown; two credentials with the same identity
   * reach the same hosts.
   */
  identity: string
  /** How to show the account to the user, e.g. "Team A (sammy@example.com)". Names can change. */
  accountName: string
}

export interface Provisioner {
  readonly manifest: CloudManifest
  /** A cheap authenticated call proving the credential works; says whose account it acts in. */
  verify(ctx: CloudContext, signal: AbortSignal): Promise<AccountIdentity>
  /** Regions and plans read live from the provider, each plan with its monthly price. */
  catalog(ctx: CloudContext, signal: AbortSignal): Promise<Catalog>
  /**
   * Advances creation by one quick step. `locator` starts as `{ region, attached: [] }`; the
   * step that creates the instance sets `locator.instanceId` and returns `done: true`.
   */
  provision(ctx: CloudContext, spec: ProvisionSpec, locator: HostLocator, progress: string | undefined, signal: AbortSignal): Promise<StepResult>
  /** The instance's current state; `null` when the cloud no longer knows it (404). */
  status(ctx: CloudContext, locator: HostLocator, signal: AbortSignal): Promise<Observation | null>
  /**
   * Advances teardown by one quick step: delete the instance, then (on later calls, once the
   * cloud says it is gone) everything in `locator.attached`. Idempotent: a 404 counts as done,
   * and a call with `progress` undefined starts over safely (the host service does that to send
   * the delete again when the instance outlives a grace period). An attached resource that
   * another instance still uses (a duplicate made by a late create carries the host's tag) is
   * left until that instance is gone: the call returns `done: false` meanwhile.
   */
  delete(ctx: CloudContext, locator: HostLocator, progress: string | undefined, signal: AbortSignal): Promise<StepResult>
  /** The list scopes that cover these hosts: `["account"]` for account-wide clouds, regions for EC2 ... */
  listScopes(locators: HostLocator[]): string[]
  /** Every instance carrying `tag` in one scope, following pagination. */
  listByTag(ctx: CloudContext, scope: string, tag: string, signal: AbortSignal): Promise<Observation[]>
  /**
   * Loads what the first call needs ahead of it (an official SDK, large and loaded lazily: the
   * Google Cloud SDK parses its protocol descriptions, about 0.7 s of main's time). Called when
   * the user picks the cloud in the account form, so no call waits for the load. Absent: nothing
   * to load. Never sends a request.
   */
  prepare?(): Promise<void>
  /**
   * Only for clouds that create nothing real (the simulated cloud): the tunnel readiness the
   * cloud makes up for this instance. When present, Exitdesk never probes the host's address or
   * looks up its domains, so a simulated host sends nothing off the machine.
   */
  simulateReadiness?(locator: HostLocator, tunnel: ReadinessTunnel): Promise<SimulatedReadiness>
  /**
   * How the host details panel names what this cloud made for a host, the tags the instance
   * carries, and links into the provider's web console (./<cloud>/console.ts). Absent: generic
   * words and no links.
   */
  readonly console?: CloudConsole
}

/** A host as a cloud's console links need it. */
export interface ConsoleHost {
  /** The name the instance was created with. */
  name: string
  region: string
  locator: HostLocator
  /** The values of the manifest's credential fields named in `CloudConsole.credentialKeys` (and only those). */
  credentials: Readonly<Record<string, string>>
}

export type ConsoleResourceKind = HostResource['kind']

/** What one cloud says about its resources in the host details panel. */
export interface CloudConsole {
  /** Words for each kind in the provider's terms, e.g. { instance: 'Droplet' }; kinds left out get generic words. */
  labels: Partial<Record<ConsoleResourceKind, string>>
  /** The tags (or labels) Exitdesk gives the instance, spelled as the cloud shows them. */
  instanceTags(tags: HostTags, host: ConsoleHost): string[]
  /**
   * An https:// link to the resource's page in the provider's console; undefined where the
   * console has no page for it. Its host must be one the manifest's `links.console` names
   * (../external-links.ts opens nothing else).
   */
  consoleUrl(resource: { kind: ConsoleResourceKind; id: string }, host: ConsoleHost): string | undefined
  /**
   * Credential fields a link needs (an OVHcloud project id, an Azure subscription id), read
   * from the keychain only when details are asked for.
   */
  credentialKeys?: readonly string[]
  /**
   * Linked instead of a deep link that would carry a value main redacts (a deep link whose id
   * is a credential would reach the window as "[redacted]" and lead nowhere).
   */
  fallbackUrl?: string
}

/** What a readiness check needs to know about a host's tunnel. */
export interface ReadinessTunnel {
  mode: TunnelMode
  domains: string[]
}

/** A made-up readiness: the monitor adds when it was learned. */
export type SimulatedReadiness = Omit<TunnelReadiness, 'checkedAt'>
