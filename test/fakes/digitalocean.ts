/**
 * A stateful, wire-compatible fake of the DigitalOcean v2 API subset Exitdesk uses, on
 * 127.0.0.1 with a random port. Shapes follow github.com/digitalocean/openapi `specification/`
 * (the contract test runs the adapter through `prism proxy` in front of this fake, so a
 * response that drifts from the spec fails there).
 *
 * Behaviour modelled on the real API:
 * - `Authorization: Bearer <token>`, else 401 `{id:'unauthorized', message:'Unable to authenticate you'}`;
 * - droplets start `new` with no public address and turn `active` with a public IPv4 from
 *   198.51.100.0/24 (and an IPv6 when asked) after `activateAfterMs` of fake time or
 *   `activateAfterGets` reads of that droplet, whichever comes first;
 * - DELETE answers 204 and the droplet lingers (unchanged) for `deleteAfterMs` / `deleteAfterGets`
 *   before GET answers 404, so "deleting" is observable;
 * - list endpoints paginate with `page`/`per_page` (default 20, maximum 200), `links.pages`
 *   (first/prev/next/last) and `meta.total`;
 * - `ratelimit-limit`, `ratelimit-remaining` and `ratelimit-reset` on every answer; once the
 *   request budget is spent, 429 with `retry-after`;
 * - with `enforceLimits`, the documented 5,000 an hour and 250 a minute as rolling windows on
 *   fake time, answered with DigitalOcean's 429 and headers;
 * - droplet create creates missing tags; firewalls may only name tags that already exist.
 *
 * Fake time is real time plus an offset that `advance(ms)` moves forward, so tests never sleep.
 * The 422 messages are modelled on DigitalOcean's wording where known; treat them as examples.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { listenOnLoopback } from '../support/listeners'
import { closeServer, findFailure, heldAnswers, parseJsonBody, readRaw } from './http-server'

export interface FakeDigitalOceanOptions {
  /** Bearer token the fake accepts; random when absent. */
  token?: string
  /** Fake-time milliseconds after create before a droplet is `active`. Default 3000. */
  activateAfterMs?: number
  /** Reads of a droplet (GET /v2/droplets/{id}) answered `new` before it turns `active`. Default: no limit. */
  activateAfterGets?: number
  /** Fake-time milliseconds a deleted droplet is still listed. Default 2000. */
  deleteAfterMs?: number
  /** Reads of a deleted droplet still answered 200 before it is gone. Default: no limit. */
  deleteAfterGets?: number
  /** `per_page` when the request names none (DigitalOcean: 20). */
  defaultPerPage?: number
  /** Largest `per_page` honoured (DigitalOcean: 200); tests lower it to force several pages. */
  maxPerPage?: number
  /** `ratelimit-limit`. Default 5000 (requests per hour). */
  rateLimit?: number
  /** Requests answered before 429. Default: `rateLimit`. */
  requestBudget?: number
  /** `retry-after` on a 429, seconds. Default 29 (the example in the spec's description). */
  retryAfterSeconds?: number
  /**
   * Enforce DigitalOcean's documented limits per token on fake time, as rolling windows
   * (specification/description.yml "Rate Limit"): `perHour` (default 5,000) and `perMinute`
   * (default 250). Over either, 429 with `ratelimit-limit`, `ratelimit-remaining`,
   * `ratelimit-reset` (when the oldest counted request expires) and, for the burst limit,
   * `retry-after`; every answer's `ratelimit-*` headers then describe the hourly window.
   * Answers of 429 are not counted as requests; `tooManyRequests()` counts them.
   */
  enforceLimits?: boolean | { perHour?: number; perMinute?: number }
  /** Fake time's source (e.g. the app's fake clock); `advance(ms)` moves it further. Default: real time. */
  clock?: { now(): number }
  account?: Partial<FakeAccount>
  /**
   * Every error answer (401, 4xx, 5xx, injected failures) repeats the request back, like a
   * careless gateway or debug build: the Authorization header and the raw body, as they are,
   * base64 and URL-encoded, in the JSON `message` (or the HTML page of an `html` rule) and in
   * `x-echo-*` response headers. For the redaction test: nothing echoed may leave Exitdesk.
   */
  echo?: boolean
  /**
   * The public IPv4 handed to the n-th droplet that turns active (n counts from 10). Default
   * 198.51.100.x (TEST-NET-2, RFC 5737), which the readiness check never contacts; a readiness
   * test hands out 127.0.0.x instead, where its own listeners answer (Linux routes all of
   * 127.0.0.0/8 to loopback).
   */
  ipv4For?: (n: number) => string
}

/** Makes matching requests fail or hang. Rules are checked in the order they were set. */
export interface FailureRule {
  method?: string
  /** Exact pathname, or a pattern tested against it. */
  path?: string | RegExp
  /** Answer with this status (and an error body) instead of the normal answer. */
  status?: number
  body?: unknown
  headers?: Record<string, string>
  /** Wait this long before answering (or before the normal answer when no status is set). */
  delayMs?: number
  /** How many requests the rule applies to; unlimited when absent. */
  times?: number
  /** Answer with a gateway's text/html page (as a 502 from a proxy is) instead of a JSON body. */
  html?: boolean
  /** Answer with the call's normal success status and body but do not carry it out (a DELETE's 204 that DigitalOcean then ignores). */
  ignore?: boolean
}

export interface FakeAccount {
  email: string
  uuid: string
  droplet_limit: number
  floating_ip_limit: number
  email_verified: boolean
  status: 'active' | 'warning' | 'locked'
  status_message: string
  /**
   * The team the token acts in ("when authorized in a team context",
   * resources/account/models/account.yml). Absent by default; two fakes with the same e-mail
   * and user uuid but different teams are two accounts of one person.
   */
  team?: { uuid: string; name: string }
}

export interface FakeDroplet {
  id: number
  name: string
  region: string
  size: string
  image: string
  tags: string[]
  userData?: string
  ipv6Requested: boolean
  monitoring: boolean
  status: 'new' | 'active' | 'off' | 'archive'
  createdAtMs: number
  gets: number
  ipv4?: string
  ipv6?: string
  deleteRequestedAtMs?: number
  getsSinceDelete: number
}

export interface FakeFirewallRule {
  protocol: string
  ports: string
  sources?: FakeTarget
  destinations?: FakeTarget
}

export interface FakeTarget {
  addresses?: string[]
  droplet_ids?: number[]
  tags?: string[]
  load_balancer_uids?: string[]
  kubernetes_ids?: string[]
}

export interface FakeFirewall {
  id: string
  name: string
  inbound_rules: FakeFirewallRule[]
  outbound_rules: FakeFirewallRule[]
  droplet_ids: number[]
  tags: string[]
  created_at: string
}

export interface FakeRequest {
  method: string
  /** Pathname only, e.g. "/v2/droplets/3164444". */
  path: string
  /** Query string without "?", e.g. "tag_name=x&page=2". */
  query: string
  /** Parsed JSON body, when one was sent. */
  body?: unknown
  status?: number
  /** performance.now() when the request arrived (real time: for telling what was sent at once). */
  at: number
}

export interface FakeDigitalOcean {
  url: string
  token: string
  close(): Promise<void>
  state: { droplets: Map<number, FakeDroplet>; firewalls: Map<string, FakeFirewall>; tags: Set<string> }
  /** Every request received, in order (never the Authorization header). */
  requests: FakeRequest[]
  setFailure(rule: FailureRule): void
  clearFailures(): void
  /** Moves fake time forward. */
  advance(ms: number): void
  /** Sets how many more requests are answered before 429. */
  setRequestBudget(remaining: number): void
  /** Fake time, epoch milliseconds. */
  now(): number
  /** Answers of 429 sent by the enforced limits (`enforceLimits`). */
  tooManyRequests(): number
}

interface SizeRecord {
  slug: string
  memory: number
  vcpus: number
  disk: number
  transfer: number
  price_monthly: number
  price_hourly: number
  regions: string[]
  available: boolean
  description: string
}

interface RegionRecord {
  slug: string
  name: string
  available: boolean
}

const REGION_FEATURES = ['backups', 'ipv6', 'metadata', 'install_agent', 'storage', 'image_transfer']

/** Open regions and three old ones that answer `available: false`, as the real list does. */
export const FAKE_REGIONS: RegionRecord[] = [
  { slug: 'nyc1', name: 'New York 1', available: true },
  { slug: 'nyc2', name: 'New York 2', available: false },
  { slug: 'nyc3', name: 'New York 3', available: true },
  { slug: 'sfo1', name: 'San Francisco 1', available: false },
  { slug: 'sfo2', name: 'San Francisco 2', available: true },
  { slug: 'sfo3', name: 'San Francisco 3', available: true },
  { slug: 'ams2', name: 'Amsterdam 2', available: false },
  { slug: 'ams3', name: 'Amsterdam 3', available: true },
  { slug: 'sgp1', name: 'Singapore 1', available: true },
  { slug: 'lon1', name: 'London 1', available: true },
  { slug: 'fra1', name: 'Frankfurt 1', available: true },
  { slug: 'tor1', name: 'Toronto 1', available: true },
  { slug: 'blr1', name: 'Bangalore 1', available: true },
  { slug: 'syd1', name: 'Sydney 1', available: true },
  { slug: 'atl1', name: 'Atlanta 1', available: true },
  { slug: 'ric1', name: 'Richmond 1', available: true },
]

const OPEN = FAKE_REGIONS.filter((region) => region.available).map((region) => region.slug)
/** Where the $4 plan is sold (docs.digitalocean.com/release-notes/droplets/). */
const REGIONS_512MB = ['ams3', 'blr1', 'fra1', 'lon1', 'nyc1', 'nyc3', 'sfo3', 'sgp1', 'tor1']

/** Listed deliberately out of price order, with one size that is not `available`. */
export const FAKE_SIZES: SizeRecord[] = [
  { slug: 's-1vcpu-2gb', memory: 2048, vcpus: 1, disk: 50, transfer: 2, price_monthly: 12, price_hourly: 0.01786, regions: OPEN, available: true, description: 'Basic' },
  { slug: 's-1vcpu-1gb', memory: 1024, vcpus: 1, disk: 25, transfer: 1, price_monthly: 6, price_hourly: 0.00893, regions: OPEN, available: true, description: 'Basic' },
  { slug: 's-1vcpu-512mb-10gb', memory: 512, vcpus: 1, disk: 10, transfer: 0.5, price_monthly: 4, price_hourly: 0.00595, regions: REGIONS_512MB, available: true, description: 'Basic' },
  { slug: 's-1vcpu-1gb-amd', memory: 1024, vcpus: 1, disk: 25, transfer: 1, price_monthly: 7, price_hourly: 0.01042, regions: OPEN, available: true, description: 'Basic AMD' },
  { slug: 's-1vcpu-3gb', memory: 3072, vcpus: 1, disk: 60, transfer: 3, price_monthly: 15, price_hourly: 0.02232, regions: ['nyc1'], available: false, description: 'Basic' },
  { slug: 's-2vcpu-2gb', memory: 2048, vcpus: 2, disk: 60, transfer: 3, price_monthly: 18, price_hourly: 0.02679, regions: OPEN, available: true, description: 'Basic' },
  { slug: 's-2vcpu-4gb', memory: 4096, vcpus: 2, disk: 80, transfer: 4, price_monthly: 24, price_hourly: 0.03571, regions: OPEN, available: true, description: 'Basic' },
  { slug: 'c-2', memory: 4096, vcpus: 2, disk: 25, transfer: 4, price_monthly: 42, price_hourly: 0.0625, regions: OPEN, available: true, description: 'CPU-Optimized' },
]

/** The image model's `regions` items use the spec's region_slug enum, which lacks atl1 and ric1. */
const IMAGE_REGION_ENUM = new Set(['ams1', 'ams2', 'ams3', 'blr1', 'fra1', 'lon1', 'nyc1', 'nyc2', 'nyc3', 'sfo1', 'sfo2', 'sfo3', 'sgp1', 'tor1', 'syd1'])

const IMAGES: Record<string, { id: number; name: string; distribution: string; created_at: string; size_gigabytes: number }> = {
  'ubuntu-24-04-x64': { id: 160232537, name: '24.04 (LTS) x64', distribution: 'Ubuntu', created_at: '2024-04-25T14:27:52Z', size_gigabytes: 2.34 },
  'ubuntu-22-04-x64': { id: 129211873, name: '22.04 (LTS) x64', distribution: 'Ubuntu', created_at: '2022-04-25T13:10:11Z', size_gigabytes: 2.28 },
  'debian-12-x64': { id: 137802583, name: '12 x64', distribution: 'Debian', created_at: '2023-06-12T18:21:40Z', size_gigabytes: 0.96 },
}

const NOT_FOUND = { id: 'not_found', message: 'The resource you were accessing could not be found.' }
const DROPLET_NAME = /^[a-zA-Z0-9]?[a-z0-9A-Z.-]*[a-z0-9A-Z]$/
const FIREWALL_NAME = /^[a-zA-Z0-9][a-zA-Z0-9.-]+$/
const TAG_NAME = /^[a-zA-Z0-9_\-:]+$/
const USER_DATA_MAX = 64 * 1024

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly id: string,
    message: string,
  ) {
    super(message)
  }
}

const unprocessable = (message: string): HttpFailure => new HttpFailure(422, 'unprocessable_entity', message)

export async function startFakeDigitalOcean(options: FakeDigitalOceanOptions = {}): Promise<FakeDigitalOcean> {
  const token = options.token ?? `dop_v1_fake${randomBytes(24).toString('hex')}`
  const activateAfterMs = options.activateAfterMs ?? 3_000
  const activateAfterGets = options.activateAfterGets ?? Number.POSITIVE_INFINITY
  const deleteAfterMs = options.deleteAfterMs ?? 2_000
  const deleteAfterGets = options.deleteAfterGets ?? Number.POSITIVE_INFINITY
  const defaultPerPage = options.defaultPerPage ?? 20
  const maxPerPage = Math.min(options.maxPerPage ?? 200, 200)
  const rateLimit = options.rateLimit ?? 5_000
  const retryAfterSeconds = options.retryAfterSeconds ?? 29
  const account: FakeAccount = {
    email: 'sammy@example.com',
    uuid: 'b6fr89dbf6d9156cace5f3c78dc9851d957381ef',
    droplet_limit: 25,
    floating_ip_limit: 5,
    email_verified: true,
    status: 'active',
    status_message: '',
    ...options.account,
  }

  let offsetMs = 0
  const now = (): number => (options.clock ? options.clock.now() : Date.now()) + offsetMs
  const limits = enforcedLimits(options.enforceLimits)
  /** Fake times of the requests counted by the enforced limits, oldest first, from `hourHead` on. */
  let counted: number[] = []
  let hourHead = 0
  let minuteHead = 0
  let answered429 = 0
  let budget = options.requestBudget ?? rateLimit
  const resetEpoch = Math.floor(Date.now() / 1000) + 3600
  let nextDropletId = 3164444
  let nextAddress = 10
  const failures: Array<FailureRule & { used: number }> = []
  const droplets = new Map<number, FakeDroplet>()
  const firewalls = new Map<string, FakeFirewall>()
  const tags = new Set<string>()
  const requests: FakeRequest[] = []
  const held = heldAnswers()

  /** Applies the passage of fake time (and reads) to every droplet. */
  function settle(): void {
    const t = now()
    for (const droplet of [...droplets.values()]) {
      if (droplet.status === 'new' && (t - droplet.createdAtMs >= activateAfterMs || droplet.gets >= activateAfterGets)) {
        droplet.status = 'active'
        const n = nextAddress++
        const host = n % 254 || 254
        droplet.ipv4 = options.ipv4For ? options.ipv4For(n) : `198.51.100.${host}`
        if (droplet.ipv6Requested) droplet.ipv6 = `2001:db8:0:1::${host.toString(16)}`
      }
      if (droplet.deleteRequestedAtMs !== undefined && (t - droplet.deleteRequestedAtMs >= deleteAfterMs || droplet.getsSinceDelete >= deleteAfterGets)) {
        droplets.delete(droplet.id)
        for (const firewall of firewalls.values()) firewall.droplet_ids = firewall.droplet_ids.filter((id) => id !== droplet.id)
      }
    }
  }

  /** Drops requests older than an hour (and than a minute, for the burst count); counts cost O(1). */
  function slideWindows(t: number): void {
    while (hourHead < counted.length && counted[hourHead]! <= t - 3_600_000) hourHead += 1
    minuteHead = Math.max(minuteHead, hourHead)
    while (minuteHead < counted.length && counted[minuteHead]! <= t - 60_000) minuteHead += 1
    if (hourHead > 4096 && hourHead * 2 > counted.length) {
      counted = counted.slice(hourHead)
      minuteHead -= hourHead
      hourHead = 0
    }
  }

  /** Epoch seconds when the oldest request of the last hour stops counting. */
  function hourlyReset(): number {
    const oldest = counted[hourHead]
    return Math.ceil((oldest === undefined ? now() : oldest + 3_600_000) / 1000)
  }

  /** Counts this request, or says why it is over a limit (the 429's headers). */
  function overLimits(): Record<string, string> | undefined {
    if (!limits) return undefined
    const t = now()
    slideWindows(t)
    const inHour = counted.length - hourHead
    const inMinute = counted.length - minuteHead
    if (inMinute >= limits.perMinute) {
      // The burst limit's 429 carries retry-after: until the oldest request of the minute leaves it.
      const retry = Math.max(1, Math.ceil((counted[minuteHead]! + 60_000 - t) / 1000))
      return { 'retry-after': String(retry) }
    }
    if (inHour >= limits.perHour) return {}
    counted.push(t)
    return undefined
  }

  function regionJson(slug: string): Record<string, unknown> {
    const region = FAKE_REGIONS.find((candidate) => candidate.slug === slug)!
    return {
      name: region.name,
      slug: region.slug,
      features: REGION_FEATURES,
      available: region.available,
      sizes: region.available ? FAKE_SIZES.filter((size) => size.available && size.regions.includes(slug)).map((size) => size.slug) : [],
    }
  }

  function sizeJson(size: SizeRecord): Record<string, unknown> {
    return { ...size, regions: [...size.regions], disk_info: [{ type: 'local', size: { amount: size.disk, unit: 'gib' } }] }
  }

  function dropletJson(droplet: FakeDroplet): Record<string, unknown> {
    const size = FAKE_SIZES.find((candidate) => candidate.slug === droplet.size)!
    const image = IMAGES[droplet.image]!
    const v4 = droplet.ipv4
      ? [
          { ip_address: `10.106.0.${(droplet.id % 250) + 2}`, netmask: '255.255.240.0', gateway: '10.106.0.1', type: 'private' },
          { ip_address: droplet.ipv4, netmask: '255.255.255.0', gateway: '198.51.100.1', type: 'public' },
        ]
      : []
    const v6 = droplet.ipv6 ? [{ ip_address: droplet.ipv6, netmask: 64, gateway: '2001:db8:0:1::1', type: 'public' }] : []
    return {
      id: droplet.id,
      name: droplet.name,
      memory: size.memory,
      vcpus: size.vcpus,
      disk: size.disk,
      disk_info: [{ type: 'local', size: { amount: size.disk, unit: 'gib' } }],
      locked: false,
      status: droplet.status,
      kernel: null,
      created_at: isoSeconds(droplet.createdAtMs),
      features: [...(droplet.ipv6Requested ? ['ipv6'] : []), ...(droplet.monitoring ? ['monitoring'] : []), 'droplet_agent', 'private_networking'],
      backup_ids: [],
      next_backup_window: null,
      snapshot_ids: [],
      image: {
        id: image.id,
        name: image.name,
        distribution: image.distribution,
        slug: droplet.image,
        public: true,
        regions: OPEN.filter((slug) => IMAGE_REGION_ENUM.has(slug)),
        created_at: image.created_at,
        type: 'base',
        min_disk_size: 7,
        size_gigabytes: image.size_gigabytes,
        description: `${image.distribution} ${image.name}`,
        tags: [],
        status: 'available',
        error_message: '',
      },
      volume_ids: [],
      size: sizeJson(size),
      size_slug: size.slug,
      networks: { v4, v6 },
      region: regionJson(droplet.region),
      tags: [...droplet.tags],
      vpc_uuid: '760e09ef-dc84-11e8-981e-3cfdfeaae000',
    }
  }

  function firewallJson(firewall: FakeFirewall): Record<string, unknown> {
    return {
      id: firewall.id,
      name: firewall.name,
      status: 'succeeded',
      inbound_rules: firewall.inbound_rules,
      outbound_rules: firewall.outbound_rules,
      created_at: firewall.created_at,
      droplet_ids: [...firewall.droplet_ids],
      tags: [...firewall.tags],
      pending_changes: [],
    }
  }

  function tagJson(name: string): Record<string, unknown> {
    const count = [...droplets.values()].filter((droplet) => droplet.tags.includes(name)).length
    const stats = { count }
    return {
      name,
      resources: { count, droplets: stats, images: { count: 0 }, volumes: { count: 0 }, volume_snapshots: { count: 0 }, databases: { count: 0 } },
    }
  }

  /**
   * DigitalOcean pagination: `page`, `per_page`, `links.pages`, `meta.total`. Only the page
   * served is turned into JSON (`toJson`), so the fake stays cheap at thousands of droplets.
   */
  function paginate<T>(request: IncomingMessage, url: URL, key: string, all: T[], toJson: (item: T) => unknown = (item) => item): Record<string, unknown> {
    const perPage = clamp(integer(url.searchParams.get('per_page')) ?? defaultPerPage, 1, maxPerPage)
    const page = Math.max(1, integer(url.searchParams.get('page')) ?? 1)
    const last = Math.max(1, Math.ceil(all.length / perPage))
    const link = (target: number): string => {
      const linked = new URL(url.pathname, `http://${request.headers.host ?? '127.0.0.1'}`)
      for (const [name, value] of url.searchParams) if (name !== 'page' && name !== 'per_page') linked.searchParams.set(name, value)
      linked.searchParams.set('page', String(target))
      linked.searchParams.set('per_page', String(perPage))
      return linked.toString()
    }
    const pages: Record<string, string> = {}
    if (page > 1) {
      pages.first = link(1)
      pages.prev = link(Math.min(page - 1, last))
    }
    if (page < last) {
      pages.last = link(last)
      pages.next = link(page + 1)
    }
    return { [key]: all.slice((page - 1) * perPage, page * perPage).map(toJson), links: Object.keys(pages).length > 0 ? { pages } : {}, meta: { total: all.length } }
  }

  function createDroplet(body: Record<string, unknown>): FakeDroplet {
    if ('names' in body) throw unprocessable('Creating several droplets at once is not supported by this fake.')
    const name = body.name
    if (typeof name !== 'string' || name.length === 0) throw unprocessable('Name is required.')
    if (name.length > 255 || !DROPLET_NAME.test(name)) throw unprocessable('Only valid hostname characters are allowed. (a-z, A-Z, 0-9, . and -)')
    if (typeof body.size !== 'string' || body.size.length === 0) throw unprocessable('You must specify a size.')
    const size = FAKE_SIZES.find((candidate) => candidate.slug === body.size)
    if (!size) throw unprocessable('You specified an invalid size for Droplet creation.')
    if (!size.available) throw unprocessable('This size is unavailable. Please select a different size.')
    // `region` is optional in the spec (droplet_create.yml): without it DigitalOcean picks one.
    let region = body.region
    if (region === undefined) region = size.regions[0]
    if (typeof region !== 'string') throw unprocessable('You specified an invalid region for Droplet creation.')
    const known = FAKE_REGIONS.find((candidate) => candidate.slug === region)
    if (!known || !known.available) throw unprocessable('You specified an invalid region for Droplet creation.')
    if (!size.regions.includes(region)) throw unprocessable('Size is not available in this region.')
    if (typeof body.image !== 'string' || !(body.image in IMAGES)) throw unprocessable('You specified an invalid image for Droplet creation.')
    if (body.user_data !== undefined && (typeof body.user_data !== 'string' || Buffer.byteLength(body.user_data) > USER_DATA_MAX)) {
      throw unprocessable('user_data must be plain text of at most 64 KiB.')
    }
    const dropletTags = body.tags === undefined || body.tags === null ? [] : body.tags
    if (!Array.isArray(dropletTags) || dropletTags.some((tag) => typeof tag !== 'string' || !TAG_NAME.test(tag) || tag.length > 255)) {
      throw unprocessable('Tags may contain letters, numbers, colons, dashes, and underscores.')
    }
    if (droplets.size >= account.droplet_limit) throw unprocessable('creating this/these droplet(s) will exceed your droplet limit')
    for (const tag of dropletTags as string[]) tags.add(tag)
    const droplet: FakeDroplet = {
      id: nextDropletId++,
      name,
      region,
      size: size.slug,
      image: body.image,
      tags: [...new Set(dropletTags as string[])],
      userData: body.user_data as string | undefined,
      ipv6Requested: body.ipv6 === true,
      monitoring: body.monitoring === true,
      status: 'new',
      createdAtMs: now(),
      gets: 0,
      getsSinceDelete: 0,
    }
    droplets.set(droplet.id, droplet)
    return droplet
  }

  function createFirewall(body: Record<string, unknown>): FakeFirewall {
    const name = body.name
    if (typeof name !== 'string' || !FIREWALL_NAME.test(name)) throw unprocessable('name: must begin with an alphanumeric character and contain only alphanumerics, "." and "-"')
    const inbound = rules(body.inbound_rules, 'sources')
    const outbound = rules(body.outbound_rules, 'destinations')
    if (inbound.length + outbound.length === 0) throw unprocessable('must specify at least one inbound or outbound rule')
    const firewallTags = body.tags === undefined || body.tags === null ? [] : body.tags
    if (!Array.isArray(firewallTags) || firewallTags.some((tag) => typeof tag !== 'string')) throw unprocessable('tags must be a list of tag names')
    for (const tag of firewallTags as string[]) if (!tags.has(tag)) throw unprocessable(`tag "${tag}" does not exist`)
    const dropletIds = body.droplet_ids === undefined || body.droplet_ids === null ? [] : body.droplet_ids
    if (!Array.isArray(dropletIds) || dropletIds.some((id) => !droplets.has(id as number))) throw unprocessable('droplet_ids names a droplet that does not exist')
    const firewall: FakeFirewall = {
      id: randomUUID(),
      name,
      inbound_rules: inbound,
      outbound_rules: outbound,
      droplet_ids: dropletIds as number[],
      tags: firewallTags as string[],
      created_at: isoSeconds(now()),
    }
    firewalls.set(firewall.id, firewall)
    return firewall
  }

  function route(method: string, url: URL, request: IncomingMessage, body: unknown): { status: number; json?: unknown } {
    const path = url.pathname.replace(/\/+$/, '')
    const segments = path.split('/').filter(Boolean)
    if (segments[0] !== 'v2') throw new HttpFailure(404, NOT_FOUND.id, NOT_FOUND.message)
    const [, resource, id] = segments
    const object = (): Record<string, unknown> => {
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw new HttpFailure(400, 'bad_request', 'error parsing request body')
      return body as Record<string, unknown>
    }

    if (resource === 'account' && segments.length === 2 && method === 'GET') return { status: 200, json: { account } }
    if (resource === 'regions' && segments.length === 2 && method === 'GET') {
      return { status: 200, json: paginate(request, url, 'regions', FAKE_REGIONS.map((region) => regionJson(region.slug))) }
    }
    if (resource === 'sizes' && segments.length === 2 && method === 'GET') return { status: 200, json: paginate(request, url, 'sizes', FAKE_SIZES.map(sizeJson)) }

    if (resource === 'droplets' && segments.length === 2) {
      if (method === 'GET') {
        const tag = url.searchParams.get('tag_name')
        const name = url.searchParams.get('name')
        const listed = [...droplets.values()]
          .filter((droplet) => tag === null || droplet.tags.includes(tag))
          .filter((droplet) => name === null || droplet.name.toLowerCase() === name.toLowerCase())
          .sort((a, b) => a.id - b.id)
        return { status: 200, json: paginate(request, url, 'droplets', listed, dropletJson) }
      }
      if (method === 'POST') {
        const droplet = createDroplet(object())
        return { status: 202, json: { droplet: dropletJson(droplet), links: { actions: [{ id: droplet.id + 900_000_000, rel: 'create', href: `http://${request.headers.host}/v2/actions/${droplet.id + 900_000_000}` }] } } }
      }
    }
    if (resource === 'droplets' && segments.length === 3 && id !== undefined) {
      const droplet = /^[0-9]+$/.test(id) ? droplets.get(Number(id)) : undefined
      if (!droplet) throw new HttpFailure(404, NOT_FOUND.id, NOT_FOUND.message)
      if (method === 'GET') {
        const json = dropletJson(droplet)
        if (droplet.deleteRequestedAtMs === undefined) droplet.gets += 1
        else droplet.getsSinceDelete += 1
        return { status: 200, json: { droplet: json } }
      }
      if (method === 'DELETE') {
        droplet.deleteRequestedAtMs ??= now()
        return { status: 204 }
      }
    }

    if (resource === 'firewalls' && segments.length === 2) {
      if (method === 'GET') return { status: 200, json: paginate(request, url, 'firewalls', [...firewalls.values()], firewallJson) }
      if (method === 'POST') return { status: 202, json: { firewall: firewallJson(createFirewall(object())) } }
    }
    if (resource === 'firewalls' && segments.length === 3 && id !== undefined) {
      const firewall = firewalls.get(id)
      if (!firewall) throw new HttpFailure(404, NOT_FOUND.id, NOT_FOUND.message)
      if (method === 'GET') return { status: 200, json: { firewall: firewallJson(firewall) } }
      if (method === 'DELETE') {
        firewalls.delete(id)
        return { status: 204 }
      }
    }

    if (resource === 'tags' && segments.length === 2) {
      if (method === 'GET') return { status: 200, json: paginate(request, url, 'tags', [...tags], tagJson) }
      if (method === 'POST') {
        const name = object().name
        if (typeof name !== 'string' || name.length > 255 || !TAG_NAME.test(name)) {
          throw new HttpFailure(400, 'bad_request', 'tag name may contain only letters, numbers, colons, dashes and underscores')
        }
        // Creating a tag that exists answers the tag again (not verified against the live API;
        // the adapter asks GET /v2/tags/{name} first and does not rely on it).
        tags.add(name)
        return { status: 201, json: { tag: tagJson(name) } }
      }
    }
    if (resource === 'tags' && segments.length === 3 && id !== undefined) {
      const name = decodeURIComponent(id)
      if (!tags.has(name)) throw new HttpFailure(404, NOT_FOUND.id, NOT_FOUND.message)
      if (method === 'GET') return { status: 200, json: { tag: tagJson(name) } }
      if (method === 'DELETE') {
        tags.delete(name)
        return { status: 204 }
      }
    }
    throw new HttpFailure(404, NOT_FOUND.id, NOT_FOUND.message)
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET'
    const url = new URL(request.url ?? '/', 'http://127.0.0.1')
    const raw = await readRaw(request)
    const { body, bodyError } = parseJsonBody(raw)
    const logged: FakeRequest = { method, path: url.pathname, query: url.search.replace(/^\?/, ''), ...(body !== undefined ? { body } : {}), at: performance.now() }
    requests.push(logged)

    const send = (status: number, json?: unknown, extra: Record<string, string> = {}): void => {
      logged.status = status
      if (response.destroyed) return
      const headers: Record<string, string> = {
        'ratelimit-limit': String(limits ? limits.perHour : rateLimit),
        'ratelimit-remaining': String(limits ? Math.max(0, limits.perHour - (counted.length - hourHead)) : Math.max(0, budget)),
        'ratelimit-reset': String(limits ? hourlyReset() : resetEpoch),
        'x-request-id': randomUUID(),
        ...extra,
      }
      if (json === undefined) {
        // droplets_destroy.yml: 204 "with content-type".
        response.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8' })
        response.end()
        return
      }
      const text = JSON.stringify(json)
      response.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) })
      response.end(text)
    }
    const echoed = (): { text: string; headers: Record<string, string> } | undefined => {
      if (!options.echo) return undefined
      const authorization = request.headers.authorization ?? ''
      const forms = (value: string): string =>
        `${value} | base64 ${Buffer.from(value).toString('base64')} | base64url ${Buffer.from(value).toString('base64url')} | url ${encodeURIComponent(value)}`
      return {
        text: `You sent Authorization: ${forms(authorization)}; body: ${forms(raw)}`,
        headers: { 'x-echo-authorization': authorization, 'x-echo-authorization-base64': Buffer.from(authorization).toString('base64'), 'x-echo-body-base64': Buffer.from(raw).toString('base64') },
      }
    }
    const error = (status: number, id: string, message: string, extra: Record<string, string> = {}): void => {
      const echo = echoed()
      send(status, { id, message: echo ? `${message} ${echo.text}` : message, request_id: randomUUID() }, { ...echo?.headers, ...extra })
    }
    const page = (status: number, extra: Record<string, string> = {}): void => {
      logged.status = status
      if (response.destroyed) return
      const echo = echoed()
      const text = `<html><head><title>${status} Bad Gateway</title></head><body><center><h1>${status} Bad Gateway</h1></center><hr><p>${echo?.text ?? 'nginx'}</p></body></html>\n`
      response.writeHead(status, { ...echo?.headers, ...extra, 'content-type': 'text/html', 'content-length': String(Buffer.byteLength(text)) })
      response.end(text)
    }

    const auth = request.headers.authorization
    if (auth !== `Bearer ${token}`) return error(401, 'unauthorized', 'Unable to authenticate you')

    if (budget <= 0) return error(429, 'too_many_requests', 'API Rate limit exceeded.', { 'retry-after': String(retryAfterSeconds) })
    budget -= 1
    if (limits) {
      const over = overLimits()
      if (over) {
        answered429 += 1
        return error(429, 'too_many_requests', 'API Rate limit exceeded.', over)
      }
    }

    const rule = findFailure(failures, method, url.pathname)
    if (rule) {
      rule.used += 1
      if (rule.delayMs) {
        const closed = await held.wait(rule.delayMs, response)
        if (closed) {
          logged.status = 0
          return
        }
      }
      if (rule.ignore) return send(method === 'DELETE' ? 204 : 200)
      if (rule.status !== undefined) {
        if (rule.html) return page(rule.status, rule.headers)
        const message = `Injected failure (HTTP ${rule.status}).`
        if (options.echo && rule.body === undefined) return error(rule.status, errorId(rule.status), message, rule.headers)
        return send(rule.status, rule.body ?? { id: errorId(rule.status), message }, rule.headers)
      }
    }

    if (bodyError) return error(400, 'bad_request', 'error parsing request body')
    settle()
    try {
      const answer = route(method, url, request, body)
      send(answer.status, answer.json)
    } catch (caught) {
      if (caught instanceof HttpFailure) return error(caught.status, caught.id, caught.message)
      return error(500, 'server_error', 'Unexpected server-side error')
    }
  }

  /** Resolves true when the client went away first. Always ends on close(). */
  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) {
        response.writeHead(500, { 'content-type': 'application/json; charset=utf-8' })
        response.end(JSON.stringify({ id: 'server_error', message: 'Unexpected server-side error' }))
      }
    })
  })
  const port = await listenOnLoopback(server)

  return {
    url: `http://127.0.0.1:${port}`,
    token,
    state: { droplets, firewalls, tags },
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
    tooManyRequests: () => answered429,
    setRequestBudget(remaining) {
      budget = remaining
    },
    now,
    close() {
      held.releaseAll()
      return closeServer(server)
    },
  }
}

function rules(value: unknown, targetKey: 'sources' | 'destinations'): FakeFirewallRule[] {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value)) throw unprocessable(`${targetKey === 'sources' ? 'inbound' : 'outbound'}_rules must be a list`)
  return value.map((rule: unknown) => {
    if (!rule || typeof rule !== 'object') throw unprocessable('a firewall rule must be an object')
    const { protocol, ports } = rule as Record<string, unknown>
    const target = (rule as Record<string, unknown>)[targetKey]
    if (protocol !== 'tcp' && protocol !== 'udp' && protocol !== 'icmp') throw unprocessable(`invalid protocol ${JSON.stringify(protocol)}`)
    if (protocol !== 'icmp' && (typeof ports !== 'string' || !/^(0|all|[0-9]{1,5}(-[0-9]{1,5})?)$/.test(ports))) {
      throw unprocessable(`invalid ports ${JSON.stringify(ports)}`)
    }
    if (!target || typeof target !== 'object') throw unprocessable(`a rule must have ${targetKey}`)
    // DigitalOcean reports "0" for "every port" and always "0" for icmp.
    const normalized = protocol === 'icmp' || ports === 'all' ? '0' : (ports as string)
    return { protocol, ports: normalized, [targetKey]: target as FakeTarget }
  })
}

function enforcedLimits(option: FakeDigitalOceanOptions['enforceLimits']): { perHour: number; perMinute: number } | undefined {
  if (!option) return undefined
  const given = option === true ? {} : option
  return { perHour: given.perHour ?? 5_000, perMinute: given.perMinute ?? 250 }
}

function errorId(status: number): string {
  return (
    { 400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 409: 'conflict', 422: 'unprocessable_entity', 429: 'too_many_requests' }[status] ??
    (status >= 500 ? 'server_error' : 'example_error')
  )
}

function integer(value: string | null): number | undefined {
  if (value === null) return undefined
  const parsed = Number(value)
  return Number.isInteger(parsed) ? parsed : undefined
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value))
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}
