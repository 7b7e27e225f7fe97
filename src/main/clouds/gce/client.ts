/**
 * The few Compute Engine v1 calls Exitdesk makes, on Google's official `@google-cloud/compute`
 * (REST transport). The SDK is loaded with a dynamic `import()` the first time a GCE account
 * is used, so the app neither loads nor parses it (about a second of startup) without one.
 *
 * Every request goes through ./transport.ts (endpoint check, token, budget, deadline, errors).
 * The SDK clients are built with `apiEndpoint`, `port` and `protocol` from the account's
 * endpoint, `fallback: true` (HTTP/1.1 REST: https://github.com/googleapis/gax-nodejs/blob/main/client-libraries.md#http11-rest-api-mode)
 * and the transport as `authClient` (google-gax fallback.ts: an `authClient` option is used as
 * is, so no GoogleAuth looks for application-default credentials or the metadata server).
 * gax retries nothing here (`maxRetries: 0`): the host service decides what is tried again.
 *
 * Shapes: compute.v1.discovery.json (Instance, Firewall, Operation, Project, Zone).
 */
import type * as ComputeModule from '@google-cloud/compute'
import { AppError } from '../../../shared/errors'
import type { RequestGate } from '../budget'
import { unknownOutcome } from '../http'
import { PROVIDER } from './errors'
import { GceTransport, type HeaderSource } from './transport'

export type GceInstance = ComputeModule.protos.google.cloud.compute.v1.IInstance
export type GceFirewall = ComputeModule.protos.google.cloud.compute.v1.IFirewall
export type GceOperation = ComputeModule.protos.google.cloud.compute.v1.IOperation
export type GceZone = ComputeModule.protos.google.cloud.compute.v1.IZone

/** The six SDK client classes Exitdesk uses. */
interface Sdk {
  InstancesClient: typeof ComputeModule.InstancesClient
  FirewallsClient: typeof ComputeModule.FirewallsClient
  ZoneOperationsClient: typeof ComputeModule.ZoneOperationsClient
  GlobalOperationsClient: typeof ComputeModule.GlobalOperationsClient
  ProjectsClient: typeof ComputeModule.ProjectsClient
  ZonesClient: typeof ComputeModule.ZonesClient
}

let sdk: Promise<Sdk> | undefined
/**
 * The SDK, loaded once on first use. Only the six v1 client modules are loaded, not the
 * package's index, which loads all of its hundred-odd clients: about 0.5 s instead of 3 s of
 * blocking `require` on the 2-core development machine. The package has no `exports` map, and
 * build/src/v1/<name>_client.js is where every gapic-generated Google library keeps its clients;
 * should that ever move, the index is loaded instead.
 */
export function loadSdk(): Promise<Sdk> {
  sdk ??= Promise.all([
    import('@google-cloud/compute/build/src/v1/instances_client.js'),
    import('@google-cloud/compute/build/src/v1/firewalls_client.js'),
    import('@google-cloud/compute/build/src/v1/zone_operations_client.js'),
    import('@google-cloud/compute/build/src/v1/global_operations_client.js'),
    import('@google-cloud/compute/build/src/v1/projects_client.js'),
    import('@google-cloud/compute/build/src/v1/zones_client.js'),
  ]).then(
    ([instances, firewalls, zoneOperations, globalOperations, projects, zones]) => ({
      InstancesClient: instances.InstancesClient,
      FirewallsClient: firewalls.FirewallsClient,
      ZoneOperationsClient: zoneOperations.ZoneOperationsClient,
      GlobalOperationsClient: globalOperations.GlobalOperationsClient,
      ProjectsClient: projects.ProjectsClient,
      ZonesClient: zones.ZonesClient,
    }),
    () => import('@google-cloud/compute'),
  )
  sdk.catch(() => (sdk = undefined))
  return sdk
}

/**
 * The SDK loaded and its protocol descriptions parsed, ahead of the first call: the first client
 * built in a process parses them (about 0.7 s on the 2-core development machine), every later one
 * takes a few ms. A throwaway client does it; it is never used and sends nothing.
 */
let warmed: Promise<void> | undefined
export function warmSdk(): Promise<void> {
  warmed ??= loadSdk().then((compute) => {
    const settings = { apiEndpoint: '127.0.0.1', port: 9, protocol: 'http', fallback: true, authClient: { getRequestHeaders: async () => new Headers() } } as unknown as ConstructorParameters<typeof compute.InstancesClient>[0]
    void new compute.InstancesClient(settings)
  })
  warmed.catch(() => (warmed = undefined))
  return warmed
}

export interface GceConnectionOptions {
  endpoint: string
  credential: HeaderSource
  timeoutMs?: number
}

/** aggregatedList's most per page (`maxResults` in compute.v1.discovery.json: 0 to 500). */
export const MAX_RESULTS = 500
export const DEFAULT_MAX_PAGES = 50
/** No gax retries, no gax deadline of its own (the transport's applies). */
const CALL = { maxRetries: 0, autoPaginate: false } as const

interface Clients {
  instances: ComputeModule.InstancesClient
  firewalls: ComputeModule.FirewallsClient
  zoneOperations: ComputeModule.ZoneOperationsClient
  globalOperations: ComputeModule.GlobalOperationsClient
  projects: ComputeModule.ProjectsClient
  zones: ComputeModule.ZonesClient
}

/**
 * The SDK clients of one account and endpoint, built once (the first build parses the SDK's
 * protos, a few hundred ms) and shared by every call; each call brings its own signal and budget.
 */
export class GceConnection {
  readonly transport: GceTransport
  private clients: Promise<Clients> | undefined

  constructor(private readonly options: GceConnectionOptions) {
    this.transport = new GceTransport({ origin: endpointUrl(options.endpoint).origin, credential: options.credential, timeoutMs: options.timeoutMs })
  }

  sdkClients(): Promise<Clients> {
    this.clients ??= loadSdk().then((compute) => {
      const url = endpointUrl(this.options.endpoint)
      const protocol = url.protocol.replace(':', '')
      const port = url.port ? Number(url.port) : protocol === 'http' ? 80 : 443
      const settings = { apiEndpoint: url.hostname, port, protocol, fallback: true, authClient: this.transport } as unknown as ConstructorParameters<typeof compute.InstancesClient>[0]
      return {
        instances: new compute.InstancesClient(settings),
        firewalls: new compute.FirewallsClient(settings),
        zoneOperations: new compute.ZoneOperationsClient(settings),
        globalOperations: new compute.GlobalOperationsClient(settings),
        projects: new compute.ProjectsClient(settings),
        zones: new compute.ZonesClient(settings),
      }
    })
    this.clients.catch(() => (this.clients = undefined))
    return this.clients
  }
}

export interface GceClientOptions {
  project: string
  /** The account's request budget, seen with the caller's priority (../budget.ts). */
  gate?: RequestGate
  /** Bound on pages one list follows. */
  maxPages?: number
}

/** One caller's view of a connection: its project, budget and page bound. */
export class GceClient {
  readonly project: string
  private readonly maxPages: number

  constructor(
    private readonly connection: GceConnection,
    private readonly options: GceClientOptions,
  ) {
    this.project = options.project
    this.maxPages = options.maxPages ?? DEFAULT_MAX_PAGES
  }

  /** One SDK call; `list` bounds the pages a list may take. */
  private async call<T>(signal: AbortSignal, work: (clients: Clients) => Promise<T>, list?: { what: string }): Promise<T> {
    signal.throwIfAborted()
    const clients = await this.connection.sdkClients()
    return this.connection.transport.run({ signal, gate: this.options.gate, limit: list ? { maxRequests: this.maxPages, what: list.what } : undefined }, () => work(clients))
  }

  /** GET projects/{project}: the cheap call that proves the key works in the project. */
  async getProject(signal: AbortSignal): Promise<{ name: string; id: string }> {
    const [project] = await this.call(signal, (c) => c.projects.get({ project: this.project }, CALL))
    if (!project?.name || project.id === undefined || project.id === null) throw notUnderstood('the project answer has no name or id')
    return { name: project.name, id: String(project.id) }
  }

  /** Every zone of the project (zones.list), each page. */
  async listZones(signal: AbortSignal): Promise<GceZone[]> {
    return this.call(signal, async (c) => {
      const zones: GceZone[] = []
      for await (const zone of c.zones.listAsync({ project: this.project, maxResults: MAX_RESULTS }, CALL)) zones.push(zone)
      return zones
    }, { what: 'zones' })
  }

  /** instances.insert, with a requestId so GCE itself ignores a repeat of the same create. Returns the operation. */
  async insertInstance(zone: string, instance: GceInstance, requestId: string, signal: AbortSignal): Promise<GceOperation> {
    const [operation] = await this.call(signal, (c) => c.instances.insert({ project: this.project, zone, requestId, instanceResource: instance }, CALL))
    return checkOperation(operation?.latestResponse as GceOperation | undefined, 'instances.insert')
  }

  /** instances.get by name or numeric id; `null` when GCE no longer knows it (404). */
  async getInstance(zone: string, instance: string, signal: AbortSignal): Promise<GceInstance | null> {
    return orNull(async () => {
      const [found] = await this.call(signal, (c) => c.instances.get({ project: this.project, zone, instance }, CALL))
      return checkInstance(found)
    })
  }

  /** instances.delete; `null` when it was already gone (404). */
  async deleteInstance(zone: string, instance: string, signal: AbortSignal): Promise<GceOperation | null> {
    return orNull(async () => {
      const [operation] = await this.call(signal, (c) => c.instances.delete({ project: this.project, zone, instance }, CALL))
      return checkOperation(operation?.latestResponse as GceOperation | undefined, 'instances.delete')
    })
  }

  /**
   * Every instance of the project that matches `filter`, across all zones, in one aggregated
   * list, following `nextPageToken` to the end (the Go provision package looped on page 2).
   */
  async aggregatedInstances(filter: string, signal: AbortSignal): Promise<GceInstance[]> {
    // The SDK exposes aggregatedList as an async iterator of [scope, list] pairs that asks for
    // the next page (pageToken = nextPageToken) until there is none; the transport bounds how
    // many pages one list may take.
    return this.call(
      signal,
      async (c) => {
        const found: GceInstance[] = []
        for await (const [scope, list] of c.instances.aggregatedListAsync({ project: this.project, filter, maxResults: MAX_RESULTS, returnPartialSuccess: false }, CALL)) {
          for (const instance of list.instances ?? []) found.push(withZone(checkInstance(instance), scope))
        }
        return found
      },
      { what: 'instances' },
    )
  }

  async insertFirewall(firewall: GceFirewall, signal: AbortSignal): Promise<GceOperation> {
    const [operation] = await this.call(signal, (c) => c.firewalls.insert({ project: this.project, firewallResource: firewall }, CALL))
    return checkOperation(operation?.latestResponse as GceOperation | undefined, 'firewalls.insert')
  }

  async getFirewall(name: string, signal: AbortSignal): Promise<GceFirewall | null> {
    return orNull(async () => {
      const [firewall] = await this.call(signal, (c) => c.firewalls.get({ project: this.project, firewall: name }, CALL))
      if (!firewall?.name) throw notUnderstood('the firewall answer has no name')
      return firewall
    })
  }

  async deleteFirewall(name: string, signal: AbortSignal): Promise<GceOperation | null> {
    return orNull(async () => {
      const [operation] = await this.call(signal, (c) => c.firewalls.delete({ project: this.project, firewall: name }, CALL))
      return checkOperation(operation?.latestResponse as GceOperation | undefined, 'firewalls.delete')
    })
  }

  /** A zonal operation (instance insert/delete); `null` once GCE has forgotten it. */
  async getZoneOperation(zone: string, operation: string, signal: AbortSignal): Promise<GceOperation | null> {
    return orNull(async () => {
      const [found] = await this.call(signal, (c) => c.zoneOperations.get({ project: this.project, zone, operation }, CALL))
      return checkOperation(found, 'zoneOperations.get')
    })
  }

  /** A global operation (firewall insert/delete); `null` once GCE has forgotten it. */
  async getGlobalOperation(operation: string, signal: AbortSignal): Promise<GceOperation | null> {
    return orNull(async () => {
      const [found] = await this.call(signal, (c) => c.globalOperations.get({ project: this.project, operation }, CALL))
      return checkOperation(found, 'globalOperations.get')
    })
  }
}

/** The account's endpoint as a URL; only its origin is used (the SDK adds /compute/v1/). */
export function endpointUrl(endpoint: string): URL {
  try {
    const url = new URL(endpoint)
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('scheme')
    return url
  } catch {
    throw new AppError({ code: 'invalid-input', field: 'endpoint', message: 'The Google Compute Engine endpoint is not an http(s) address.', retryable: false })
  }
}

async function orNull<T>(work: () => Promise<T>): Promise<T | null> {
  try {
    return await work()
  } catch (error) {
    if (error instanceof AppError && error.info.code === 'not-found') return null
    throw error
  }
}

function notUnderstood(what: string): AppError {
  // Exitdesk's own diagnosis, not Google's words.
  return unknownOutcome(PROVIDER, what)
}

function checkOperation(operation: GceOperation | null | undefined, what: string): GceOperation {
  if (!operation || typeof operation.name !== 'string' || operation.name.length === 0 || typeof operation.status !== 'string') throw notUnderstood(`the answer to ${what} is not an operation`)
  return operation
}

function checkInstance(instance: GceInstance | null | undefined): GceInstance {
  if (!instance || !instance.name || instance.id === undefined || instance.id === null || typeof instance.status !== 'string') throw notUnderstood('an instance in the answer has no name, id or status')
  return instance
}

/** An aggregated list names the zone in its key ("zones/us-central1-a"); `zone` is its URL. */
function withZone(instance: GceInstance, scope: string): GceInstance {
  if (instance.zone) return instance
  return { ...instance, zone: scope.replace(/^zones\//, '') }
}

/** The last part of a resource URL: ".../zones/us-central1-a" -> "us-central1-a". */
export function lastSegment(url: string | null | undefined): string {
  return (url ?? '').split('/').filter(Boolean).pop() ?? ''
}
