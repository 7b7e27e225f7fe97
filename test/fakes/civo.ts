/**
 * A stateful, wire-compatible fake of the Civo API v2 subset Exitdesk uses, on 127.0.0.1 with a
 * random port. No API description of Civo exists, so the shapes come from its documentation
 * pages and its Go client:
 *   https://www.civo.com/api/instances   create (`hostname`, `size`, `network_id`, `template_id`,
 *                                        `firewall_id`, `public_ip`, `script`, `tags` as one
 *                                        space-separated string), list `{ page, per_page, pages,
 *                                        items }` with `tags`/`page`/`per_page`/`region`, get, delete
 *   https://www.civo.com/api/firewall    firewalls (name unique per account, in a network) and rules
 *   https://www.civo.com/api/networks, /sizes, /disk-images, /regions, /quota
 *   github.com/civo/civogo               `firewall.go` (`create_rules`, rule fields `start_port`,
 *                                        `end_port`, `cidr`, `direction`, `action`), `instance_size_test.go`
 *                                        (`price_monthly`), `errors.go` (`{ code, reason }`, snake_case codes)
 *
 * Behaviour modelled:
 * - `Authorization: bearer <key>`, else 401 `authentication_invalid_key`;
 * - an instance starts `BUILDING` with no public IP shown, turns `ACTIVE` with its public IPv4
 *   after `activateAfterMs` of fake time; DELETE answers `{ result: "success" }`, the instance
 *   shows `DELETING` for `deleteAfterMs`, then GET answers 404 and its public IP is released and
 *   its firewall no longer counts it (`instance_count`);
 * - a firewall made without `create_rules: false` gets Civo-like default rules, open to all
 *   (TCP and UDP 1-65535 and ICMP in, everything out); `alwaysDefaultRules` adds them anyway;
 *   DELETE of a firewall an instance still uses answers 400;
 * - firewall and instance names are unique per account (400 `…_duplicate_name`);
 * - `Retry-After` on 429 once `requestBudget` is spent.
 *
 * Fake time is real time plus an offset that `advance(ms)` moves forward, so tests never sleep.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { listenOnLoopback } from '../support/listeners'
import { closeServer, findFailure, heldAnswers, lateWork, parseJsonBody, readRaw, sendGatewayPage } from './http-server'

export interface FakeCivoOptions {
  /** API key the fake accepts; random when absent. */
  token?: string
  /** Fake-time milliseconds after create before an instance is `ACTIVE`. Default 3000. */
  activateAfterMs?: number
  /** Fake-time milliseconds a deleted instance still shows `DELETING`. Default 2000. */
  deleteAfterMs?: number
  /** Largest `per_page` honoured; tests lower it to force several pages. Default 100. */
  maxPerPage?: number
  /** Requests answered before 429. Default unlimited. */
  requestBudget?: number
  /** Fake time's source; `advance(ms)` moves it further. Default: real time. */
  clock?: { now(): number }
  /** The public IPv4 of the n-th instance (n counts from 1). Default 198.51.100.n (TEST-NET-2). */
  ipv4For?: (n: number) => string
  /** Give every new firewall Civo's default rules even when `create_rules: false` was sent. */
  alwaysDefaultRules?: boolean
  /** Leave Ubuntu 24.04 out of the disk images (22.04 stays). */
  withoutNoble?: boolean
  /** Leave `price_monthly` out of the sizes (an older API answer). */
  withoutPrices?: boolean
  /** The account's quota record id (the identity). Random when absent. */
  accountId?: string
  /** Every error repeats the request back (Authorization header and body) in `reason`: for the redaction test. */
  echo?: boolean
}

/** Makes matching requests fail or hang. Rules are checked in the order they were set. */
export interface FailureRule {
  method?: string
  path?: string | RegExp
  status?: number
  code?: string
  reason?: string
  body?: unknown
  headers?: Record<string, string>
  delayMs?: number
  times?: number
  html?: boolean
  truncated?: boolean
  ignore?: boolean
  afterwards?: number
  late?: boolean
}

export interface FakeRule {
  id: string
  firewall_id: string
  protocol: string
  start_port: string
  end_port: string
  cidr: string[]
  direction: 'ingress' | 'egress'
  action: 'allow' | 'deny'
  label: string
}

export interface FakeFirewall {
  id: string
  name: string
  region: string
  networkId: string
  rules: FakeRule[]
}

export interface FakeInstance {
  id: string
  hostname: string
  region: string
  size: string
  networkId: string
  templateId: string
  firewallId: string
  tags: string[]
  script: string
  status: 'BUILDING' | 'ACTIVE' | 'SHUTOFF'
  createdAtMs: number
  deleteRequestedAtMs?: number
  /** Id of the public IP in `state.ips`. */
  ipId?: string
}

export interface FakeIp {
  id: string
  address: string
  instanceId: string
}

export interface FakeRequest {
  method: string
  path: string
  query: string
  body?: unknown
  status?: number
}

export interface FakeCivo {
  url: string
  token: string
  accountId: string
  close(): Promise<void>
  state: { instances: Map<string, FakeInstance>; firewalls: Map<string, FakeFirewall>; ips: Map<string, FakeIp>; networks: Map<string, { id: string; region: string }> }
  requests: FakeRequest[]
  /** The most requests the fake was handling at once (parallel page reads show here). */
  maxInFlight(): number
  resetMaxInFlight(): void
  setFailure(rule: FailureRule): void
  clearFailures(): void
  advance(ms: number): void
  setRequestBudget(remaining: number): void
  settle(): void
  drain(): Promise<void>
}

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

export const FAKE_REGIONS = [
  { code: 'LON1', name: 'London 1', country: 'GB', country_name: 'United Kingdom', default: true, out_of_capacity: false },
  { code: 'FRA1', name: 'Frankfurt 1', country: 'DE', country_name: 'Germany', default: false, out_of_capacity: false },
  { code: 'NYC1', name: 'New York 1', country: 'US', country_name: 'United States', default: false, out_of_capacity: false },
  { code: 'PHX1', name: 'Phoenix 1', country: 'US', country_name: 'United States', default: false, out_of_capacity: true },
]

/** Sizes as GET /v2/sizes answers them (civogo `instance_size_test.go`), Kubernetes ones included. */
export const FAKE_SIZES = [
  { type: 'Instance', name: 'g4s.small', nice_name: 'Small - Standard', cpu_cores: 1, ram_mb: 2048, disk_gb: 25, price_monthly: 10 },
  { type: 'Instance', name: 'g4s.xsmall', nice_name: 'xSmall - Standard', cpu_cores: 1, ram_mb: 1024, disk_gb: 25, price_monthly: 5 },
  { type: 'Instance', name: 'g4s.medium', nice_name: 'Medium - Standard', cpu_cores: 2, ram_mb: 4096, disk_gb: 50, price_monthly: 20 },
  { type: 'Kubernetes', name: 'g4s.kube.xsmall', nice_name: 'xSmall - Standard', cpu_cores: 1, ram_mb: 1024, disk_gb: 30, price_monthly: 5 },
]

const REGION_CODES = new Set(FAKE_REGIONS.map((region) => region.code))
const HOSTNAME = /^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/
const PORT = /^[0-9]{1,5}$/

export async function startFakeCivo(options: FakeCivoOptions = {}): Promise<FakeCivo> {
  const token = options.token ?? `civo-${randomBytes(24).toString('hex')}`
  const accountId = options.accountId ?? randomUUID()
  const activateAfterMs = options.activateAfterMs ?? 3_000
  const deleteAfterMs = options.deleteAfterMs ?? 2_000
  const maxPerPage = options.maxPerPage ?? 100
  let budget = options.requestBudget ?? Number.POSITIVE_INFINITY
  let offsetMs = 0
  const now = (): number => (options.clock?.now() ?? Date.now()) + offsetMs
  const instances = new Map<string, FakeInstance>()
  const firewalls = new Map<string, FakeFirewall>()
  const ips = new Map<string, FakeIp>()
  const networks = new Map<string, { id: string; region: string }>()
  for (const region of FAKE_REGIONS) {
    const id = randomUUID()
    networks.set(id, { id, region: region.code })
  }
  // Disk images per region, ids differing per region as Civo's do.
  const images = new Map<string, Array<{ id: string; name: string; version: string; distribution: string; state: string; label: string }>>()
  for (const region of FAKE_REGIONS) {
    images.set(region.code, [
      { id: randomUUID(), name: 'debian-11', version: '11', distribution: 'debian', state: 'available', label: 'bullseye' },
      { id: randomUUID(), name: 'ubuntu-jammy', version: '22.04', distribution: 'ubuntu', state: 'available', label: 'jammy' },
      ...(options.withoutNoble ? [] : [{ id: randomUUID(), name: 'ubuntu-noble', version: '24.04', distribution: 'ubuntu', state: 'available', label: 'noble' }]),
    ])
  }
  const requests: FakeRequest[] = []
  const failures: Array<FailureRule & { used: number }> = []
  const held = heldAnswers()
  const late = lateWork()
  let instancesMade = 0
  let inFlight = 0
  let mostInFlight = 0

  function settle(): void {
    const t = now()
    for (const instance of [...instances.values()]) {
      if (instance.status === 'BUILDING' && t - instance.createdAtMs >= activateAfterMs) instance.status = 'ACTIVE'
      if (instance.deleteRequestedAtMs !== undefined && t - instance.deleteRequestedAtMs >= deleteAfterMs) {
        instances.delete(instance.id)
        // The public IP made with `public_ip: create` goes with the instance.
        if (instance.ipId) ips.delete(instance.ipId)
      }
    }
  }

  const instanceCount = (firewallId: string): number => [...instances.values()].filter((instance) => instance.firewallId === firewallId).length

  function instanceJson(instance: FakeInstance, extra: Record<string, unknown> = {}) {
    const ip = instance.ipId ? ips.get(instance.ipId) : undefined
    const shown = instance.status !== 'BUILDING' && ip ? ip.address : null
    return {
      id: instance.id,
      name: `${instance.hostname}-${instance.id.slice(0, 8)}`,
      hostname: instance.hostname,
      account_id: accountId,
      size: instance.size,
      region: instance.region,
      firewall_id: instance.firewallId,
      source_type: 'diskimage',
      source_id: instance.templateId,
      network_id: instance.networkId,
      initial_user: 'civo',
      ssh_key_id: null,
      tags: [...instance.tags],
      status: instance.deleteRequestedAtMs !== undefined ? 'DELETING' : instance.status,
      public_ip: shown,
      private_ip: '192.168.1.2',
      ipv6: null,
      notes: '',
      reverse_dns: '',
      cpu_cores: 1,
      ram_mb: 1024,
      disk_gb: 25,
      created_at: new Date(instance.createdAtMs).toISOString(),
      ...extra,
    }
  }

  function firewallJson(firewall: FakeFirewall) {
    return { id: firewall.id, name: firewall.name, rules_count: firewall.rules.length, instance_count: instanceCount(firewall.id), cluster_count: 0, loadbalancer_count: 0, network_id: firewall.networkId }
  }

  function defaultRules(firewallId: string): FakeRule[] {
    const rule = (direction: 'ingress' | 'egress', protocol: string, start: string, end: string): FakeRule => ({ id: randomUUID(), firewall_id: firewallId, protocol, start_port: start, end_port: end, cidr: ['0.0.0.0/0'], direction, action: 'allow', label: `default ${direction} ${protocol}` })
    return [rule('ingress', 'tcp', '1', '65535'), rule('ingress', 'udp', '1', '65535'), rule('ingress', 'icmp', '', ''), rule('egress', 'tcp', '1', '65535'), rule('egress', 'udp', '1', '65535'), rule('egress', 'icmp', '', '')]
  }

  const regionOf = (value: unknown): string => {
    if (typeof value !== 'string' || !REGION_CODES.has(value.toUpperCase())) throw new HttpFailure(400, 'region_unavailable', 'The region is not available')
    return value.toUpperCase()
  }

  function createFirewall(body: Record<string, unknown>): FakeFirewall {
    const region = regionOf(body.region)
    const name = body.name
    if (typeof name !== 'string' || name.length === 0) throw new HttpFailure(400, 'parameter_firewall_name_empty', 'The name of the firewall is required')
    if ([...firewalls.values()].some((firewall) => firewall.name === name)) throw new HttpFailure(400, 'database_firewall_duplicate_name', 'A firewall with that name already exists')
    const network = typeof body.network_id === 'string' ? networks.get(body.network_id) : undefined
    if (!network || network.region !== region) throw new HttpFailure(400, 'database_network_not_found', 'The network could not be found')
    const id = randomUUID()
    const withoutDefaults = body.create_rules === false || body.create_rules === 'false'
    const firewall: FakeFirewall = { id, name, region, networkId: network.id, rules: !withoutDefaults || options.alwaysDefaultRules ? defaultRules(id) : [] }
    firewalls.set(id, firewall)
    return firewall
  }

  function createRule(firewall: FakeFirewall, body: Record<string, unknown>): FakeRule {
    const protocol = String(body.protocol ?? '').toLowerCase()
    if (!['tcp', 'udp', 'icmp'].includes(protocol)) throw new HttpFailure(400, 'database_firewall_rules_invalid_params', 'protocol must be tcp, udp or icmp')
    if (body.direction !== 'ingress' && body.direction !== 'egress') throw new HttpFailure(400, 'database_firewall_rules_invalid_params', 'direction must be ingress or egress')
    const start = typeof body.start_port === 'string' ? body.start_port : ''
    const end = typeof body.end_port === 'string' && body.end_port.length > 0 ? body.end_port : start
    if (protocol !== 'icmp' && (!PORT.test(start) || !PORT.test(end) || Number(start) > Number(end) || Number(end) > 65_535 || Number(start) < 1)) throw new HttpFailure(400, 'database_firewall_rules_invalid_params', 'invalid port range')
    if (!Array.isArray(body.cidr) || body.cidr.length === 0 || !body.cidr.every((cidr) => typeof cidr === 'string')) throw new HttpFailure(400, 'database_firewall_rules_invalid_params', 'cidr is required')
    const action = body.action === undefined ? 'allow' : body.action
    if (action !== 'allow' && action !== 'deny') throw new HttpFailure(400, 'database_firewall_rules_invalid_params', 'action must be allow or deny')
    const rule: FakeRule = { id: randomUUID(), firewall_id: firewall.id, protocol, start_port: start, end_port: end, cidr: body.cidr as string[], direction: body.direction, action, label: typeof body.label === 'string' ? body.label : '' }
    firewall.rules.push(rule)
    return rule
  }

  function createInstance(body: Record<string, unknown>): FakeInstance {
    const region = regionOf(body.region)
    const { hostname, size, network_id: networkId, template_id: templateId, firewall_id: firewallId, script, tags } = body
    if (typeof hostname !== 'string' || !HOSTNAME.test(hostname)) throw new HttpFailure(400, 'parameter_hostname_invalid', 'The hostname is invalid')
    if ([...instances.values()].some((instance) => instance.hostname === hostname)) throw new HttpFailure(400, 'database_instance_duplicate_name', 'An instance with that hostname already exists')
    if (!FAKE_SIZES.some((candidate) => candidate.name === size && candidate.type === 'Instance')) throw new HttpFailure(400, 'database_size_not_found', 'The size could not be found')
    const network = typeof networkId === 'string' ? networks.get(networkId) : undefined
    if (!network || network.region !== region) throw new HttpFailure(400, 'database_network_not_found', 'The network could not be found')
    if (!images.get(region)!.some((image) => image.id === templateId)) throw new HttpFailure(400, 'database_disk_image_not_found', 'The disk image could not be found')
    const firewall = typeof firewallId === 'string' ? firewalls.get(firewallId) : undefined
    if (!firewall || firewall.networkId !== network.id) throw new HttpFailure(400, 'database_firewall_mismatch', 'The firewall does not belong to the network')
    if (body.public_ip !== 'create' && body.public_ip !== 'true' && body.public_ip !== true) throw new HttpFailure(400, 'parameter_public_ip_invalid', 'this fake only makes instances with a public IP')
    if (body.count !== undefined && body.count !== 1) throw new HttpFailure(400, 'parameter_count_invalid', 'count must be 1 here')
    if (script !== undefined && typeof script !== 'string') throw new HttpFailure(400, 'parameter_script_invalid', 'script must be text')
    if (tags !== undefined && typeof tags !== 'string') throw new HttpFailure(400, 'parameter_tags_invalid', 'tags must be a space separated string')
    instancesMade += 1
    const id = randomUUID()
    const ip: FakeIp = { id: randomUUID(), address: options.ipv4For?.(instancesMade) ?? `198.51.100.${instancesMade % 250}`, instanceId: id }
    ips.set(ip.id, ip)
    const instance: FakeInstance = {
      id,
      hostname,
      region,
      size: size as string,
      networkId: network.id,
      templateId: templateId as string,
      firewallId: firewall.id,
      tags: typeof tags === 'string' ? tags.split(/\s+/).filter(Boolean) : [],
      script: typeof script === 'string' ? script : '',
      status: 'BUILDING',
      createdAtMs: now(),
      ipId: ip.id,
    }
    instances.set(id, instance)
    return instance
  }

  function route(method: string, url: URL, body: unknown): { status: number; json: unknown } {
    const segments = url.pathname.replace(/^\/v2/, '').split('/').filter(Boolean)
    const [resource, id, sub, subId] = segments
    const object = (): Record<string, unknown> => {
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw new HttpFailure(400, 'parameter_invalid', 'request body must be a JSON object')
      return body as Record<string, unknown>
    }
    const queryRegion = (): string => regionOf(url.searchParams.get('region'))
    const success = { status: 200, json: { result: 'success' } }

    if (method === 'GET' && segments.length === 1) {
      if (resource === 'quota') return { status: 200, json: { id: accountId, default_user_id: randomUUID(), default_user_email_address: 'owner@example.com', instance_count_limit: 16, instance_count_usage: instances.size, security_group_limit: 16, security_group_usage: firewalls.size } }
      if (resource === 'regions') return { status: 200, json: FAKE_REGIONS.map((region) => ({ ...region, type: 'civostack', features: { iaas: true, kubernetes: true, object_store: true, loadbalancer: true, dbaas: false, volume: true, paas: false } })) }
      if (resource === 'sizes') return { status: 200, json: FAKE_SIZES.map((size) => ({ ...size, description: size.nice_name, selectable: true, gpu_count: 0, transfer_tb: 1, ...(options.withoutPrices ? { price_monthly: undefined } : { price_hourly: Math.round((size.price_monthly / 672) * 100_000) / 100_000 }) })) }
      if (resource === 'disk_images') return { status: 200, json: images.get(queryRegion())! }
      if (resource === 'networks') {
        const region = queryRegion()
        return { status: 200, json: [...networks.values()].filter((network) => network.region === region).map((network) => ({ id: network.id, name: 'default', label: 'Default', default: true, region, cidr: '192.168.1.0/24', status: 'Active' })) }
      }
      if (resource === 'firewalls') {
        const region = queryRegion()
        return { status: 200, json: [...firewalls.values()].filter((firewall) => firewall.region === region).map(firewallJson) }
      }
      if (resource === 'instances') {
        const region = queryRegion()
        const wanted = (url.searchParams.get('tags') ?? '').split(/\s+/).filter(Boolean)
        const listed = [...instances.values()].filter((instance) => instance.region === region && wanted.every((tag) => instance.tags.includes(tag))).sort((a, b) => a.createdAtMs - b.createdAtMs || a.id.localeCompare(b.id))
        const page = Math.max(1, integer(url.searchParams.get('page')) ?? 1)
        const perPage = Math.min(maxPerPage, Math.max(1, integer(url.searchParams.get('per_page')) ?? 20))
        return { status: 200, json: { page, per_page: perPage, pages: Math.max(1, Math.ceil(listed.length / perPage)), items: listed.slice((page - 1) * perPage, page * perPage).map((instance) => instanceJson(instance)) } }
      }
    }
    if (method === 'POST' && segments.length === 1 && resource === 'firewalls') {
      const firewall = createFirewall(object())
      return { status: 200, json: { result: 'success', id: firewall.id, name: firewall.name } }
    }
    if (method === 'POST' && segments.length === 1 && resource === 'instances') {
      const instance = createInstance(object())
      return { status: 200, json: instanceJson(instance, { initial_password: `pw-${randomBytes(6).toString('hex')}`, script: instance.script }) }
    }
    if (resource === 'firewalls' && id !== undefined) {
      const firewall = firewalls.get(id)
      if (!firewall || (method !== 'POST' && firewall.region !== queryRegion())) throw new HttpFailure(404, 'database_firewall_not_found', 'The requested firewall could not be found')
      if (segments.length === 2 && method === 'DELETE') {
        if (instanceCount(firewall.id) > 0) throw new HttpFailure(400, 'database_firewall_delete_failed', 'The firewall is in use by an instance')
        firewalls.delete(firewall.id)
        return success
      }
      if (sub === 'rules' && segments.length === 3 && method === 'GET') return { status: 200, json: firewall.rules.map((rule) => ({ ...rule })) }
      if (sub === 'rules' && segments.length === 3 && method === 'POST') {
        const input = object()
        if (regionOf(input.region) !== firewall.region) throw new HttpFailure(404, 'database_firewall_not_found', 'The requested firewall could not be found')
        return { status: 200, json: { ...createRule(firewall, input) } }
      }
      if (sub === 'rules' && subId !== undefined && segments.length === 4 && method === 'DELETE') {
        const index = firewall.rules.findIndex((rule) => rule.id === subId)
        if (index < 0) throw new HttpFailure(404, 'database_firewall_rules_find_error', 'The rule could not be found')
        firewall.rules.splice(index, 1)
        return success
      }
    }
    if (resource === 'instances' && id !== undefined && segments.length === 2) {
      const instance = instances.get(id)
      if (!instance || instance.region !== queryRegion()) throw new HttpFailure(404, 'database_instance_not_found', 'The requested instance could not be found')
      if (method === 'GET') return { status: 200, json: instanceJson(instance) }
      if (method === 'DELETE') {
        instance.deleteRequestedAtMs ??= now()
        return success
      }
    }
    throw new HttpFailure(404, 'not_found', 'The requested resource could not be found')
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET'
    const url = new URL(request.url ?? '/', 'http://127.0.0.1')
    const raw = await readRaw(request)
    const { body, bodyError } = parseJsonBody(raw)
    const logged: FakeRequest = { method, path: url.pathname, query: url.search.replace(/^\?/, ''), ...(body !== undefined ? { body } : {}) }
    requests.push(logged)
    const send = (status: number, json: unknown, extra: Record<string, string> = {}): void => {
      logged.status = status
      if (response.destroyed) return
      const text = JSON.stringify(json)
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), ...extra })
      response.end(text)
    }
    const echoed = (): string => (options.echo ? ` You sent Authorization: ${request.headers.authorization ?? ''} | base64 ${Buffer.from(request.headers.authorization ?? '').toString('base64')}; body: ${raw}` : '')
    const error = (status: number, code: string, reason: string, extra: Record<string, string> = {}): void => send(status, { code, reason: `${reason}${echoed()}`, result: 'failure' }, extra)

    // "Authorization: bearer <key>"; the scheme's case does not matter, the key's does.
    const presented = /^bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1]
    if (presented !== token) return error(401, 'authentication_invalid_key', 'Authentication with that API key failed')
    if (budget <= 0) return error(429, 'too_many_requests', 'Too many requests, please slow down', { 'retry-after': '7' })
    budget -= 1

    const rule = findFailure(failures, method, url.pathname)
    if (rule) {
      rule.used += 1
      if (rule.late) {
        await late.after(rule.delayMs ?? 0)
      } else if (rule.delayMs) {
        const closed = await held.wait(rule.delayMs, response)
        if (closed) {
          logged.status = 0
          return
        }
      }
      if (rule.ignore) return send(200, { result: 'success' })
      if (rule.html) {
        logged.status = rule.status ?? 502
        return sendGatewayPage(response, logged.status)
      }
      if (rule.truncated || rule.afterwards !== undefined) {
        settle()
        let answer: { status: number; json: unknown }
        try {
          answer = route(method, url, body)
        } catch {
          answer = { status: 200, json: {} }
        }
        if (rule.afterwards !== undefined) return error(rule.afterwards, rule.code ?? 'internal_server_error', rule.reason ?? `Injected failure (HTTP ${rule.afterwards}).`)
        const text = JSON.stringify(answer.json)
        logged.status = answer.status
        response.writeHead(answer.status, { 'content-type': 'application/json' })
        response.end(text.slice(0, Math.max(1, Math.floor(text.length / 2))))
        return
      }
      if (rule.status !== undefined) {
        if (rule.body !== undefined) return send(rule.status, rule.body, rule.headers)
        return error(rule.status, rule.code ?? defaultCode(rule.status), rule.reason ?? `Injected failure (HTTP ${rule.status}).`, rule.headers)
      }
    }

    if (bodyError) return error(400, 'parameter_invalid', 'The request body is not valid JSON')
    settle()
    try {
      const answer = route(method, url, body)
      send(answer.status, answer.json)
    } catch (caught) {
      if (caught instanceof HttpFailure) return error(caught.status, caught.code, caught.message)
      return error(500, 'internal_server_error', 'Something went wrong')
    }
  }

  const server = createServer((request, response) => {
    inFlight += 1
    mostInFlight = Math.max(mostInFlight, inFlight)
    response.on('close', () => (inFlight -= 1))
    handle(request, response).catch(() => {
      if (!response.headersSent) {
        response.writeHead(500, { 'content-type': 'application/json' })
        response.end(JSON.stringify({ code: 'internal_server_error', reason: 'Something went wrong', result: 'failure' }))
      }
    })
  })
  const port = await listenOnLoopback(server)

  return {
    url: `http://127.0.0.1:${port}`,
    token,
    accountId,
    state: { instances, firewalls, ips, networks },
    requests,
    maxInFlight: () => mostInFlight,
    resetMaxInFlight() {
      mostInFlight = inFlight
    },
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
    settle,
    drain: () => late.drain(),
    close() {
      held.releaseAll()
      return closeServer(server)
    },
  }
}

function defaultCode(status: number): string {
  return (
    { 400: 'parameter_invalid', 401: 'authentication_invalid_key', 403: 'authentication_access_denied', 404: 'not_found', 422: 'parameter_invalid', 429: 'too_many_requests' }[status] ??
    (status >= 500 ? 'internal_server_error' : 'parameter_invalid')
  )
}

function integer(value: string | null): number | undefined {
  if (value === null) return undefined
  const parsed = Number(value)
  return Number.isInteger(parsed) ? parsed : undefined
}
