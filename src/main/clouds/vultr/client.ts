/**
 * A small typed client for the few Vultr API v2 calls Exitdesk makes, over the shared
 * RestClient (deadline, cancellation, the account's request budget, one error mapping for
 * every cloud).
 *
 * Why hand-written rather than Vultr's official `@vultr/vultr-node` (2.8.0, read in
 * node_modules/@vultr/vultr-node/src/util.js):
 * - every request goes through its own `node-fetch` 2 call with no `signal` and no timeout, so
 *   a call cannot be cancelled or held to a deadline, and it cannot be sent through the
 *   account's request budget (../budget.ts) before it leaves;
 * - it returns the parsed body only: no status code and no headers, so neither `Retry-After`
 *   on a 429 nor "is this 2xx the documented one" can be seen; a success without a JSON
 *   content type resolves to `undefined`, exactly like a captive portal's page would;
 * - failures are not rejected but *resolved* with an `Error` (`.catch((err) => err)`), whose
 *   message is `statusText: error` — the status number and the body are gone;
 * - path parameters are pasted into the URL unencoded, and its README's `rateLimit` option is
 *   not implemented in the source.
 * Its `baseUrl` would reach a fake, but none of the above can be fixed from outside it.
 *
 * Paths, parameters and bodies follow ../shared/provider-specs/vultr/vultr-openapi-v2.json
 * (https://www.vultr.com/api/). Nothing here logs: the Authorization header carries the key,
 * and an instance's `default_password` and `kvm` console link are dropped as soon as they arrive.
 */
import { AppError } from '../../../shared/errors'
import type { RequestGate } from '../budget'
import { RestClient, unknownOutcome, type RestResponse } from '../http'
import { readAllPages, type Page } from '../pagination'

export interface VultrAccount {
  name?: string
  email?: string
  acls?: string[]
}

export interface VultrRegion {
  id: string
  city: string
  country?: string
  continent?: string
  options?: string[]
}

export interface VultrPlan {
  id: string
  vcpu_count: number
  ram: number
  disk: number
  bandwidth?: number
  /** US dollars a month; the description says integer, the API answers 3.5 for the 512 MB plan. */
  monthly_cost: number
  type?: string
  locations: string[]
}

export interface VultrOs {
  id: number
  name: string
  arch: string
  family: string
}

export interface VultrV6Network {
  network?: string
  main_ip?: string
  network_size?: number
}

export interface VultrInstance {
  id: string
  label?: string
  hostname?: string
  region?: string
  plan?: string
  os_id?: number
  main_ip?: string
  v6_networks?: VultrV6Network[]
  date_created?: string
  status?: string
  power_status?: string
  server_status?: string
  firewall_group_id?: string
  tags?: string[] | null
}

/** POST /v2/instances body (only the fields Exitdesk sends). */
export interface VultrInstanceCreate {
  region: string
  plan: string
  os_id: number
  label: string
  hostname: string
  /** base64 cloud-init. */
  user_data: string
  tags: string[]
  enable_ipv6: boolean
  firewall_group_id: string
  backups: 'disabled'
  activation_email: false
}

export interface VultrFirewallGroup {
  id: string
  description: string
  date_created?: string
  instance_count?: number
  rule_count?: number
}

export interface VultrFirewallRuleCreate {
  ip_type: 'v4' | 'v6'
  protocol: 'tcp'
  subnet: string
  subnet_size: number
  /** A port or a colon-separated range, e.g. "1:65535". */
  port: string
  notes?: string
}

export interface VultrFirewallRule {
  id: number
  ip_type?: string
  type?: string
  protocol: string
  port?: string
  subnet: string
  subnet_size: number
}

export interface VultrClientOptions {
  endpoint: string
  token: string
  timeoutMs?: number
  /** Bound on pages followed by one list call, so a broken cursor never loops forever. */
  maxPages?: number
  /** The account's request budget, seen with the caller's priority (../budget.ts). */
  budget?: RequestGate
}

/** `per_page` maximum of every list ("Default is 100 and Max is 500"). */
export const MAX_PER_PAGE = 500
export const DEFAULT_MAX_PAGES = 50
const PROVIDER = 'Vultr'

export class VultrClient {
  private readonly rest: RestClient
  private readonly maxPages: number

  constructor(options: VultrClientOptions) {
    const token = options.token.trim()
    if (token.length === 0) {
      throw new AppError({ code: 'unauthorized', message: 'This Vultr account has no API key. Add one in the account settings.', retryable: false })
    }
    this.maxPages = options.maxPages ?? DEFAULT_MAX_PAGES
    this.rest = new RestClient({
      provider: PROVIDER,
      baseUrl: options.endpoint,
      headers: () => ({ authorization: `Bearer ${token}` }),
      providerMessage: vultrErrorMessage,
      timeoutMs: options.timeoutMs,
      budget: options.budget,
    })
  }

  async getAccount(signal: AbortSignal): Promise<VultrAccount> {
    const response = await this.send('GET', '/account', { signal, expect: [200] })
    return member<VultrAccount>(response.body, 'account', ACCOUNT_SHAPE)
  }

  listRegions(signal: AbortSignal): Promise<VultrRegion[]> {
    return this.list<VultrRegion>('/regions', 'regions', REGION_SHAPE, {}, signal)
  }

  listPlans(signal: AbortSignal): Promise<VultrPlan[]> {
    return this.list<VultrPlan>('/plans', 'plans', PLAN_SHAPE, {}, signal)
  }

  listOs(signal: AbortSignal): Promise<VultrOs[]> {
    return this.list<VultrOs>('/os', 'os', OS_SHAPE, {}, signal)
  }

  async createInstance(body: VultrInstanceCreate, signal: AbortSignal): Promise<VultrInstance> {
    const response = await this.send('POST', '/instances', { body, signal, expect: [202] })
    return member<VultrInstance>(response.body, 'instance', INSTANCE_SHAPE, checkInstance)
  }

  /** `null` when Vultr no longer knows the instance (404). */
  async getInstance(id: string, signal: AbortSignal): Promise<VultrInstance | null> {
    const response = await this.send('GET', `/instances/${resourceId(id, 'instance')}`, { signal, accept: [404], expect: [200] })
    return response.status === 404 ? null : member<VultrInstance>(response.body, 'instance', INSTANCE_SHAPE, checkInstance)
  }

  /** Asks Vultr to destroy the instance (204). Returns false when it was already gone (404). */
  async deleteInstance(id: string, signal: AbortSignal): Promise<boolean> {
    const response = await this.send('DELETE', `/instances/${resourceId(id, 'instance')}`, { signal, accept: [404], expect: [204] })
    return response.status !== 404
  }

  /**
   * Instances carrying `tag`, or attached to a firewall group, following the cursor. One filter
   * per call: Vultr answers "Only one filter per request is allowed." to two (govultr#220).
   * The description marks `tag` deprecated (with the instance's single `tag` field); it is still
   * the API's only tag filter, and Vultr's own govultr and Terraform provider send it.
   */
  listInstances<R = VultrInstance>(filter: { tag?: string; firewallGroupId?: string }, signal: AbortSignal, view?: (instance: VultrInstance) => R): Promise<R[]> {
    const query = { tag: filter.tag, firewall_group_id: filter.firewallGroupId }
    return this.list<VultrInstance, R>('/instances', 'instances', INSTANCE_SHAPE, query, signal, (item, where) => {
      const checked = checkInstance(item, where)
      return view ? view(checked) : (checked as unknown as R)
    })
  }

  listFirewallGroups(signal: AbortSignal): Promise<VultrFirewallGroup[]> {
    return this.list<VultrFirewallGroup>('/firewalls', 'firewall_groups', FIREWALL_SHAPE, {}, signal)
  }

  async createFirewallGroup(description: string, signal: AbortSignal): Promise<VultrFirewallGroup> {
    const response = await this.send('POST', '/firewalls', { body: { description }, signal, expect: [201] })
    return member<VultrFirewallGroup>(response.body, 'firewall_group', FIREWALL_SHAPE)
  }

  /** Returns false when the group was already gone (404). */
  async deleteFirewallGroup(id: string, signal: AbortSignal): Promise<boolean> {
    const response = await this.send('DELETE', `/firewalls/${resourceId(id, 'firewall group')}`, { signal, accept: [404], expect: [204] })
    return response.status !== 404
  }

  listFirewallRules(groupId: string, signal: AbortSignal): Promise<VultrFirewallRule[]> {
    return this.list<VultrFirewallRule>(`/firewalls/${resourceId(groupId, 'firewall group')}/rules`, 'firewall_rules', RULE_SHAPE, {}, signal)
  }

  async createFirewallRule(groupId: string, rule: VultrFirewallRuleCreate, signal: AbortSignal): Promise<VultrFirewallRule> {
    const response = await this.send('POST', `/firewalls/${resourceId(groupId, 'firewall group')}/rules`, { body: rule, signal, expect: [201] })
    return member<VultrFirewallRule>(response.body, 'firewall_rule', RULE_SHAPE)
  }

  private send<T = unknown>(
    method: string,
    path: string,
    request: { signal: AbortSignal; body?: unknown; query?: Record<string, string | number | undefined>; accept?: number[]; expect?: number[] },
  ): Promise<RestResponse<T>> {
    return this.rest.request<T>(method, path, request)
  }

  /**
   * Every page of a list through the shared reader (../pagination.ts). Vultr pages by cursor
   * (`meta.links.next`, used as the next `cursor`): page n+1 can only be asked for with the
   * cursor page n returned, so pages cannot be fetched in parallel even though `meta.total` is
   * known. The total is therefore not handed to the reader (which would ask for pages 2..n at
   * once); it follows the cursors one by one, 500 items a page, bounded by `maxPages`. Only the
   * cursor string is taken from an answer; requests always go to the configured endpoint.
   */
  private list<T, R = T>(
    path: string,
    key: string,
    shape: Shape,
    query: Record<string, string | undefined>,
    signal: AbortSignal,
    check: (item: T, where: string) => R = (item) => item as unknown as R,
  ): Promise<R[]> {
    const cursors = new Map<number, string>()
    const fetchPage = async (page: number): Promise<Page<R>> => {
      const cursor = page === 1 ? undefined : cursors.get(page)
      if (page > 1 && cursor === undefined) throw unexpectedAnswer(`GET ${path}: no cursor for page ${page}`)
      const response = await this.send<unknown>('GET', path, { signal, query: { ...query, per_page: MAX_PER_PAGE, cursor }, expect: [200] })
      if (!isRecord(response.body)) throw unexpectedAnswer(`the answer to GET ${path} is not a JSON object`)
      const items = response.body[key]
      if (!Array.isArray(items)) throw unexpectedAnswer(`the answer to GET ${path} has no "${key}" list`)
      const checked = items.map((item: unknown, index) => {
        const where = `${key}[${index}]`
        return check(shaped<T>(item, where, shape), where)
      })
      const meta = isRecord(response.body.meta) ? response.body.meta : undefined
      const links = meta && isRecord(meta.links) ? meta.links : undefined
      const next = typeof links?.next === 'string' && links.next.length > 0 ? links.next : undefined
      if (next !== undefined && checked.length > 0) cursors.set(page + 1, next)
      return { items: checked, next: next !== undefined && checked.length > 0 ? page + 1 : undefined }
    }
    return readAllPages(fetchPage, { maxPages: this.maxPages, provider: PROVIDER, what: path })
  }
}

/** What Vultr's answer lacked, when a 2xx body is not the shape the adapter reads. */
export const UNEXPECTED_ANSWER = 'Vultr answered with something Exitdesk does not understand.'

/** A 2xx answer without what the adapter reads (a proxy's page, or API drift): Exitdesk's diagnosis, never the body. */
function unexpectedAnswer(what: string): AppError {
  return unknownOutcome(PROVIDER, what)
}

type FieldKind = 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object'
/** The fields the adapter reads, each required unless its kind ends with "?" (then absent or null is fine). */
type Shape = Record<string, FieldKind | `${FieldKind}?`>

const ACCOUNT_SHAPE: Shape = { name: 'string?', email: 'string?', acls: 'array?' }
const REGION_SHAPE: Shape = { id: 'string', city: 'string' }
const PLAN_SHAPE: Shape = { id: 'string', vcpu_count: 'number', ram: 'number', disk: 'number', monthly_cost: 'number', locations: 'array', type: 'string?' }
const OS_SHAPE: Shape = { id: 'integer', name: 'string', arch: 'string', family: 'string' }
const INSTANCE_SHAPE: Shape = {
  id: 'string',
  status: 'string',
  power_status: 'string?',
  server_status: 'string?',
  label: 'string?',
  region: 'string?',
  main_ip: 'string?',
  v6_networks: 'array?',
  tags: 'array?',
}
const FIREWALL_SHAPE: Shape = { id: 'string', description: 'string', date_created: 'string?', instance_count: 'number?' }
const RULE_SHAPE: Shape = { id: 'number', protocol: 'string', subnet: 'string', subnet_size: 'number', port: 'string?' }

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function hasKind(value: unknown, kind: FieldKind): boolean {
  switch (kind) {
    case 'array':
      return Array.isArray(value)
    case 'object':
      return isRecord(value)
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
    case 'integer':
      return typeof value === 'number' && Number.isSafeInteger(value)
    default:
      return typeof value === kind
  }
}

const KIND_NAMES: Record<FieldKind, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
}

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

/** `body[key]`, checked against `shape` (and `extra`). */
function member<T>(body: unknown, key: string, shape: Shape, extra?: (item: T, where: string) => T): T {
  if (!isRecord(body)) throw unexpectedAnswer(`the answer is not a JSON object with "${key}"`)
  const item = shaped<T>(body[key], key, shape)
  return extra ? extra(item, key) : item
}

/**
 * The parts of an instance observe() reads, and nothing secret kept: `default_password` (the
 * root password, "only available for ten minutes after deployment") and `kvm` (a console link
 * carrying a token) are removed before the object goes anywhere.
 */
function checkInstance(instance: VultrInstance, where: string): VultrInstance {
  const record = instance as unknown as Record<string, unknown>
  delete record.default_password
  delete record.kvm
  for (const [index, network] of (instance.v6_networks ?? []).entries()) shaped(network, `${where}.v6_networks[${index}]`, { main_ip: 'string?' })
  if (Array.isArray(instance.tags) && instance.tags.some((tag) => typeof tag !== 'string')) throw unexpectedAnswer(`${where}.tags is not a list of strings`)
  return instance
}

/** Vultr errors are `{ "error": "...", "status": n }` ("All 4xx errors will return a JSON response object with an `error` attribute"). */
export function vultrErrorMessage(body: unknown): string | undefined {
  if (isRecord(body)) {
    if (typeof body.error === 'string' && body.error.trim().length > 0) return body.error.trim()
    // RestClient's excerpt of a non-JSON body (a gateway's HTML page).
    if (typeof body.message === 'string' && body.message.length > 0) return body.message
  }
  return undefined
}

/** Vultr ids are UUIDs ("cb676a46-66fd-4dfb-b839-443f2e6c0b60"); anything else never reaches the URL. */
function resourceId(id: string, what: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/.test(id)) {
    throw new AppError({ code: 'invalid-input', field: 'locator.instanceId', message: `"${id.slice(0, 40)}" is not a Vultr ${what} id.`, retryable: false })
  }
  return id
}
