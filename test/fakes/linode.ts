/**
 * A stateful, wire-compatible fake of the Linode API v4 subset Exitdesk uses, on 127.0.0.1
 * with a random port. Shapes follow linode/linode-api-docs `openapi.yaml` (v4.189.0), whose
 * response schemas allow no additional properties: the contract test runs the adapter through
 * `prism proxy --errors` in front of this fake, so a field that drifts from the spec fails there.
 *
 * Behaviour modelled on the real API:
 * - `Authorization: Bearer <token>`, else 401 `{"errors":[{"reason":"Invalid Token"}]}`; the
 *   public catalogue (regions, types) also answers without a token;
 * - errors are `{ "errors": [{ "reason", "field" }] }`; validation errors are 400 with the field;
 * - a Linode starts `provisioning` with its IPv4 and IPv6 already assigned, is `booting` after
 *   `provisionAfterMs` of fake time and `running` after `bootAfterMs` more; DELETE answers 200
 *   `{}` and the Linode is `deleting` for `deleteAfterMs` before GET answers 404;
 * - Cloud Firewalls with devices: `firewall_id` at create attaches the Linode to it; without
 *   one, the account's default firewall for Linodes (GET/PUT /v4/networking/firewalls/settings,
 *   https://techdocs.akamai.com/linode-api/reference/get-firewall-settings — newer than the
 *   stored spec) is attached instead, as "a default firewall is assigned" says;
 * - tags are made on the fly by a create and listed at /v4/tags until deleted;
 * - `X-Filter` (simple `{field: value}`, `+and`, `+or`; an array field matches when it holds
 *   the value) and pagination with `page`, `page_size` (25 to 500, default 100), `pages`, `results`;
 * - `X-RateLimit-Limit`, `-Remaining` and `-Reset` (epoch seconds) on every answer, per
 *   operation bucket (create a Linode 20 per 15 s, collections 200 a minute, the rest 1,600 a
 *   minute), and 429 with `Retry-After` when a bucket or the request budget is spent;
 * - error injection (any status, gateway HTML, delays that outlast a deadline, bodies cut off,
 *   successes that are not carried out) and fixed latency per answer (`setLatency`) for benches.
 *
 * Fake time is real time plus an offset that `advance(ms)` moves forward, so tests never sleep.
 * Dates are written as RFC 3339 with a `Z`: the spec says `date-time`, which the real API's
 * "2018-01-01T00:01:01" does not satisfy (provider-specs/SOURCES.md).
 */
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { listenOnLoopback } from '../support/listeners'
import { closeServer, findFailure, heldAnswers, parseJsonBody, readRaw } from './http-server'

export interface FakeLinodeOptions {
  /** Bearer token the fake accepts; random when absent. */
  token?: string
  /** Fake-time milliseconds a new Linode is `provisioning`. Default 2000. */
  provisionAfterMs?: number
  /** Fake-time milliseconds it is `booting` after that. Default 1000. */
  bootAfterMs?: number
  /** Fake-time milliseconds a deleted Linode is still answered (`deleting`). Default 2000. */
  deleteAfterMs?: number
  /** Largest `page_size` honoured (Linode: 500); tests lower it to force several pages. */
  maxPageSize?: number
  /** Requests answered before 429. Default: unlimited (the per-operation buckets still apply). */
  requestBudget?: number
  /** `Retry-After` on a 429, seconds. Default 15. */
  retryAfterSeconds?: number
  /** Fake time's source; `advance(ms)` moves it further. Default: real time. */
  clock?: { now(): number }
  account?: Partial<FakeLinodeAccount>
  /** The account's default firewall for new Linodes (created with the fake). Default: none. */
  defaultFirewall?: boolean
  /**
   * The public IPv4 handed to the n-th Linode (n counts from 10). Default 203.0.113.x
   * (TEST-NET-3, RFC 5737), which the readiness check never contacts.
   */
  ipv4For?: (n: number) => string
  /** Milliseconds added before every answer (a slow link), e.g. 200 for the bench. */
  latencyMs?: number
  /**
   * Every error answer repeats the request back, like a careless gateway: the Authorization
   * header and the raw body (root password, base64 user data) in the reason, and the header in
   * `x-echo-authorization`. For the redaction test: nothing echoed may leave Exitdesk.
   */
  echo?: boolean
}

/** Makes matching requests fail, hang or break. Rules are checked in the order they were set. */
export interface FailureRule {
  method?: string
  /** Exact pathname, or a pattern tested against it. */
  path?: string | RegExp
  /** Answer with this status (and Linode's error body, or `body`) instead of the normal answer. */
  status?: number
  body?: unknown
  headers?: Record<string, string>
  /** Wait this long before answering (or before the normal answer when no status is set). */
  delayMs?: number
  /** How many requests the rule applies to; unlimited when absent. */
  times?: number
  /** Answer with a gateway's text/html page instead of a JSON body. */
  html?: boolean
  /** Carry the call out, then send only the first half of its JSON body. */
  truncate?: boolean
  /** Answer with the call's success status and `{}` but do not carry it out. */
  ignore?: boolean
}

export interface FakeLinodeAccount {
  euuid: string
  email: string
  company: string
  first_name: string
  last_name: string
}

export interface FakeInstance {
  id: number
  label: string
  region: string
  type: string
  image: string
  tags: string[]
  /** Decoded `metadata.user_data`. */
  userData?: string
  status: 'provisioning' | 'booting' | 'running' | 'deleting'
  createdAtMs: number
  ipv4: string
  ipv6: string
  deleteRequestedAtMs?: number
  /** Whether a root password came with the create (its value is not kept). */
  rootPassGiven: boolean
}

export interface FakeFirewallRule {
  action: string
  protocol: string
  ports?: string
  addresses: { ipv4?: string[]; ipv6?: string[] }
  label?: string
  description?: string
}

export interface FakeFirewall {
  id: number
  label: string
  tags: string[]
  inbound: FakeFirewallRule[]
  outbound: FakeFirewallRule[]
  inboundPolicy: string
  outboundPolicy: string
  /** Linode ids the firewall is assigned to. */
  devices: number[]
  createdAtMs: number
  version: number
}

export interface FakeRequest {
  method: string
  /** Pathname only, e.g. "/v4/linode/instances/123". */
  path: string
  query: string
  /** The X-Filter header, parsed, when one was sent. */
  filter?: unknown
  /** Parsed JSON body, when one was sent. */
  body?: unknown
  status?: number
}

export interface FakeLinode {
  url: string
  token: string
  close(): Promise<void>
  state: {
    instances: Map<number, FakeInstance>
    firewalls: Map<number, FakeFirewall>
    tags: Set<string>
    /** StackScripts in the account: Exitdesk makes none. */
    stackscripts: Map<number, { label: string }>
    settings: { defaultLinodeFirewall: number | null }
  }
  /** Every request received, in order (never the Authorization header). */
  requests: FakeRequest[]
  setFailure(rule: FailureRule): void
  clearFailures(): void
  advance(ms: number): void
  setRequestBudget(remaining: number): void
  setLatency(ms: number): void
  now(): number
  /** Adds a Linode directly (as another tool would), e.g. to fill a list. */
  addInstance(instance: { label: string; region?: string; tags: string[]; status?: FakeInstance['status']; firewallId?: number }): FakeInstance
}

interface RegionRecord {
  id: string
  label: string
  country: string
  capabilities: string[]
}

const CORE = ['Linodes', 'Block Storage', 'Cloud Firewall', 'Vlans', 'VPCs', 'Metadata', 'Placement Group']

/** Core regions with Metadata, one older region without it, and one that offers no Linodes. */
export const FAKE_REGIONS: RegionRecord[] = [
  { id: 'fr-par', label: 'Paris, FR', country: 'fr', capabilities: CORE },
  { id: 'nl-ams', label: 'Amsterdam, NL', country: 'nl', capabilities: CORE },
  { id: 'us-iad', label: 'Washington, DC', country: 'us', capabilities: CORE },
  { id: 'us-ord', label: 'Chicago, IL', country: 'us', capabilities: CORE },
  { id: 'br-gru', label: 'Sao Paulo, BR', country: 'br', capabilities: CORE },
  { id: 'id-cgk', label: 'Jakarta, ID', country: 'id', capabilities: CORE },
  { id: 'eu-west', label: 'London, UK', country: 'gb', capabilities: ['Linodes', 'Block Storage', 'Cloud Firewall', 'Vlans'] },
  { id: 'us-den-edge-1', label: 'Denver, CO (object storage only)', country: 'us', capabilities: ['Object Storage'] },
]

interface TypeRecord {
  id: string
  label: string
  class: 'nanode' | 'standard' | 'dedicated' | 'gpu'
  vcpus: number
  memory: number
  disk: number
  transfer: number
  monthly: number
  hourly: number
  regionPrices: Array<{ id: string; monthly: number; hourly: number }>
}

/** Listed out of price order, with a GPU type whose public base price is 0 (as the real list has). */
export const FAKE_TYPES: TypeRecord[] = [
  { id: 'g6-standard-2', label: 'Linode 4GB', class: 'standard', vcpus: 2, memory: 4096, disk: 81920, transfer: 4000, monthly: 24, hourly: 0.036, regionPrices: [] },
  { id: 'g6-standard-1', label: 'Linode 2GB', class: 'standard', vcpus: 1, memory: 2048, disk: 51200, transfer: 2000, monthly: 12, hourly: 0.018, regionPrices: [] },
  {
    id: 'g6-nanode-1',
    label: 'Nanode 1GB',
    class: 'nanode',
    vcpus: 1,
    memory: 1024,
    disk: 25600,
    transfer: 1000,
    monthly: 5,
    hourly: 0.0075,
    regionPrices: [
      { id: 'id-cgk', monthly: 6, hourly: 0.009 },
      { id: 'br-gru', monthly: 7.2, hourly: 0.0108 },
    ],
  },
  { id: 'g6-dedicated-2', label: 'Dedicated 4GB', class: 'dedicated', vcpus: 2, memory: 4096, disk: 81920, transfer: 4000, monthly: 36, hourly: 0.054, regionPrices: [] },
  { id: 'g1-gpu-rtx6000-1', label: 'Dedicated 32GB + RTX6000 GPU x1', class: 'gpu', vcpus: 8, memory: 32768, disk: 655360, transfer: 16000, monthly: 0, hourly: 0, regionPrices: [] },
]

const IMAGES: Record<string, { label: string; vendor: string; cloudInit: boolean; deprecated: boolean; created: string }> = {
  'linode/ubuntu24.04': { label: 'Ubuntu 24.04 LTS', vendor: 'Ubuntu', cloudInit: true, deprecated: false, created: '2024-04-25T00:00:00Z' },
  'linode/ubuntu22.04': { label: 'Ubuntu 22.04 LTS', vendor: 'Ubuntu', cloudInit: true, deprecated: false, created: '2022-04-21T00:00:00Z' },
  'linode/debian12': { label: 'Debian 12', vendor: 'Debian', cloudInit: true, deprecated: false, created: '2023-06-12T00:00:00Z' },
}

/** `label` of the Linode and Firewall objects. */
const LABEL = /^[a-zA-Z]((?!--|__|\.\.)[a-zA-Z0-9-_.])+$/
const USER_DATA_MAX = 65_535
const NOT_FOUND = 'Not found'

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly field?: string,
  ) {
    super(reason)
  }
}

const invalid = (field: string, reason: string): HttpFailure => new HttpFailure(400, reason, field)

type Bucket = 'create-linode' | 'collection' | 'other'
const BUCKETS: Record<Bucket, { limit: number; windowMs: number }> = {
  'create-linode': { limit: 20, windowMs: 15_000 },
  collection: { limit: 200, windowMs: 60_000 },
  other: { limit: 1_600, windowMs: 60_000 },
}

export async function startFakeLinode(options: FakeLinodeOptions = {}): Promise<FakeLinode> {
  const token = options.token ?? `fake-linode-${randomBytes(24).toString('hex')}`
  const provisionAfterMs = options.provisionAfterMs ?? 2_000
  const bootAfterMs = options.bootAfterMs ?? 1_000
  const deleteAfterMs = options.deleteAfterMs ?? 2_000
  const maxPageSize = Math.min(options.maxPageSize ?? 500, 500)
  const retryAfterSeconds = options.retryAfterSeconds ?? 15
  let latencyMs = options.latencyMs ?? 0
  const account: FakeLinodeAccount = {
    euuid: 'e1af5eec-526f-487d-b317-ebeb34c87d71',
    email: 'exit@example.com',
    company: 'Example Tunnels',
    first_name: 'Sam',
    last_name: 'Doe',
    ...options.account,
  }

  let offsetMs = 0
  const now = (): number => (options.clock ? options.clock.now() : Date.now()) + offsetMs
  let budget = options.requestBudget ?? Number.POSITIVE_INFINITY
  const bucketSends: Record<Bucket, number[]> = { 'create-linode': [], collection: [], other: [] }
  let nextInstanceId = 51_000_000
  let nextFirewallId = 8_000
  let nextAddress = 10
  const failures: Array<FailureRule & { used: number }> = []
  const instances = new Map<number, FakeInstance>()
  const firewalls = new Map<number, FakeFirewall>()
  const tags = new Set<string>()
  const stackscripts = new Map<number, { label: string }>()
  const settings: { defaultLinodeFirewall: number | null } = { defaultLinodeFirewall: null }
  const requests: FakeRequest[] = []
  const held = heldAnswers()

  if (options.defaultFirewall) {
    // What an account owner typically sets as the default: ssh only.
    const fallback = makeFirewall({
      label: 'account-default',
      tags: [],
      inbound: [{ action: 'ACCEPT', protocol: 'TCP', ports: '22', addresses: { ipv4: ['0.0.0.0/0'] }, label: 'ssh' }],
      outbound: [],
      inboundPolicy: 'DROP',
      outboundPolicy: 'ACCEPT',
    })
    settings.defaultLinodeFirewall = fallback.id
  }

  function makeFirewall(fields: Omit<FakeFirewall, 'id' | 'devices' | 'createdAtMs' | 'version'>): FakeFirewall {
    const firewall: FakeFirewall = { id: nextFirewallId++, devices: [], createdAtMs: now(), version: 1, ...fields }
    firewalls.set(firewall.id, firewall)
    return firewall
  }

  /** Applies the passage of fake time to every Linode. */
  function settle(): void {
    const t = now()
    for (const instance of [...instances.values()]) {
      if (instance.deleteRequestedAtMs !== undefined) {
        if (t - instance.deleteRequestedAtMs >= deleteAfterMs) {
          instances.delete(instance.id)
          for (const firewall of firewalls.values()) firewall.devices = firewall.devices.filter((id) => id !== instance.id)
        }
        continue
      }
      const age = t - instance.createdAtMs
      if (instance.status === 'provisioning' && age >= provisionAfterMs) instance.status = 'booting'
      if (instance.status === 'booting' && age >= provisionAfterMs + bootAfterMs) instance.status = 'running'
    }
  }

  function instanceJson(instance: FakeInstance): Record<string, unknown> {
    const type = FAKE_TYPES.find((candidate) => candidate.id === instance.type)!
    return {
      alerts: { cpu: 90, io: 10000, network_in: 10, network_out: 10, transfer_quota: 80 },
      // No `last_successful`: the spec types it as a string (not nullable) and a new Linode has none.
      backups: { available: false, enabled: false, schedule: { day: 'Scheduling', window: 'Scheduling' } },
      capabilities: [],
      created: iso(instance.createdAtMs),
      group: '',
      has_user_data: instance.userData !== undefined,
      host_uuid: '3a3ddd59-d9a7-4bb8-8e04-1391075df44d',
      hypervisor: 'kvm',
      id: instance.id,
      image: instance.image,
      ipv4: [instance.ipv4],
      ipv6: `${instance.ipv6}/128`,
      label: instance.label,
      lke_cluster_id: null,
      placement_group: null,
      region: instance.region,
      specs: { disk: type.disk, gpus: 0, memory: type.memory, transfer: type.transfer, vcpus: type.vcpus },
      status: instance.status,
      tags: [...instance.tags],
      type: instance.type,
      updated: iso(instance.createdAtMs),
      watchdog_enabled: true,
    }
  }

  function firewallJson(firewall: FakeFirewall): Record<string, unknown> {
    return {
      created: iso(firewall.createdAtMs),
      id: firewall.id,
      label: firewall.label,
      rules: {
        fingerprint: `${firewall.id.toString(16)}${firewall.version}`.padStart(8, '0'),
        inbound: firewall.inbound,
        inbound_policy: firewall.inboundPolicy,
        outbound: firewall.outbound,
        outbound_policy: firewall.outboundPolicy,
        version: firewall.version,
      },
      status: 'enabled',
      tags: [...firewall.tags],
      updated: iso(firewall.createdAtMs),
    }
  }

  function deviceJson(firewall: FakeFirewall, linodeId: number): Record<string, unknown> {
    const instance = instances.get(linodeId)
    return {
      created: iso(firewall.createdAtMs),
      entity: { id: linodeId, label: instance?.label ?? '', type: 'linode', url: `/v4/linode/instances/${linodeId}` },
      id: linodeId + 1_000_000,
      updated: iso(firewall.createdAtMs),
    }
  }

  function regionJson(region: RegionRecord): Record<string, unknown> {
    return {
      capabilities: [...region.capabilities],
      country: region.country,
      id: region.id,
      label: region.label,
      placement_group_limits: { maximum_linodes_per_pg: 5, maximum_pgs_per_customer: 100 },
      resolvers: { ipv4: '192.0.2.10,192.0.2.11', ipv6: '2001:db8::10' },
      status: 'ok',
    }
  }

  function typeJson(type: TypeRecord): Record<string, unknown> {
    const regionPrices = type.regionPrices.map((price) => ({ hourly: price.hourly, id: price.id, monthly: price.monthly }))
    return {
      addons: { backups: { price: { hourly: 0.003, monthly: 2 }, region_prices: [] } },
      class: type.class,
      disk: type.disk,
      gpus: type.class === 'gpu' ? 1 : 0,
      id: type.id,
      label: type.label,
      memory: type.memory,
      network_out: 1000,
      price: { hourly: type.hourly, monthly: type.monthly },
      region_prices: regionPrices,
      successor: null,
      transfer: type.transfer,
      vcpus: type.vcpus,
    }
  }

  function imageJson(id: string): Record<string, unknown> {
    const image = IMAGES[id]!
    return {
      capabilities: image.cloudInit ? ['cloud-init'] : [],
      created: image.created,
      created_by: 'linode',
      deprecated: image.deprecated,
      description: null,
      eol: null,
      expiry: null,
      id,
      is_public: true,
      label: image.label,
      regions: [],
      size: 2500,
      status: 'available',
      tags: [],
      total_size: 2500,
      type: 'manual',
      updated: image.created,
      vendor: image.vendor,
    }
  }

  /** Linode pagination: `page`, `page_size`; answers `data`, `page`, `pages`, `results`. */
  function paginate<T>(url: URL, all: T[], toJson: (item: T) => unknown): Record<string, unknown> {
    const asked = integer(url.searchParams.get('page_size'))
    if (asked !== undefined && (asked < 25 || asked > 500)) throw invalid('page_size', 'Must be a value between 25 and 500.')
    const pageSize = Math.min(asked ?? 100, maxPageSize)
    const pages = Math.max(1, Math.ceil(all.length / pageSize))
    const page = integer(url.searchParams.get('page')) ?? 1
    if (page < 1 || page > pages) throw invalid('page', `Must be a value between 1 and ${pages}.`)
    return { data: all.slice((page - 1) * pageSize, page * pageSize).map(toJson), page, pages, results: all.length }
  }

  function createInstance(body: Record<string, unknown>): FakeInstance {
    if ('stackscript_id' in body) throw invalid('stackscript_id', 'StackScripts are not modelled by this fake.')
    const label = body.label
    if (typeof label !== 'string' || label.length < 3 || label.length > 64 || !LABEL.test(label) || !/[a-zA-Z0-9]$/.test(label)) {
      throw invalid('label', 'Label must begin with a letter, end with a letter or number, and contain only letters, numbers, dashes, underscores and periods (3-64 characters).')
    }
    if ([...instances.values()].some((instance) => instance.label === label)) throw invalid('label', 'Label must be unique among your Linodes')
    const region = FAKE_REGIONS.find((candidate) => candidate.id === body.region)
    if (!region || !region.capabilities.includes('Linodes')) throw invalid('region', 'region is not valid')
    const type = FAKE_TYPES.find((candidate) => candidate.id === body.type)
    if (!type) throw invalid('type', 'A valid plan type by that ID was not found')
    if (typeof body.image !== 'string' || !(body.image in IMAGES)) throw invalid('image', 'image is not valid')
    const image = IMAGES[body.image]!
    const rootPass = body.root_pass
    if (typeof rootPass !== 'string' || rootPass.length < 7 || rootPass.length > 128) throw invalid('root_pass', 'root_pass is required and must be 7 to 128 characters')
    const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/].filter((pattern) => pattern.test(rootPass)).length
    if (classes < 3 || rootPass.length < 12) throw invalid('root_pass', 'Password does not meet strength requirement.')
    let userData: string | undefined
    if (body.metadata !== undefined) {
      const metadata = body.metadata as Record<string, unknown> | null
      const encoded = metadata?.user_data
      if (typeof encoded !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(encoded) || encoded.length % 4 !== 0) throw invalid('metadata.user_data', 'user_data must be valid base64')
      const decoded = Buffer.from(encoded, 'base64')
      if (decoded.length > USER_DATA_MAX) throw invalid('metadata.user_data', 'user_data must not exceed 65535 bytes')
      if (!region.capabilities.includes('Metadata')) throw invalid('metadata.user_data', 'The Metadata service is not available in this region')
      if (!image.cloudInit) throw invalid('metadata.user_data', 'This image does not support cloud-init')
      userData = decoded.toString('utf8')
    }
    let firewall: FakeFirewall | undefined
    if (body.firewall_id !== undefined && body.firewall_id !== null) {
      firewall = typeof body.firewall_id === 'number' ? firewalls.get(body.firewall_id) : undefined
      if (!firewall) throw invalid('firewall_id', 'Firewall not found')
    } else if (settings.defaultLinodeFirewall !== null) {
      firewall = firewalls.get(settings.defaultLinodeFirewall)
    }
    const instanceTags = body.tags === undefined ? [] : body.tags
    if (!Array.isArray(instanceTags) || instanceTags.some((tag) => typeof tag !== 'string' || tag.length < 3 || tag.length > 50)) throw invalid('tags', 'Length must be 3-50 characters')
    const n = nextAddress++
    const host = n % 254 || 254
    const instance: FakeInstance = {
      id: nextInstanceId++,
      label,
      region: region.id,
      type: type.id,
      image: body.image,
      tags: [...(instanceTags as string[])],
      userData,
      status: 'provisioning',
      createdAtMs: now(),
      ipv4: options.ipv4For ? options.ipv4For(n) : `203.0.113.${host}`,
      ipv6: `2001:db8:3c03::${host.toString(16)}`,
      rootPassGiven: true,
    }
    instances.set(instance.id, instance)
    for (const tag of instance.tags) tags.add(tag)
    firewall?.devices.push(instance.id)
    return instance
  }

  function createFirewall(body: Record<string, unknown>): FakeFirewall {
    const label = body.label
    if (typeof label !== 'string' || label.length < 3 || label.length > 32 || !LABEL.test(label)) throw invalid('label', 'Label must be 3-32 characters, begin with a letter and contain only letters, numbers, dashes, underscores and periods')
    if ([...firewalls.values()].some((firewall) => firewall.label === label)) throw invalid('label', 'Label must be unique')
    const rules = body.rules as Record<string, unknown> | undefined
    if (!rules || typeof rules !== 'object') throw invalid('rules', 'rules is required')
    const policy = (key: string): string => {
      const value = rules[key]
      if (value !== 'ACCEPT' && value !== 'DROP') throw invalid(`rules.${key}`, `${key} must be ACCEPT or DROP`)
      return value
    }
    const firewallTags = body.tags === undefined ? [] : body.tags
    if (!Array.isArray(firewallTags) || firewallTags.some((tag) => typeof tag !== 'string')) throw invalid('tags', 'tags must be a list of strings')
    const devices = (body.devices as { linodes?: number[] } | undefined)?.linodes ?? []
    const firewall = makeFirewall({
      label,
      tags: firewallTags as string[],
      inbound: firewallRules(rules.inbound, 'rules.inbound'),
      outbound: firewallRules(rules.outbound, 'rules.outbound'),
      inboundPolicy: policy('inbound_policy'),
      outboundPolicy: policy('outbound_policy'),
    })
    for (const id of devices) if (instances.has(id)) firewall.devices.push(id)
    for (const tag of firewall.tags) tags.add(tag)
    return firewall
  }

  function route(method: string, url: URL, body: unknown, filter: unknown): { status: number; json: unknown } {
    const path = url.pathname.replace(/\/+$/, '')
    const segments = path.split('/').filter(Boolean)
    if (segments[0] !== 'v4') throw new HttpFailure(404, NOT_FOUND)
    const rest = segments.slice(1).join('/')
    const object = (): Record<string, unknown> => {
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw new HttpFailure(400, 'Malformed JSON')
      return body as Record<string, unknown>
    }
    const filtered = <T>(items: T[], toJson: (item: T) => Record<string, unknown>): Record<string, unknown>[] => items.map(toJson).filter((json) => matches(json, filter))

    if (rest === 'account' && method === 'GET') {
      return {
        status: 200,
        json: {
          active_since: '2020-01-01T00:00:00Z',
          balance: 0,
          balance_uninvoiced: 0,
          billing_source: 'akamai',
          capabilities: ['Linodes', 'Cloud Firewall', 'Metadata'],
          company: account.company,
          country: 'FR',
          email: account.email,
          euuid: account.euuid,
          first_name: account.first_name,
          last_name: account.last_name,
        },
      }
    }
    if (rest === 'regions' && method === 'GET') return { status: 200, json: paginate(url, filtered(FAKE_REGIONS, regionJson), (json) => json) }
    if (rest === 'linode/types' && method === 'GET') return { status: 200, json: paginate(url, filtered(FAKE_TYPES, typeJson), (json) => json) }
    if (rest === 'images' && method === 'GET') return { status: 200, json: paginate(url, filtered(Object.keys(IMAGES), imageJson), (json) => json) }

    if (rest === 'linode/instances') {
      if (method === 'GET') {
        const listed = [...instances.values()].sort((a, b) => a.id - b.id)
        return { status: 200, json: paginate(url, filtered(listed, instanceJson), (json) => json) }
      }
      if (method === 'POST') return { status: 200, json: instanceJson(createInstance(object())) }
    }
    const instanceMatch = /^linode\/instances\/([^/]+)$/.exec(rest)
    if (instanceMatch) {
      const instance = /^[0-9]+$/.test(instanceMatch[1]!) ? instances.get(Number(instanceMatch[1])) : undefined
      if (!instance) throw new HttpFailure(404, NOT_FOUND)
      if (method === 'GET') return { status: 200, json: instanceJson(instance) }
      if (method === 'DELETE') {
        instance.deleteRequestedAtMs ??= now()
        instance.status = 'deleting'
        return { status: 200, json: {} }
      }
    }

    if (rest === 'networking/firewalls/settings') {
      if (method === 'GET') return { status: 200, json: { default_firewall_ids: { linode: settings.defaultLinodeFirewall, nodebalancer: null, public_interface: null, vpc_interface: null } } }
      if (method === 'PUT') {
        const ids = object().default_firewall_ids as Record<string, unknown> | undefined
        if (ids && 'linode' in ids) {
          if (ids.linode !== null && !(typeof ids.linode === 'number' && firewalls.has(ids.linode))) throw invalid('default_firewall_ids.linode', 'Firewall not found')
          settings.defaultLinodeFirewall = ids.linode as number | null
        }
        return { status: 200, json: { default_firewall_ids: { linode: settings.defaultLinodeFirewall, nodebalancer: null, public_interface: null, vpc_interface: null } } }
      }
    }
    if (rest === 'networking/firewalls') {
      if (method === 'GET') return { status: 200, json: paginate(url, filtered([...firewalls.values()], firewallJson), (json) => json) }
      if (method === 'POST') return { status: 200, json: firewallJson(createFirewall(object())) }
    }
    const firewallMatch = /^networking\/firewalls\/([^/]+)(\/devices)?$/.exec(rest)
    if (firewallMatch) {
      const firewall = /^[0-9]+$/.test(firewallMatch[1]!) ? firewalls.get(Number(firewallMatch[1])) : undefined
      if (!firewall) throw new HttpFailure(404, NOT_FOUND)
      if (firewallMatch[2] && method === 'GET') return { status: 200, json: paginate(url, firewall.devices.map((id) => deviceJson(firewall, id)), (json) => json) }
      if (!firewallMatch[2] && method === 'GET') return { status: 200, json: firewallJson(firewall) }
      if (!firewallMatch[2] && method === 'DELETE') {
        firewalls.delete(firewall.id)
        if (settings.defaultLinodeFirewall === firewall.id) settings.defaultLinodeFirewall = null
        return { status: 200, json: {} }
      }
    }

    if (rest === 'tags' && method === 'GET') return { status: 200, json: paginate(url, [...tags].map((label) => ({ label })), (json) => json) }
    const tagMatch = /^tags\/([^/]+)$/.exec(rest)
    if (tagMatch && method === 'DELETE') {
      const label = decodeURIComponent(tagMatch[1]!)
      if (!tags.has(label)) throw new HttpFailure(404, NOT_FOUND)
      tags.delete(label)
      for (const instance of instances.values()) instance.tags = instance.tags.filter((tag) => tag !== label)
      for (const firewall of firewalls.values()) firewall.tags = firewall.tags.filter((tag) => tag !== label)
      return { status: 200, json: {} }
    }
    throw new HttpFailure(404, NOT_FOUND)
  }

  function bucketOf(method: string, path: string): Bucket {
    if (method === 'POST' && /^\/v4\/linode\/instances\/?$/.test(path)) return 'create-linode'
    if (method === 'GET' && /^\/v4\/(regions|linode\/types|images|linode\/instances|networking\/firewalls|tags)\/?$/.test(path)) return 'collection'
    return 'other'
  }

  /** Counts a request in its bucket; the headers to send, and whether the bucket was already full. */
  function rateLimit(bucket: Bucket): { headers: Record<string, string>; over: boolean } {
    const { limit, windowMs } = BUCKETS[bucket]
    const t = now()
    const sends = (bucketSends[bucket] = bucketSends[bucket].filter((at) => at > t - windowMs))
    const over = sends.length >= limit
    if (!over) sends.push(t)
    const reset = Math.ceil(((sends[0] ?? t) + windowMs) / 1000)
    return { headers: { 'x-ratelimit-limit': String(limit), 'x-ratelimit-remaining': String(Math.max(0, limit - sends.length)), 'x-ratelimit-reset': String(reset) }, over }
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET'
    const url = new URL(request.url ?? '/', 'http://127.0.0.1')
    const raw = await readRaw(request)
    const { body, bodyError } = parseJsonBody(raw)
    // `x-relayed-filter`: the contract test's way past prism (test/contract/linode-spec.test.ts).
    const filterHeader = request.headers['x-filter'] ?? request.headers['x-relayed-filter']
    let filter: unknown
    let filterError = false
    if (typeof filterHeader === 'string') {
      try {
        filter = JSON.parse(filterHeader) as unknown
      } catch {
        filterError = true
      }
    }
    const logged: FakeRequest = { method, path: url.pathname, query: url.search.replace(/^\?/, ''), ...(filter !== undefined ? { filter } : {}), ...(body !== undefined ? { body } : {}) }
    requests.push(logged)
    if (latencyMs > 0 && (await held.wait(latencyMs, response))) {
      logged.status = 0
      return
    }

    let limitHeaders: Record<string, string> = {}
    const send = (status: number, json: unknown, extra: Record<string, string> = {}, truncate = false): void => {
      logged.status = status
      if (response.destroyed) return
      const text = JSON.stringify(json)
      const sent = truncate ? text.slice(0, Math.max(1, Math.floor(text.length / 2))) : text
      response.writeHead(status, { ...limitHeaders, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(sent)), ...extra })
      response.end(sent)
    }
    const echoed = (reason: string): string => (options.echo ? `${reason} You sent Authorization: ${request.headers.authorization ?? ''}; body: ${raw}` : reason)
    const echoHeaders = (): Record<string, string> => (options.echo ? { 'x-echo-authorization': request.headers.authorization ?? '' } : {})
    const error = (status: number, reason: string, field?: string, extra: Record<string, string> = {}): void =>
      send(status, { errors: [field ? { field, reason: echoed(reason) } : { reason: echoed(reason) }] }, { ...echoHeaders(), ...extra })
    const page = (status: number, extra: Record<string, string> = {}): void => {
      logged.status = status
      if (response.destroyed) return
      const text = `<html><head><title>${status} Bad Gateway</title></head><body><center><h1>${status} Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n`
      response.writeHead(status, { ...extra, 'content-type': 'text/html', 'content-length': String(Buffer.byteLength(text)) })
      response.end(text)
    }

    // The catalogue is public (no security requirement in the spec); a wrong token is still refused.
    const isPublic = method === 'GET' && /^\/v4\/(regions|linode\/types)\/?$/.test(url.pathname)
    const auth = request.headers.authorization
    if (auth !== `Bearer ${token}` && !(isPublic && auth === undefined)) return error(401, 'Invalid Token')

    if (budget <= 0) return error(429, 'Too many requests', undefined, { 'retry-after': String(retryAfterSeconds) })
    budget -= 1
    const limited = rateLimit(bucketOf(method, url.pathname))
    limitHeaders = limited.headers
    if (limited.over) return error(429, 'Too many requests', undefined, { 'retry-after': String(Math.max(1, Number(limited.headers['x-ratelimit-reset']) - Math.floor(now() / 1000))) })

    const rule = findFailure(failures, method, url.pathname)
    if (rule) {
      rule.used += 1
      if (rule.delayMs && (await held.wait(rule.delayMs, response))) {
        logged.status = 0
        return
      }
      if (rule.ignore) return send(200, {})
      if (rule.status !== undefined) {
        if (rule.html) return page(rule.status, rule.headers)
        if (rule.body === undefined) return error(rule.status, `Injected failure (HTTP ${rule.status}).`, undefined, rule.headers)
        return send(rule.status, rule.body, rule.headers)
      }
    }

    if (bodyError) return error(400, 'Malformed JSON')
    if (filterError) return error(400, 'Malformed X-Filter', 'X-Filter')
    settle()
    try {
      const answer = route(method, url, body, filter)
      send(answer.status, answer.json, {}, rule?.truncate === true)
    } catch (caught) {
      if (caught instanceof HttpFailure) return error(caught.status, caught.reason, caught.field)
      return error(500, 'Internal server error')
    }
  }

  /** Resolves true when the client went away first. Always ends on close(). */
  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) {
        response.writeHead(500, { 'content-type': 'application/json' })
        response.end(JSON.stringify({ errors: [{ reason: 'Internal server error' }] }))
      }
    })
  })
  const port = await listenOnLoopback(server)

  return {
    url: `http://127.0.0.1:${port}`,
    token,
    state: { instances, firewalls, tags, stackscripts, settings },
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
    setLatency(ms) {
      latencyMs = ms
    },
    now,
    addInstance({ label, region = 'fr-par', tags: instanceTags, status = 'running', firewallId }) {
      const n = nextAddress++
      const instance: FakeInstance = {
        id: nextInstanceId++,
        label,
        region,
        type: 'g6-nanode-1',
        image: 'linode/ubuntu24.04',
        tags: [...instanceTags],
        status,
        createdAtMs: now() - provisionAfterMs - bootAfterMs,
        ipv4: `203.0.113.${n % 254 || 254}`,
        ipv6: `2001:db8:3c03::${(n % 65535).toString(16)}`,
        rootPassGiven: true,
      }
      instances.set(instance.id, instance)
      for (const tag of instance.tags) tags.add(tag)
      if (firewallId !== undefined) firewalls.get(firewallId)?.devices.push(instance.id)
      return instance
    },
    close() {
      held.releaseAll()
      return closeServer(server)
    },
  }
}

/** Linode's X-Filter on a JSON object: keys AND-ed, `+and`/`+or` lists, arrays match by membership. */
export function matches(json: Record<string, unknown>, filter: unknown): boolean {
  if (filter === undefined || filter === null) return true
  if (typeof filter !== 'object' || Array.isArray(filter)) return false
  return Object.entries(filter as Record<string, unknown>).every(([key, wanted]) => {
    if (key === '+and') return Array.isArray(wanted) && wanted.every((part) => matches(json, part))
    if (key === '+or') return Array.isArray(wanted) && wanted.some((part) => matches(json, part))
    if (key.startsWith('+')) return true // +order_by, +order: sorting only
    const value = json[key]
    if (wanted !== null && typeof wanted === 'object' && !Array.isArray(wanted)) {
      const operator = wanted as Record<string, unknown>
      if ('+contains' in operator) return typeof value === 'string' && typeof operator['+contains'] === 'string' && value.includes(operator['+contains'])
      if ('+neq' in operator) return value !== operator['+neq']
      return false
    }
    return Array.isArray(value) ? value.includes(wanted) : value === wanted
  })
}

function firewallRules(value: unknown, field: string): FakeFirewallRule[] {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value)) throw invalid(field, `${field} must be a list`)
  return value.map((rule: unknown, index) => {
    const at = `${field}[${index}]`
    if (!rule || typeof rule !== 'object') throw invalid(at, 'a rule must be an object')
    const { action, protocol, ports, addresses, label, description } = rule as Record<string, unknown>
    if (action !== 'ACCEPT' && action !== 'DROP') throw invalid(`${at}.action`, 'action must be ACCEPT or DROP')
    if (protocol !== 'TCP' && protocol !== 'UDP' && protocol !== 'ICMP' && protocol !== 'IPENCAP') throw invalid(`${at}.protocol`, 'protocol must be TCP, UDP, ICMP or IPENCAP')
    if (ports !== undefined && ports !== null) {
      if (protocol === 'ICMP' || protocol === 'IPENCAP') throw invalid(`${at}.ports`, 'Ports are not allowed for ICMP and IPENCAP')
      if (typeof ports !== 'string' || !validPorts(ports)) throw invalid(`${at}.ports`, 'Ports must be within 1 and 65535')
    }
    if (!addresses || typeof addresses !== 'object' || (!('ipv4' in addresses) && !('ipv6' in addresses))) throw invalid(`${at}.addresses`, 'Must contain ipv4, ipv6, or both')
    if (label !== undefined && (typeof label !== 'string' || label.length < 3 || label.length > 32)) throw invalid(`${at}.label`, 'Label must be 3-32 characters')
    return { action, protocol, ...(typeof ports === 'string' ? { ports } : {}), addresses: addresses as FakeFirewallRule['addresses'], ...(typeof label === 'string' ? { label } : {}), ...(typeof description === 'string' ? { description } : {}) }
  })
}

/** "A single port, a range of ports, or a comma-separated list", 1 to 65535, no leading zeros, at most 15 pieces. */
function validPorts(ports: string): boolean {
  const parts = ports.split(/, ?/)
  let pieces = 0
  for (const part of parts) {
    const range = /^([1-9][0-9]{0,4})(?:-([1-9][0-9]{0,4}))?$/.exec(part)
    if (!range) return false
    const low = Number(range[1])
    const high = range[2] === undefined ? low : Number(range[2])
    if (low > 65535 || high > 65535 || (range[2] !== undefined && high <= low)) return false
    pieces += range[2] === undefined ? 1 : 2
  }
  return pieces <= 15
}

function integer(value: string | null): number | undefined {
  if (value === null) return undefined
  const parsed = Number(value)
  return Number.isInteger(parsed) ? parsed : undefined
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

