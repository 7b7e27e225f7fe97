/**
 * A stateful, wire-compatible fake of the Scaleway API subset Exitdesk uses, on 127.0.0.1 with a
 * random port: Instance API v1 (servers, actions, user data, volumes, flexible IPs, security
 * groups and rules, server types with prices), Marketplace v2 local images and Account v3
 * projects. Shapes follow the Instance API description (../shared/provider-specs/scaleway; the
 * contract test runs the adapter through `prism proxy --errors` in front of this fake).
 *
 * Behaviour modelled on the real API:
 * - `X-Auth-Token: <secret key>`, else 401 `denied_authentication`; errors are
 *   `{ "message", "type", "resource", "resource_id" }`;
 * - a server is created `stopped` with one local (`l_ssd`) root volume; actions answer 200 with a
 *   task (the description's status; the adapter also takes 202); `poweron` makes it
 *   `starting`, then `running` after `activateAfterMs` of fake time; `terminate` (running only)
 *   makes it `stopping` and, after `deleteAfterMs`, removes it with its local volumes, detaching
 *   its flexible IP; `poweroff` (running or `stopped in place`) makes it `stopping`, then `stopped`
 *   after `deleteAfterMs`; DELETE works only on a stopped server (400 otherwise) and leaves its volumes;
 * - a flexible IP attached to a server, or a security group a server uses, refuses DELETE
 *   (409 `conflict`, "in use");
 * - `tags` (every listed tag present) and `project` filter lists; pages of `per_page` (at most
 *   100) with `X-Total-Count`;
 * - a request budget: once spent, 429 `too_many_requests` with `Retry-After`.
 *
 * Fake time is real time plus an offset that `advance(ms)` moves forward, so tests never sleep.
 */
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { listenOnLoopback } from '../support/listeners'
import { closeServer, findFailure, heldAnswers, lateWork, parseJsonBody, readRaw, sendGatewayPage } from './http-server'

export const FAKE_PROJECT = '11111111-2222-4333-8444-555555555555'
export const FAKE_ORGANIZATION = '99999999-8888-4777-8666-555555555555'

export interface FakeServerType {
  name: string
  arch: 'x86_64' | 'arm64'
  ncpus: number
  ramGb: number
  /** Monthly euros per zone where it is sold. */
  monthly: Record<string, number>
  local: boolean
  baremetal?: boolean
}

export const FAKE_TYPES: FakeServerType[] = [
  { name: 'STARDUST1-S', arch: 'x86_64', ncpus: 1, ramGb: 1, monthly: { 'fr-par-1': 3.36, 'nl-ams-1': 3.36 }, local: true },
  { name: 'DEV1-S', arch: 'x86_64', ncpus: 2, ramGb: 2, monthly: { 'fr-par-1': 6.42, 'nl-ams-1': 6.42, 'pl-waw-1': 6.42 }, local: true },
  { name: 'AMP2-C1', arch: 'arm64', ncpus: 1, ramGb: 4, monthly: { 'fr-par-2': 8.2 }, local: false },
  { name: 'EM-A115X-SSD', arch: 'x86_64', ncpus: 4, ramGb: 32, monthly: { 'fr-par-1': 70 }, local: true, baremetal: true },
]

export interface FakeScalewayOptions {
  /** Secret key the fake accepts; a random UUID when absent. */
  secretKey?: string
  projectId?: string
  /** Fake-time ms from poweron to `running`. Default 3000. */
  activateAfterMs?: number
  /** Fake-time ms a terminated server still shows `stopping`. Default 2000. */
  deleteAfterMs?: number
  /** Largest `per_page` honoured (Scaleway: 100); tests lower it to force several pages. */
  maxPerPage?: number
  /** Requests answered before 429. Default unlimited. */
  requestBudget?: number
  /** The public IPv4 of the n-th flexible IP (n counts from 1). Default 198.51.100.n (TEST-NET-2). */
  ipv4For?: (n: number) => string
  /** Fake time's source; `advance(ms)` moves it further. Default: real time. */
  clock?: { now(): number }
  /** Every error answer repeats the X-Auth-Token and the body (plain and base64) in `message`. */
  echo?: boolean
}

export interface FailureRule {
  method?: string
  path?: string | RegExp
  status?: number
  type?: string
  message?: string
  body?: unknown
  headers?: Record<string, string>
  delayMs?: number
  times?: number
  html?: boolean
  truncated?: boolean
  /** Carry the call out, then answer this status anyway (a 5xx for a create Scaleway made). */
  afterwards?: number
  late?: boolean
}

export interface FakeVolume {
  id: string
  type: 'l_ssd'
  size: number
  serverId: string | null
}

export interface FakeServer {
  id: string
  name: string
  type: FakeServerType
  zone: string
  image: string
  project: string
  tags: string[]
  state: 'stopped' | 'starting' | 'running' | 'stopping' | 'stopped in place' | 'locked'
  createdAtMs: number
  startedAtMs?: number
  terminatedAtMs?: number
  poweredOffAtMs?: number
  securityGroup: string
  ipId: string | null
  volumeIds: string[]
  userData: Map<string, string>
}

export interface FakeIp {
  id: string
  address: string
  zone: string
  project: string
  tags: string[]
  serverId: string | null
}

export interface FakeRule {
  id: string
  action: string
  protocol: string
  direction: string
  ip_range: string
  dest_port_from: number | null
  dest_port_to: number | null
  position: number
  editable: boolean
}

export interface FakeGroup {
  id: string
  name: string
  zone: string
  project: string
  tags: string[]
  inbound: string
  outbound: string
  stateful: boolean
  rules: FakeRule[]
  createdAtMs: number
}

export interface FakeRequest {
  method: string
  path: string
  query: string
  body?: unknown
  contentType?: string
  status?: number
}

export interface FakeScaleway {
  url: string
  secretKey: string
  projectId: string
  state: { servers: Map<string, FakeServer>; ips: Map<string, FakeIp>; groups: Map<string, FakeGroup>; volumes: Map<string, FakeVolume> }
  requests: FakeRequest[]
  setFailure(rule: FailureRule): void
  clearFailures(): void
  advance(ms: number): void
  setRequestBudget(remaining: number): void
  settle(): void
  drain(): Promise<void>
  close(): Promise<void>
}

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message)
  }
}

const invalid = (field: string, why: string): HttpFailure => new HttpFailure(400, 'invalid_arguments', 'invalid argument(s)', { details: [{ argument_name: field, reason: 'constraint', help_message: why }] })
const notFound = (resource: string, id: string): HttpFailure => new HttpFailure(404, 'not_found', `"${id}" not found`, { resource, resource_id: id })
const ZONE = /^[a-z]{2}-[a-z]{3}-[1-9]$/
const USER_DATA_MAX = 64 * 1024

export async function startFakeScaleway(options: FakeScalewayOptions = {}): Promise<FakeScaleway> {
  const secretKey = options.secretKey ?? randomUUID()
  const projectId = options.projectId ?? FAKE_PROJECT
  const activateAfterMs = options.activateAfterMs ?? 3_000
  const deleteAfterMs = options.deleteAfterMs ?? 2_000
  const maxPerPage = options.maxPerPage ?? 100
  let budget = options.requestBudget ?? Number.POSITIVE_INFINITY
  let offsetMs = 0
  const now = (): number => (options.clock?.now() ?? Date.now()) + offsetMs
  const servers = new Map<string, FakeServer>()
  const ips = new Map<string, FakeIp>()
  const groups = new Map<string, FakeGroup>()
  const volumes = new Map<string, FakeVolume>()
  const requests: FakeRequest[] = []
  const failures: Array<FailureRule & { used: number }> = []
  const held = heldAnswers()
  const late = lateWork()
  let ipsMade = 0

  function settle(): void {
    const t = now()
    for (const server of [...servers.values()]) {
      if (server.state === 'starting' && server.startedAtMs !== undefined && t - server.startedAtMs >= activateAfterMs) server.state = 'running'
      if (server.state === 'stopping' && server.poweredOffAtMs !== undefined && t - server.poweredOffAtMs >= deleteAfterMs) {
        server.state = 'stopped'
        server.poweredOffAtMs = undefined
      }
      if (server.terminatedAtMs !== undefined && t - server.terminatedAtMs >= deleteAfterMs) {
        servers.delete(server.id)
        for (const id of server.volumeIds) volumes.delete(id)
        if (server.ipId) {
          const ip = ips.get(server.ipId)
          if (ip) ip.serverId = null
        }
      }
    }
  }

  const iso = (ms: number): string => new Date(ms).toISOString()

  function serverJson(server: FakeServer) {
    const ip = server.ipId ? ips.get(server.ipId) : undefined
    const group = groups.get(server.securityGroup)
    return {
      id: server.id,
      name: server.name,
      organization: FAKE_ORGANIZATION,
      project: server.project,
      allowed_actions: { running: ['poweroff', 'terminate', 'reboot', 'stop_in_place', 'backup'], stopped: ['poweron', 'backup'], 'stopped in place': ['poweron', 'poweroff', 'backup'] }[server.state as string] ?? [],
      tags: [...server.tags],
      commercial_type: server.type.name,
      creation_date: iso(server.createdAtMs),
      dynamic_ip_required: false,
      enable_ipv6: false,
      hostname: server.name,
      protected: false,
      private_ip: null,
      // The description's schemas are not nullable: an absent IP or group is left out.
      ...(ip ? { public_ip: { id: ip.id, address: ip.address, dynamic: false } } : {}),
      modification_date: iso(server.createdAtMs),
      state: server.state,
      boot_type: 'local',
      volumes: Object.fromEntries(server.volumeIds.map((id, index) => [String(index), { id, name: `${server.name}-vol-${index}`, volume_type: 'l_ssd', size: volumes.get(id)?.size ?? 0, state: 'available', zone: server.zone }])),
      ...(group ? { security_group: { id: group.id, name: group.name } } : {}),
      maintenances: [],
      state_detail: server.state === 'running' ? 'booted' : '',
      arch: server.type.arch === 'arm64' ? 'arm' : 'x86_64',
      private_nics: [],
      zone: server.zone,
    }
  }

  function ipJson(ip: FakeIp) {
    const server = ip.serverId ? servers.get(ip.serverId) : undefined
    return { id: ip.id, address: ip.address, reverse: null, ...(server ? { server: { id: server.id, name: server.name } } : {}), organization: FAKE_ORGANIZATION, tags: [...ip.tags], project: ip.project, zone: ip.zone }
  }

  function groupJson(group: FakeGroup) {
    return {
      id: group.id,
      name: group.name,
      description: '',
      enable_default_security: true,
      inbound_default_policy: group.inbound,
      outbound_default_policy: group.outbound,
      organization: FAKE_ORGANIZATION,
      project: group.project,
      tags: [...group.tags],
      organization_default: false,
      project_default: false,
      creation_date: iso(group.createdAtMs),
      modification_date: iso(group.createdAtMs),
      servers: [...servers.values()].filter((server) => server.securityGroup === group.id).map((server) => ({ id: server.id, name: server.name })),
      stateful: group.stateful,
      state: 'available',
      zone: group.zone,
    }
  }

  function typeJson(type: FakeServerType, zone: string) {
    const monthly = type.monthly[zone]!
    return {
      monthly_price: monthly,
      hourly_price: Math.round((monthly / 730) * 100_000) / 100_000,
      alt_names: [],
      per_volume_constraint: { l_ssd: { min_size: type.local ? 1_000_000_000 : 0, max_size: type.local ? 20_000_000_000 : 0 } },
      volumes_constraint: { min_size: 0, max_size: 20_000_000_000 },
      ncpus: type.ncpus,
      gpu: 0,
      ram: type.ramGb * 1024 ** 3,
      arch: type.arch === 'arm64' ? 'arm' : 'x86_64',
      baremetal: type.baremetal ?? false,
      network: { interfaces: [], sum_internal_bandwidth: null, sum_internet_bandwidth: null, ipv6_support: true },
      capabilities: { block_storage: true, boot_types: ['local'] },
    }
  }

  function imageId(zone: string, arch: string): string {
    // Stable per zone and architecture, like Scaleway's local image ids.
    const digit = (zone.length + zone.charCodeAt(zone.length - 1) + (arch === 'arm64' ? 7 : 0)) % 10
    return `${digit}0000000-aaaa-4bbb-8ccc-${(zone.replace(/[^a-z0-9]/g, '') + arch).slice(0, 12).padEnd(12, '0').replace(/[^0-9a-f]/g, 'e')}`
  }

  function page<T>(url: URL, items: T[], view: (item: T) => unknown): { json: unknown; headers: Record<string, string> } & { key?: string } {
    const number = Math.max(1, Number(url.searchParams.get('page') ?? '1') || 1)
    const per = Math.min(maxPerPage, Math.max(1, Number(url.searchParams.get('per_page') ?? '50') || 50))
    return { json: items.slice((number - 1) * per, number * per).map(view), headers: { 'x-total-count': String(items.length) } }
  }

  function filtered<T extends { tags: string[]; project: string; zone: string }>(url: URL, zone: string, items: Iterable<T>): T[] {
    const tags = (url.searchParams.get('tags') ?? '').split(',').filter(Boolean)
    const project = url.searchParams.get('project')
    return [...items].filter((item) => item.zone === zone && tags.every((tag) => item.tags.includes(tag)) && (project === null || item.project === project))
  }

  function stringList(value: unknown, field: string): string[] {
    if (value === undefined) return []
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) throw invalid(field, 'must be a list of strings')
    return value as string[]
  }

  type Answer = { status: number; json?: unknown; headers?: Record<string, string> }

  function route(method: string, url: URL, body: unknown, rawBody: string, contentType: string): Answer {
    const path = url.pathname
    const object = (): Record<string, unknown> => {
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalid('body', 'must be a JSON object')
      return body as Record<string, unknown>
    }
    let match = /^\/account\/v3\/projects\/([^/]+)$/.exec(path)
    if (match && method === 'GET') {
      if (match[1] !== projectId) throw new HttpFailure(403, 'permissions_denied', 'insufficient permissions', { details: [{ resource: 'project', action: 'read' }] })
      return { status: 200, json: { id: projectId, name: 'default', organization_id: FAKE_ORGANIZATION, created_at: iso(0), updated_at: iso(0), description: '' } }
    }
    if (path === '/marketplace/v2/local-images' && method === 'GET') {
      const zone = url.searchParams.get('zone') ?? ''
      const label = url.searchParams.get('image_label')
      const type = url.searchParams.get('type')
      const images =
        label === 'ubuntu_noble' && (type === null || type === 'instance_local')
          ? (['x86_64', 'arm64'] as const).map((arch) => ({
              id: imageId(zone, arch),
              arch,
              zone,
              label: 'ubuntu_noble',
              type: 'instance_local',
              compatible_commercial_types: FAKE_TYPES.filter((candidate) => candidate.arch === arch && zone in candidate.monthly).map((candidate) => candidate.name),
            }))
          : []
      const answer = page(url, images, (image) => image)
      return { status: 200, json: { local_images: answer.json, total_count: images.length }, headers: answer.headers }
    }
    match = /^\/instance\/v1\/zones\/([^/]+)(\/.*)$/.exec(path)
    if (!match) throw new HttpFailure(404, 'not_found', 'no such route')
    const zone = match[1]!
    const rest = match[2]!
    if (!ZONE.test(zone)) throw invalid('zone', 'unknown zone')

    if (rest === '/products/servers' && method === 'GET') {
      const sold = FAKE_TYPES.filter((type) => zone in type.monthly)
      const answer = page(url, sold, (type) => type)
      const list = answer.json as FakeServerType[]
      return { status: 200, json: { servers: Object.fromEntries(list.map((type) => [type.name, typeJson(type, zone)])) }, headers: answer.headers }
    }

    if (rest === '/servers') {
      if (method === 'GET') {
        const list = filtered(url, zone, servers.values()).sort((a, b) => a.createdAtMs - b.createdAtMs)
        const answer = page(url, list, serverJson)
        return { status: 200, json: { servers: answer.json }, headers: answer.headers }
      }
      if (method === 'POST') {
        const input = object()
        if (typeof input.name !== 'string' || input.name.length === 0) throw invalid('name', 'required')
        const type = FAKE_TYPES.find((candidate) => candidate.name === input.commercial_type)
        if (!type) throw invalid('commercial_type', 'unknown commercial type')
        if (!(zone in type.monthly)) throw new HttpFailure(412, 'out_of_stock', `${type.name} is out of stock in ${zone}`)
        if (input.image !== imageId(zone, type.arch)) throw invalid('image', 'image not found or not compatible with the commercial type')
        const project = typeof input.project === 'string' ? input.project : ''
        if (project !== projectId) throw new HttpFailure(403, 'permissions_denied', 'insufficient permissions', { details: [{ resource: 'instance_server', action: 'write' }] })
        const group = groups.get(String(input.security_group))
        if (!group || group.zone !== zone) throw notFound('instance_security_group', String(input.security_group))
        const ip = input.public_ip === undefined ? undefined : ips.get(String(input.public_ip))
        if (input.public_ip !== undefined && (!ip || ip.zone !== zone)) throw notFound('instance_ip', String(input.public_ip))
        if (ip?.serverId) throw new HttpFailure(409, 'conflict', 'ip is already attached to a server', { resource: 'instance_ip', resource_id: ip.id })
        const volume: FakeVolume = { id: randomUUID(), type: 'l_ssd', size: 10_000_000_000, serverId: null }
        const server: FakeServer = {
          id: randomUUID(),
          name: input.name,
          type,
          zone,
          image: String(input.image),
          project,
          tags: stringList(input.tags, 'tags'),
          state: 'stopped',
          createdAtMs: now(),
          securityGroup: group.id,
          ipId: ip?.id ?? null,
          volumeIds: [volume.id],
          userData: new Map(),
        }
        volume.serverId = server.id
        volumes.set(volume.id, volume)
        if (ip) ip.serverId = server.id
        servers.set(server.id, server)
        return { status: 201, json: { server: serverJson(server) } }
      }
    }

    match = /^\/servers\/([^/]+)(\/.*)?$/.exec(rest)
    if (match) {
      const server = servers.get(match[1]!)
      if (!server || server.zone !== zone) throw notFound('instance_server', match[1]!)
      const sub = match[2] ?? ''
      if (sub === '' && method === 'GET') return { status: 200, json: { server: serverJson(server) } }
      if (sub === '' && method === 'DELETE') {
        if (server.state !== 'stopped') throw new HttpFailure(400, 'invalid_request_error', 'instance should be powered off.')
        servers.delete(server.id)
        for (const id of server.volumeIds) {
          const volume = volumes.get(id)
          if (volume) volume.serverId = null
        }
        if (server.ipId) {
          const ip = ips.get(server.ipId)
          if (ip) ip.serverId = null
        }
        return { status: 204 }
      }
      if (sub === '' && method === 'PATCH') {
        const input = object()
        if (input.tags !== undefined) server.tags = stringList(input.tags, 'tags')
        return { status: 200, json: { server: serverJson(server) } }
      }
      const key = /^\/user_data\/([^/]+)$/.exec(sub)
      if (key && method === 'PATCH') {
        if (!/^text\/plain\b/.test(contentType)) throw invalid('content-type', 'user data must be sent as text/plain')
        if (Buffer.byteLength(rawBody) > USER_DATA_MAX) throw invalid('user_data', 'too large')
        server.userData.set(key[1]!, rawBody)
        return { status: 204 }
      }
      if (sub === '/action' && method === 'POST') {
        const action = object().action
        const task = { id: randomUUID(), description: String(action), progress: 0, started_at: iso(now()), terminated_at: null, status: 'pending', href_from: `/servers/${server.id}/action`, href_result: `/servers/${server.id}`, zone }
        if (action === 'poweron') {
          if (server.state !== 'stopped') throw new HttpFailure(400, 'invalid_request_error', 'server should be stopped')
          server.state = 'starting'
          server.startedAtMs = now()
          return { status: 200, json: { task } }
        }
        if (action === 'poweroff') {
          if (server.state !== 'running' && server.state !== 'stopped in place') throw new HttpFailure(400, 'invalid_request_error', 'server should be running')
          server.state = 'stopping'
          server.poweredOffAtMs = now()
          return { status: 200, json: { task } }
        }
        if (action === 'terminate') {
          if (server.state !== 'running') throw new HttpFailure(400, 'invalid_request_error', 'server should be running')
          server.state = 'stopping'
          server.terminatedAtMs = now()
          return { status: 200, json: { task } }
        }
        throw invalid('action', 'not supported by this fake')
      }
    }

    if (rest === '/ips') {
      if (method === 'GET') {
        const answer = page(url, filtered(url, zone, ips.values()), ipJson)
        return { status: 200, json: { ips: answer.json }, headers: answer.headers }
      }
      if (method === 'POST') {
        const input = object()
        if (input.project !== projectId) throw new HttpFailure(403, 'permissions_denied', 'insufficient permissions', { details: [{ resource: 'instance_ip', action: 'write' }] })
        ipsMade += 1
        const ip: FakeIp = { id: randomUUID(), address: options.ipv4For?.(ipsMade) ?? `198.51.100.${ipsMade % 250}`, zone, project: projectId, tags: stringList(input.tags, 'tags'), serverId: null }
        ips.set(ip.id, ip)
        return { status: 201, json: { ip: ipJson(ip) } }
      }
    }
    match = /^\/ips\/([^/]+)$/.exec(rest)
    if (match && method === 'DELETE') {
      const ip = ips.get(match[1]!)
      if (!ip || ip.zone !== zone) throw notFound('instance_ip', match[1]!)
      if (ip.serverId) throw new HttpFailure(409, 'conflict', 'ip is in use by a server', { resource: 'instance_ip', resource_id: ip.id })
      ips.delete(ip.id)
      return { status: 204 }
    }

    if (rest === '/security_groups') {
      if (method === 'GET') {
        const answer = page(url, filtered(url, zone, groups.values()), groupJson)
        return { status: 200, json: { security_groups: answer.json }, headers: answer.headers }
      }
      if (method === 'POST') {
        const input = object()
        if (typeof input.name !== 'string' || input.name.length === 0) throw invalid('name', 'required')
        if (input.project !== projectId) throw new HttpFailure(403, 'permissions_denied', 'insufficient permissions', { details: [{ resource: 'instance_security_group', action: 'write' }] })
        const group: FakeGroup = {
          id: randomUUID(),
          name: input.name,
          zone,
          project: projectId,
          tags: stringList(input.tags, 'tags'),
          inbound: input.inbound_default_policy === 'drop' ? 'drop' : 'accept',
          outbound: input.outbound_default_policy === 'drop' ? 'drop' : 'accept',
          stateful: input.stateful === true,
          rules: [],
          createdAtMs: now(),
        }
        groups.set(group.id, group)
        return { status: 201, json: { security_group: groupJson(group) } }
      }
    }
    match = /^\/security_groups\/([^/]+)(\/rules)?$/.exec(rest)
    if (match) {
      const group = groups.get(match[1]!)
      if (!group || group.zone !== zone) throw notFound('instance_security_group', match[1]!)
      if (!match[2] && method === 'DELETE') {
        if ([...servers.values()].some((server) => server.securityGroup === group.id)) throw new HttpFailure(409, 'conflict', 'group is in use. you cannot delete it.', { resource: 'instance_security_group', resource_id: group.id })
        groups.delete(group.id)
        return { status: 204 }
      }
      if (match[2] && method === 'PUT') {
        const rules = object().rules
        if (!Array.isArray(rules)) throw invalid('rules', 'must be a list')
        group.rules = rules.map((value: unknown, index) => {
          const rule = (value ?? {}) as Record<string, unknown>
          if (!['accept', 'drop'].includes(String(rule.action)) || !['TCP', 'UDP', 'ICMP', 'ANY'].includes(String(rule.protocol)) || !['inbound', 'outbound'].includes(String(rule.direction))) throw invalid('rules', 'invalid rule')
          if (typeof rule.ip_range !== 'string') throw invalid('rules', 'ip_range is required')
          const from = typeof rule.dest_port_from === 'number' ? rule.dest_port_from : null
          const to = typeof rule.dest_port_to === 'number' ? rule.dest_port_to : null
          if ((from !== null && (from < 1 || from > 65535)) || (to !== null && (to < (from ?? 1) || to > 65535))) throw invalid('rules', 'invalid port range')
          return { id: randomUUID(), action: String(rule.action), protocol: String(rule.protocol), direction: String(rule.direction), ip_range: rule.ip_range, dest_port_from: from, dest_port_to: to, position: typeof rule.position === 'number' ? rule.position : index + 1, editable: true }
        })
        return { status: 200, json: { rules: group.rules.map((rule) => ({ ...rule, zone })) } }
      }
    }

    match = /^\/volumes\/([^/]+)$/.exec(rest)
    if (match && method === 'DELETE') {
      const volume = volumes.get(match[1]!)
      if (!volume) throw notFound('instance_volume', match[1]!)
      if (volume.serverId) throw new HttpFailure(400, 'invalid_request_error', 'volume is attached to a server')
      volumes.delete(volume.id)
      return { status: 204 }
    }
    throw new HttpFailure(404, 'not_found', `no route for ${method} ${path}`)
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1')
    const method = (request.method ?? 'GET').toUpperCase()
    const raw = await readRaw(request)
    const contentType = String(request.headers['content-type'] ?? '')
    const { body, bodyError } = parseJsonBody(/json/.test(contentType) ? raw : '')
    const logged: FakeRequest = { method, path: url.pathname, query: url.search.replace(/^\?/, ''), body: body ?? (raw.length > 0 ? raw : undefined), contentType: contentType || undefined }
    requests.push(logged)
    const send = (status: number, json?: unknown, extra: Record<string, string> = {}): void => {
      logged.status = status
      if (response.destroyed) return
      if (json === undefined) {
        response.writeHead(status, extra)
        response.end()
        return
      }
      const text = JSON.stringify(json)
      response.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...extra })
      response.end(text)
    }
    const echoed = (): string => {
      if (!options.echo) return ''
      const token = String(request.headers['x-auth-token'] ?? '')
      return ` You sent X-Auth-Token: ${token} | base64 ${Buffer.from(token).toString('base64')}; body: ${raw} | base64 ${Buffer.from(raw).toString('base64')}`
    }
    const error = (status: number, type: string, message: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): void => send(status, { type, message: `${message}${echoed()}`, ...extra }, headers)

    if (request.headers['x-auth-token'] !== secretKey) return error(401, 'denied_authentication', 'invalid authentication', { method: 'api_key', reason: 'invalid_argument' })
    if (budget <= 0) return error(429, 'too_many_requests', 'too many requests', {}, { 'retry-after': '7' })
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
      if (rule.html) {
        logged.status = rule.status ?? 502
        return sendGatewayPage(response, logged.status)
      }
      if (rule.truncated || rule.afterwards !== undefined) {
        settle()
        let answer: Answer
        try {
          answer = route(method, url, body, raw, contentType)
        } catch {
          answer = { status: 200, json: {} }
        }
        if (rule.afterwards !== undefined) return error(rule.afterwards, rule.type ?? 'unknown_error', rule.message ?? `Injected failure (HTTP ${rule.afterwards}).`)
        const text = JSON.stringify(answer.json ?? {})
        logged.status = answer.status
        response.writeHead(answer.status, { 'content-type': 'application/json' })
        response.end(text.slice(0, Math.max(1, Math.floor(text.length / 2))))
        return
      }
      if (rule.status !== undefined) {
        if (rule.body !== undefined) return send(rule.status, rule.body, rule.headers)
        return error(rule.status, rule.type ?? defaultType(rule.status), rule.message ?? `Injected failure (HTTP ${rule.status}).`, {}, rule.headers)
      }
    }

    if (bodyError) return error(400, 'invalid_arguments', 'cannot parse the JSON body')
    settle()
    try {
      const answer = route(method, url, body, raw, contentType)
      send(answer.status, answer.json, answer.headers)
    } catch (caught) {
      if (caught instanceof HttpFailure) return error(caught.status, caught.type, caught.message, caught.extra)
      return error(500, 'internal_error', 'internal error')
    }
  }

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) {
        response.writeHead(500, { 'content-type': 'application/json' })
        response.end(JSON.stringify({ type: 'internal_error', message: 'internal error' }))
      }
    })
  })
  const port = await listenOnLoopback(server)

  return {
    url: `http://127.0.0.1:${port}`,
    secretKey,
    projectId,
    state: { servers, ips, groups, volumes },
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
    settle,
    drain: () => late.drain(),
    close() {
      held.releaseAll()
      return closeServer(server)
    },
  }
}

function defaultType(status: number): string {
  return (
    { 400: 'invalid_arguments', 401: 'denied_authentication', 403: 'permissions_denied', 404: 'not_found', 409: 'conflict', 412: 'precondition_failed', 429: 'too_many_requests' }[status] ??
    (status >= 500 ? 'internal_error' : 'invalid_arguments')
  )
}
