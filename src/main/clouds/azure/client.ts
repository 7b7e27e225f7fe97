/**
 * The few Azure Resource Manager calls Exitdesk makes, on Microsoft's official SDKs
 * (`@azure/identity`, `@azure/arm-resources`, `@azure/arm-network`, `@azure/arm-compute`), as
 * the issue asks: they bring the client-credentials flow, ARM's long-running-operation
 * protocol and its paging.
 *
 * - Loaded lazily with `import()`: the SDKs are large and only an Azure account needs them.
 * - Nothing waits for a long-running operation: a `begin…`/poller call here returns once ARM
 *   accepted the request (HTTP 200/201/202 with `Azure-AsyncOperation`/`Location`), never via
 *   `…AndWait` or `pollUntilDone`; later refreshes read the resources' `provisioningState`.
 *   The classic clients (network, resources) would poll the operation once inside `begin…`;
 *   `startOnly` below cuts that off, so a start is one round trip. The modular compute
 *   client's poller sends only the initial request (`submitted()`).
 *   A poller is never returned from an async function: it is thenable, and awaiting it would
 *   poll until done.
 * - The SDKs' own retries are off (`maxRetries: 0`): a throttled or failed call is answered at
 *   once and the host service retries on a later refresh, through the account's budget.
 * - Every request passes a pipeline policy that first asks the account's request budget
 *   (../budget.ts) and refuses any URL outside the configured ARM endpoint's origin, so a
 *   `nextLink` or an operation URL in an answer can never carry the bearer token elsewhere.
 * - Errors become AppErrors with ARM's own `error.message` as the provider's words (./errors.ts).
 * Nothing here logs: the credential and the bearer token pass through these objects.
 */
import { createHash } from 'node:crypto'
import type { TokenCredential } from '@azure/core-auth'
import type { PipelinePolicy } from '@azure/core-rest-pipeline'
import type { NetworkSecurityGroup, PublicIPAddress, VirtualNetwork, NetworkInterface } from '@azure/arm-network'
import type { VirtualMachine, ResourceSku } from '@azure/arm-compute'
import type { ResourceGroup } from '@azure/arm-resources'
import { AppError, invalidInput } from '../../../shared/errors'
import type { RequestGate } from '../budget'
import { DEFAULT_TIMEOUT_MS } from '../http'
import { redactor } from '../../redact'
import { azureError } from './errors'
import { DEFAULT_ENDPOINT } from './manifest'

export interface AzureCredentials {
  tenantId: string
  clientId: string
  clientSecret: string
  subscriptionId: string
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * Checks the four credential fields. The sentences name the field, never its value: a
 * secret pasted into the wrong box must not come back on screen or in a log.
 */
export function parseCredentials(raw: Readonly<Record<string, string>>): AzureCredentials {
  const guid = (key: keyof AzureCredentials, label: string): string => {
    const value = (raw[key] ?? '').trim()
    if (value === '') throw invalidInput(`credentials.${key}`, `The ${label} is missing.`)
    if (!GUID.test(value)) throw invalidInput(`credentials.${key}`, `The ${label} must be a GUID such as 00000000-0000-0000-0000-000000000000 (the value itself is not repeated here).`)
    return value.toLowerCase()
  }
  const tenantId = guid('tenantId', 'Directory (tenant) ID')
  const clientId = guid('clientId', 'Application (client) ID')
  const subscriptionId = guid('subscriptionId', 'Subscription ID')
  const clientSecret = raw.clientSecret ?? ''
  if (clientSecret.trim() === '') throw invalidInput('credentials.clientSecret', 'The client secret is missing.')
  return { tenantId, clientId, clientSecret, subscriptionId }
}

/**
 * Where tokens come from for an ARM endpoint. The public and sovereign clouds pair a known
 * ARM host with a known Entra ID host (https://learn.microsoft.com/entra/identity-platform/authentication-national-cloud);
 * any other endpoint (a proxy, a test fake) is asked for tokens at its own origin, with MSAL's
 * instance discovery off so nothing is sent to login.microsoftonline.com for it.
 */
export function cloudEndpoints(endpoint: string): { arm: string; authorityHost: string; scope: string; knownCloud: boolean } {
  let url: URL
  try {
    url = new URL(endpoint || DEFAULT_ENDPOINT)
  } catch {
    throw invalidInput('endpoint', 'The Azure Resource Manager endpoint is not a URL.')
  }
  if (url.protocol !== 'https:') throw invalidInput('endpoint', 'The Azure Resource Manager endpoint must use https (Azure sends its token only over TLS).')
  const known: Record<string, string> = {
    'management.azure.com': 'https://login.microsoftonline.com',
    'management.usgovcloudapi.net': 'https://login.microsoftonline.us',
    'management.chinacloudapi.cn': 'https://login.chinacloudapi.cn',
  }
  const authority = known[url.hostname]
  return { arm: url.origin, authorityHost: authority ?? url.origin, scope: `${url.origin}/.default`, knownCloud: authority !== undefined }
}

/** The SDK modules, imported the first time an Azure account is used. */
interface Sdk {
  identity: typeof import('@azure/identity')
  resources: typeof import('@azure/arm-resources')
  network: typeof import('@azure/arm-network')
  compute: typeof import('@azure/arm-compute')
}

let sdkLoading: Promise<Sdk> | undefined
export function loadSdk(): Promise<Sdk> {
  sdkLoading ??= Promise.all([import('@azure/identity'), import('@azure/arm-resources'), import('@azure/arm-network'), import('@azure/arm-compute')]).then(
    ([identity, resources, network, compute]) => ({ identity, resources, network, compute }),
    (error: unknown) => {
      sdkLoading = undefined
      throw error
    },
  )
  return sdkLoading
}

/**
 * One credential object per account and secret: MSAL keeps the access token in it (about an
 * hour), so a create or refresh does not ask Entra ID for a token each time.
 */
const credentialCache = new Map<string, { fingerprint: string; credential: TokenCredential }>()

export interface AzureClientOptions {
  accountId: string
  endpoint: string
  credentials: AzureCredentials
  /** The account's request budget, seen with the caller's priority. */
  budget?: RequestGate
  timeoutMs?: number
  /** Bound on pages followed by one list. */
  maxPages?: number
}

export const DEFAULT_MAX_PAGES = 100

/** Fixed names inside a host's own resource group: the group is the host, so nothing else needs a unique name. */
export const NAMES = { nsg: 'exitdesk-nsg', publicIp: 'exitdesk-ip', vnet: 'exitdesk-vnet', subnet: 'default', nic: 'exitdesk-nic' } as const

export interface GroupInfo {
  name: string
  location: string
  tags: Record<string, string>
  provisioningState?: string
}

export type NetworkPart = 'nsg' | 'publicIp' | 'vnet'

export class AzureClient {
  private constructor(
    private readonly sdk: Sdk,
    private readonly credential: TokenCredential,
    private readonly options: AzureClientOptions,
    private readonly arm: ReturnType<typeof cloudEndpoints>,
  ) {}

  static async create(options: AzureClientOptions): Promise<AzureClient> {
    const arm = cloudEndpoints(options.endpoint)
    const sdk = await loadSdk()
    const { tenantId, clientId, clientSecret } = options.credentials
    const fingerprint = createHash('sha256').update(JSON.stringify([arm.arm, tenantId, clientId, clientSecret])).digest('hex')
    let cached = credentialCache.get(options.accountId)
    if (!cached || cached.fingerprint !== fingerprint) {
      const credential = new sdk.identity.ClientSecretCredential(tenantId, clientId, clientSecret, {
        authorityHost: arm.authorityHost,
        // Off for endpoints that are not a Microsoft cloud: discovery would ask login.microsoftonline.com.
        disableInstanceDiscovery: !arm.knownCloud,
        retryOptions: { maxRetries: 0 },
      })
      cached = { fingerprint, credential }
      credentialCache.set(options.accountId, cached)
    }
    return new AzureClient(sdk, cached.credential, options, arm)
  }

  get subscriptionId(): string {
    return this.options.credentials.subscriptionId
  }

  /** ARM id of a resource in a group, lower-cased (ARM ids compare without case; lists answer group names upper-cased). */
  resourceId(group: string, provider: string, name: string): string {
    return `/subscriptions/${this.subscriptionId}/resourceGroups/${group}/providers/${provider}/${name}`.toLowerCase()
  }

  /** One cheap read in the subscription: proves the tenant, client, secret and subscription belong together. */
  async checkSubscription(signal: AbortSignal): Promise<void> {
    await this.call('GET', signal, async (abortSignal) => {
      const pages = this.resources().resourceGroups.list({ top: 1, abortSignal }).byPage()
      await pages.next()
    })
  }

  /** `null` when the group does not exist (404). */
  async getGroup(name: string, signal: AbortSignal): Promise<GroupInfo | null> {
    return this.call('GET', signal, async (abortSignal) => {
      try {
        return groupInfo(await this.resources().resourceGroups.get(name, { abortSignal }))
      } catch (error) {
        if (statusOf(error) === 404) return null
        throw error
      }
    })
  }

  /** PUT of the group: synchronous in ARM (200/201), and idempotent. */
  async createGroup(name: string, location: string, tags: Record<string, string>, signal: AbortSignal): Promise<GroupInfo> {
    return this.call('PUT', signal, async (abortSignal) => groupInfo(await this.resources().resourceGroups.createOrUpdate(name, { location, tags }, { abortSignal })))
  }

  /**
   * Starts the group's delete (202 + Location) and returns. False when the group was already
   * gone (404). ARM removes everything in the group, then the group.
   */
  async startGroupDelete(name: string, signal: AbortSignal): Promise<boolean> {
    return this.call('DELETE', signal, async (abortSignal) => {
      try {
        await startOnly(abortSignal, (options) => this.resources().resourceGroups.beginDelete(name, options))
        return true
      } catch (error) {
        // A 404 of the DELETE itself: the group was already gone.
        if (statusOf(error) === 404) return false
        throw error
      }
    })
  }

  /** Starts one network resource's PUT (NSG, public IP, virtual network with its subnet). */
  async startNetworkPart(group: string, part: NetworkPart, body: NetworkSecurityGroup | PublicIPAddress | VirtualNetwork, signal: AbortSignal): Promise<void> {
    await this.call('PUT', signal, (abortSignal) =>
      startOnly(abortSignal, (options) => {
        const network = this.network()
        if (part === 'nsg') return network.networkSecurityGroups.beginCreateOrUpdate(group, NAMES.nsg, body as NetworkSecurityGroup, options)
        if (part === 'publicIp') return network.publicIPAddresses.beginCreateOrUpdate(group, NAMES.publicIp, body as PublicIPAddress, options)
        return network.virtualNetworks.beginCreateOrUpdate(group, NAMES.vnet, body as VirtualNetwork, options)
      }),
    )
  }

  /** A network resource's provisioningState, or `null` when it does not exist. */
  async networkPartState(group: string, part: NetworkPart | 'nic', signal: AbortSignal): Promise<string | null> {
    return this.call('GET', signal, async (abortSignal) => {
      const network = this.network()
      try {
        const resource =
          part === 'nsg'
            ? await network.networkSecurityGroups.get(group, NAMES.nsg, { abortSignal })
            : part === 'publicIp'
              ? await network.publicIPAddresses.get(group, NAMES.publicIp, { abortSignal })
              : part === 'vnet'
                ? await network.virtualNetworks.get(group, NAMES.vnet, { abortSignal })
                : await network.networkInterfaces.get(group, NAMES.nic, { abortSignal })
        return resource.provisioningState ?? 'Unknown'
      } catch (error) {
        if (statusOf(error) === 404) return null
        throw error
      }
    })
  }

  async startNic(group: string, body: NetworkInterface, signal: AbortSignal): Promise<void> {
    await this.call('PUT', signal, (abortSignal) => startOnly(abortSignal, (options) => this.network().networkInterfaces.beginCreateOrUpdate(group, NAMES.nic, body, options)))
  }

  /** Sends the VM's PUT and returns once ARM accepted it (the poller is never awaited). */
  async startVm(group: string, name: string, body: VirtualMachine, signal: AbortSignal): Promise<void> {
    await this.call('PUT', signal, async (abortSignal) => {
      const poller = this.compute().virtualMachines.createOrUpdate(group, name, body, { abortSignal })
      await poller.submitted()
    })
  }

  /** Starts the VM's delete and returns once ARM accepted it; false when it was already gone (404). */
  async startVmDelete(group: string, name: string, signal: AbortSignal): Promise<boolean> {
    return this.call('DELETE', signal, async (abortSignal) => {
      try {
        // The modular client's poller sends only the request until someone polls it.
        await this.compute().virtualMachines.delete(group, name, { abortSignal }).submitted()
        return true
      } catch (error) {
        if (statusOf(error) === 404) return false
        throw error
      }
    })
  }

  /** The VM with its instance view (power state), or `null` when ARM no longer knows it (404). */
  async getVm(group: string, name: string, signal: AbortSignal): Promise<VirtualMachine | null> {
    return this.call('GET', signal, async (abortSignal) => {
      try {
        return await this.compute().virtualMachines.get(group, name, { expand: 'instanceView', abortSignal })
      } catch (error) {
        if (statusOf(error) === 404) return null
        throw error
      }
    })
  }

  /** The host's public IPv4, or undefined while none is assigned or the address is gone. */
  async getPublicIpv4(group: string, signal: AbortSignal): Promise<string | undefined> {
    return this.call('GET', signal, async (abortSignal) => {
      try {
        return (await this.network().publicIPAddresses.get(group, NAMES.publicIp, { abortSignal })).ipAddress
      } catch (error) {
        if (statusOf(error) === 404) return undefined
        throw error
      }
    })
  }

  /** Every VM in the subscription with its power state (`statusOnly=true`), every page (`nextLink`). */
  listVms(signal: AbortSignal): Promise<VirtualMachine[]> {
    return this.call('GET', signal, (abortSignal) => this.allPages(this.compute().virtualMachines.listAll({ statusOnly: 'true', abortSignal }).byPage()))
  }

  /** Every public IP address in the subscription, every page. */
  listPublicIps(signal: AbortSignal): Promise<PublicIPAddress[]> {
    return this.call('GET', signal, (abortSignal) => this.allPages(this.network().publicIPAddresses.listAll({ abortSignal }).byPage()))
  }

  /** The compute SKUs this subscription may use, with their regions and restrictions. */
  listVmSkus(signal: AbortSignal): Promise<ResourceSku[]> {
    return this.call('GET', signal, (abortSignal) => this.allPages(this.compute().resourceSkus.list({ abortSignal }).byPage()))
  }

  private async allPages<T>(pages: AsyncIterableIterator<T[]>): Promise<T[]> {
    const items: T[] = []
    let count = 0
    for await (const page of pages) {
      if (++count > (this.options.maxPages ?? DEFAULT_MAX_PAGES)) {
        throw new AppError({ code: 'provider-unavailable', message: `Azure kept returning more pages after ${this.options.maxPages ?? DEFAULT_MAX_PAGES}; Exitdesk stopped reading.`, retryable: false })
      }
      items.push(...page)
    }
    return items
  }

  /** Runs one SDK call with a deadline, and turns whatever it throws into an AppError. */
  private async call<T>(method: string, signal: AbortSignal, run: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS)
    const abortSignal = AbortSignal.any([signal, timeout])
    try {
      return await run(abortSignal)
    } catch (error) {
      throw azureError(error, { method, timedOut: timeout.aborted, cancelled: signal.aborted })
    }
  }

  private clientOptions() {
    return {
      endpoint: this.arm.arm,
      credentialScopes: [this.arm.scope],
      credentials: { scopes: [this.arm.scope] },
      retryOptions: { maxRetries: 0 },
      additionalPolicies: [{ policy: gatePolicy(this.options.budget, this.arm.arm), position: 'perCall' as const }],
      // No telemetry header beyond the SDK's own user agent; nothing is logged.
      userAgentOptions: { userAgentPrefix: 'exitdesk' },
    }
  }

  private resources() {
    return new this.sdk.resources.ResourceManagementClient(this.credential, this.subscriptionId, this.clientOptions())
  }

  private network() {
    return new this.sdk.network.NetworkManagementClient(this.credential, this.subscriptionId, this.clientOptions())
  }

  private compute() {
    return new this.sdk.compute.ComputeManagementClient(this.credential, this.subscriptionId, this.clientOptions())
  }
}

/**
 * The pipeline policy on every ARM request: the budget first (it refuses at once, nothing
 * sent), then an origin check, then the request; the answer's status and headers go back to
 * the budget (a 429's Retry-After pauses the whole account).
 */
function gatePolicy(budget: RequestGate | undefined, origin: string): PipelinePolicy {
  return {
    name: 'exitdesk-budget-and-origin',
    async sendRequest(request, next) {
      if (new URL(request.url).origin !== origin) {
        throw new AppError({ code: 'provider-unavailable', message: 'Azure named an address outside its API for the next request; Exitdesk did not follow it.', retryable: true })
      }
      budget?.beforeRequest()
      try {
        const response = await next(request)
        budget?.afterResponse(response.status, budgetHeaders(request.method, response.headers.toJSON()))
        return response
      } catch (error) {
        // The classic clients throw ARM's error answers from inside the pipeline.
        const response = typeof error === 'object' && error !== null && 'response' in error ? (error.response as { status?: number; headers?: { toJSON(): Record<string, string> } } | undefined) : undefined
        if (response?.status !== undefined && response.headers) budget?.afterResponse(response.status, budgetHeaders(request.method, response.headers.toJSON()))
        throw error
      } finally {
        // The bearer policy (after this one) put the access token on the request: from now on
        // the redactor knows it, so an answer that quotes the request cannot show it.
        const authorization = request.headers.get('authorization')
        if (authorization) redactor.remember(authorization.replace(/^Bearer\s+/i, ''))
      }
    },
  }
}

/**
 * ARM's answer headers as the budget reads them (../budget.ts understands `ratelimit-limit`,
 * `-remaining`, `-reset` and `retry-after`). ARM says how many requests of this kind are left
 * in the principal's bucket (`x-ms-ratelimit-remaining-subscription-reads|writes|deletes`,
 * https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling):
 * scaled to the manifest's 200-request window and refilling at the bucket's documented rate,
 * so requests another tool made with the same principal tighten this account's budget. A
 * figure above the bucket (the older hourly counters) says nothing and is dropped.
 */
export function budgetHeaders(method: string, raw: Record<string, string>): Headers {
  const headers = new Headers(raw)
  const kind = method === 'GET' || method === 'HEAD' ? 'reads' : method === 'DELETE' ? 'deletes' : 'writes'
  const bucket = kind === 'reads' ? { size: 250, perSecond: 25 } : { size: 200, perSecond: 10 }
  const remaining = Number(headers.get(`x-ms-ratelimit-remaining-subscription-${kind}`) ?? Number.NaN)
  if (Number.isFinite(remaining) && remaining >= 0 && remaining <= bucket.size) {
    const WINDOW = 200
    headers.set('ratelimit-limit', String(WINDOW))
    headers.set('ratelimit-remaining', String(Math.floor((remaining * WINDOW) / bucket.size)))
    // Seconds until the bucket is full again (a small number: the budget reads it as a delta).
    headers.set('ratelimit-reset', String(Math.max(1, Math.ceil((bucket.size - remaining) / bucket.perSecond))))
  }
  return headers
}

function groupInfo(group: ResourceGroup): GroupInfo {
  return { name: group.name ?? '', location: group.location, tags: group.tags ?? {}, provisioningState: group.properties?.provisioningState }
}

/**
 * Runs a classic client's `begin…` so that it returns as soon as ARM accepted the request.
 * Those methods send the request and then poll its operation once (core-lro 2:
 * `createHttpPoller`, then `poller.poll()`), a second round trip, and a third (the final GET)
 * when the operation already finished. The call's own `onResponse` hears the first 2xx answer
 * and cuts off everything after it with an abort, so nothing is polled; the next step reads
 * the resource itself. A refusal (4xx/5xx) of the request itself is thrown as usual.
 */
async function startOnly(abortSignal: AbortSignal, begin: (options: { abortSignal: AbortSignal; onResponse: (raw: { status: number }) => void }) => Promise<unknown>): Promise<void> {
  const stop = new AbortController()
  let accepted = false
  const onResponse = (raw: { status: number }): void => {
    if (accepted || raw.status < 200 || raw.status >= 300) return
    accepted = true
    stop.abort()
  }
  try {
    await begin({ abortSignal: AbortSignal.any([abortSignal, stop.signal]), onResponse })
  } catch (error) {
    if (!accepted) throw error
  }
}

/** The HTTP status an SDK error carries, if any. */
export function statusOf(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && 'statusCode' in error && typeof error.statusCode === 'number') return error.statusCode
  return undefined
}
