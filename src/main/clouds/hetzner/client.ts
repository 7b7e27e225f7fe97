/**
 * A small typed client for the few Hetzner Cloud API calls Exitdesk makes, over the shared
 * RestClient (deadline, cancellation, one error mapping for every cloud).
 *
 * Why hand-written: Hetzner publishes no JavaScript SDK — its API documentation lists the CLI
 * and the Go and Python libraries (hcloud-go, hcloud-python) as its own, and the npm packages
 * that exist are community projects (provider-facts.md section 7). A dozen calls over fetch,
 * checked against the official description (docs.hetzner.cloud/cloud.spec.json, kept in
 * ../shared/provider-specs/hetzner and run through Prism by test/contract/hetzner-spec.test.ts),
 * need nothing more; and every failure goes through `httpError()` like every other cloud's.
 *
 * Hetzner errors are `{ "error": { "code", "message", "details" } }` ("Errors" in the API
 * description). The client reads the 4xx answers itself (`accept`), so that Hetzner's `code`
 * picks the sentence: a read-only token, a project limit, a name already taken, a firewall
 * still in use. 5xx, timeouts and broken bodies stay with the RestClient, which marks a
 * mutating call's outcome unknown. Nothing here logs: the Authorization header carries the token.
 */
import { AppError, type ErrorCode } from '../../../shared/errors'
import type { RequestGate } from '../budget'
import { httpError, RestClient, unknownOutcome, type RestResponse } from '../http'
import { readAllPages, type Page } from '../pagination'

const PROVIDER = 'Hetzner Cloud'

export interface HzPrice {
  net: string
  gross: string
}

export interface HzLocation {
  id: number
  name: string
  description: string
  city?: string
  country?: string
  network_zone?: string
}

export interface HzDeprecation {
  unavailable_after: string
  announced: string
}

export interface HzServerType {
  id: number
  name: string
  description: string
  cores: number
  memory: number
  disk: number
  deprecated: boolean | null
  architecture: 'x86' | 'arm' | string
  cpu_type?: string
  prices: Array<{ location: string; price_monthly: HzPrice; price_hourly?: HzPrice }>
  /** Where the type is sold (since 2025), each possibly deprecated there. */
  locations?: Array<{ id: number; name: string; deprecation: HzDeprecation | null }>
  deprecation?: HzDeprecation | null
}

export interface HzPricing {
  currency: string
  primary_ips: Array<{ type: 'ipv4' | 'ipv6' | string; prices: Array<{ location: string; price_monthly: HzPrice }> }>
}

export interface HzImage {
  id: number
  name: string | null
  type: string
  status: string
  architecture: 'x86' | 'arm' | string
  os_flavor?: string
  os_version?: string | null
  deprecated?: string | null
}

export interface HzServer {
  id: number
  name: string
  status: string
  created?: string
  labels?: Record<string, string> | null
  location?: { name: string } | null
  server_type?: { name: string } | null
  public_net?: {
    /** `id` is the server's primary IP. */
    ipv4?: { ip: string; id?: number } | null
    ipv6?: { ip: string; id?: number } | null
    firewalls?: Array<{ id: number; status?: string }>
  } | null
}

export interface HzFirewallRule {
  direction: 'in' | 'out'
  protocol: 'tcp' | 'udp' | 'icmp' | 'esp' | 'gre'
  /** A port or range "80", "1-65535"; only for tcp and udp. */
  port?: string
  source_ips?: string[]
  destination_ips?: string[]
  description?: string
}

export interface HzFirewallCreate {
  name: string
  labels?: Record<string, string>
  rules?: HzFirewallRule[]
}

export interface HzFirewall {
  id: number
  name: string
  labels?: Record<string, string>
  applied_to?: Array<{ type: string; server?: { id: number } }>
}

export interface HzServerCreate {
  name: string
  server_type: string
  image: string
  location: string
  user_data: string
  labels: Record<string, string>
  firewalls?: Array<{ firewall: number }>
  public_net: { enable_ipv4: boolean; enable_ipv6: boolean }
  start_after_create: boolean
}

export interface HetznerClientOptions {
  endpoint: string
  token: string
  timeoutMs?: number
  maxPages?: number
  pageConcurrency?: number
  budget?: RequestGate
}

/** "the maximum value is 50 except otherwise specified" ("Pagination" in the API description). */
export const MAX_PER_PAGE = 50
export const DEFAULT_MAX_PAGES = 200

/** 4xx statuses Hetzner documents ("Error Codes"): read here so its `code` can pick the sentence. */
const HETZNER_4XX = [400, 401, 403, 404, 405, 409, 410, 412, 422, 423, 429]

type Query = Record<string, string | number | undefined>

export class HetznerClient {
  private readonly rest: RestClient
  private readonly maxPages: number
  private readonly pageConcurrency: number | undefined

  constructor(options: HetznerClientOptions) {
    const token = options.token.trim()
    if (token.length === 0) {
      throw new AppError({ code: 'unauthorized', message: 'This Hetzner Cloud account has no API token. Add one in the account settings.', retryable: false })
    }
    this.maxPages = options.maxPages ?? DEFAULT_MAX_PAGES
    this.pageConcurrency = options.pageConcurrency
    const gate = options.budget
    this.rest = new RestClient({
      provider: PROVIDER,
      baseUrl: options.endpoint,
      headers: () => ({ authorization: `Bearer ${token}` }),
      providerMessage: hetznerErrorMessage,
      timeoutMs: options.timeoutMs,
      budget: gate ? { beforeRequest: () => gate.beforeRequest(), afterResponse: (status, headers) => gate.afterResponse(status, nextRoomHeaders(headers)) } : undefined,
    })
  }

  listLocations(signal: AbortSignal): Promise<HzLocation[]> {
    return this.paginate<HzLocation>('/locations', 'locations', LOCATION_SHAPE, {}, signal)
  }

  listServerTypes(signal: AbortSignal, name?: string): Promise<HzServerType[]> {
    return this.paginate<HzServerType>('/server_types', 'server_types', SERVER_TYPE_SHAPE, { name }, signal)
  }

  async getPricing(signal: AbortSignal): Promise<HzPricing> {
    const response = await this.send('GET', '/pricing', { signal, expect: [200] })
    return member<HzPricing>(response.body, 'pricing', PRICING_SHAPE)
  }

  /** System images named `name` (e.g. "ubuntu-24.04"), optionally of one architecture. */
  listSystemImages(name: string, architecture: string | undefined, signal: AbortSignal): Promise<HzImage[]> {
    return this.paginate<HzImage>('/images', 'images', IMAGE_SHAPE, { type: 'system', name, architecture, status: 'available' }, signal)
  }

  async createServer(body: HzServerCreate, signal: AbortSignal): Promise<HzServer> {
    // 201 with the server and an `action` covering its creation; the action is not waited on.
    const response = await this.send('POST', '/servers', { body, signal, expect: [201] })
    return member<HzServer>(response.body, 'server', SERVER_SHAPE)
  }

  /** `null` when Hetzner no longer knows the server (404). */
  async getServer(id: string, signal: AbortSignal): Promise<HzServer | null> {
    const response = await this.send('GET', `/servers/${numericId(id, 'server')}`, { signal, accept: [404], expect: [200] })
    return response.status === 404 ? null : member<HzServer>(response.body, 'server', SERVER_SHAPE)
  }

  /** Asks Hetzner to delete the server (200 with an action). Returns false when it was already gone (404). */
  async deleteServer(id: string, signal: AbortSignal): Promise<boolean> {
    const response = await this.send('DELETE', `/servers/${numericId(id, 'server')}`, { signal, accept: [404], expect: [200] })
    return response.status !== 404
  }

  /** Servers matching a label selector (and an exact name), every page; `view` shapes each as its page arrives. */
  listServers<R = HzServer>(filter: { labelSelector?: string; name?: string }, signal: AbortSignal, view?: (server: HzServer) => R): Promise<R[]> {
    return this.paginate<HzServer, R>('/servers', 'servers', SERVER_SHAPE, { label_selector: filter.labelSelector, name: filter.name }, signal, view)
  }

  listFirewalls(filter: { labelSelector?: string; name?: string }, signal: AbortSignal): Promise<HzFirewall[]> {
    return this.paginate<HzFirewall>('/firewalls', 'firewalls', FIREWALL_SHAPE, { label_selector: filter.labelSelector, name: filter.name }, signal)
  }

  async createFirewall(body: HzFirewallCreate, signal: AbortSignal): Promise<HzFirewall> {
    const response = await this.send('POST', '/firewalls', { body, signal, expect: [201] })
    return member<HzFirewall>(response.body, 'firewall', FIREWALL_SHAPE)
  }

  /**
   * 'deleted' (204), 'gone' (404: an earlier call removed it) or 'in-use' (422 `resource_in_use`:
   * still applied to a server, e.g. one Hetzner is still deleting, or a duplicate).
   */
  async deleteFirewall(id: string, signal: AbortSignal): Promise<'deleted' | 'gone' | 'in-use'> {
    try {
      const response = await this.send('DELETE', `/firewalls/${numericId(id, 'firewall')}`, { signal, accept: [404], expect: [204] })
      return response.status === 404 ? 'gone' : 'deleted'
    } catch (error) {
      if (error instanceof HetznerError && error.hetznerCode === 'resource_in_use') return 'in-use'
      throw error
    }
  }

  /**
   * 'deleted' (204), 'gone' (404: Hetzner deleted it with its server, `auto_delete`) or
   * 'in-use' (a 4xx refusal while it is still assigned to a server Hetzner is deleting).
   */
  async deletePrimaryIp(id: string, signal: AbortSignal): Promise<'deleted' | 'gone' | 'in-use'> {
    try {
      const response = await this.send('DELETE', `/primary_ips/${numericId(id, 'primary IP')}`, { signal, accept: [404], expect: [204] })
      return response.status === 404 ? 'gone' : 'deleted'
    } catch (error) {
      if (error instanceof HetznerError && (error.httpStatus === 422 || error.httpStatus === 423)) return 'in-use'
      throw error
    }
  }

  private async send(method: string, path: string, request: { signal: AbortSignal; body?: unknown; query?: Query; accept?: number[]; expect?: number[] }): Promise<RestResponse<unknown>> {
    const wanted = request.accept ?? []
    const response = await this.rest.request<unknown>(method, path, { ...request, accept: [...new Set([...wanted, ...HETZNER_4XX])] })
    if (response.status >= 400 && !wanted.includes(response.status)) throw hetznerError(response.status, response.body, response.headers)
    return response
  }

  /**
   * Every page through the shared reader (../pagination.ts): `meta.pagination.total_entries`
   * on the first page lets the others be asked for at once; `next_page` is followed otherwise.
   */
  private paginate<T, R = T>(path: string, key: string, shape: Shape, query: Query, signal: AbortSignal, view?: (item: T) => R): Promise<R[]> {
    const fetchPage = async (page: number): Promise<Page<R>> => {
      const response = await this.send('GET', path, { signal, query: { ...query, page, per_page: MAX_PER_PAGE }, expect: [200] })
      if (!isRecord(response.body)) throw unexpectedAnswer(`the answer to GET ${path} is not a JSON object`)
      const list = response.body[key]
      if (!Array.isArray(list)) throw unexpectedAnswer(`the answer to GET ${path} has no "${key}" list`)
      const items = list.map((item: unknown, index) => {
        const checked = shaped<T>(item, `${key}[${index}]`, shape)
        return view ? view(checked) : (checked as unknown as R)
      })
      const pagination = isRecord(response.body.meta) && isRecord(response.body.meta.pagination) ? response.body.meta.pagination : undefined
      const total = pagination?.total_entries
      const next = pagination?.next_page
      return {
        items,
        total: typeof total === 'number' && Number.isSafeInteger(total) && total >= 0 ? total : undefined,
        next: typeof next === 'number' && Number.isSafeInteger(next) && next > page ? next : undefined,
      }
    }
    return readAllPages(fetchPage, { maxPages: this.maxPages, concurrency: this.pageConcurrency, provider: PROVIDER, what: path })
  }
}

/**
 * Hetzner's `RateLimit-Reset` is "the point in time when your rate limit will have recovered,
 * and you will have the full number of requests available again", while the allowance refills
 * gradually, one request every 3600/limit seconds ("Rate Limiting" in the API description). The
 * budget (../budget.ts) and the 429 sentence read `ratelimit-reset` as when the next request has
 * room: taken as it is, one 429 would hold the account for up to an hour. So they are handed the
 * time to the next refill instead, as a delta in seconds (which both read as a delta, on their
 * own clocks).
 */
export function nextRoomHeaders(headers: Headers): Headers {
  const limit = Number(headers.get('ratelimit-limit'))
  if (!Number.isFinite(limit) || limit <= 0 || headers.get('ratelimit-reset') === null) return headers
  const copy = new Headers(headers)
  copy.set('ratelimit-reset', String(Math.max(1, Math.ceil(3_600 / limit))))
  return copy
}

/** An AppError that remembers Hetzner's machine-readable `code`, for the few the adapter acts on. */
export class HetznerError extends AppError {
  constructor(
    info: ConstructorParameters<typeof AppError>[0],
    readonly hetznerCode: string | undefined,
    readonly httpStatus: number,
  ) {
    super(info)
  }
}

/** Hetzner's words: `error.message` (the "Errors" section of the API description). */
export function hetznerErrorMessage(body: unknown): string | undefined {
  const error = isRecord(body) && isRecord(body.error) ? body.error : body
  if (isRecord(error) && typeof error.message === 'string' && error.message.length > 0) return error.message
  return undefined
}

function hetznerErrorCode(body: unknown): string | undefined {
  return isRecord(body) && isRecord(body.error) && typeof body.error.code === 'string' ? body.error.code : undefined
}

/**
 * The sentence for a Hetzner refusal: the shared one for its status, sharpened by its `code`
 * where that tells the user what to do. A 4xx is a refusal: nothing was carried out.
 */
export function hetznerError(status: number, body: unknown, headers?: Headers): HetznerError {
  const base = httpError(PROVIDER, status, hetznerErrorMessage(body), headers ? nextRoomHeaders(headers) : undefined).info
  const code = hetznerErrorCode(body)
  const special = code ? CODE_SENTENCES[code] : undefined
  return new HetznerError(
    {
      ...base,
      ...(special ? { code: special.code, message: special.message, retryable: special.retryable } : {}),
      outcome: 'none',
    },
    code,
    status,
  )
}

const CODE_SENTENCES: Record<string, { code: ErrorCode; message: string; retryable: boolean }> = {
  token_readonly: {
    code: 'forbidden',
    message: 'This Hetzner Cloud API token is read-only. Create a token with Read & Write permission in the project (Security → API tokens).',
    retryable: false,
  },
  resource_limit_exceeded: {
    code: 'forbidden',
    message: 'Hetzner Cloud says the project has reached one of its resource limits. Delete something in the project, or ask Hetzner to raise the limit.',
    retryable: false,
  },
  maintenance: { code: 'provider-unavailable', message: 'Hetzner Cloud cannot do that right now because of maintenance. Exitdesk will try again.', retryable: true },
  uniqueness_error: { code: 'conflict', message: 'Hetzner Cloud already has a resource of that name in this project.', retryable: false },
  resource_unavailable: { code: 'unprocessable', message: 'Hetzner Cloud cannot order that right now (the plan may be sold out in this location). Choose another plan or location.', retryable: false },
  locked: { code: 'conflict', message: 'Hetzner Cloud is still busy with this resource. Exitdesk will try again.', retryable: true },
  conflict: { code: 'conflict', message: 'The resource changed while Hetzner Cloud handled the request. Exitdesk will try again.', retryable: true },
  resource_in_use: { code: 'conflict', message: 'Hetzner Cloud says the firewall is still applied to a server.', retryable: true },
}

/** A 2xx answer without what the adapter reads: a proxy's page, or API drift. Only the missing piece is named. */
function unexpectedAnswer(what: string): AppError {
  return unknownOutcome(PROVIDER, what)
}

type FieldKind = 'string' | 'number' | 'boolean' | 'array' | 'object' | 'id'
type Shape = Record<string, FieldKind | `${FieldKind}?`>

const LOCATION_SHAPE: Shape = { id: 'id', name: 'string', description: 'string' }
const SERVER_TYPE_SHAPE: Shape = { id: 'id', name: 'string', description: 'string', cores: 'number', memory: 'number', disk: 'number', architecture: 'string', prices: 'array', locations: 'array?' }
const PRICING_SHAPE: Shape = { currency: 'string', primary_ips: 'array' }
const IMAGE_SHAPE: Shape = { id: 'id', type: 'string', status: 'string', architecture: 'string' }
const SERVER_SHAPE: Shape = { id: 'id', name: 'string', status: 'string', labels: 'object?', location: 'object?', server_type: 'object?', public_net: 'object?' }
const FIREWALL_SHAPE: Shape = { id: 'id', name: 'string', labels: 'object?', applied_to: 'array?' }

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
      // Hetzner ids are positive int64 values below 2^53 (`maximum: 9007199254740991` in the description).
      return typeof value === 'number' && Number.isSafeInteger(value) && value > 0
    default:
      return typeof value === kind
  }
}

function shaped<T>(value: unknown, where: string, shape: Shape): T {
  if (!isRecord(value)) throw unexpectedAnswer(`${where} is missing or not an object`)
  for (const [key, expected] of Object.entries(shape)) {
    const optional = expected.endsWith('?')
    const kind = expected.replace('?', '') as FieldKind
    const field = value[key]
    if (optional && (field === undefined || field === null)) continue
    if (!hasKind(field, kind)) throw unexpectedAnswer(`${where}.${key} is ${field === undefined ? 'missing' : `not ${kind === 'id' ? 'a positive whole number' : `of type ${kind}`}`}`)
  }
  return value as T
}

function member<T>(body: unknown, key: string, shape: Shape): T {
  if (!isRecord(body)) throw unexpectedAnswer(`the answer is not a JSON object with "${key}"`)
  return shaped<T>(body[key], key, shape)
}

/** Hetzner ids are positive integers; anything else never reaches the URL. */
function numericId(id: string, what: string): string {
  if (!/^[1-9][0-9]{0,15}$/.test(id)) {
    throw new AppError({ code: 'invalid-input', field: 'locator', message: `"${id.slice(0, 40)}" is not a Hetzner Cloud ${what} id.`, retryable: false })
  }
  return id
}
