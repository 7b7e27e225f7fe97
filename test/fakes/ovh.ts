/**
 * A stateful, wire-compatible fake of the OVH API subset Exitdesk uses (OVHcloud Public Cloud),
 * on 127.0.0.1 with a random port. Shapes follow OVH's own schema (cloud.json, kept in
 * ../shared/provider-specs/ovhcloud; test/contract/ovh-schema.test.ts checks the adapter's
 * requests against it).
 *
 * Behaviour modelled on the real API:
 * - GET /auth/time answers the API's clock (epoch seconds, a bare JSON number) without auth; the
 *   fake's clock runs `clockSkewSeconds` ahead of (or behind) this machine's, so a client that
 *   signs with its own clock is refused;
 * - every other call must carry X-Ovh-Application, X-Ovh-Consumer, X-Ovh-Timestamp and
 *   X-Ovh-Signature = "$1$" + sha1(AS+CK+METHOD+URL+BODY+TS), recomputed here from the URL and
 *   body as received: an unknown application key is 403 INVALID_KEY, an unknown consumer key
 *   403 INVALID_CREDENTIAL, a wrong signature (a wrong secret) or a timestamp more than
 *   `toleranceSeconds` off 400 INVALID_SIGNATURE (OVH does not document its answer to a stale
 *   timestamp; python-ovh and php-ovh issues show INVALID_SIGNATURE for clock trouble);
 * - errors are `{ "errorCode", "httpCode", "message" }`;
 * - an instance starts BUILD without addresses and turns ACTIVE with a public IPv4 and IPv6 on
 *   Ext-Net after `activateAfterMs` of fake time; DELETE answers 200 `null`, the instance shows
 *   DELETING for `deleteAfterMs`, then GET answers 404;
 * - lists are whole (no pagination), filtered by `region` (and `osType` for images).
 *
 * Fake time for state changes is real time plus an offset that `advance(ms)` moves forward, so
 * tests never sleep; the API clock (/auth/time, timestamp checks) is real time plus the skew.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { listenOnLoopback } from '../support/listeners'
import { closeServer, findFailure, heldAnswers, lateWork, parseJsonBody, readRaw, sendGatewayPage } from './http-server'

export interface FakeOvhOptions {
  applicationKey?: string
  applicationSecret?: string
  consumerKey?: string
  /** The project's id (serviceName); random 32 hex characters when absent. */
  projectId?: string
  projectDescription?: string
  /** Seconds the API clock is ahead of this machine's (negative: behind). Default 0. */
  clockSkewSeconds?: number
  /** How far a request's timestamp may be from the API clock. Default 30 s. */
  toleranceSeconds?: number
  /** Fake-time milliseconds after create before an instance is ACTIVE. Default 3000. */
  activateAfterMs?: number
  /** Fake-time milliseconds a deleted instance still shows DELETING. Default 2000. */
  deleteAfterMs?: number
  /** Regions enabled for the project. Default GRA11, SBG5, BHS5, WAW1. */
  regions?: string[]
  /** Regions with no Ubuntu 24.04 image. */
  regionsWithoutUbuntu?: string[]
  /** The public IPv4 of the n-th instance (n counts from 1). Default 198.51.100.n (TEST-NET-2). */
  ipv4For?: (n: number) => string
  /**
   * Every error answer repeats the request back, like a careless gateway or debug build: the
   * X-Ovh headers and the raw body, as they are, base64- and URL-encoded, in `message`. For the
   * redaction test: nothing echoed may leave Exitdesk.
   */
  echo?: boolean
  /** Source of fake time for instance state (not for the API clock); `advance(ms)` moves it further. Default: real time. */
  clock?: { now(): number }
}

/** Makes matching requests fail or hang. Rules are checked in the order they were set. */
export interface FailureRule {
  method?: string
  /** Exact pathname (after /1.0), or a pattern tested against it. */
  path?: string | RegExp
  status?: number
  errorCode?: string
  message?: string
  /** A whole body of your own instead of the error body. */
  body?: unknown
  headers?: Record<string, string>
  delayMs?: number
  times?: number
  /** Answer with a gateway's text/html page instead of JSON. */
  html?: boolean
  /** Carry the call out, then answer 200 JSON cut off half way. */
  truncated?: boolean
  /** Carry the call out, then answer this status anyway (a 5xx for a create OVH made). */
  afterwards?: number
  /** With `delayMs`: carry the call out after the delay even when the client gave up first. */
  late?: boolean
}

export interface FakeInstance {
  id: string
  name: string
  region: string
  flavorId: string
  imageId: string
  userData: string
  monthlyBilling: boolean
  createdAtMs: number
  n: number
  deleteRequestedAtMs?: number
}

export interface FakeFlavor {
  id: string
  name: string
  region: string
  vcpus: number
  ram: number
  disk: number
  type: string
  available: boolean
}

export interface FakeImage {
  id: string
  name: string
  region: string
  creationDate: string
  status: string
  flavorType: string | null
}

export interface FakeRequest {
  method: string
  path: string
  query: string
  body?: unknown
  status?: number
  /** Whether the request carried the four X-Ovh headers. */
  signed: boolean
  /**
   * Why authentication refused it: a signature that does not match the URL, body and timestamp
   * as received ('signature': something on the way changed the request, or a wrong secret), or
   * a timestamp too far from the API clock ('timestamp': a request that arrived late).
   */
  refused?: 'key' | 'credential' | 'signature' | 'timestamp'
}

export interface FakeOvh {
  /** API base URL, e.g. http://127.0.0.1:PORT/1.0 */
  url: string
  credentials: { applicationKey: string; applicationSecret: string; consumerKey: string; projectId: string; endpoint: string }
  projectId: string
  state: { instances: Map<string, FakeInstance>; flavors: FakeFlavor[]; images: FakeImage[] }
  requests: FakeRequest[]
  setFailure(rule: FailureRule): void
  clearFailures(): void
  advance(ms: number): void
  now(): number
  /** The API clock, epoch seconds. */
  apiTime(): number
  settle(): void
  drain(): Promise<void>
  close(): Promise<void>
}

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string | undefined,
    message: string,
  ) {
    super(message)
  }
}

const HTTP_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable' }
/** OpenStack Nova's user data cap (provider-facts.md section 9). */
const USER_DATA_MAX = 65_535
const CREATE_FIELDS = new Set(['autobackup', 'flavorId', 'groupId', 'imageId', 'monthlyBilling', 'name', 'networks', 'region', 'sshKeyId', 'userData', 'volumeId'])

/** Flavor names and sizes per region (cloud.flavor.Flavor); ids differ per region as on OVH. */
const FLAVOR_TEMPLATES = [
  { name: 'd2-2', vcpus: 1, ram: 2, disk: 25, type: 'ovh.d2' },
  { name: 'd2-4', vcpus: 2, ram: 4, disk: 50, type: 'ovh.d2' },
  { name: 'b2-7', vcpus: 2, ram: 7, disk: 50, type: 'ovh.ssd.eg' },
  { name: 'win-b2-7', vcpus: 2, ram: 7, disk: 50, type: 'ovh.ssd.eg' },
  // A flavor Exitdesk has no price for: never offered.
  { name: 'c3-4', vcpus: 2, ram: 4, disk: 50, type: 'ovh.c3' },
]

export async function startFakeOvh(options: FakeOvhOptions = {}): Promise<FakeOvh> {
  const applicationKey = options.applicationKey ?? randomBytes(8).toString('hex')
  const applicationSecret = options.applicationSecret ?? randomBytes(16).toString('hex')
  const consumerKey = options.consumerKey ?? randomBytes(16).toString('hex')
  const projectId = options.projectId ?? randomBytes(16).toString('hex')
  const activateAfterMs = options.activateAfterMs ?? 3_000
  const deleteAfterMs = options.deleteAfterMs ?? 2_000
  const skew = options.clockSkewSeconds ?? 0
  const tolerance = options.toleranceSeconds ?? 30
  const regions = options.regions ?? ['GRA11', 'SBG5', 'BHS5', 'WAW1']
  let offsetMs = 0
  const now = (): number => (options.clock?.now() ?? Date.now()) + offsetMs
  const apiTime = (): number => Math.round(Date.now() / 1000) + skew
  const instances = new Map<string, FakeInstance>()
  const requests: FakeRequest[] = []
  const failures: Array<FailureRule & { used: number }> = []
  const held = heldAnswers()
  const late = lateWork()
  let made = 0
  let port = 0

  const flavors: FakeFlavor[] = regions.flatMap((region) =>
    FLAVOR_TEMPLATES.map((template) => ({ ...template, id: randomUUID(), region, available: true })),
  )
  const images: FakeImage[] = regions.flatMap((region) => [
    ...(options.regionsWithoutUbuntu?.includes(region)
      ? []
      : [
          { id: randomUUID(), name: 'Ubuntu 24.04', region, creationDate: '2025-11-03T10:00:00Z', status: 'active', flavorType: null },
          // An older build of the same name, and a GPU-only variant: neither is the one to pick.
          { id: randomUUID(), name: 'Ubuntu 24.04', region, creationDate: '2024-05-01T10:00:00Z', status: 'active', flavorType: null },
          { id: randomUUID(), name: 'Ubuntu 24.04', region, creationDate: '2025-12-01T10:00:00Z', status: 'active', flavorType: 'ovh.gpu' },
        ]),
    { id: randomUUID(), name: 'Ubuntu 22.04', region, creationDate: '2025-10-01T10:00:00Z', status: 'active', flavorType: null },
    { id: randomUUID(), name: 'Debian 12', region, creationDate: '2025-10-01T10:00:00Z', status: 'active', flavorType: null },
  ])

  function settle(): void {
    const t = now()
    for (const instance of [...instances.values()]) {
      if (instance.deleteRequestedAtMs !== undefined && t - instance.deleteRequestedAtMs >= deleteAfterMs) instances.delete(instance.id)
    }
  }

  function status(instance: FakeInstance): string {
    if (instance.deleteRequestedAtMs !== undefined) return 'DELETING'
    return now() - instance.createdAtMs >= activateAfterMs ? 'ACTIVE' : 'BUILD'
  }

  function addresses(instance: FakeInstance) {
    if (status(instance) === 'BUILD') return []
    const ipv4 = options.ipv4For?.(instance.n) ?? `198.51.100.${instance.n % 250}`
    return [
      { ip: ipv4, type: 'public', version: 4, networkId: 'ext-net-id', gatewayIp: '198.51.100.254' },
      { ip: `2001:db8:${(instance.n % 65_000).toString(16)}::1`, type: 'public', version: 6, networkId: 'ext-net-id', gatewayIp: null },
    ]
  }

  const flavorJson = (flavor: FakeFlavor) => ({
    ...flavor,
    osType: flavor.name.startsWith('win-') ? 'windows' : 'linux',
    quota: 20,
    inboundBandwidth: 100,
    outboundBandwidth: 100,
    capabilities: [],
    planCodes: { hourly: `${flavor.name}.consumption`, monthly: `${flavor.name}.monthly` },
  })
  const imageJson = (image: FakeImage) => ({ ...image, type: 'linux', visibility: 'public', user: 'ubuntu', minDisk: 0, minRam: 0, size: 2.4, planCode: null, tags: null })

  function instanceJson(instance: FakeInstance, detail: boolean) {
    const flavor = flavors.find((candidate) => candidate.id === instance.flavorId)!
    const image = images.find((candidate) => candidate.id === instance.imageId)!
    const common = {
      id: instance.id,
      name: instance.name,
      region: instance.region,
      status: status(instance),
      created: new Date(instance.createdAtMs).toISOString(),
      ipAddresses: addresses(instance),
      monthlyBilling: null,
      operationIds: [],
      planCode: `${flavor.name}.consumption`,
      currentMonthOutgoingTraffic: null,
    }
    return detail ? { ...common, flavor: flavorJson(flavor), image: imageJson(image), sshKey: null, rescuePassword: null } : { ...common, flavorId: flavor.id, imageId: image.id, sshKeyId: null }
  }

  function createInstance(body: unknown): FakeInstance {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new HttpFailure(400, undefined, 'Invalid JSON body')
    const fields = body as Record<string, unknown>
    for (const key of Object.keys(fields)) if (!CREATE_FIELDS.has(key)) throw new HttpFailure(400, undefined, `Invalid parameter: ${key} is not a property of cloud.ProjectInstanceCreation`)
    const { name, flavorId, imageId, region, userData, monthlyBilling } = fields
    if (typeof name !== 'string' || name.length === 0) throw new HttpFailure(400, undefined, '[name] Property is mandatory')
    if (typeof region !== 'string' || !regions.includes(region)) throw new HttpFailure(400, undefined, `Region ${String(region)} is not enabled for this project`)
    const flavor = flavors.find((candidate) => candidate.id === flavorId)
    if (!flavor || flavor.region !== region) throw new HttpFailure(400, undefined, `Flavor ${String(flavorId)} does not exist in region ${region}`)
    const image = images.find((candidate) => candidate.id === imageId)
    if (!image || image.region !== region) throw new HttpFailure(400, undefined, `Image ${String(imageId)} does not exist in region ${region}`)
    if (userData !== undefined && (typeof userData !== 'string' || Buffer.byteLength(userData) > USER_DATA_MAX)) throw new HttpFailure(400, undefined, '[userData] is too long')
    if (monthlyBilling !== undefined && typeof monthlyBilling !== 'boolean') throw new HttpFailure(400, undefined, '[monthlyBilling] must be a boolean')
    made += 1
    const instance: FakeInstance = { id: randomUUID(), name, region, flavorId: flavor.id, imageId: image.id, userData: typeof userData === 'string' ? userData : '', monthlyBilling: monthlyBilling === true, createdAtMs: now(), n: made }
    instances.set(instance.id, instance)
    return instance
  }

  function route(method: string, url: URL, body: unknown): { status: number; json: unknown } {
    const path = url.pathname.replace(/^\/1\.0/, '')
    const segments = path.split('/').filter(Boolean)
    if (segments[0] !== 'cloud' || segments[1] !== 'project' || segments.length < 3) throw new HttpFailure(404, undefined, `Got an invalid (or empty) URL`)
    if (segments[2] !== projectId) throw new HttpFailure(404, undefined, 'This service does not exist')
    const [, , , resource, id] = segments
    const region = url.searchParams.get('region')
    if (segments.length === 3 && method === 'GET') {
      return { status: 200, json: { project_id: projectId, projectName: null, description: options.projectDescription ?? 'Exit servers', status: 'ok', access: 'full', creationDate: '2024-01-02T03:04:05Z', expiration: null, manualQuota: false, orderId: 1234, planCode: 'project.2018', unleash: true, iam: null } }
    }
    if (segments.length === 4 && method === 'GET') {
      if (resource === 'region') return { status: 200, json: [...regions] }
      if (resource === 'flavor') return { status: 200, json: flavors.filter((flavor) => region === null || flavor.region === region).map(flavorJson) }
      if (resource === 'image') {
        const osType = url.searchParams.get('osType')
        return { status: 200, json: images.filter((image) => (region === null || image.region === region) && (osType === null || osType === 'linux')).map(imageJson) }
      }
      if (resource === 'instance') {
        return { status: 200, json: [...instances.values()].filter((instance) => region === null || instance.region === region).map((instance) => instanceJson(instance, false)) }
      }
    }
    if (resource === 'instance' && segments.length === 4 && method === 'POST') return { status: 200, json: instanceJson(createInstance(body), true) }
    if (resource === 'instance' && segments.length === 5 && id !== undefined) {
      const instance = instances.get(id)
      if (!instance) throw new HttpFailure(404, undefined, `The requested object (instanceId = ${id}) does not exist`)
      if (method === 'GET') return { status: 200, json: instanceJson(instance, true) }
      if (method === 'DELETE') {
        instance.deleteRequestedAtMs ??= now()
        return { status: 200, json: null }
      }
    }
    throw new HttpFailure(404, undefined, `Got an invalid (or empty) URL`)
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET'
    // The URL as the client addressed it (its Host header), as a real API behind a proxy sees it:
    // the signature covers that URL, so a fault proxy that keeps the Host header keeps it valid.
    const host = typeof request.headers.host === 'string' && /^127\.0\.0\.1:\d+$/.test(request.headers.host) ? request.headers.host : `127.0.0.1:${port}`
    const url = new URL(request.url ?? '/', `http://${host}`)
    const raw = await readRaw(request)
    const { body, bodyError } = parseJsonBody(raw)
    const header = (name: string): string | undefined => {
      const value = request.headers[name]
      return typeof value === 'string' ? value : undefined
    }
    const logged: FakeRequest = {
      method,
      path: url.pathname.replace(/^\/1\.0/, ''),
      query: url.search.replace(/^\?/, ''),
      ...(body !== undefined ? { body } : {}),
      signed: ['x-ovh-application', 'x-ovh-consumer', 'x-ovh-timestamp', 'x-ovh-signature'].every((name) => header(name) !== undefined),
    }
    requests.push(logged)
    const send = (status: number, json: unknown, extra: Record<string, string> = {}): void => {
      logged.status = status
      if (response.destroyed) return
      const text = JSON.stringify(json)
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), 'x-ovh-queryid': `EU.ext-1.${randomUUID()}`, ...extra })
      response.end(text)
    }
    const echoed = (): string => {
      if (!options.echo) return ''
      const forms = (value: string): string => `${value} | base64 ${Buffer.from(value).toString('base64')} | url ${encodeURIComponent(value)}`
      return ` You sent X-Ovh-Application: ${forms(header('x-ovh-application') ?? '')}; X-Ovh-Consumer: ${forms(header('x-ovh-consumer') ?? '')}; body: ${forms(raw)}`
    }
    const error = (status: number, errorCode: string | undefined, message: string, extra: Record<string, string> = {}): void =>
      send(status, { ...(errorCode ? { errorCode } : {}), httpCode: `${status} ${HTTP_TEXT[status] ?? 'Error'}`, message: `${message}${echoed()}` }, extra)

    if (url.pathname === '/1.0/auth/time' && method === 'GET') {
      // Unsigned; a delay rule (the bench's round trip) applies to it like to any other call.
      const delay = failures.find((candidate) => candidate.delayMs && candidate.status === undefined && candidate.method === undefined && candidate.path === undefined)
      if (delay?.delayMs && (await held.wait(delay.delayMs, response))) return
      return send(200, apiTime())
    }

    // Authentication, in the order OVH reports it: application, consumer, signature and time.
    if (header('x-ovh-application') !== applicationKey) {
      logged.refused = 'key'
      return error(403, 'INVALID_KEY', 'Invalid application key')
    }
    if (header('x-ovh-consumer') !== consumerKey) {
      logged.refused = 'credential'
      return error(403, 'INVALID_CREDENTIAL', 'This credential is not valid')
    }
    const timestamp = Number(header('x-ovh-timestamp'))
    const expected = `$1$${createHash('sha1').update([applicationSecret, consumerKey, method, url.toString(), raw, String(header('x-ovh-timestamp'))].join('+')).digest('hex')}`
    if (header('x-ovh-signature') !== expected || !Number.isSafeInteger(timestamp) || Math.abs(timestamp - apiTime()) > tolerance) {
      logged.refused = header('x-ovh-signature') !== expected ? 'signature' : 'timestamp'
      return error(400, 'INVALID_SIGNATURE', 'Invalid signature')
    }

    const path = logged.path
    const rule = findFailure(failures, method, path)
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
        let answer: { status: number; json: unknown }
        try {
          answer = route(method, url, body)
        } catch {
          answer = { status: 200, json: {} }
        }
        if (rule.afterwards !== undefined) return error(rule.afterwards, rule.errorCode, rule.message ?? `Injected failure (HTTP ${rule.afterwards}).`)
        const text = JSON.stringify(answer.json)
        logged.status = answer.status
        response.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8' })
        response.end(text.slice(0, Math.max(1, Math.floor(text.length / 2))))
        return
      }
      if (rule.status !== undefined) {
        if (rule.body !== undefined) return send(rule.status, rule.body, rule.headers)
        return error(rule.status, rule.errorCode, rule.message ?? `Injected failure (HTTP ${rule.status}).`, rule.headers)
      }
    }

    if (bodyError) return error(400, undefined, 'Invalid JSON body')
    settle()
    try {
      const answer = route(method, url, body)
      send(answer.status, answer.json)
    } catch (caught) {
      if (caught instanceof HttpFailure) return error(caught.status, caught.errorCode, caught.message)
      return error(500, undefined, 'Internal server error')
    }
  }

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) {
        response.writeHead(500, { 'content-type': 'application/json' })
        response.end(JSON.stringify({ message: 'Internal server error' }))
      }
    })
  })
  port = await listenOnLoopback(server)
  const url = `http://127.0.0.1:${port}/1.0`

  return {
    url,
    credentials: { applicationKey, applicationSecret, consumerKey, projectId, endpoint: 'ovh-eu' },
    projectId,
    state: { instances, flavors, images },
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
    now,
    apiTime,
    settle,
    drain: () => late.drain(),
    close() {
      held.releaseAll()
      return closeServer(server)
    },
  }
}
