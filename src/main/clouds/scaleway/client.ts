/**
 * A small typed client for the Scaleway calls Exitdesk makes (Instance API v1, Marketplace v2,
 * Account v3), over the shared RestClient (deadline, cancellation, the request budget, one error
 * mapping for every cloud).
 *
 * Why not the official SDK (`@scaleway/sdk-instance` 1.4 on `@scaleway/sdk-client` 1.3, read in
 * node_modules): its requests carry no AbortSignal (`ScwRequest` has no `signal`, and
 * `buildRequest` in `scw/fetch/build-fetcher.js` makes the `Request` without one), so a call could
 * only be cancelled by a client built per call around a wrapped fetch; its response parser hands
 * a 2xx whose Content-Type is not exactly `application/json` (a proxy's `text/html`, or
 * `application/json; charset=utf-8`) to the unmarshaller as text instead of reporting it
 * (`scw/fetch/response-parser.js`), which would read a portal page as success; and statuses
 * and headers (`Retry-After`, the `X-Total-Count` of every page) stop at its interceptors. The
 * few calls below are checked against the Instance API description by
 * test/contract/scaleway-spec.test.ts instead.
 *
 * Scaleway errors are `{ "message", "type", "resource", "resource_id", … }`
 * (https://www.scaleway.com/en/developers/api/#errors; scaleway-sdk-js `scw/errors/`). The
 * client reads 4xx answers itself, so the `type` picks the sentence; 5xx, timeouts and broken
 * bodies stay with the RestClient, which marks a mutating call's outcome unknown. Nothing here
 * logs: the X-Auth-Token header carries the secret key.
 */
import { AppError, type ErrorCode } from '../../../shared/errors'
import type { RequestGate } from '../budget'
import { httpError, RestClient, unknownOutcome, type RestResponse } from '../http'
import { readAllPages, type Page } from '../pagination'

const PROVIDER = 'Scaleway'

export interface ScwServerType {
  monthly_price?: number
  hourly_price?: number
  ncpus: number
  ram: number
  arch: string
  baremetal?: boolean
  gpu?: number | null
  per_volume_constraint?: { l_ssd?: { min_size: number; max_size: number } }
  volumes_constraint?: { min_size: number; max_size: number }
}

export interface ScwLocalImage {
  id: string
  arch: string
  zone: string
  label: string
  type?: string
  compatible_commercial_types: string[]
}

export interface ScwServer {
  id: string
  name: string
  state: string
  /** What the server's state allows now (`poweron`, `poweroff`, `terminate`, …). */
  allowed_actions?: string[]
  tags?: string[]
  commercial_type?: string
  creation_date?: string | null
  zone?: string
  project?: string
  public_ip?: { id: string; address: string; dynamic?: boolean } | null
  public_ips?: Array<{ id: string; address: string; family?: string }> | null
  ipv6?: { address: string } | null
  volumes?: Record<string, { id: string; volume_type?: string }> | null
  security_group?: { id: string; name?: string } | null
}

export interface ScwIp {
  id: string
  address: string
  tags?: string[]
  server?: { id: string; name?: string } | null
}

export interface ScwSecurityGroup {
  id: string
  name: string
  tags?: string[]
  servers?: Array<{ id: string }>
}

export interface ScwRule {
  action: 'accept' | 'drop'
  protocol: 'TCP' | 'UDP' | 'ICMP' | 'ANY'
  direction: 'inbound' | 'outbound'
  ip_range: string
  dest_port_from?: number
  dest_port_to?: number
  position: number
  editable?: boolean
}

export interface ScwServerCreate {
  name: string
  commercial_type: string
  image: string
  project: string
  tags: string[]
  security_group: string
  /** The flexible IP made for this host; no dynamic IP besides it. */
  public_ip: string
  dynamic_ip_required: boolean
  boot_type: 'local'
}

export interface ScwProject {
  id: string
  name: string
  organization_id: string
}

export interface ScalewayClientOptions {
  endpoint: string
  secretKey: string
  timeoutMs?: number
  maxPages?: number
  pageConcurrency?: number
  budget?: RequestGate
}

/** "per_page … maximum 100" on every Instance list (the description's `per_page` parameters). */
export const MAX_PER_PAGE = 100
export const DEFAULT_MAX_PAGES = 100

/** The 4xx statuses Scaleway answers with its error body: read here so its `type` picks the sentence. */
const SCALEWAY_4XX = [400, 401, 403, 404, 405, 409, 410, 412, 422, 423, 429]

type Query = Record<string, string | number | undefined>

export class ScalewayClient {
  private readonly rest: RestClient
  private readonly maxPages: number
  private readonly pageConcurrency: number | undefined

  constructor(options: ScalewayClientOptions) {
    const secret = options.secretKey.trim()
    if (secret.length === 0) {
      throw new AppError({ code: 'unauthorized', message: 'This Scaleway account has no secret key. Add one in the account settings.', retryable: false })
    }
    this.maxPages = options.maxPages ?? DEFAULT_MAX_PAGES
    this.pageConcurrency = options.pageConcurrency
    const gate = options.budget
    this.rest = new RestClient({
      provider: PROVIDER,
      baseUrl: options.endpoint,
      headers: () => ({ 'x-auth-token': secret }),
      providerMessage: scalewayErrorMessage,
      timeoutMs: options.timeoutMs,
      budget: gate ? { beforeRequest: () => gate.beforeRequest(), afterResponse: (status, headers) => gate.afterResponse(status, rateLimitHeaders(headers)) } : undefined,
    })
  }

  /** GET /account/v3/projects/{project_id}: the project the key acts in, with its organization. */
  async getProject(projectId: string, signal: AbortSignal): Promise<ScwProject> {
    const response = await this.send('GET', `/account/v3/projects/${uuid(projectId, 'project')}`, { signal, expect: [200] })
    return shaped<ScwProject>(response.body, 'project', { id: 'string', name: 'string', organization_id: 'string' })
  }

  /** Server types of a zone with their prices (`servers` is a map keyed by commercial type). */
  async listServerTypes(zone: string, signal: AbortSignal): Promise<Map<string, ScwServerType>> {
    const path = `${instance(zone)}/products/servers`
    const entries = await this.paginate<[string, ScwServerType]>(path, signal, {}, (body) => {
      const servers = isRecord(body) ? body.servers : undefined
      if (!isRecord(servers)) throw unknownOutcome(PROVIDER, `the answer to GET ${path} has no "servers" map`)
      return Object.entries(servers).map(([name, type]) => [name, shaped<ScwServerType>(type, `servers.${name}`, { ncpus: 'number', ram: 'number', arch: 'string' })])
    })
    return new Map(entries)
  }

  /** Local images of a marketplace label in one zone (`type=instance_local`: a root volume on local SSD). */
  listLocalImages(label: string, zone: string, signal: AbortSignal): Promise<ScwLocalImage[]> {
    return this.paginate<ScwLocalImage>('/marketplace/v2/local-images', signal, { image_label: label, zone: checkedZone(zone), type: 'instance_local' }, (body) =>
      list(body, 'local_images').map((item, index) => shaped<ScwLocalImage>(item, `local_images[${index}]`, { id: 'string', arch: 'string', compatible_commercial_types: 'array' })),
    )
  }

  /** Servers of a zone carrying every tag in `tags` (the API's "exact tags"), in one project. */
  listServers<R = ScwServer>(zone: string, filter: { tags: string[]; project?: string }, signal: AbortSignal, view?: (server: ScwServer) => R): Promise<R[]> {
    return this.paginate<R>(`${instance(zone)}/servers`, signal, { tags: filter.tags.join(','), project: filter.project }, (body) =>
      list(body, 'servers').map((item, index) => {
        const server = shaped<ScwServer>(item, `servers[${index}]`, SERVER_SHAPE)
        return view ? view(server) : (server as unknown as R)
      }),
    )
  }

  /** `null` when Scaleway no longer knows the server (404). */
  async getServer(zone: string, id: string, signal: AbortSignal): Promise<ScwServer | null> {
    const response = await this.send('GET', `${instance(zone)}/servers/${uuid(id, 'server')}`, { signal, accept: [404], expect: [200] })
    return response.status === 404 ? null : member<ScwServer>(response.body, 'server', SERVER_SHAPE)
  }

  /** POST …/servers: 201 with the server, created `stopped`. */
  async createServer(zone: string, body: ScwServerCreate, signal: AbortSignal): Promise<ScwServer> {
    const response = await this.send('POST', `${instance(zone)}/servers`, { body, signal, expect: [201] })
    return member<ScwServer>(response.body, 'server', SERVER_SHAPE)
  }

  /** PATCH …/servers/{id} with the whole tag list (UpdateServer): 200 with the server. */
  async setServerTags(zone: string, id: string, tags: string[], signal: AbortSignal): Promise<ScwServer> {
    const response = await this.send('PATCH', `${instance(zone)}/servers/${uuid(id, 'server')}`, { body: { tags }, signal, expect: [200] })
    return member<ScwServer>(response.body, 'server', SERVER_SHAPE)
  }

  /** PATCH …/user_data/cloud-init with the script as it is (`text/plain`, not base64): 204. */
  async setCloudInit(zone: string, id: string, script: string, signal: AbortSignal): Promise<void> {
    await this.send('PATCH', `${instance(zone)}/servers/${uuid(id, 'server')}/user_data/cloud-init`, { rawBody: { text: script, contentType: 'text/plain' }, signal, expect: [204] })
  }

  /** POST …/servers/{id}/action: answered with a task that is not waited on. */
  async serverAction(zone: string, id: string, action: 'poweron' | 'poweroff' | 'terminate', signal: AbortSignal): Promise<void> {
    // The description says 200; Scaleway answers 202 Accepted today (scaleway-sdk-go ServerAction).
    await this.send('POST', `${instance(zone)}/servers/${uuid(id, 'server')}/action`, { body: { action }, signal, expect: [200, 202] })
  }

  /** DELETE …/servers/{id} (only a stopped server): false when it was already gone (404). */
  async deleteServer(zone: string, id: string, signal: AbortSignal): Promise<boolean> {
    const response = await this.send('DELETE', `${instance(zone)}/servers/${uuid(id, 'server')}`, { signal, accept: [404], expect: [204] })
    return response.status !== 404
  }

  listIps(zone: string, filter: { tags: string[]; project?: string }, signal: AbortSignal): Promise<ScwIp[]> {
    return this.paginate<ScwIp>(`${instance(zone)}/ips`, signal, { tags: filter.tags.join(','), project: filter.project }, (body) =>
      list(body, 'ips').map((item, index) => shaped<ScwIp>(item, `ips[${index}]`, IP_SHAPE)),
    )
  }

  async createIp(zone: string, body: { project: string; tags: string[] }, signal: AbortSignal): Promise<ScwIp> {
    const response = await this.send('POST', `${instance(zone)}/ips`, { body, signal, expect: [201] })
    return member<ScwIp>(response.body, 'ip', IP_SHAPE)
  }

  listSecurityGroups(zone: string, filter: { tags: string[]; project?: string }, signal: AbortSignal): Promise<ScwSecurityGroup[]> {
    return this.paginate<ScwSecurityGroup>(`${instance(zone)}/security_groups`, signal, { tags: filter.tags.join(','), project: filter.project }, (body) =>
      list(body, 'security_groups').map((item, index) => shaped<ScwSecurityGroup>(item, `security_groups[${index}]`, GROUP_SHAPE)),
    )
  }

  async createSecurityGroup(
    zone: string,
    body: { name: string; description: string; project: string; tags: string[]; stateful: boolean; inbound_default_policy: 'drop' | 'accept'; outbound_default_policy: 'accept' },
    signal: AbortSignal,
  ): Promise<ScwSecurityGroup> {
    const response = await this.send('POST', `${instance(zone)}/security_groups`, { body, signal, expect: [201] })
    return member<ScwSecurityGroup>(response.body, 'security_group', GROUP_SHAPE)
  }

  /** PUT …/rules replaces every rule at once: idempotent, so a retry may simply send it again. */
  async setRules(zone: string, groupId: string, rules: ScwRule[], signal: AbortSignal): Promise<void> {
    await this.send('PUT', `${instance(zone)}/security_groups/${uuid(groupId, 'security group')}/rules`, { body: { rules }, signal, expect: [200] })
  }

  /** 'deleted' (204), 'gone' (404) or 'in-use' (409/412/400: Scaleway still holds it for a server). */
  deleteIp(zone: string, id: string, signal: AbortSignal): Promise<Removal> {
    return this.remove(`${instance(zone)}/ips/${uuid(id, 'IP')}`, signal)
  }

  deleteSecurityGroup(zone: string, id: string, signal: AbortSignal): Promise<Removal> {
    return this.remove(`${instance(zone)}/security_groups/${uuid(id, 'security group')}`, signal)
  }

  deleteVolume(zone: string, id: string, signal: AbortSignal): Promise<Removal> {
    return this.remove(`${instance(zone)}/volumes/${uuid(id, 'volume')}`, signal)
  }

  private async remove(path: string, signal: AbortSignal): Promise<Removal> {
    try {
      const response = await this.send('DELETE', path, { signal, accept: [404], expect: [204] })
      return response.status === 404 ? 'gone' : 'deleted'
    } catch (error) {
      // A resource still attached to a server Scaleway is deleting: "in use" until it lets go.
      if (error instanceof ScalewayError && (error.httpStatus === 409 || error.httpStatus === 412 || (error.httpStatus === 400 && /in use|attached|is used/i.test(error.info.providerMessage ?? '')))) return 'in-use'
      throw error
    }
  }

  private async send(method: string, path: string, request: { signal: AbortSignal; body?: unknown; rawBody?: { text: string; contentType: string }; query?: Query; accept?: number[]; expect?: number[] }): Promise<RestResponse<unknown>> {
    const wanted = request.accept ?? []
    const response = await this.rest.request<unknown>(method, path, { ...request, accept: [...new Set([...wanted, ...SCALEWAY_4XX])] })
    if (response.status >= 400 && !wanted.includes(response.status)) throw scalewayError(response.status, response.body, response.headers)
    return response
  }

  /**
   * Every page through the shared reader (../pagination.ts): the `X-Total-Count` header of the
   * first page (scaleway-sdk-js `fixLegacyTotalCount`; `total_count` in newer bodies) lets the
   * others be asked for at once.
   */
  private paginate<T>(path: string, signal: AbortSignal, query: Query, items: (body: unknown) => T[]): Promise<T[]> {
    const fetchPage = async (page: number): Promise<Page<T>> => {
      const response = await this.send('GET', path, { signal, query: { ...query, page, per_page: MAX_PER_PAGE }, expect: [200] })
      const header = response.headers.get('x-total-count')
      const fromBody = isRecord(response.body) ? response.body.total_count : undefined
      const total = header !== null && /^\d+$/.test(header.trim()) ? Number(header) : typeof fromBody === 'number' && Number.isSafeInteger(fromBody) && fromBody >= 0 ? fromBody : undefined
      const read = items(response.body)
      // Without a total, a full page may have a next one.
      return { items: read, total, next: total === undefined && read.length >= MAX_PER_PAGE ? page + 1 : undefined }
    }
    return readAllPages(fetchPage, { maxPages: this.maxPages, concurrency: this.pageConcurrency, provider: PROVIDER, what: path })
  }
}

export type Removal = 'deleted' | 'gone' | 'in-use'

/**
 * The budget (../budget.ts) reads `ratelimit-*`. Scaleway documents no rate-limit headers for
 * the Instance API; where an answer carries `X-RateLimit-Limit` / `-Remaining` / `-Reset` (as its
 * Generative APIs do: https://www.scaleway.com/en/docs/generative-apis/reference-content/rate-limits/)
 * they are handed on under the names the budget reads. `Retry-After` passes as it is.
 */
export function rateLimitHeaders(headers: Headers): Headers {
  const limit = headers.get('x-ratelimit-limit')
  const remaining = headers.get('x-ratelimit-remaining')
  const reset = headers.get('x-ratelimit-reset')
  if (limit === null && remaining === null && reset === null) return headers
  const copy = new Headers(headers)
  if (limit !== null && !copy.has('ratelimit-limit')) copy.set('ratelimit-limit', limit)
  if (remaining !== null && !copy.has('ratelimit-remaining')) copy.set('ratelimit-remaining', remaining)
  if (reset !== null && !copy.has('ratelimit-reset')) copy.set('ratelimit-reset', reset)
  return copy
}

/** An AppError that remembers Scaleway's error `type` and the HTTP status, for the few the adapter acts on. */
export class ScalewayError extends AppError {
  constructor(
    info: ConstructorParameters<typeof AppError>[0],
    readonly scalewayType: string | undefined,
    readonly httpStatus: number,
  ) {
    super(info)
  }
}

/** Scaleway's words: `message`, with the `resource` it names and, for quotas, which quota. */
export function scalewayErrorMessage(body: unknown): string | undefined {
  if (!isRecord(body) || typeof body.message !== 'string' || body.message.length === 0) return undefined
  const details: string[] = []
  if (typeof body.resource === 'string' && body.resource.length > 0) details.push(`resource: ${body.resource}`)
  if (Array.isArray(body.details)) {
    for (const detail of body.details.slice(0, 3)) if (isRecord(detail) && typeof detail.resource === 'string') details.push(`quota: ${detail.resource}${typeof detail.quota === 'number' ? ` (${detail.quota})` : ''}`)
  }
  return details.length > 0 ? `${body.message} (${details.join('; ')})` : body.message
}

/**
 * The sentence for a Scaleway refusal: the shared one for its status, sharpened by its `type`
 * where that tells the user what to do. A 4xx is a refusal: nothing was carried out.
 */
export function scalewayError(status: number, body: unknown, headers?: Headers): ScalewayError {
  const base = httpError(PROVIDER, status, scalewayErrorMessage(body), headers).info
  const type = isRecord(body) && typeof body.type === 'string' ? body.type : undefined
  const special = type ? TYPE_SENTENCES[type] : undefined
  return new ScalewayError({ ...base, ...(special ? { code: special.code, message: special.message, retryable: special.retryable } : {}), outcome: 'none' }, type, status)
}

const TYPE_SENTENCES: Record<string, { code: ErrorCode; message: string; retryable: boolean }> = {
  denied_authentication: { code: 'unauthorized', message: 'Scaleway did not accept the secret key. Check it, or create a new API key.', retryable: false },
  permissions_denied: {
    code: 'forbidden',
    message: 'Scaleway says this API key may not do that. Give its IAM policy InstancesFullAccess and ProjectReadOnly in the project.',
    retryable: false,
  },
  quotas_exceeded: { code: 'forbidden', message: 'Scaleway says the project has reached one of its quotas. Delete something in the project, or ask Scaleway to raise the quota.', retryable: false },
  out_of_stock: { code: 'unprocessable', message: 'Scaleway has no stock of that server type in this zone right now. Choose another type or zone.', retryable: false },
  invalid_arguments: { code: 'unprocessable', message: 'Scaleway could not accept these settings.', retryable: false },
  precondition_failed: { code: 'conflict', message: 'Scaleway says the resource is not in a state that allows this yet. Exitdesk will try again.', retryable: true },
  transient_state: { code: 'conflict', message: 'Scaleway is still busy with this resource. Exitdesk will try again.', retryable: true },
  resource_locked: { code: 'forbidden', message: 'Scaleway has locked this resource. Contact Scaleway support.', retryable: false },
  conflict: { code: 'conflict', message: 'Scaleway reports a conflict with the current state of the resource. Exitdesk will try again.', retryable: true },
}

type FieldKind = 'string' | 'number' | 'boolean' | 'array' | 'object'
type Shape = Record<string, FieldKind | `${FieldKind}?`>

const SERVER_SHAPE: Shape = { id: 'string', name: 'string', state: 'string', tags: 'array?', public_ip: 'object?', volumes: 'object?' }
const IP_SHAPE: Shape = { id: 'string', address: 'string', tags: 'array?', server: 'object?' }
const GROUP_SHAPE: Shape = { id: 'string', name: 'string', tags: 'array?', servers: 'array?' }

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function hasKind(value: unknown, kind: FieldKind): boolean {
  if (kind === 'array') return Array.isArray(value)
  if (kind === 'object') return isRecord(value)
  return typeof value === kind
}

/** A 2xx without what the adapter reads is a proxy's page or API drift: an unknown outcome, the missing piece named. */
function shaped<T>(value: unknown, where: string, shape: Shape): T {
  if (!isRecord(value)) throw unknownOutcome(PROVIDER, `${where} is missing or not an object`)
  for (const [key, expected] of Object.entries(shape)) {
    const optional = expected.endsWith('?')
    const kind = expected.replace('?', '') as FieldKind
    const field = value[key]
    if (optional && (field === undefined || field === null)) continue
    if (!hasKind(field, kind)) throw unknownOutcome(PROVIDER, `${where}.${key} is ${field === undefined ? 'missing' : `not of type ${kind}`}`)
  }
  return value as T
}

function member<T>(body: unknown, key: string, shape: Shape): T {
  if (!isRecord(body)) throw unknownOutcome(PROVIDER, `the answer is not a JSON object with "${key}"`)
  return shaped<T>(body[key], key, shape)
}

function list(body: unknown, key: string): unknown[] {
  const items = isRecord(body) ? body[key] : undefined
  if (!Array.isArray(items)) throw unknownOutcome(PROVIDER, `the answer has no "${key}" list`)
  return items
}

/** Zones look like `fr-par-1`; anything else never reaches a URL. */
function checkedZone(zone: string): string {
  if (!/^[a-z]{2}-[a-z]{3}-[1-9]$/.test(zone)) {
    throw new AppError({ code: 'invalid-input', field: 'region', message: `"${zone.slice(0, 20)}" is not a Scaleway zone (such as fr-par-1).`, retryable: false })
  }
  return zone
}

function instance(zone: string): string {
  return `/instance/v1/zones/${checkedZone(zone)}`
}

/** Scaleway ids are UUIDs; anything else never reaches a URL. */
function uuid(id: string, what: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) {
    throw new AppError({ code: 'invalid-input', field: what === 'project' ? 'projectId' : 'locator', message: `"${id.slice(0, 40)}" is not a Scaleway ${what} id.`, retryable: false })
  }
  return id
}
