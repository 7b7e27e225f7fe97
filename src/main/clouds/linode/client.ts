/**
 * A small typed client for the few Linode API v4 calls Exitdesk makes, over the shared
 * RestClient (deadline, cancellation, one error mapping for every cloud).
 *
 * Why hand-written rather than Linode's official `@linode/api-v4` (0.158.0, read in
 * node_modules/@linode/api-v4/lib/index.js):
 * - its token and base URL are process-wide state: every call goes through one module-level
 *   axios instance (`baseRequest`), `setToken()` adds a request interceptor to that instance
 *   that sets the Authorization header for every later call (each call adds another; none is
 *   ever removed), and request URLs are built from the hard-coded `API_ROOT`
 *   ('https://api.linode.com/v4'; `getAccountInfo` even uses the v4beta root). Two accounts
 *   used at once (two tokens, or a test fake next to the real API) would send each other's
 *   token; pointing it at a fake needs yet another global interceptor rewriting every URL;
 * - its functions take no AbortSignal, so a call cannot be cancelled with the host service's
 *   deadline;
 * - it resolves to `response.data` only: the status and the `X-RateLimit-*` / `Retry-After`
 *   headers the account's budget needs are gone, and a success status cannot be checked
 *   (a proxy's `200 text/html` would be taken for Linode's answer);
 * - it pulls in axios, yup and @linode/validation for the dozen calls below.
 *
 * Shapes follow linode/linode-api-docs `openapi.yaml` (v4.189.0): /account, /regions,
 * /linode/types, /images, /linode/instances, /networking/firewalls, /tags. Linode answers
 * errors as `{ "errors": [{ "reason", "field" }] }`. Nothing here logs: the Authorization
 * header carries the token, and the create body a root password.
 */
import { AppError } from '../../../shared/errors'
import type { RequestGate } from '../budget'
import { RestClient, unknownOutcome, type RestResponse } from '../http'
import { readAllPages, type Page } from '../pagination'

export interface LinodeAccount {
  /** The account's immutable id ("An external unique identifier for this account"). */
  euuid: string
  email?: string
  company?: string
  first_name?: string
  last_name?: string
}

export interface LinodeRegion {
  id: string
  label: string
  country?: string
  /** e.g. "Linodes", "Cloud Firewall", "Metadata". */
  capabilities: string[]
  status: string
  site_type?: string
}

export interface LinodePrice {
  hourly: number | null
  monthly: number | null
}

export interface LinodeType {
  id: string
  label: string
  class?: string
  vcpus: number
  memory: number
  disk: number
  transfer?: number
  price: LinodePrice
  region_prices?: Array<LinodePrice & { id: string }>
  successor?: string | null
}

export interface LinodeImage {
  id: string
  label: string
  deprecated?: boolean
  status?: string
  capabilities?: string[]
}

export interface LinodeInstance {
  id: number
  label: string
  status: string
  region: string
  type?: string | null
  image?: string | null
  /** Public IPv4 first; private (192.168/16) addresses may follow. */
  ipv4: string[]
  /** SLAAC address with its prefix, e.g. "2600:3c03::f03c:91ff:fe24:3a2f/128". */
  ipv6?: string | null
  created?: string
  tags: string[]
}

export interface LinodeInstanceCreate {
  label: string
  region: string
  type: string
  image: string
  /** Required with an image; never stored or logged (see ./index.ts). */
  root_pass: string
  metadata: { user_data: string }
  firewall_id: number
  tags: string[]
  booted: boolean
}

export interface LinodeFirewallRule {
  action: 'ACCEPT' | 'DROP'
  protocol: 'TCP' | 'UDP' | 'ICMP' | 'IPENCAP'
  /** Ports "80", ranges "1-65535" or lists "22, 80"; absent means every port. */
  ports?: string
  addresses: { ipv4?: string[]; ipv6?: string[] }
  label?: string
  description?: string
}

export interface LinodeFirewallCreate {
  label: string
  rules: {
    inbound_policy: 'ACCEPT' | 'DROP'
    outbound_policy: 'ACCEPT' | 'DROP'
    inbound: LinodeFirewallRule[]
    outbound: LinodeFirewallRule[]
  }
  tags: string[]
}

export interface LinodeFirewall {
  id: number
  label: string
  status?: string
  tags?: string[]
  rules?: LinodeFirewallCreate['rules']
}

/** From the `X-RateLimit-*` headers of the last answer (techdocs rate-limits page). */
export interface LinodeRateLimit {
  limit?: number
  remaining?: number
  /** Unix epoch seconds when the bucket refills. */
  reset?: number
}

export interface LinodeClientOptions {
  endpoint: string
  token: string
  timeoutMs?: number
  /** Bound on pages read by one list call. */
  maxPages?: number
  /** Pages asked for at the same time once the total is known (../pagination.ts). */
  pageConcurrency?: number
  /** The account's request budget, seen with the caller's priority (../budget.ts). */
  budget?: RequestGate
  /** The account's collection-GET limit, whose `X-RateLimit-*` headers the budget reads (the manifest's window). */
  budgetWindowRequests?: number
}

/** `page_size` maximum per the spec's `page_size` parameter (25 to 500, default 100). */
export const MAX_PAGE_SIZE = 500
export const DEFAULT_MAX_PAGES = 50
const PROVIDER = 'Linode'

export class LinodeClient {
  private readonly rest: RestClient
  private readonly maxPages: number
  private readonly pageConcurrency: number | undefined
  /** What the last answer said about its rate-limit bucket. */
  lastRateLimit: LinodeRateLimit | undefined

  constructor(options: LinodeClientOptions) {
    const token = options.token.trim()
    if (token.length === 0) {
      throw new AppError({ code: 'unauthorized', message: 'This Linode account has no personal access token. Add one in the account settings.', retryable: false })
    }
    this.maxPages = options.maxPages ?? DEFAULT_MAX_PAGES
    this.pageConcurrency = options.pageConcurrency
    const budget = options.budget
    const windowRequests = options.budgetWindowRequests
    this.rest = new RestClient({
      provider: PROVIDER,
      baseUrl: options.endpoint,
      headers: () => ({ authorization: `Bearer ${token}` }),
      providerMessage: linodeErrorMessage,
      timeoutMs: options.timeoutMs,
      budget: {
        beforeRequest: () => budget?.beforeRequest(),
        afterResponse: (status, headers) => {
          this.lastRateLimit = readRateLimit(headers)
          budget?.afterResponse(status, budgetHeaders(status, headers, windowRequests))
        },
      },
    })
  }

  async getAccount(signal: AbortSignal): Promise<LinodeAccount> {
    const response = await this.send('GET', '/v4/account', { signal, expect: [200] })
    return shaped<LinodeAccount>(response.body, 'account', ACCOUNT_SHAPE)
  }

  listRegions(signal: AbortSignal): Promise<LinodeRegion[]> {
    return this.paginate<LinodeRegion>('/v4/regions', REGION_SHAPE, undefined, signal)
  }

  listTypes(signal: AbortSignal): Promise<LinodeType[]> {
    return this.paginate<LinodeType>('/v4/linode/types', TYPE_SHAPE, undefined, signal)
  }

  /** Images matching an X-Filter (e.g. `{ id: 'linode/ubuntu24.04' }`). */
  listImages(filter: Record<string, unknown>, signal: AbortSignal): Promise<LinodeImage[]> {
    return this.paginate<LinodeImage>('/v4/images', IMAGE_SHAPE, filter, signal)
  }

  async createInstance(body: LinodeInstanceCreate, signal: AbortSignal): Promise<LinodeInstance> {
    const response = await this.send('POST', '/v4/linode/instances', { body, signal, expect: [200] })
    return shaped<LinodeInstance>(response.body, 'linode', INSTANCE_SHAPE)
  }

  /** `null` when Linode no longer knows the instance (404). */
  async getInstance(id: string, signal: AbortSignal): Promise<LinodeInstance | null> {
    const response = await this.send('GET', `/v4/linode/instances/${numericId(id, 'Linode')}`, { signal, accept: [404], expect: [200] })
    return response.status === 404 ? null : shaped<LinodeInstance>(response.body, 'linode', INSTANCE_SHAPE)
  }

  /** Asks Linode to delete the instance (200 `{}`). Returns false when it was already gone (404). */
  async deleteInstance(id: string, signal: AbortSignal): Promise<boolean> {
    const response = await this.send('DELETE', `/v4/linode/instances/${numericId(id, 'Linode')}`, { signal, accept: [404], expect: [200] })
    return response.status !== 404
  }

  /**
   * Every instance carrying `tag` (X-Filter `{"tags": tag}`: "tags" is __Filterable__ on the
   * Linode object), following pagination. `view` turns each one into what the caller keeps.
   */
  async listInstances<R = LinodeInstance>(tag: string, signal: AbortSignal, view?: (instance: LinodeInstance) => R): Promise<R[]> {
    // Checked here too: an answer that ignored the filter must not make every Linode a host.
    const carrying = (instance: LinodeInstance): R | undefined => (instance.tags.includes(tag) ? (view ? view(instance) : (instance as unknown as R)) : undefined)
    const listed = await this.paginate<LinodeInstance, R | undefined>('/v4/linode/instances', INSTANCE_SHAPE, { tags: tag }, signal, carrying)
    return listed.filter((item): item is R => item !== undefined)
  }

  /** Firewalls matching an X-Filter (label and tags are __Filterable__ on the Firewall object). */
  listFirewalls(filter: Record<string, unknown>, signal: AbortSignal): Promise<LinodeFirewall[]> {
    return this.paginate<LinodeFirewall>('/v4/networking/firewalls', FIREWALL_SHAPE, filter, signal)
  }

  async createFirewall(body: LinodeFirewallCreate, signal: AbortSignal): Promise<LinodeFirewall> {
    const response = await this.send('POST', '/v4/networking/firewalls', { body, signal, expect: [200] })
    return shaped<LinodeFirewall>(response.body, 'firewall', FIREWALL_SHAPE)
  }

  /** Returns false when the firewall was already gone (404). */
  async deleteFirewall(id: string, signal: AbortSignal): Promise<boolean> {
    const response = await this.send('DELETE', `/v4/networking/firewalls/${numericId(id, 'firewall')}`, { signal, accept: [404], expect: [200] })
    return response.status !== 404
  }

  /** Removes a tag from the account (and from whatever still carries it). False when it was already gone. */
  async deleteTag(label: string, signal: AbortSignal): Promise<boolean> {
    const response = await this.send('DELETE', `/v4/tags/${encodeURIComponent(label)}`, { signal, accept: [404], expect: [200] })
    return response.status !== 404
  }

  private async send<T = unknown>(
    method: string,
    path: string,
    request: { signal: AbortSignal; body?: unknown; query?: Record<string, string | number | undefined>; headers?: Record<string, string>; accept?: number[]; expect?: number[] },
  ): Promise<RestResponse<T>> {
    try {
      return await this.rest.request<T>(method, path, request)
    } catch (error) {
      throw this.explained(error)
    }
  }

  /**
   * Linode answers every validation error with 400 and the field at fault (the spec's `default`
   * response: "See Errors"), so a 400 is "could not accept these settings", not a malformed
   * request. A 429 without Retry-After says when from `X-RateLimit-Reset`.
   */
  private explained(error: unknown): unknown {
    if (!(error instanceof AppError)) return error
    const info = error.info
    if (info.code === 'unprocessable' && info.message === `${PROVIDER} rejected the request as malformed.`) {
      return new AppError({ ...info, message: `${PROVIDER} could not accept these settings.` })
    }
    if (info.code === 'rate-limited' && info.retryAfterSeconds === undefined && this.lastRateLimit?.reset !== undefined) {
      const seconds = Math.max(1, Math.ceil(this.lastRateLimit.reset - Date.now() / 1000))
      if (seconds < 3600) return new AppError({ ...info, message: `${info.message} Exitdesk will try again in ${seconds} s.`, retryAfterSeconds: seconds })
    }
    return error
  }

  /**
   * Reads every page through the shared reader (../pagination.ts): `results` on the first page
   * (page_size 500) lets the others be asked for at once; `page`/`pages` are followed otherwise.
   */
  private paginate<T, R = T>(path: string, shape: Shape, filter: Record<string, unknown> | undefined, signal: AbortSignal, view?: (item: T) => R): Promise<R[]> {
    const headers = filter ? { 'x-filter': JSON.stringify(filter) } : undefined
    const fetchPage = async (page: number): Promise<Page<R>> => {
      const response = await this.send<unknown>('GET', path, { signal, headers, query: { page, page_size: MAX_PAGE_SIZE }, expect: [200] })
      const body = response.body
      if (!isRecord(body)) throw unexpectedAnswer(`the answer to GET ${path} is not a JSON object`)
      if (!Array.isArray(body.data)) throw unexpectedAnswer(`the answer to GET ${path} has no "data" list`)
      const items = body.data.map((item: unknown, index) => {
        const checked = shaped<T>(item, `data[${index}]`, shape)
        return view ? view(checked) : (checked as unknown as R)
      })
      const results = wholeNumber(body.results)
      const pages = wholeNumber(body.pages)
      const current = wholeNumber(body.page) ?? page
      return { items, total: results, next: pages !== undefined && current < pages && items.length > 0 ? current + 1 : undefined }
    }
    return readAllPages(fetchPage, { maxPages: this.maxPages, concurrency: this.pageConcurrency, provider: PROVIDER, what: path })
  }
}

/** A 2xx answer without what the adapter reads: a proxy's page, or API drift. Never copies the body. */
function unexpectedAnswer(what: string): AppError {
  return unknownOutcome(PROVIDER, what)
}

type FieldKind = 'string' | 'number' | 'boolean' | 'array' | 'object' | 'id'
/** The fields the adapter reads, each required unless its kind ends with "?" (then absent or null is fine). */
type Shape = Record<string, FieldKind | `${FieldKind}?`>

const ACCOUNT_SHAPE: Shape = { euuid: 'string', email: 'string?', company: 'string?', first_name: 'string?', last_name: 'string?' }
const REGION_SHAPE: Shape = { id: 'string', label: 'string', capabilities: 'array', status: 'string' }
const TYPE_SHAPE: Shape = { id: 'string', label: 'string', vcpus: 'number', memory: 'number', disk: 'number', price: 'object', region_prices: 'array?' }
const IMAGE_SHAPE: Shape = { id: 'string', label: 'string', deprecated: 'boolean?', capabilities: 'array?' }
const INSTANCE_SHAPE: Shape = { id: 'id', label: 'string', status: 'string', region: 'string', ipv4: 'array', ipv6: 'string?', tags: 'array' }
const FIREWALL_SHAPE: Shape = { id: 'id', label: 'string', tags: 'array?' }

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function hasKind(value: unknown, kind: FieldKind): boolean {
  switch (kind) {
    case 'array':
      return Array.isArray(value)
    case 'object':
      return isRecord(value)
    case 'id':
      return typeof value === 'number' && Number.isSafeInteger(value) && value > 0
    default:
      return typeof value === kind
  }
}

const KIND_NAMES: Record<FieldKind, string> = { string: 'a string', number: 'a number', boolean: 'true or false', array: 'a list', object: 'an object', id: 'a positive whole number' }

/** `value` as T once it is an object carrying `shape`'s fields; otherwise an unexpected-answer error naming `where`. */
function shaped<T>(value: unknown, where: string, shape: Shape): T {
  if (!isRecord(value)) throw unexpectedAnswer(`${where} is missing or not an object`)
  for (const [key, expected] of Object.entries(shape)) {
    const optional = expected.endsWith('?')
    const kind = expected.replace('?', '') as FieldKind
    const field = value[key]
    if (optional && (field === undefined || field === null)) continue
    if (!hasKind(field, kind)) throw unexpectedAnswer(`${where}.${key} is ${field === undefined ? 'missing' : `not ${KIND_NAMES[kind]}`}`)
  }
  return value as T
}

function wholeNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined
}

/**
 * Linode's errors: `{ "errors": [{ "reason": "...", "field": "..." }] }` (the spec's `default`
 * response). Every reason is kept, each with its field when Linode names one.
 */
export function linodeErrorMessage(body: unknown): string | undefined {
  if (!isRecord(body)) return undefined
  if (Array.isArray(body.errors)) {
    const reasons = body.errors
      .filter(isRecord)
      .map((error) => {
        const reason = typeof error.reason === 'string' ? error.reason.trim() : ''
        const field = typeof error.field === 'string' && error.field.length > 0 ? error.field : undefined
        return reason ? (field ? `${field}: ${reason}` : reason) : ''
      })
      .filter((reason) => reason.length > 0)
    if (reasons.length > 0) return reasons.join('; ')
  }
  // A gateway's HTML page, cut down by the RestClient to `{ message }`.
  return typeof body.message === 'string' && body.message.length > 0 ? body.message : undefined
}

function headerNumber(headers: Headers, name: string): number | undefined {
  const value = headers.get(name)
  if (value === null || value.trim() === '') return undefined
  const parsed = Number(value)
  return Number.isFinite(parsed) ? parsed : undefined
}

function readRateLimit(headers: Headers): LinodeRateLimit | undefined {
  const limit = headerNumber(headers, 'x-ratelimit-limit')
  const reset = headerNumber(headers, 'x-ratelimit-reset')
  if (limit === undefined && reset === undefined) return undefined
  return { limit, remaining: headerNumber(headers, 'x-ratelimit-remaining'), reset }
}

/**
 * What the account's budget (../budget.ts, which reads `ratelimit-*` and `retry-after`) is told
 * about a Linode answer. Linode's `X-RateLimit-*` headers describe the bucket of the operation
 * that was called (create a Linode: 20 per 15 s; collections: 200 a minute; others: 1,600 a
 * minute), so only a bucket whose limit is the budget's own window is handed on: telling the
 * account-wide budget "limit 20" after a create would clamp every request to 20. A 429 always
 * pauses the account: until `Retry-After`, else until `X-RateLimit-Reset`.
 */
export function budgetHeaders(status: number, headers: Headers, windowRequests: number | undefined): Headers {
  const out = new Headers()
  const retry = headers.get('retry-after')
  if (retry !== null) out.set('retry-after', retry)
  const limit = headers.get('x-ratelimit-limit')
  const reset = headers.get('x-ratelimit-reset')
  if (status === 429 && reset !== null) out.set('ratelimit-reset', reset)
  if (limit !== null && windowRequests !== undefined && Number(limit) === windowRequests) {
    out.set('ratelimit-limit', limit)
    const remaining = headers.get('x-ratelimit-remaining')
    if (remaining !== null) out.set('ratelimit-remaining', remaining)
    if (reset !== null) out.set('ratelimit-reset', reset)
  }
  return out
}

/** Linode and firewall ids are positive integers (the spec's path parameters); anything else never reaches the URL. */
function numericId(id: string, what: string): string {
  if (!/^[1-9][0-9]{0,15}$/.test(id)) {
    throw new AppError({ code: 'invalid-input', field: 'locator', message: `"${id.slice(0, 40)}" is not a Linode ${what} id.`, retryable: false })
  }
  return id
}
