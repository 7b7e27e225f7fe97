/**
 * A stateful, wire-compatible fake of the Vultr API v2 subset Exitdesk uses, on 127.0.0.1 with a
 * random port. Shapes follow ../shared/provider-specs/vultr/vultr-openapi-v2.json (the contract
 * test runs the adapter through `prism proxy --errors` in front of this fake, so a response that
 * drifts from the description fails there).
 *
 * Behaviour modelled on the real API:
 * - `Authorization: Bearer <key>`, else 401 `{ error, status }` (Vultr's error shape);
 * - instances start `pending/running/none` with `main_ip` "0.0.0.0", turn
 *   `active/running/installingbooting` with a public IPv4 from 198.51.100.0/24 (and an IPv6 when
 *   `enable_ipv6`) after `activateAfterMs` of fake time, and `active/running/ok` after
 *   `okAfterMs`; the create answer carries `default_password` (the real one does);
 * - DELETE answers 204 and the instance lingers for `deleteAfterMs` before GET answers 404;
 * - lists page by cursor: `per_page` (default 100, maximum 500), `meta.total` and opaque
 *   `meta.links.next` / `prev` cursors;
 * - `GET /v2/instances` filters by `tag`, `label`, `region` and `firewall_group_id`;
 * - firewall groups with rules; a group still used by an instance cannot be deleted (the fake
 *   refuses with 400, so a teardown that tries fails a test; Vultr's own answer is undocumented);
 * - once the request budget is spent, 429 with `Retry-After`;
 * - injected failures: any status with Vultr's error body, delays, gateway HTML pages, bodies cut
 *   off mid-JSON, and successes that are not carried out.
 *
 * Fake time is real time plus an offset that `advance(ms)` moves forward, so tests never sleep.
 * The error messages are modelled on Vultr's wording where known; treat them as examples.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { listenOnLoopback } from '../support/listeners'
import { closeServer, parseJsonBody } from './http-server'

export interface FakeVultrOptions {
  /** API key the fake accepts; random when absent. */
  token?: string
  /** Fake-time ms after create before an instance is `active/running/installingbooting`. Default 3000. */
  activateAfterMs?: number
  /** Fake-time ms after create before `server_status` is `ok`. Default activateAfterMs + 2000. */
  okAfterMs?: number
  /** Fake-time ms a deleted instance is still there. Default 2000. */
  deleteAfterMs?: number
  /** `per_page` when the request names none (Vultr: 100). */
  defaultPerPage?: number
  /** Largest `per_page` honoured (Vultr: 500); tests lower it to force several pages. */
  maxPerPage?: number
  /** Requests answered before 429. Default: unlimited. */
  requestBudget?: number
  /** `Retry-After` on a 429, seconds. Default 2. */
  retryAfterSeconds?: number
  /** Real milliseconds added before every answer (the bench's round trip). Default 0. */
  latencyMs?: number
  /** Fake time's source; `advance(ms)` moves it further. Default: real time. */
  clock?: { now(): number }
  account?: Partial<FakeAccount>
  /** The plan list (the contract test passes whole-dollar prices: the description types `monthly_cost` as integer). */
  plans?: FakePlan[]
  /** The public IPv4 handed to the n-th instance that gets one (n counts from 10). Default 198.51.100.x. */
  ipv4For?: (n: number) => string
}

/** Makes matching requests fail or hang. Rules are checked in the order they were set. */
export interface FailureRule {
  method?: string
  /** Exact pathname, or a pattern tested against it. */
  path?: string | RegExp
  /** Answer with this status (and Vultr's error body, or `body`) instead of the normal answer. */
  status?: number
  body?: unknown
  headers?: Record<string, string>
  /** Wait this long before answering (or before the normal answer when no status is set). */
  delayMs?: number
  /** How many requests the rule applies to; unlimited when absent. */
  times?: number
  /** Answer with a gateway's text/html page instead of a JSON body. */
  html?: boolean
  /** Send the normal answer's headers and half its body, then cut the connection. */
  truncate?: boolean
  /** Answer with the call's normal success but do not carry it out (a 204 that is then ignored). */
  ignore?: boolean
  /** Carry the call out, then answer with `status` anyway (a create that "timed out" but happened). */
  afterEffect?: boolean
}

export interface FakeAccount {
  name: string
  email: string
  acls: string[]
  balance: number
  pending_charges: number
  last_payment_date: string
  last_payment_amount: number
}

export interface FakePlan {
  id: string
  vcpu_count: number
  ram: number
  disk: number
  disk_count: number
  bandwidth: number
  monthly_cost: number
  type: string
  locations: string[]
}

export interface FakeInstance {
  id: string
  label: string
  hostname: string
  region: string
  plan: string
  osId: number
  tags: string[]
  userData?: string
  scriptId?: string
  enableIpv6: boolean
  firewallGroupId: string
  backups: string
  createdAtMs: number
  ipv4?: string
  ipv6?: string
  deleteRequestedAtMs?: number
}

export interface FakeRule {
  id: number
  ip_type: string
  protocol: string
  port: string
  subnet: string
  subnet_size: number
  notes: string
}

export interface FakeGroup {
  id: string
  description: string
  createdAtMs: number
  modifiedAtMs: number
  rules: FakeRule[]
}

export interface FakeRequest {
  method: string
  /** Pathname only, e.g. "/v2/instances". */
  path: string
  /** Query string without "?". */
  query: string
  body?: unknown
  status?: number
}

export interface FakeVultr {
  /** The API base, as an account's endpoint: `http://127.0.0.1:<port>/v2`. */
  url: string
  token: string
  close(): Promise<void>
  state: { instances: Map<string, FakeInstance>; groups: Map<string, FakeGroup> }
  /** Every request received, in order (never the Authorization header). */
  requests: FakeRequest[]
  setFailure(rule: FailureRule): void
  clearFailures(): void
  advance(ms: number): void
  setRequestBudget(remaining: number): void
  now(): number
}

export const FAKE_REGIONS = [
  { id: 'ewr', city: 'New Jersey', country: 'US', continent: 'North America' },
  { id: 'ord', city: 'Chicago', country: 'US', continent: 'North America' },
  { id: 'lhr', city: 'London', country: 'GB', continent: 'Europe' },
  { id: 'fra', city: 'Frankfurt', country: 'DE', continent: 'Europe' },
  { id: 'ams', city: 'Amsterdam', country: 'NL', continent: 'Europe' },
  { id: 'sgp', city: 'Singapore', country: 'SG', continent: 'Asia' },
  { id: 'syd', city: 'Sydney', country: 'AU', continent: 'Australia' },
]
const ALL = FAKE_REGIONS.map((region) => region.id)

/**
 * Out of price order, with the IPv6-only `-v6` plans cheaper than any plan with IPv4 (as Vultr's
 * are), the free-tier plan, and a GPU plan: none of those may be offered or chosen.
 */
export const FAKE_PLANS: FakePlan[] = [
  { id: 'vc2-1c-2gb', vcpu_count: 1, ram: 2048, disk: 55, disk_count: 1, bandwidth: 2048, monthly_cost: 10, type: 'vc2', locations: ALL },
  { id: 'vc2-1c-1gb', vcpu_count: 1, ram: 1024, disk: 25, disk_count: 1, bandwidth: 1024, monthly_cost: 5, type: 'vc2', locations: ALL },
  { id: 'vc2-1c-0.5gb-v6', vcpu_count: 1, ram: 512, disk: 10, disk_count: 1, bandwidth: 512, monthly_cost: 2.5, type: 'vc2', locations: ALL },
  { id: 'vc2-1c-1gb-v6', vcpu_count: 1, ram: 1024, disk: 25, disk_count: 1, bandwidth: 1024, monthly_cost: 4, type: 'vc2', locations: ALL },
  { id: 'vc2-1c-0.5gb', vcpu_count: 1, ram: 512, disk: 10, disk_count: 1, bandwidth: 512, monthly_cost: 3.5, type: 'vc2', locations: ['ewr'] },
  { id: 'vc2-1c-0.5gb-free', vcpu_count: 1, ram: 512, disk: 10, disk_count: 1, bandwidth: 512, monthly_cost: 0, type: 'vc2', locations: ['ewr', 'lhr'] },
  { id: 'vhf-1c-1gb', vcpu_count: 1, ram: 1024, disk: 32, disk_count: 1, bandwidth: 1024, monthly_cost: 6, type: 'vhf', locations: ['lhr', 'fra', 'ewr'] },
  { id: 'vcg-a16-2c-8g-2vram', vcpu_count: 2, ram: 8192, disk: 50, disk_count: 1, bandwidth: 1024, monthly_cost: 1.5, type: 'vcg', locations: ['ewr'] },
]

export const FAKE_OS = [
  { id: 477, name: 'Debian 11 x64 (bullseye)', arch: 'x64', family: 'debian' },
  { id: 1743, name: 'Ubuntu 22.04 LTS x64', arch: 'x64', family: 'ubuntu' },
  { id: 2136, name: 'Debian 12 x64 (bookworm)', arch: 'x64', family: 'debian' },
  { id: 2284, name: 'Ubuntu 24.04 LTS x64', arch: 'x64', family: 'ubuntu' },
  { id: 2285, name: 'Ubuntu 24.04 LTS arm64', arch: 'arm64', family: 'ubuntu' },
  { id: 159, name: 'Custom', arch: 'x64', family: 'iso' },
]

const IPV4_ZERO = '0.0.0.0'
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

export async function startFakeVultr(options: FakeVultrOptions = {}): Promise<FakeVultr> {
  const token = options.token ?? randomBytes(18).toString('base64url').toUpperCase().slice(0, 36)
  const activateAfterMs = options.activateAfterMs ?? 3_000
  const okAfterMs = options.okAfterMs ?? activateAfterMs + 2_000
  const deleteAfterMs = options.deleteAfterMs ?? 2_000
  const defaultPerPage = options.defaultPerPage ?? 100
  const maxPerPage = Math.min(options.maxPerPage ?? 500, 500)
  const retryAfterSeconds = options.retryAfterSeconds ?? 2
  const plans = options.plans ?? FAKE_PLANS
  const account: FakeAccount = {
    name: 'Example Account',
    email: 'admin@example.com',
    acls: ['manage_users', 'subscriptions', 'provisioning', 'billing', 'firewall'],
    balance: -100.55,
    pending_charges: 6.25,
    last_payment_date: '2026-10-10T01:56:20+00:00',
    last_payment_amount: -100,
    ...options.account,
  }

  let offsetMs = 0
  const now = (): number => (options.clock ? options.clock.now() : Date.now()) + offsetMs
  let budget = options.requestBudget ?? Number.POSITIVE_INFINITY
  let nextAddress = 10
  let nextRuleId = 1
  const failures: Array<FailureRule & { used: number }> = []
  const instances = new Map<string, FakeInstance>()
  const groups = new Map<string, FakeGroup>()
  const requests: FakeRequest[] = []
  /** Delays in progress: released at once by close(). */
  const pending = new Set<() => void>()
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const release = (): void => {
        clearTimeout(timer)
        pending.delete(release)
        resolve()
      }
      const timer = setTimeout(release, ms)
      pending.add(release)
    })

  /** Applies the passage of fake time to every instance. */
  function settle(): void {
    const t = now()
    for (const instance of [...instances.values()]) {
      if (instance.ipv4 === undefined && t - instance.createdAtMs >= activateAfterMs) {
        const n = nextAddress++
        const host = n % 254 || 254
        instance.ipv4 = options.ipv4For ? options.ipv4For(n) : `198.51.100.${host}`
        if (instance.enableIpv6) instance.ipv6 = `2001:db8:5:1::${host.toString(16)}`
      }
      if (instance.deleteRequestedAtMs !== undefined && t - instance.deleteRequestedAtMs >= deleteAfterMs) instances.delete(instance.id)
    }
  }

  function statusOf(instance: FakeInstance): { status: string; power_status: string; server_status: string } {
    const age = now() - instance.createdAtMs
    if (age < activateAfterMs) return { status: 'pending', power_status: 'running', server_status: 'none' }
    return { status: 'active', power_status: 'running', server_status: age < okAfterMs ? 'installingbooting' : 'ok' }
  }

  function instanceJson(instance: FakeInstance, extra: Record<string, unknown> = {}): Record<string, unknown> {
    const plan = plans.find((candidate) => candidate.id === instance.plan)!
    const os = FAKE_OS.find((candidate) => candidate.id === instance.osId)!
    return {
      id: instance.id,
      os: os.name,
      ram: plan.ram,
      disk: plan.disk,
      main_ip: instance.ipv4 ?? IPV4_ZERO,
      vcpu_count: plan.vcpu_count,
      region: instance.region,
      date_created: isoSeconds(instance.createdAtMs),
      ...statusOf(instance),
      allowed_bandwidth: plan.bandwidth,
      netmask_v4: instance.ipv4 ? '255.255.254.0' : '',
      gateway_v4: instance.ipv4 ? '198.51.100.1' : IPV4_ZERO,
      v6_networks: instance.ipv6 ? [{ network: '2001:db8:5:1::', main_ip: instance.ipv6, network_size: 64 }] : [],
      hostname: instance.hostname,
      label: instance.label,
      tag: instance.tags[0] ?? '',
      internal_ip: '',
      kvm: `https://my.vultr.com/subs/vps/novnc/api.php?data=${randomBytes(12).toString('hex')}`,
      os_id: instance.osId,
      app_id: 0,
      image_id: '',
      firewall_group_id: instance.firewallGroupId,
      features: instance.enableIpv6 ? ['ipv6'] : [],
      plan: instance.plan,
      tags: [...instance.tags],
      user_scheme: 'root',
      ...extra,
    }
  }

  function groupJson(group: FakeGroup): Record<string, unknown> {
    return {
      id: group.id,
      description: group.description,
      date_created: isoSeconds(group.createdAtMs),
      date_modified: isoSeconds(group.modifiedAtMs),
      instance_count: usersOf(group.id).length,
      rule_count: group.rules.length,
      max_rule_count: 50,
    }
  }

  function ruleJson(rule: FakeRule): Record<string, unknown> {
    return { id: rule.id, type: rule.ip_type, ip_type: rule.ip_type, action: 'accept', protocol: rule.protocol, port: rule.port, subnet: rule.subnet, subnet_size: rule.subnet_size, source: '', notes: rule.notes }
  }

  function usersOf(groupId: string): FakeInstance[] {
    return [...instances.values()].filter((instance) => instance.firewallGroupId === groupId)
  }

  /** Cursor pagination: an opaque cursor per offset, `meta.total`, `meta.links.next` / `prev`. */
  function paginate<T>(url: URL, key: string, all: T[], toJson: (item: T) => unknown = (item) => item): Record<string, unknown> {
    const perPage = clamp(integer(url.searchParams.get('per_page')) ?? defaultPerPage, 1, maxPerPage)
    const cursor = url.searchParams.get('cursor')
    let offset = 0
    if (cursor !== null && cursor !== '') {
      const decoded = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : ''
      const match = /^next__(\d+)$/.exec(decoded)
      if (!match) throw new HttpFailure(400, 'Invalid cursor.')
      offset = Number(match[1])
    }
    const encode = (at: number): string => Buffer.from(`next__${at}`, 'utf8').toString('base64url')
    const next = offset + perPage < all.length ? encode(offset + perPage) : ''
    const prev = offset > 0 ? encode(Math.max(0, offset - perPage)) : ''
    return { [key]: all.slice(offset, offset + perPage).map(toJson), meta: { total: all.length, links: { next, prev } } }
  }

  function createInstance(body: Record<string, unknown>): FakeInstance {
    const region = body.region
    if (typeof region !== 'string' || !ALL.includes(region)) throw new HttpFailure(400, 'Invalid region.')
    const plan = plans.find((candidate) => candidate.id === body.plan)
    if (!plan) throw new HttpFailure(400, 'Invalid plan.')
    if (!plan.locations.includes(region)) throw new HttpFailure(400, 'Plan is not available in the selected region.')
    const os = FAKE_OS.find((candidate) => candidate.id === body.os_id)
    if (!os) throw new HttpFailure(400, 'Invalid operating system.')
    if (body.user_data !== undefined && (typeof body.user_data !== 'string' || !BASE64.test(body.user_data) || body.user_data.length % 4 !== 0)) {
      throw new HttpFailure(400, 'user_data must be base64 encoded.')
    }
    const firewallGroupId = body.firewall_group_id ?? ''
    if (typeof firewallGroupId !== 'string' || (firewallGroupId !== '' && !groups.has(firewallGroupId))) throw new HttpFailure(400, 'Invalid firewall group.')
    const tags = body.tags === undefined ? [] : body.tags
    if (!Array.isArray(tags) || tags.some((tag) => typeof tag !== 'string')) throw new HttpFailure(400, 'tags must be a list of strings.')
    const label = typeof body.label === 'string' ? body.label : ''
    const instance: FakeInstance = {
      id: randomUUID(),
      label,
      hostname: typeof body.hostname === 'string' ? body.hostname : label || 'vultr.guest',
      region,
      plan: plan.id,
      osId: os.id,
      tags: [...new Set(tags as string[])],
      userData: typeof body.user_data === 'string' ? Buffer.from(body.user_data, 'base64').toString('utf8') : undefined,
      scriptId: typeof body.script_id === 'string' ? body.script_id : undefined,
      enableIpv6: body.enable_ipv6 === true,
      firewallGroupId,
      backups: typeof body.backups === 'string' ? body.backups : 'enabled',
      createdAtMs: now(),
    }
    instances.set(instance.id, instance)
    return instance
  }

  function createRule(group: FakeGroup, body: Record<string, unknown>): FakeRule {
    const ipType = body.ip_type
    if (ipType !== 'v4' && ipType !== 'v6') throw new HttpFailure(400, 'ip_type must be v4 or v6.')
    const protocol = typeof body.protocol === 'string' ? body.protocol.toLowerCase() : ''
    if (!['icmp', 'tcp', 'udp', 'gre', 'esp', 'ah'].includes(protocol)) throw new HttpFailure(400, 'Invalid protocol.')
    if (typeof body.subnet !== 'string' || typeof body.subnet_size !== 'number') throw new HttpFailure(400, 'subnet and subnet_size are required.')
    if ((ipType === 'v4') !== body.subnet.includes('.')) throw new HttpFailure(400, 'The subnet does not match ip_type.')
    const port = typeof body.port === 'string' ? body.port : ''
    if ((protocol === 'tcp' || protocol === 'udp') && !/^\d{1,5}(:\d{1,5})?$/.test(port)) throw new HttpFailure(400, 'Invalid port.')
    const duplicate = group.rules.some((rule) => rule.ip_type === ipType && rule.protocol === protocol && rule.port === port && rule.subnet === body.subnet && rule.subnet_size === body.subnet_size)
    if (duplicate) throw new HttpFailure(400, 'Unable to create firewall rule: this rule is already defined')
    if (group.rules.length >= 50) throw new HttpFailure(400, 'Maximum number of rules reached.')
    const rule: FakeRule = { id: nextRuleId++, ip_type: ipType, protocol, port, subnet: body.subnet, subnet_size: body.subnet_size, notes: typeof body.notes === 'string' ? body.notes : '' }
    group.rules.push(rule)
    group.modifiedAtMs = now()
    return rule
  }

  function route(method: string, url: URL, body: unknown, ignore: boolean): { status: number; json?: unknown } {
    const segments = url.pathname.replace(/\/+$/, '').split('/').filter(Boolean)
    if (segments[0] !== 'v2') throw new HttpFailure(404, 'Not found.')
    const [, resource, id, sub] = segments
    const object = (): Record<string, unknown> => {
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw new HttpFailure(400, 'Invalid JSON body.')
      return body as Record<string, unknown>
    }

    if (resource === 'account' && segments.length === 2 && method === 'GET') return { status: 200, json: { account } }
    if (resource === 'regions' && segments.length === 2 && method === 'GET') return { status: 200, json: paginate(url, 'regions', FAKE_REGIONS.map((region) => ({ ...region, options: ['ddos_protection', 'block_storage_storage_opt'] }))) }
    if (resource === 'plans' && segments.length === 2 && method === 'GET') return { status: 200, json: paginate(url, 'plans', plans) }
    if (resource === 'os' && segments.length === 2 && method === 'GET') return { status: 200, json: paginate(url, 'os', FAKE_OS) }

    if (resource === 'instances' && segments.length === 2) {
      if (method === 'GET') {
        const q = (name: string): string | null => url.searchParams.get(name)
        const listed = [...instances.values()]
          .filter((instance) => q('tag') === null || instance.tags.includes(q('tag')!))
          .filter((instance) => q('label') === null || instance.label === q('label'))
          .filter((instance) => q('region') === null || instance.region === q('region'))
          .filter((instance) => q('firewall_group_id') === null || instance.firewallGroupId === q('firewall_group_id'))
          .sort((a, b) => a.createdAtMs - b.createdAtMs || a.id.localeCompare(b.id))
        return { status: 200, json: paginate(url, 'instances', listed, (instance) => instanceJson(instance)) }
      }
      if (method === 'POST') {
        const instance = createInstance(object())
        const json = instanceJson(instance, { default_password: `v${randomBytes(9).toString('base64url')}` })
        if (ignore) instances.delete(instance.id)
        return { status: 202, json: { instance: json } }
      }
    }
    if (resource === 'instances' && segments.length === 3 && id !== undefined) {
      const instance = instances.get(id)
      if (!instance) throw new HttpFailure(404, 'Invalid instance-id.')
      if (method === 'GET') return { status: 200, json: { instance: instanceJson(instance) } }
      if (method === 'DELETE') {
        if (!ignore) instance.deleteRequestedAtMs ??= now()
        return { status: 204 }
      }
    }

    if (resource === 'firewalls' && segments.length === 2) {
      if (method === 'GET') return { status: 200, json: paginate(url, 'firewall_groups', [...groups.values()].sort((a, b) => a.createdAtMs - b.createdAtMs), groupJson) }
      if (method === 'POST') {
        const description = object().description
        if (description !== undefined && typeof description !== 'string') throw new HttpFailure(400, 'Invalid description.')
        const group: FakeGroup = { id: randomUUID(), description: description ?? '', createdAtMs: now(), modifiedAtMs: now(), rules: [] }
        if (!ignore) groups.set(group.id, group)
        return { status: 201, json: { firewall_group: groupJson(group) } }
      }
    }
    if (resource === 'firewalls' && id !== undefined) {
      const group = groups.get(id)
      if (!group) throw new HttpFailure(404, 'Invalid firewall group.')
      if (segments.length === 3) {
        if (method === 'GET') return { status: 200, json: { firewall_group: groupJson(group) } }
        if (method === 'DELETE') {
          if (usersOf(group.id).length > 0) throw new HttpFailure(400, 'Firewall group is in use by one or more instances.')
          if (!ignore) groups.delete(group.id)
          return { status: 204 }
        }
      }
      if (segments.length === 4 && sub === 'rules') {
        if (method === 'GET') return { status: 200, json: paginate(url, 'firewall_rules', group.rules, ruleJson) }
        if (method === 'POST') {
          const rule = createRule(group, object())
          if (ignore) group.rules = group.rules.filter((kept) => kept.id !== rule.id)
          return { status: 201, json: { firewall_rule: ruleJson(rule) } }
        }
      }
    }
    throw new HttpFailure(404, 'Not found.')
  }

  function matchingRule(method: string, path: string): (FailureRule & { used: number }) | undefined {
    return failures.find(
      (rule) =>
        (rule.times === undefined || rule.used < rule.times) &&
        (rule.method === undefined || rule.method === method) &&
        (rule.path === undefined || (typeof rule.path === 'string' ? rule.path === path : rule.path.test(path))),
    )
  }

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      void handle(request, response, Buffer.concat(chunks).toString('utf8'))
    })
  })

  async function handle(request: IncomingMessage, response: ServerResponse, raw: string): Promise<void> {
    const method = request.method ?? 'GET'
    const url = new URL(request.url ?? '/', 'http://127.0.0.1')
    const { body, bodyError: badJson } = parseJsonBody(raw)
    const entry: FakeRequest = { method, path: url.pathname, query: url.search.replace(/^\?/, ''), body }
    requests.push(entry)
    const send = (status: number, json?: unknown, headers: Record<string, string> = {}, truncate = false): void => {
      entry.status = status
      if (response.destroyed) return
      const text = json === undefined ? '' : typeof json === 'string' ? json : JSON.stringify(json)
      const type = typeof json === 'string' && json.startsWith('<') ? 'text/html' : 'application/json'
      response.writeHead(status, { ...(text.length > 0 ? { 'content-type': type } : {}), ...headers })
      if (truncate) {
        response.write(text.slice(0, Math.floor(text.length / 2)))
        response.destroy()
        return
      }
      response.end(text)
    }
    if (options.latencyMs) await sleep(options.latencyMs)

    const rule = matchingRule(method, url.pathname)
    if (rule) rule.used += 1
    if (rule?.delayMs) await sleep(rule.delayMs)
    if (response.destroyed) return

    if (request.headers.authorization !== `Bearer ${token}`) {
      send(401, { error: 'Invalid API token.', status: 401 })
      return
    }
    if (budget <= 0) {
      send(429, { error: 'Rate limit reached - please try your request again later.', status: 429 }, { 'retry-after': String(retryAfterSeconds) })
      return
    }
    budget -= 1
    if (rule?.status !== undefined && !rule.afterEffect && !rule.ignore && !rule.truncate) {
      const json = rule.html ? `<html><head><title>${rule.status}</title></head><body><h1>${rule.status} Bad Gateway</h1></body></html>` : (rule.body ?? { error: `Injected failure ${rule.status}.`, status: rule.status })
      send(rule.status, json, rule.headers)
      return
    }
    if (badJson) {
      send(400, { error: 'Invalid JSON body.', status: 400 })
      return
    }
    settle()
    try {
      const result = route(method, url, body, rule?.ignore === true)
      if (rule?.afterEffect && rule.status !== undefined) {
        send(rule.status, rule.body ?? { error: `Injected failure ${rule.status}.`, status: rule.status }, rule.headers)
        return
      }
      send(result.status, result.json, rule?.headers, rule?.truncate === true)
    } catch (error) {
      if (error instanceof HttpFailure) send(error.status, { error: error.message, status: error.status })
      else send(500, { error: 'Internal server error.', status: 500 })
    }
  }

  const url = `http://127.0.0.1:${await listenOnLoopback(server)}/v2`
  return {
    url,
    token,
    async close() {
      for (const release of [...pending]) release()
      await closeServer(server)
    },
    state: { instances, groups },
    requests,
    setFailure(rule) {
      failures.push({ ...rule, used: 0 })
    },
    clearFailures() {
      failures.length = 0
    },
    advance(ms) {
      offsetMs += ms
    },
    setRequestBudget(remaining) {
      budget = remaining
    },
    now,
  }
}

function integer(value: string | null): number | undefined {
  if (value === null || !/^-?\d+$/.test(value)) return undefined
  return Number(value)
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value))
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00')
}
