/**
 * A small typed client for the Civo API v2 calls Exitdesk makes, over the shared RestClient
 * (deadline, cancellation, one error mapping for every cloud).
 *
 * Why hand-written: Civo publishes no JavaScript SDK — its own clients are the Go library
 * (github.com/civo/civogo), the CLI built on it and the Terraform provider; the npm packages
 * named after Civo are community projects (provider-facts.md section 10). A dozen calls over
 * fetch, checked against Civo's API documentation pages (listed in ./manifest.ts) and the Go
 * client, need nothing more, and every failure goes through `httpError()` like every other cloud's.
 *
 * Every call names its region: `?region=` on GET and DELETE, `region` in POST bodies, as civogo
 * `client.go` does for every request ("region (required)" on the firewall and instance pages).
 *
 * Civo errors are `{ "code": "database_instance_not_found", "reason": "…", "result": "…" }`
 * (civogo `errors.go` decodeError reads `code` and `reason`). The client reads the 4xx answers
 * itself (`accept`), so that Civo's `code` can sharpen the sentence (an invalid key, a quota
 * reached, a name already used). 5xx, timeouts and broken bodies stay with the RestClient, which
 * marks a mutating call's outcome unknown. Nothing here logs: the Authorization header carries
 * the key, and a create's answer carries the instance's `initial_password`, which is never kept.
 */
import { AppError, type ErrorCode } from '../../../shared/errors'
import type { RequestGate } from '../budget'
import { httpError, RestClient, unknownOutcome, type RestResponse } from '../http'
import { readAllPages, type Page } from '../pagination'

const PROVIDER = 'Civo'

export interface CivoQuota {
  id: string
  default_user_id?: string
  default_user_email_address?: string
}

export interface CivoRegion {
  code: string
  name: string
  country?: string
  country_name?: string
  out_of_capacity?: boolean
  default?: boolean
  features?: { iaas?: boolean } | null
}

export interface CivoSize {
  name: string
  nice_name?: string
  type?: string
  cpu_cores: number
  ram_mb: number
  disk_gb: number
  description?: string
  selectable?: boolean
  /** US dollars a month (civogo `instance_size_test.go`); absent from older answers. */
  price_monthly?: number | null
}

export interface CivoDiskImage {
  id: string
  name: string
  version?: string
  state?: string
  distribution?: string
  label?: string
}

export interface CivoNetwork {
  id: string
  name?: string
  label?: string
  default?: boolean
  region?: string
}

export interface CivoInstance {
  id: string
  hostname: string
  status: string
  size?: string
  region?: string
  network_id?: string
  firewall_id?: string
  public_ip?: string | null
  private_ip?: string | null
  ipv6?: string | null
  tags?: string[] | null
  created_at?: string
}

export interface CivoInstanceCreate {
  hostname: string
  size: string
  region: string
  network_id: string
  template_id: string
  count: 1
  /** "none" or "create" (https://www.civo.com/api/instances). */
  public_ip: 'create'
  firewall_id: string
  /** Uploaded to /usr/local/bin/civo-user-init-script and run as root at the end of cloud-init. */
  script: string
  /** Space-separated. */
  tags: string
}

export interface CivoFirewall {
  id: string
  name: string
  network_id?: string
  rules_count?: number
  instance_count?: number
}

export interface CivoFirewallRule {
  id: string
  protocol: string
  start_port: string
  end_port?: string
  cidr: string[]
  direction: 'ingress' | 'egress' | string
  action?: string
  label?: string
}

export type CivoRuleCreate = Omit<CivoFirewallRule, 'id'>

export interface CivoClientOptions {
  endpoint: string
  token: string
  timeoutMs?: number
  maxPages?: number
  pageConcurrency?: number
  budget?: RequestGate
}

/** The instance list's page size (the documented default is 20; civogo asks for far more). */
export const PER_PAGE = 100
export const DEFAULT_MAX_PAGES = 200

/** 4xx statuses read here, so Civo's `code` can pick the sentence. */
const CIVO_4XX = [400, 401, 403, 404, 409, 422, 429]

type Query = Record<string, string | number | undefined>

export class CivoClient {
  private readonly rest: RestClient
  private readonly maxPages: number
  private readonly pageConcurrency: number | undefined

  constructor(options: CivoClientOptions) {
    const token = options.token.trim()
    if (token.length === 0) {
      throw new AppError({ code: 'unauthorized', message: 'This Civo account has no API key. Add one in the account settings.', retryable: false })
    }
    this.maxPages = options.maxPages ?? DEFAULT_MAX_PAGES
    this.pageConcurrency = options.pageConcurrency
    this.rest = new RestClient({
      provider: PROVIDER,
      baseUrl: options.endpoint,
      // civogo `client.go`: `Authorization: bearer <key>`.
      headers: () => ({ authorization: `bearer ${token}` }),
      providerMessage: civoErrorMessage,
      timeoutMs: options.timeoutMs,
      budget: options.budget,
    })
  }

  async getQuota(signal: AbortSignal): Promise<CivoQuota> {
    const response = await this.send('GET', '/v2/quota', { signal, expect: [200] })
    return shaped<CivoQuota>(response.body, 'quota', QUOTA_SHAPE)
  }

  async listRegions(signal: AbortSignal): Promise<CivoRegion[]> {
    return this.list<CivoRegion>('/v2/regions', {}, REGION_SHAPE, signal)
  }

  async listSizes(signal: AbortSignal): Promise<CivoSize[]> {
    return this.list<CivoSize>('/v2/sizes', {}, SIZE_SHAPE, signal)
  }

  async listDiskImages(region: string, signal: AbortSignal): Promise<CivoDiskImage[]> {
    return this.list<CivoDiskImage>('/v2/disk_images', { region }, DISK_IMAGE_SHAPE, signal)
  }

  async listNetworks(region: string, signal: AbortSignal): Promise<CivoNetwork[]> {
    return this.list<CivoNetwork>('/v2/networks', { region }, NETWORK_SHAPE, signal)
  }

  async listFirewalls(region: string, signal: AbortSignal): Promise<CivoFirewall[]> {
    return this.list<CivoFirewall>('/v2/firewalls', { region }, FIREWALL_SHAPE, signal)
  }

  /**
   * `create_rules: false`: Civo otherwise fills a new firewall with its default rules, and the
   * default firewall is "open to all" (https://www.civo.com/api/instances, `firewall_id`); civogo
   * `firewall.go` FirewallConfig `create_rules`. Answers `{ result, id, name }`.
   */
  async createFirewall(body: { name: string; network_id: string; region: string }, signal: AbortSignal): Promise<{ id: string; name: string }> {
    const response = await this.send('POST', '/v2/firewalls', { signal, body: { ...body, create_rules: false }, expect: [200, 201] })
    return shaped<{ id: string; name: string }>(response.body, 'firewall', { id: 'id', name: 'string?' })
  }

  /**
   * 'deleted', 'gone' (404) or 'in-use': Civo refuses to delete a firewall an instance still
   * uses (civogo `errors.go` `DatabaseFirewallDeleteFailedError`, `…InUse…`); any other refusal
   * is an error, so a teardown never waits forever on a malformed request.
   */
  async deleteFirewall(id: string, region: string, signal: AbortSignal): Promise<'deleted' | 'gone' | 'in-use'> {
    try {
      const response = await this.send('DELETE', `/v2/firewalls/${uuid(id, 'firewall')}`, { signal, query: { region }, accept: [404], expect: [200, 202, 204] })
      return response.status === 404 ? 'gone' : 'deleted'
    } catch (error) {
      if (error instanceof CivoError && (error.httpStatus === 409 || /in_use|delete_failed/.test(error.civoCode ?? ''))) return 'in-use'
      throw error
    }
  }

  async listFirewallRules(firewallId: string, region: string, signal: AbortSignal): Promise<CivoFirewallRule[]> {
    return this.list<CivoFirewallRule>(`/v2/firewalls/${uuid(firewallId, 'firewall')}/rules`, { region }, RULE_SHAPE, signal)
  }

  async createFirewallRule(firewallId: string, region: string, rule: CivoRuleCreate, signal: AbortSignal): Promise<CivoFirewallRule> {
    const response = await this.send('POST', `/v2/firewalls/${uuid(firewallId, 'firewall')}/rules`, { signal, body: { ...rule, firewall_id: firewallId, region }, expect: [200, 201] })
    return shaped<CivoFirewallRule>(response.body, 'rule', RULE_SHAPE)
  }

  /** True when deleted, false when already gone (404). */
  async deleteFirewallRule(firewallId: string, ruleId: string, region: string, signal: AbortSignal): Promise<boolean> {
    const response = await this.send('DELETE', `/v2/firewalls/${uuid(firewallId, 'firewall')}/rules/${uuid(ruleId, 'firewall rule')}`, { signal, query: { region }, accept: [404], expect: [200, 202, 204] })
    return response.status !== 404
  }

  async createInstance(body: CivoInstanceCreate, signal: AbortSignal): Promise<CivoInstance> {
    const response = await this.send('POST', '/v2/instances', { signal, body, expect: [200, 201, 202] })
    return shaped<CivoInstance>(response.body, 'instance', INSTANCE_SHAPE)
  }

  /** `null` when Civo no longer knows the instance (404). */
  async getInstance(id: string, region: string, signal: AbortSignal): Promise<CivoInstance | null> {
    const response = await this.send('GET', `/v2/instances/${uuid(id, 'instance')}`, { signal, query: { region }, accept: [404], expect: [200] })
    return response.status === 404 ? null : shaped<CivoInstance>(response.body, 'instance', INSTANCE_SHAPE)
  }

  /** Asks Civo to delete the instance (`{ result: "success" }`). False when it was already gone (404). */
  async deleteInstance(id: string, region: string, signal: AbortSignal): Promise<boolean> {
    const response = await this.send('DELETE', `/v2/instances/${uuid(id, 'instance')}`, { signal, query: { region }, accept: [404], expect: [200, 202, 204] })
    return response.status !== 404
  }

  /**
   * Instances of one region carrying `tag` ("tags: a space separated list of tags" filter of
   * GET /v2/instances), every page. The answer is `{ page, per_page, pages, items }`; `pages`
   * tells how many there are, so the shared reader asks for the rest at once.
   */
  listInstances<R = CivoInstance>(region: string, tag: string | undefined, signal: AbortSignal, view?: (instance: CivoInstance) => R): Promise<R[]> {
    const fetchPage = async (page: number): Promise<Page<R>> => {
      const response = await this.send('GET', '/v2/instances', { signal, query: { region, tags: tag, page, per_page: PER_PAGE }, expect: [200] })
      const body = response.body
      if (!isRecord(body) || !Array.isArray(body.items)) throw unknownOutcome(PROVIDER, 'the answer to GET /v2/instances has no "items" list')
      const items = body.items.map((item: unknown, index) => {
        const checked = shaped<CivoInstance>(item, `items[${index}]`, INSTANCE_SHAPE)
        return view ? view(checked) : (checked as unknown as R)
      })
      const pages = wholeNumber(body.pages)
      // `per_page` may be null in the answer (the documented example): then it is the size asked for.
      const perPage = wholeNumber(body.per_page) ?? PER_PAGE
      return {
        items,
        // The reader wants a total; `pages × per_page` gives it the page count, and a list that
        // changed while it was read fails its consistency check and is re-read page after page.
        // A single page is the whole list: its items are the total (`pages × per_page` would be
        // taken for a total larger than the page, and the reader would ask for `per_page` pages).
        total: pages === undefined ? undefined : pages <= 1 ? items.length : pages * perPage,
        next: pages !== undefined && page < pages ? page + 1 : undefined,
      }
    }
    return readAllPages(fetchPage, { maxPages: this.maxPages, concurrency: this.pageConcurrency, provider: PROVIDER, what: '/v2/instances' })
  }

  /** A plain JSON array answer (regions, sizes, disk images, networks, firewalls, rules). */
  private async list<T>(path: string, query: Query, shape: Shape, signal: AbortSignal): Promise<T[]> {
    const response = await this.send('GET', path, { signal, query, expect: [200] })
    if (!Array.isArray(response.body)) throw unknownOutcome(PROVIDER, `the answer to GET ${path} is not a JSON list`)
    return response.body.map((item: unknown, index) => shaped<T>(item, `${path}[${index}]`, shape))
  }

  private async send(method: string, path: string, request: { signal: AbortSignal; body?: unknown; query?: Query; accept?: number[]; expect?: number[] }): Promise<RestResponse<unknown>> {
    const wanted = request.accept ?? []
    const response = await this.rest.request<unknown>(method, path, { ...request, accept: [...new Set([...wanted, ...CIVO_4XX])] })
    if (response.status >= 400 && !wanted.includes(response.status)) throw civoError(response.status, response.body, response.headers)
    return response
  }
}

/** An AppError that remembers Civo's machine-readable `code` and the HTTP status. */
export class CivoError extends AppError {
  constructor(
    info: ConstructorParameters<typeof AppError>[0],
    readonly civoCode: string | undefined,
    readonly httpStatus: number,
  ) {
    super(info)
  }
}

/** Civo's words: `reason`, else `result`, else the `code` itself (civogo `errors.go`). */
export function civoErrorMessage(body: unknown): string | undefined {
  if (!isRecord(body)) return undefined
  for (const key of ['reason', 'result', 'message', 'code']) {
    const value = body[key]
    if (typeof value === 'string' && value.trim().length > 0) return value.trim()
  }
  return undefined
}

/** The sentence for a Civo refusal: the shared one for its status, sharpened by its `code`. A 4xx is a refusal: nothing was carried out. */
export function civoError(status: number, body: unknown, headers?: Headers): CivoError {
  const base = httpError(PROVIDER, status, civoErrorMessage(body), headers).info
  const code = isRecord(body) && typeof body.code === 'string' ? body.code : undefined
  const special = code ? CODE_SENTENCES[code] : undefined
  return new CivoError({ ...base, ...(special ? { code: special.code, message: special.message, retryable: special.retryable } : {}), outcome: 'none' }, code, status)
}

/** Codes from civogo `errors.go` (snake_case on the wire) that tell the user what to do. */
const CODE_SENTENCES: Record<string, { code: ErrorCode; message: string; retryable: boolean }> = {
  authentication_invalid_key: { code: 'unauthorized', message: 'Civo did not accept the API key. Check it, or copy it again from the Civo dashboard (Settings → Profile → Security).', retryable: false },
  authentication_access_denied: { code: 'forbidden', message: 'Civo says this API key may not do that.', retryable: false },
  quota_limit_reached: { code: 'forbidden', message: 'Civo says the account has reached its quota. Delete something in the account, or ask Civo to raise the quota.', retryable: false },
  database_firewall_duplicate_name: { code: 'conflict', message: 'Civo already has a firewall of that name in this account.', retryable: false },
  database_instance_duplicate_name: { code: 'conflict', message: 'Civo already has an instance of that name in this account.', retryable: false },
}

type FieldKind = 'string' | 'number' | 'boolean' | 'array' | 'object' | 'id'
type Shape = Record<string, FieldKind | `${FieldKind}?`>

const QUOTA_SHAPE: Shape = { id: 'id', default_user_email_address: 'string?' }
const REGION_SHAPE: Shape = { code: 'string', name: 'string', features: 'object?' }
const SIZE_SHAPE: Shape = { name: 'string', cpu_cores: 'number', ram_mb: 'number', disk_gb: 'number', price_monthly: 'number?' }
const DISK_IMAGE_SHAPE: Shape = { id: 'id', name: 'string' }
const NETWORK_SHAPE: Shape = { id: 'id', default: 'boolean?' }
const FIREWALL_SHAPE: Shape = { id: 'id', name: 'string', instance_count: 'number?' }
const RULE_SHAPE: Shape = { id: 'id', protocol: 'string', start_port: 'string', cidr: 'array', direction: 'string' }
const INSTANCE_SHAPE: Shape = { id: 'id', hostname: 'string', status: 'string', tags: 'array?' }

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function wholeNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : undefined
}

function hasKind(value: unknown, kind: FieldKind): boolean {
  switch (kind) {
    case 'array':
      return Array.isArray(value)
    case 'object':
      return isRecord(value)
    case 'id':
      // Civo ids are UUIDs (every example on https://www.civo.com/api).
      return typeof value === 'string' && value.length > 0 && value.length <= 64
    default:
      return typeof value === kind
  }
}

function shaped<T>(value: unknown, where: string, shape: Shape): T {
  if (!isRecord(value)) throw unknownOutcome(PROVIDER, `${where} is missing or not an object`)
  for (const [key, expected] of Object.entries(shape)) {
    const optional = expected.endsWith('?')
    const kind = expected.replace('?', '') as FieldKind
    const field = value[key]
    if (optional && (field === undefined || field === null)) continue
    if (!hasKind(field, kind)) throw unknownOutcome(PROVIDER, `${where}.${key} is ${field === undefined ? 'missing' : `not of type ${kind === 'id' ? 'id' : kind}`}`)
  }
  return value as T
}

/** Civo ids are UUIDs; anything else never reaches the URL. */
function uuid(id: string, what: string): string {
  if (!/^[0-9a-fA-F-]{8,64}$/.test(id)) {
    throw new AppError({ code: 'invalid-input', field: 'locator', message: `"${id.slice(0, 40)}" is not a Civo ${what} id.`, retryable: false })
  }
  return id
}
