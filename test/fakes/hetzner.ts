/**
 * A stateful, wire-compatible fake of the Hetzner Cloud API subset Exitdesk uses, on 127.0.0.1
 * with a random port. Shapes follow the official description (docs.hetzner.cloud/cloud.spec.json;
 * the contract test runs the adapter through `prism proxy --errors` in front of this fake, so an
 * answer that drifts from the description fails there). Catalogue data: ./hetzner-data.ts.
 *
 * Behaviour modelled on the real API:
 * - `Authorization: Bearer <token>`, else 401 `unauthorized`; a read-only token gets 401
 *   `token_readonly` on anything but GET;
 * - errors are `{ "error": { "code", "message", "details" } }`;
 * - a server starts `initializing` with its public IPv4 already chosen (a primary IP made for it,
 *   `auto_delete: true` unless `autoDeletePrimaryIps` is false; DELETE /primary_ips/{id}) and turns `running` after `activateAfterMs` of fake time; DELETE answers
 *   200 with an action, the server shows `deleting` for `deleteAfterMs`, then GET answers 404 and
 *   its auto-deleted primary IPs and its firewall applications go with it;
 * - server and firewall names are unique per project (409 `uniqueness_error`);
 * - firewalls named in a server create are applied to it; DELETE of a firewall still applied
 *   answers 422 `resource_in_use`;
 * - `label_selector` (k, !k, k=v, k==v, k!=v, k in (…), k notin (…), comma = and) and `name` filter lists;
 * - lists paginate with `page`/`per_page` (default 25, at most 50) and `meta.pagination`;
 * - `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (UNIX time) on every answer;
 *   once the request budget is spent, 429 `rate_limit_exceeded`.
 *
 * Fake time is real time plus an offset that `advance(ms)` moves forward, so tests never sleep.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { listenOnLoopback } from '../support/listeners'
import { closeServer, findFailure, heldAnswers, lateWork, parseJsonBody, readRaw, sendGatewayPage } from './http-server'
import { FAKE_IMAGES, FAKE_IPV4_MONTHLY, FAKE_LOCATIONS, FAKE_SERVER_TYPES, price, type FakeImage, type FakeLocation, type FakeServerType } from './hetzner-data'

export interface FakeHetznerOptions {
  /** Bearer token the fake accepts; random when absent. */
  token?: string
  /** A second token that may only read (401 `token_readonly` on writes). */
  readOnlyToken?: string
  /** Fake-time milliseconds after create before a server is `running`. Default 3000. */
  activateAfterMs?: number
  /** Fake-time milliseconds a deleted server still shows `deleting`. Default 2000. */
  deleteAfterMs?: number
  /** Largest `per_page` honoured (Hetzner: 50); tests lower it to force several pages. */
  maxPerPage?: number
  /** Answer `total_entries: null` (and no `last_page`), as Hetzner may "when the total is unknown". */
  omitTotal?: boolean
  /** `RateLimit-Limit`. Default 3600 (requests per hour per project). */
  rateLimit?: number
  /** Requests answered before 429. Default: `rateLimit`. */
  requestBudget?: number
  /** Fake time's source; `advance(ms)` moves it further. Default: real time. */
  clock?: { now(): number }
  /** The public IPv4 of the n-th server (n counts from 1). Default 198.51.100.n (TEST-NET-2). */
  ipv4For?: (n: number) => string
  /** Currency of GET /pricing. Default EUR. */
  currency?: string
  /**
   * Whether the primary IPs made for a server go with it (`auto_delete`). Default true; false
   * keeps them (unassigned, still billed) until DELETE /primary_ips/{id}.
   */
  autoDeletePrimaryIps?: boolean
  /**
   * Every error answer repeats the request back, like a careless gateway or debug build: the
   * Authorization header and the raw body, as they are and base64-encoded, in `error.message`.
   * For the redaction test: nothing echoed may leave Exitdesk.
   */
  echo?: boolean
  /** Added to every id the fake hands out: Hetzner ids are unique across projects, so two fakes standing for two projects should not share any. */
  idOffset?: number
}

/** Makes matching requests fail or hang. Rules are checked in the order they were set. */
export interface FailureRule {
  method?: string
  /** Exact pathname, or a pattern tested against it. */
  path?: string | RegExp
  /** Answer with this status and a Hetzner error body (`code`, `message`) instead of the normal answer. */
  status?: number
  code?: string
  message?: string
  /** A whole body of your own instead of the error body. */
  body?: unknown
  headers?: Record<string, string>
  /** Wait this long before answering (or before the normal answer when no status is set). */
  delayMs?: number
  /** How many requests the rule applies to; unlimited when absent. */
  times?: number
  /** Answer with a gateway's text/html page instead of JSON. */
  html?: boolean
  /** Carry the call out, then answer 200 JSON cut off half way (a broken body). */
  truncated?: boolean
  /** Answer the call's normal success status and body without carrying it out. */
  ignore?: boolean
  /** Carry the call out, then answer this status anyway (a 5xx for a create Hetzner made). */
  afterwards?: number
  /** With `delayMs`: carry the call out after the delay even when the client gave up first (a create that lands late). */
  late?: boolean
}

export interface FakeServer {
  id: number
  name: string
  type: FakeServerType
  location: FakeLocation
  image: FakeImage
  labels: Record<string, string>
  userData: string
  firewallIds: number[]
  status: 'initializing' | 'running' | 'off' | 'deleting'
  createdAtMs: number
  ipv4?: { id: number; ip: string }
  ipv6?: { id: number; ip: string }
  deleteRequestedAtMs?: number
}

export interface FakeFirewallRule {
  direction: 'in' | 'out'
  protocol: string
  port: string | null
  source_ips: string[]
  destination_ips: string[]
  description: string | null
}

export interface FakeFirewall {
  id: number
  name: string
  labels: Record<string, string>
  rules: FakeFirewallRule[]
  createdAtMs: number
  /** Servers it is applied to. */
  servers: Set<number>
}

export interface FakePrimaryIp {
  id: number
  ip: string
  type: 'ipv4' | 'ipv6'
  assigneeId: number | null
  autoDelete: boolean
}

export interface FakeRequest {
  method: string
  path: string
  query: string
  body?: unknown
  status?: number
}

export interface FakeHetzner {
  url: string
  token: string
  close(): Promise<void>
  state: { servers: Map<number, FakeServer>; firewalls: Map<number, FakeFirewall>; primaryIps: Map<number, FakePrimaryIp> }
  /** Every request received, in order (never the Authorization header). */
  requests: FakeRequest[]
  setFailure(rule: FailureRule): void
  clearFailures(): void
  advance(ms: number): void
  setRequestBudget(remaining: number): void
  now(): number
  /** Lets every pending transition happen now (servers that are due run or disappear). */
  settle(): void
  /** Resolves once every `late` request has been carried out. */
  drain(): Promise<void>
}

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown = null,
  ) {
    super(message)
  }
}

const invalid = (field: string, why: string): HttpFailure =>
  new HttpFailure(422, 'invalid_input', `invalid input in field '${field}': ${why}`, { fields: [{ name: field, messages: [why] }] })
const notFound = (what: string, id: string): HttpFailure => new HttpFailure(404, 'not_found', `${what} with ID '${id}' not found`)
/** RFC 1123 hostname, as POST /servers `name` asks. */
const HOSTNAME = /^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[a-zA-Z0-9]([a-zA-Z0-9._-]{0,61}[a-zA-Z0-9])?$/
const LABEL_VALUE = /^([a-zA-Z0-9]([a-zA-Z0-9._-]{0,61}[a-zA-Z0-9])?)?$/
const USER_DATA_MAX = 32 * 1024

export async function startFakeHetzner(options: FakeHetznerOptions = {}): Promise<FakeHetzner> {
  const token = options.token ?? `hz-${randomBytes(24).toString('hex')}`
  const activateAfterMs = options.activateAfterMs ?? 3_000
  const deleteAfterMs = options.deleteAfterMs ?? 2_000
  const maxPerPage = options.maxPerPage ?? 50
  const rateLimit = options.rateLimit ?? 3_600
  let budget = options.requestBudget ?? rateLimit
  let offsetMs = 0
  const now = (): number => (options.clock?.now() ?? Date.now()) + offsetMs
  const servers = new Map<number, FakeServer>()
  const firewalls = new Map<number, FakeFirewall>()
  const primaryIps = new Map<number, FakePrimaryIp>()
  const requests: FakeRequest[] = []
  const failures: Array<FailureRule & { used: number }> = []
  const held = heldAnswers()
  const late = lateWork()
  const offset = options.idOffset ?? 0
  let nextServerId = 42_000_001 + offset
  let nextFirewallId = 1_000_001 + offset
  let nextIpId = 5_000_001 + offset
  let nextActionId = 900_000_001 + offset
  let serversMade = 0

  function settle(): void {
    const t = now()
    for (const server of [...servers.values()]) {
      if (server.status === 'initializing' && t - server.createdAtMs >= activateAfterMs) server.status = 'running'
      if (server.deleteRequestedAtMs !== undefined && t - server.deleteRequestedAtMs >= deleteAfterMs) {
        servers.delete(server.id)
        for (const firewall of firewalls.values()) firewall.servers.delete(server.id)
        for (const ip of [...primaryIps.values()]) {
          if (ip.assigneeId !== server.id) continue
          if (ip.autoDelete) primaryIps.delete(ip.id)
          else ip.assigneeId = null
        }
      }
    }
  }

  const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00')

  function locationJson(location: FakeLocation) {
    return { ...location }
  }

  function typeJson(type: FakeServerType) {
    return {
      id: type.id,
      name: type.name,
      description: type.description,
      cores: type.cores,
      memory: type.memory,
      disk: type.disk,
      deprecated: type.deprecated,
      prices: typePrices(type),
      storage_type: 'local',
      cpu_type: type.cpu_type,
      category: type.architecture === 'arm' ? 'cost_optimized' : 'regular_purpose',
      architecture: type.architecture,
      deprecation: type.deprecated ? { announced: '2025-10-01T00:00:00+00:00', unavailable_after: '2026-01-01T00:00:00+00:00' } : null,
      locations: Object.keys(type.monthly).map((name) => ({ id: FAKE_LOCATIONS.find((location) => location.name === name)!.id, name, deprecation: null })),
    }
  }

  function typePrices(type: FakeServerType) {
    return Object.entries(type.monthly).map(([location, monthly]) => ({
      location,
      price_hourly: price(Math.round((monthly / 730) * 10_000) / 10_000),
      price_monthly: price(monthly),
      included_traffic: 21_990_232_555_520,
      price_per_tb_traffic: price(1),
    }))
  }

  function imageJson(image: FakeImage) {
    return {
      id: image.id,
      type: 'system',
      status: 'available',
      name: image.name,
      description: image.description,
      image_size: null,
      disk_size: 5,
      created: image.created,
      created_from: null,
      bound_to: null,
      os_flavor: image.os_flavor,
      os_version: image.os_version,
      rapid_deploy: true,
      protection: { delete: false },
      deprecated: null,
      deleted: null,
      labels: {},
      architecture: image.architecture,
    }
  }

  function serverJson(server: FakeServer) {
    return {
      id: server.id,
      name: server.name,
      status: server.deleteRequestedAtMs !== undefined ? 'deleting' : server.status,
      created: iso(server.createdAtMs),
      public_net: {
        ipv4: server.ipv4 ? { id: server.ipv4.id, ip: server.ipv4.ip, blocked: false, dns_ptr: `static.${server.ipv4.ip}.clients.your-server.de` } : null,
        ipv6: server.ipv6 ? { id: server.ipv6.id, ip: server.ipv6.ip, blocked: false, dns_ptr: [] } : null,
        floating_ips: [],
        firewalls: server.firewallIds.map((id) => ({ id, status: 'applied' })),
      },
      private_net: [],
      server_type: typeJson(server.type),
      datacenter: {
        id: server.location.id * 10 + 1,
        name: `${server.location.name}-dc1`,
        description: `${server.location.city} 1 virtual DC 1`,
        location: locationJson(server.location),
        server_types: { supported: [], available: [], available_for_migration: [] },
      },
      location: locationJson(server.location),
      image: imageJson(server.image),
      iso: null,
      rescue_enabled: false,
      locked: false,
      backup_window: null,
      outgoing_traffic: 0,
      ingoing_traffic: 0,
      included_traffic: 21_990_232_555_520,
      protection: { delete: false, rebuild: false },
      labels: { ...server.labels },
      volumes: [],
      load_balancers: [],
      primary_disk_size: server.type.disk,
      placement_group: null,
    }
  }

  function firewallJson(firewall: FakeFirewall) {
    return {
      id: firewall.id,
      name: firewall.name,
      labels: { ...firewall.labels },
      created: iso(firewall.createdAtMs),
      rules: firewall.rules.map((rule) => ({ ...rule })),
      applied_to: [...firewall.servers].map((id) => ({ type: 'server', server: { id } })),
    }
  }

  function actionJson(command: string, resource: { id: number; type: string }) {
    return { id: nextActionId++, command, status: 'running', progress: 0, started: iso(now()), finished: null, resources: [resource], error: null }
  }

  function pricingJson() {
    return {
      pricing: {
        currency: options.currency ?? 'EUR',
        vat_rate: '19.00',
        primary_ips: [
          { type: 'ipv4', prices: Object.entries(FAKE_IPV4_MONTHLY).map(([location, monthly]) => ({ location, price_hourly: price(Math.round((monthly / 730) * 10_000) / 10_000), price_monthly: price(monthly) })) },
          { type: 'ipv6', prices: FAKE_LOCATIONS.map((location) => ({ location: location.name, price_hourly: price(0), price_monthly: price(0) })) },
        ],
        floating_ips: [],
        image: { price_per_gb_month: price(0.011) },
        volume: { price_per_gb_month: price(0.044) },
        server_backup: { percentage: '20.00' },
        server_types: FAKE_SERVER_TYPES.map((type) => ({ id: type.id, name: type.name, prices: typePrices(type) })),
        load_balancer_types: [],
        floating_ip: { price_monthly: price(3) },
      },
    }
  }

  function paginate<T>(url: URL, key: string, items: T[], view: (item: T) => unknown): unknown {
    const page = Math.max(1, integer(url.searchParams.get('page')) ?? 1)
    const perPage = Math.min(maxPerPage, Math.max(1, integer(url.searchParams.get('per_page')) ?? 25))
    const last = Math.max(1, Math.ceil(items.length / perPage))
    return {
      [key]: items.slice((page - 1) * perPage, page * perPage).map(view),
      meta: {
        pagination: {
          page,
          per_page: perPage,
          previous_page: page > 1 ? page - 1 : null,
          next_page: page < last ? page + 1 : null,
          last_page: options.omitTotal ? null : last,
          total_entries: options.omitTotal ? null : items.length,
        },
      },
    }
  }

  function labelsOf(value: unknown, field = 'labels'): Record<string, string> {
    if (value === undefined || value === null) return {}
    if (typeof value !== 'object' || Array.isArray(value)) throw invalid(field, 'must be an object')
    const labels: Record<string, string> = {}
    for (const [key, label] of Object.entries(value)) {
      if (typeof label !== 'string' || !LABEL_KEY.test(key) || key.startsWith('hetzner.cloud/') || !LABEL_VALUE.test(label)) throw invalid(field, `label ${JSON.stringify(key)} is invalid`)
      labels[key] = label
    }
    return labels
  }

  function createServerFrom(body: Record<string, unknown>): FakeServer {
    const { name, server_type: typeName, image: imageRef, location: locationName, user_data: userData, public_net: publicNet } = body
    if (typeof name !== 'string' || !HOSTNAME.test(name)) throw invalid('name', 'must be a valid hostname')
    if ([...servers.values()].some((server) => server.name === name)) throw new HttpFailure(409, 'uniqueness_error', 'server name is already used', { fields: [{ name: 'name' }] })
    const type = FAKE_SERVER_TYPES.find((candidate) => candidate.name === typeName || String(candidate.id) === typeName)
    if (!type || type.deprecated) throw invalid('server_type', 'server type not found')
    const location = FAKE_LOCATIONS.find((candidate) => candidate.name === locationName)
    if (!location) throw invalid('location', 'location not found')
    if (!(location.name in type.monthly)) throw new HttpFailure(412, 'resource_unavailable', `server type ${type.name} is unavailable in location ${location.name}`)
    const image = FAKE_IMAGES.find((candidate) => String(candidate.id) === imageRef) ?? FAKE_IMAGES.find((candidate) => candidate.name === imageRef && candidate.architecture === type.architecture)
    if (!image) throw invalid('image', 'image not found')
    if (image.architecture !== type.architecture) throw invalid('image', `image architecture ${image.architecture} does not match server type architecture ${type.architecture}`)
    if (userData !== undefined && (typeof userData !== 'string' || Buffer.byteLength(userData) > USER_DATA_MAX)) throw invalid('user_data', 'is too long')
    const labels = labelsOf(body.labels)
    const firewallIds: number[] = []
    if (body.firewalls !== undefined) {
      if (!Array.isArray(body.firewalls)) throw invalid('firewalls', 'must be a list')
      for (const entry of body.firewalls as unknown[]) {
        const id = entry && typeof entry === 'object' ? (entry as Record<string, unknown>).firewall : undefined
        if (typeof id !== 'number' || !firewalls.has(id)) throw new HttpFailure(422, 'firewall_resource_not_found', `firewall with ID '${String(id)}' not found`)
        firewallIds.push(id)
      }
    }
    const net = (publicNet ?? {}) as Record<string, unknown>
    const id = nextServerId++
    serversMade += 1
    const server: FakeServer = { id, name, type, location, image, labels, userData: typeof userData === 'string' ? userData : '', firewallIds, status: 'initializing', createdAtMs: now() }
    if (net.enable_ipv4 !== false) {
      const ip = { id: nextIpId++, ip: options.ipv4For?.(serversMade) ?? `198.51.100.${serversMade % 250}` }
      primaryIps.set(ip.id, { id: ip.id, ip: ip.ip, type: 'ipv4', assigneeId: id, autoDelete: options.autoDeletePrimaryIps ?? true })
      server.ipv4 = ip
    }
    if (net.enable_ipv6 !== false) {
      const ip = { id: nextIpId++, ip: `2001:db8:${(serversMade % 65_000).toString(16)}::/64` }
      primaryIps.set(ip.id, { id: ip.id, ip: ip.ip, type: 'ipv6', assigneeId: id, autoDelete: options.autoDeletePrimaryIps ?? true })
      server.ipv6 = ip
    }
    for (const firewallId of firewallIds) firewalls.get(firewallId)!.servers.add(id)
    servers.set(id, server)
    return server
  }

  function createFirewallFrom(body: Record<string, unknown>): FakeFirewall {
    const { name } = body
    if (typeof name !== 'string' || name.length === 0 || name.length > 128) throw invalid('name', 'must be 1 to 128 characters')
    if ([...firewalls.values()].some((firewall) => firewall.name === name)) throw new HttpFailure(409, 'uniqueness_error', 'firewall name is already used', { fields: [{ name: 'name' }] })
    const rules: FakeFirewallRule[] = []
    if (body.rules !== undefined) {
      if (!Array.isArray(body.rules)) throw invalid('rules', 'must be a list')
      for (const value of body.rules as unknown[]) {
        const rule = (value ?? {}) as Record<string, unknown>
        if (rule.direction !== 'in' && rule.direction !== 'out') throw invalid('rules', 'direction must be in or out')
        if (!['tcp', 'udp', 'icmp', 'esp', 'gre'].includes(String(rule.protocol))) throw invalid('rules', 'invalid protocol')
        const ported = rule.protocol === 'tcp' || rule.protocol === 'udp'
        if (ported && (typeof rule.port !== 'string' || !/^(any|[0-9]{1,5}(-[0-9]{1,5})?)$/.test(rule.port))) throw invalid('rules', 'port is required for tcp and udp')
        if (!ported && rule.port !== undefined) throw invalid('rules', 'port is only allowed for tcp and udp')
        const ips = rule.direction === 'in' ? rule.source_ips : rule.destination_ips
        if (!Array.isArray(ips) || ips.length === 0) throw invalid('rules', `${rule.direction === 'in' ? 'source_ips' : 'destination_ips'} is required`)
        rules.push({
          direction: rule.direction,
          protocol: String(rule.protocol),
          port: ported ? (rule.port as string) : null,
          source_ips: rule.direction === 'in' ? (ips as string[]) : [],
          destination_ips: rule.direction === 'out' ? (ips as string[]) : [],
          description: typeof rule.description === 'string' ? rule.description : null,
        })
      }
    }
    if (body.apply_to !== undefined && (!Array.isArray(body.apply_to) || body.apply_to.length > 0)) throw invalid('apply_to', 'this fake applies firewalls only at server create')
    const firewall: FakeFirewall = { id: nextFirewallId++, name, labels: labelsOf(body.labels), rules, createdAtMs: now(), servers: new Set() }
    firewalls.set(firewall.id, firewall)
    return firewall
  }

  function route(method: string, url: URL, body: unknown): { status: number; json?: unknown } {
    const segments = url.pathname.replace(/^\/v1/, '').split('/').filter(Boolean)
    const [resource, id] = segments
    const object = (): Record<string, unknown> => {
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw new HttpFailure(400, 'json_error', 'request body must be a JSON object')
      return body as Record<string, unknown>
    }
    const selector = url.searchParams.get('label_selector')
    const name = url.searchParams.get('name')
    const byFilters = <T extends { name: string | null; labels: Record<string, string> }>(items: T[]): T[] =>
      items.filter((item) => (name === null || item.name === name) && (selector === null || matchesSelector(item.labels, selector)))

    if (segments.length === 1 && method === 'GET') {
      if (resource === 'locations') return { status: 200, json: paginate(url, 'locations', FAKE_LOCATIONS.filter((l) => name === null || l.name === name), locationJson) }
      if (resource === 'server_types') return { status: 200, json: paginate(url, 'server_types', FAKE_SERVER_TYPES.filter((t) => name === null || t.name === name), typeJson) }
      if (resource === 'pricing') return { status: 200, json: pricingJson() }
      if (resource === 'images') {
        const types = url.searchParams.getAll('type')
        const architecture = url.searchParams.get('architecture')
        const statuses = url.searchParams.getAll('status')
        const listed = FAKE_IMAGES.filter(
          (image) =>
            (types.length === 0 || types.includes('system')) &&
            (statuses.length === 0 || statuses.includes('available')) &&
            (architecture === null || image.architecture === architecture) &&
            (name === null || image.name === name) &&
            (selector === null || matchesSelector({}, selector)),
        )
        return { status: 200, json: paginate(url, 'images', listed, imageJson) }
      }
    }

    if (resource === 'servers' && segments.length === 1) {
      if (method === 'GET') {
        const listed = byFilters([...servers.values()].map((server) => ({ server, name: server.name, labels: server.labels }))).sort((a, b) => a.server.id - b.server.id)
        return { status: 200, json: paginate(url, 'servers', listed, (item) => serverJson(item.server)) }
      }
      if (method === 'POST') {
        const server = createServerFrom(object())
        return { status: 201, json: { server: serverJson(server), action: actionJson('create_server', { id: server.id, type: 'server' }), next_actions: [actionJson('start_server', { id: server.id, type: 'server' })], root_password: null } }
      }
    }
    if (resource === 'servers' && segments.length === 2 && id !== undefined) {
      const server = /^[0-9]+$/.test(id) ? servers.get(Number(id)) : undefined
      if (!server) throw notFound('server', id)
      if (method === 'GET') return { status: 200, json: { server: serverJson(server) } }
      if (method === 'DELETE') {
        server.deleteRequestedAtMs ??= now()
        return { status: 200, json: { action: actionJson('delete_server', { id: server.id, type: 'server' }) } }
      }
    }

    if (resource === 'firewalls' && segments.length === 1) {
      if (method === 'GET') {
        const listed = byFilters([...firewalls.values()]).sort((a, b) => a.id - b.id)
        return { status: 200, json: paginate(url, 'firewalls', listed, firewallJson) }
      }
      if (method === 'POST') return { status: 201, json: { firewall: firewallJson(createFirewallFrom(object())), actions: [] } }
    }
    if (resource === 'firewalls' && segments.length === 2 && id !== undefined) {
      const firewall = /^[0-9]+$/.test(id) ? firewalls.get(Number(id)) : undefined
      if (!firewall) throw notFound('firewall', id)
      if (method === 'GET') return { status: 200, json: { firewall: firewallJson(firewall) } }
      if (method === 'DELETE') {
        if (firewall.servers.size > 0) throw new HttpFailure(422, 'resource_in_use', 'firewall is still in use')
        firewalls.delete(firewall.id)
        return { status: 204 }
      }
    }
    if (resource === 'primary_ips' && segments.length === 2 && id !== undefined && method === 'DELETE') {
      const ip = /^[0-9]+$/.test(id) ? primaryIps.get(Number(id)) : undefined
      if (!ip) throw notFound('primary_ip', id)
      if (ip.assigneeId !== null) throw new HttpFailure(422, 'invalid_input', 'primary IP is still assigned to a server')
      primaryIps.delete(ip.id)
      return { status: 204 }
    }
    throw new HttpFailure(404, 'not_found', 'not found')
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET'
    const url = new URL(request.url ?? '/', 'http://127.0.0.1')
    const raw = await readRaw(request)
    const { body, bodyError } = parseJsonBody(raw)
    const logged: FakeRequest = { method, path: url.pathname, query: url.search.replace(/^\?/, ''), ...(body !== undefined ? { body } : {}) }
    requests.push(logged)

    const rateHeaders = (): Record<string, string> => ({
      'ratelimit-limit': String(rateLimit),
      'ratelimit-remaining': String(Math.max(0, budget)),
      // Hetzner refills one request a second: the full allowance is back after (limit - remaining) s.
      'ratelimit-reset': String(Math.ceil(now() / 1000) + Math.max(0, rateLimit - Math.max(0, budget))),
      'x-correlation-id': randomUUID(),
    })
    const send = (status: number, json?: unknown, extra: Record<string, string> = {}): void => {
      logged.status = status
      if (response.destroyed) return
      if (json === undefined) {
        response.writeHead(status, { ...rateHeaders(), ...extra })
        response.end()
        return
      }
      const text = JSON.stringify(json)
      response.writeHead(status, { ...rateHeaders(), 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...extra })
      response.end(text)
    }
    const echoed = (): string => {
      if (!options.echo) return ''
      const authorization = request.headers.authorization ?? ''
      const forms = (value: string): string => `${value} | base64 ${Buffer.from(value).toString('base64')} | url ${encodeURIComponent(value)}`
      return ` You sent Authorization: ${forms(authorization)}; body: ${forms(raw)}`
    }
    const error = (status: number, code: string, message: string, details: unknown = null, extra: Record<string, string> = {}): void =>
      send(status, { error: { code, message: `${message}${echoed()}`, details } }, extra)

    const auth = request.headers.authorization
    const readOnly = options.readOnlyToken !== undefined && auth === `Bearer ${options.readOnlyToken}`
    if (auth !== `Bearer ${token}` && !readOnly) return error(401, 'unauthorized', 'unable to authenticate')
    if (readOnly && method !== 'GET') return error(401, 'token_readonly', 'The token is only allowed to perform GET requests.')

    if (budget <= 0) return error(429, 'rate_limit_exceeded', 'limit of 3600 requests per hour reached')
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
      if (rule.ignore) return send(method === 'DELETE' ? (url.pathname.includes('/firewalls/') ? 204 : 200) : 200, method === 'DELETE' && url.pathname.includes('/firewalls/') ? undefined : { action: actionJson('delete_server', { id: 1, type: 'server' }) })
      if (rule.html) {
        logged.status = rule.status ?? 502
        return sendGatewayPage(response, logged.status)
      }
      if (rule.truncated || rule.afterwards !== undefined) {
        settle()
        let answer: { status: number; json?: unknown }
        try {
          answer = route(method, url, body)
        } catch {
          answer = { status: 200, json: {} }
        }
        if (rule.afterwards !== undefined) return error(rule.afterwards, rule.code ?? (rule.afterwards >= 500 ? 'server_error' : 'invalid_input'), rule.message ?? `Injected failure (HTTP ${rule.afterwards}).`)
        const text = JSON.stringify(answer.json ?? {})
        logged.status = answer.status
        response.writeHead(answer.status, { ...rateHeaders(), 'content-type': 'application/json' })
        response.end(text.slice(0, Math.max(1, Math.floor(text.length / 2))))
        return
      }
      if (rule.status !== undefined) {
        if (rule.body !== undefined) return send(rule.status, rule.body, rule.headers)
        return error(rule.status, rule.code ?? defaultCode(rule.status), rule.message ?? `Injected failure (HTTP ${rule.status}).`, null, rule.headers)
      }
    }

    if (bodyError) return error(400, 'json_error', 'Invalid JSON input in your request.')
    settle()
    try {
      const answer = route(method, url, body)
      send(answer.status, answer.json)
    } catch (caught) {
      if (caught instanceof HttpFailure) return error(caught.status, caught.code, caught.message, caught.details)
      return error(500, 'server_error', 'Error within the API backend.')
    }
  }

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) {
        response.writeHead(500, { 'content-type': 'application/json' })
        response.end(JSON.stringify({ error: { code: 'server_error', message: 'Error within the API backend.', details: null } }))
      }
    })
  })
  const port = await listenOnLoopback(server)

  return {
    url: `http://127.0.0.1:${port}/v1`,
    token,
    state: { servers, firewalls, primaryIps },
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
    settle,
    drain: () => late.drain(),
    close() {
      held.releaseAll()
      return closeServer(server)
    },
  }
}

/**
 * Hetzner's label selector ("Label Selector" in the API description): expressions joined by
 * commas (all must hold): `k`, `!k`, `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`.
 */
export function matchesSelector(labels: Record<string, string>, selector: string): boolean {
  const parts: string[] = []
  let depth = 0
  let current = ''
  for (const char of selector) {
    if (char === '(') depth += 1
    if (char === ')') depth -= 1
    if (char === ',' && depth === 0) {
      parts.push(current)
      current = ''
    } else current += char
  }
  parts.push(current)
  return parts.every((raw) => {
    const part = raw.trim()
    if (part.length === 0) return true
    const set = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part)
    if (set) {
      const values = set[3]!.split(',').map((value) => value.trim())
      const has = set[1]! in labels && values.includes(labels[set[1]!]!)
      return set[2] === 'in' ? has : !has
    }
    const compare = /^([^!=\s]+)\s*(==|=|!=)\s*(.*)$/.exec(part)
    if (compare) {
      const [, key, op, value] = compare
      const equal = key! in labels && labels[key!] === value!.trim()
      return op === '!=' ? !equal : equal
    }
    if (part.startsWith('!')) return !(part.slice(1) in labels)
    return part in labels
  })
}

function defaultCode(status: number): string {
  return (
    { 400: 'json_error', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 409: 'conflict', 412: 'resource_unavailable', 422: 'invalid_input', 423: 'locked', 429: 'rate_limit_exceeded', 503: 'unavailable', 504: 'timeout' }[status] ??
    (status >= 500 ? 'server_error' : 'invalid_input')
  )
}

function integer(value: string | null): number | undefined {
  if (value === null) return undefined
  const parsed = Number(value)
  return Number.isInteger(parsed) ? parsed : undefined
}
