/**
 * A stateful, wire-compatible fake of the Compute Engine v1 REST API subset Exitdesk uses, on
 * 127.0.0.1 with a random port, under `/compute/v1/` as compute.v1.discovery.json places it
 * (rootUrl + servicePath). Every request is recorded, so the contract test can check each one
 * against the discovery document (test/contract/gce-discovery.test.ts).
 *
 * Behaviour modelled on the real API:
 * - `Authorization: Bearer <token>`: the static `token`, or a self-signed JWT (RS256) from one
 *   of the fake's service-account keys with the compute scope, else 401 in Google's error shape;
 * - inserts and deletes answer an Operation (PENDING/RUNNING) that turns DONE after
 *   `operationMs`; instances go PROVISIONING -> STAGING -> RUNNING (`stagingAfterMs`,
 *   `runningAfterMs`), get an ephemeral external IPv4 when RUNNING, and on delete are STOPPING
 *   until the operation is DONE, then GET answers 404;
 * - instances.insert honours `requestId` (a repeat returns the first operation and makes
 *   nothing) and answers 409 alreadyExists for a taken name in the zone; firewalls likewise by name;
 * - aggregated/instances filters by `labels.<key> = "<value>"` (or `labels.<key>:*`) and pages
 *   with `maxResults` / `nextPageToken`; `maxPageSize` forces small pages;
 * - errors: Google's `{ error: { code, message, errors: [{ message, domain, reason }] } }`.
 *
 * Fake time is real time plus an offset that `advance(ms)` moves forward, so tests never sleep.
 */
import { createVerify, generateKeyPairSync, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { listenOnLoopback } from '../support/listeners'

export interface FakeGceOptions {
  /** Static bearer token the fake accepts (the tests' injected auth client); random when absent. */
  token?: string
  project?: string
  /** Project number (`id` of GET projects/{project}). */
  projectNumber?: string
  /** Fake-time ms from an insert until its operation is DONE. Default 1000. */
  operationMs?: number
  stagingAfterMs?: number
  runningAfterMs?: number
  /** Fake-time ms from a delete until the instance is gone (404). Default: `operationMs`. */
  deleteAfterMs?: number
  /** Largest page of aggregated/instances, whatever `maxResults` asks (tests lower it). Default 500. */
  maxPageSize?: number
  /** Real ms added before every answer (the benchmark's round trip). */
  latencyMs?: number
  /** The external IPv4 of the n-th instance that runs (n from 10). Default 198.51.100.n (TEST-NET-2). */
  ipv4For?: (n: number) => string
  clock?: { now(): number }
}

/** Makes matching requests fail, hang or break. Rules are checked in the order they were set. */
export interface FailureRule {
  method?: string
  /** Pathname (after /compute/v1), exact or a pattern. */
  path?: string | RegExp
  status?: number
  /** Google's error reason, e.g. rateLimitExceeded, quotaExceeded, alreadyExists. */
  reason?: string
  message?: string
  /** A raw body instead of Google's error JSON. */
  body?: string
  contentType?: string
  headers?: Record<string, string>
  /** Wait this long (real ms) before answering. */
  delayMs?: number
  /** Never answer (the client's deadline fires). */
  hang?: boolean
  /** Answer the normal status with a body cut in the middle. */
  truncate?: boolean
  /** Carry the request out, then answer with the rule's status or break (a create that lands although the client saw an error). */
  carryOut?: boolean
  times?: number
}

export interface FakeServiceAccountKey {
  type: 'service_account'
  project_id: string
  private_key_id: string
  private_key: string
  client_email: string
  client_id: string
  auth_uri: string
  token_uri: string
}

export interface FakeInstance {
  id: string
  name: string
  zone: string
  machineType: string
  labels: Record<string, string>
  networkTags: string[]
  metadata: Array<{ key: string; value: string }>
  disks: unknown[]
  networkInterfaces: unknown[]
  createdAtMs: number
  deleteRequestedAtMs?: number
  ipv4?: string
  /** Set by tests to model stopped/suspended instances. */
  forcedStatus?: string
}

export interface FakeFirewall {
  id: string
  name: string
  body: Record<string, unknown>
  createdAtMs: number
  deleteRequestedAtMs?: number
}

export interface FakeOperation {
  name: string
  id: string
  zone?: string
  operationType: string
  targetLink: string
  targetId: string
  startMs: number
  doneMs: number
  /** A failed operation's errors (e.g. ZONE_RESOURCE_POOL_EXHAUSTED). */
  error?: Array<{ code: string; message: string }>
  httpErrorStatusCode?: number
}

export interface RecordedRequest {
  method: string
  /** Pathname under /compute/v1 (without the prefix). */
  path: string
  query: Record<string, string>
  body?: unknown
  status: number
  /** The answer's body as sent. */
  response?: string
}

export interface FakeGce {
  url: string
  token: string
  project: string
  state: { instances: Map<string, FakeInstance>; firewalls: Map<string, FakeFirewall>; operations: Map<string, FakeOperation>; addresses: Map<string, unknown> }
  requests: RecordedRequest[]
  /** A service-account key the fake knows (its JWTs are accepted). */
  newKey(options?: { clientId?: string; clientEmail?: string; projectId?: string }): FakeServiceAccountKey
  /** Revokes a key: its JWTs answer 401. */
  revokeKey(clientEmail: string): void
  setFailure(rule: FailureRule): void
  clearFailures(): void
  /** Fails the next instance insert's operation with these errors once it is DONE. */
  failNextInstanceOperation(error: Array<{ code: string; message: string }>, httpErrorStatusCode?: number): void
  /** Fails the next firewall insert's operation (no rule is left). */
  failNextFirewallOperation(error: Array<{ code: string; message: string }>, httpErrorStatusCode?: number): void
  advance(ms: number): void
  now(): number
  /** Adds an instance as if created elsewhere (other labels, other projects' tools). */
  addInstance(instance: Partial<FakeInstance> & { name: string; zone: string }): FakeInstance
  statusOf(instance: FakeInstance): string
  setLatency(ms: number): void
  close(): Promise<void>
}

const PREFIX = '/compute/v1/'
const ZONES = ['us-central1-a', 'us-central1-b', 'us-central1-c', 'us-central1-f', 'us-east1-b', 'us-west1-a', 'europe-west2-a', 'asia-southeast1-a']

export async function startFakeGce(options: FakeGceOptions = {}): Promise<FakeGce> {
  const token = options.token ?? `ya29.fake-${randomBytes(16).toString('hex')}`
  const project = options.project ?? 'exitdesk-test-project'
  const projectNumber = options.projectNumber ?? '123456789012'
  const operationMs = options.operationMs ?? 1_000
  const stagingAfterMs = options.stagingAfterMs ?? 500
  const runningAfterMs = options.runningAfterMs ?? 2_000
  const deleteAfterMs = options.deleteAfterMs ?? operationMs
  const maxPageSize = options.maxPageSize ?? 500
  let latencyMs = options.latencyMs ?? 0
  const baseClock = options.clock ?? { now: () => Date.now() }
  let offset = 0
  const now = (): number => baseClock.now() + offset

  const instances = new Map<string, FakeInstance>()
  const firewalls = new Map<string, FakeFirewall>()
  const operations = new Map<string, FakeOperation>()
  const addresses = new Map<string, unknown>()
  const byRequestId = new Map<string, string>()
  const keys = new Map<string, { publicKey: string; revoked: boolean }>()
  const requests: RecordedRequest[] = []
  const failures: FailureRule[] = []
  const pendingOperationErrors: Array<{ error: Array<{ code: string; message: string }>; status?: number }> = []
  const pendingFirewallErrors: Array<{ error: Array<{ code: string; message: string }>; status?: number }> = []
  let nextId = 4_000_000_000_000_000_000n
  let ipCount = 10
  const newId = (): string => String(nextId++)

  const statusOf = (instance: FakeInstance): string => {
    const t = now()
    if (instance.deleteRequestedAtMs !== undefined) return 'STOPPING'
    if (instance.forcedStatus) return instance.forcedStatus
    const age = t - instance.createdAtMs
    if (age >= runningAfterMs) return 'RUNNING'
    if (age >= stagingAfterMs) return 'STAGING'
    return 'PROVISIONING'
  }

  /** Applies what time has done: deletes that finished. */
  const settle = (): void => {
    const t = now()
    for (const [key, instance] of instances) if (instance.deleteRequestedAtMs !== undefined && t - instance.deleteRequestedAtMs >= deleteAfterMs) instances.delete(key)
    for (const [key, firewall] of firewalls) if (firewall.deleteRequestedAtMs !== undefined && t - firewall.deleteRequestedAtMs >= operationMs) firewalls.delete(key)
  }

  const selfLink = (path: string): string => `https://www.googleapis.com/compute/v1/projects/${project}/${path}`

  const operationJson = (op: FakeOperation): Record<string, unknown> => {
    const done = now() >= op.doneMs
    return {
      kind: 'compute#operation',
      id: op.id,
      name: op.name,
      operationType: op.operationType,
      targetLink: op.targetLink,
      targetId: op.targetId,
      status: done ? 'DONE' : now() - op.startMs > 0 ? 'RUNNING' : 'PENDING',
      progress: done ? 100 : 0,
      insertTime: new Date(op.startMs).toISOString(),
      ...(done ? { endTime: new Date(op.doneMs).toISOString() } : {}),
      ...(op.zone ? { zone: selfLink(`zones/${op.zone}`) } : {}),
      ...(done && op.error ? { error: { errors: op.error }, httpErrorStatusCode: op.httpErrorStatusCode ?? 400, httpErrorMessage: 'BAD REQUEST' } : {}),
      selfLink: selfLink(op.zone ? `zones/${op.zone}/operations/${op.name}` : `global/operations/${op.name}`),
    }
  }

  const newOperation = (type: string, target: string, targetId: string, zone?: string, durationMs = operationMs): FakeOperation => {
    const op: FakeOperation = { name: `operation-${Date.now()}-${randomBytes(6).toString('hex')}`, id: newId(), zone, operationType: type, targetLink: selfLink(target), targetId, startMs: now(), doneMs: now() + durationMs }
    operations.set(op.name, op)
    return op
  }

  const instanceJson = (instance: FakeInstance): Record<string, unknown> => {
    const status = statusOf(instance)
    if (status === 'RUNNING' && !instance.ipv4) instance.ipv4 = options.ipv4For?.(ipCount++) ?? `198.51.100.${ipCount++ % 250}`
    return {
      kind: 'compute#instance',
      id: instance.id,
      name: instance.name,
      zone: selfLink(`zones/${instance.zone}`),
      machineType: selfLink(`zones/${instance.zone}/machineTypes/${instance.machineType}`),
      status,
      creationTimestamp: new Date(instance.createdAtMs).toISOString(),
      labels: instance.labels,
      tags: { items: instance.networkTags, fingerprint: 'abc=' },
      metadata: { items: instance.metadata.map((item) => ({ key: item.key, value: item.key === 'user-data' ? '(omitted)' : item.value })), fingerprint: 'def=' },
      networkInterfaces: [
        {
          name: 'nic0',
          network: selfLink('global/networks/default'),
          networkIP: '10.128.0.2',
          accessConfigs: [{ kind: 'compute#accessConfig', name: 'External NAT', type: 'ONE_TO_ONE_NAT', ...(status === 'RUNNING' && instance.ipv4 ? { natIP: instance.ipv4 } : {}) }],
        },
      ],
      selfLink: selfLink(`zones/${instance.zone}/instances/${instance.name}`),
    }
  }

  const findInstance = (zone: string, nameOrId: string): FakeInstance | undefined => {
    for (const instance of instances.values()) if (instance.zone === zone && (instance.name === nameOrId || instance.id === nameOrId)) return instance
    return undefined
  }

  const googleError = (status: number, reason: string, message: string): string => JSON.stringify({ error: { code: status, message, errors: [{ message, domain: status === 429 || reason.includes('ateLimit') ? 'usageLimits' : 'global', reason }] } })

  const REASONS: Record<number, string> = { 400: 'invalid', 401: 'authError', 403: 'forbidden', 404: 'notFound', 409: 'alreadyExists', 429: 'rateLimitExceeded', 500: 'backendError', 503: 'backendError' }

  /** Checks the bearer: the static token, or an RS256 JWT from a known, unrevoked key carrying the compute scope. */
  const authorized = (header: string | undefined): boolean => {
    const bearer = header?.match(/^Bearer (.+)$/)?.[1]
    if (!bearer) return false
    if (bearer === token) return true
    const parts = bearer.split('.')
    if (parts.length !== 3) return false
    try {
      const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { iss?: string; scope?: string; exp?: number }
      const key = payload.iss ? keys.get(payload.iss) : undefined
      if (!key || key.revoked) return false
      if (!payload.scope?.split(' ').includes('https://www.googleapis.com/auth/compute')) return false
      if (typeof payload.exp !== 'number' || payload.exp * 1000 < Date.now()) return false
      const verifier = createVerify('RSA-SHA256')
      verifier.update(`${parts[0]}.${parts[1]}`)
      return verifier.verify(key.publicKey, Buffer.from(parts[2]!, 'base64url'))
    } catch {
      return false
    }
  }

  const matchRule = (method: string, path: string): FailureRule | undefined => {
    const index = failures.findIndex((rule) => (!rule.method || rule.method === method) && (rule.path === undefined || (typeof rule.path === 'string' ? rule.path === path : rule.path.test(path))))
    if (index < 0) return undefined
    const rule = failures[index]!
    if (rule.times !== undefined) {
      rule.times -= 1
      if (rule.times <= 0) failures.splice(index, 1)
    }
    return rule
  }

  type Answer = { status: number; body: unknown }

  /** The API itself: returns the answer for a request. */
  const handle = (method: string, path: string, query: URLSearchParams, body: Record<string, unknown> | undefined): Answer => {
    settle()
    const notFound = (what: string): Answer => ({ status: 404, body: JSON.parse(googleError(404, 'notFound', `The resource '${what}' was not found`)) as unknown })
    const segments = path.split('/')
    if (segments[0] !== 'projects' || segments[1] !== project) return notFound(`projects/${segments[1] ?? ''}`)
    const rest = segments.slice(2)
    const shape = rest
      .join('/')
      .replace(/^zones\/[^/]+/, 'zones/*')
      .replace(/^zones\/\*\/(instances|operations)\/[^/]+$/, 'zones/*/$1/*')
      .replace(/^global\/(firewalls|operations)\/[^/]+$/, 'global/$1/*')
      .replace(/^global\/images\/family\/[^/]+$/, 'global/images/family/*')
    const route = `${method} ${shape}`
    switch (route) {
      case 'GET ':
        return { status: 200, body: { kind: 'compute#project', id: projectNumber, name: project, selfLink: selfLink('').replace(/\/$/, '') } }
      case 'GET zones':
        return { status: 200, body: { kind: 'compute#zoneList', items: ZONES.map((zone, index) => ({ kind: 'compute#zone', id: String(2000 + index), name: zone, status: 'UP', region: selfLink(`regions/${zone.replace(/-[a-z]$/, '')}`), selfLink: selfLink(`zones/${zone}`) })) } }
      case 'GET global/images/family/*':
        return { status: 200, body: { kind: 'compute#image', id: '777', name: `${rest[3]}-v20261101`, family: rest[3], status: 'READY', selfLink: selfLink(`global/images/${rest[3]}-v20261101`) } }
      case 'GET zones/*/operations/*':
      case 'GET global/operations/*': {
        const op = operations.get(rest.at(-1)!)
        return op ? { status: 200, body: operationJson(op) } : notFound(path)
      }
      case 'GET zones/*/instances/*': {
        const instance = findInstance(rest[1]!, rest[3]!)
        return instance ? { status: 200, body: instanceJson(instance) } : notFound(path)
      }
      case 'POST zones/*/instances': {
        const zone = rest[1]!
        const requestId = query.get('requestId')
        if (requestId && byRequestId.has(requestId)) return { status: 200, body: operationJson(operations.get(byRequestId.get(requestId)!)!) }
        const name = String(body?.name ?? '')
        if (findInstance(zone, name)) return { status: 409, body: JSON.parse(googleError(409, 'alreadyExists', `The resource 'projects/${project}/zones/${zone}/instances/${name}' already exists`)) as unknown }
        const instance: FakeInstance = {
          id: newId(),
          name,
          zone,
          machineType: String(body?.machineType ?? '').split('/').pop() ?? '',
          labels: (body?.labels as Record<string, string> | undefined) ?? {},
          networkTags: ((body?.tags as { items?: string[] } | undefined)?.items ?? []).slice(),
          metadata: ((body?.metadata as { items?: Array<{ key: string; value: string }> } | undefined)?.items ?? []).slice(),
          disks: (body?.disks as unknown[] | undefined) ?? [],
          networkInterfaces: (body?.networkInterfaces as unknown[] | undefined) ?? [],
          createdAtMs: now(),
        }
        const failure = pendingOperationErrors.shift()
        const op = newOperation('insert', `zones/${zone}/instances/${name}`, instance.id, zone)
        if (failure) {
          // The create is accepted and fails later: no instance is left.
          op.error = failure.error
          op.httpErrorStatusCode = failure.status
        } else {
          instances.set(instance.id, instance)
        }
        if (requestId) byRequestId.set(requestId, op.name)
        return { status: 200, body: operationJson(op) }
      }
      case 'DELETE zones/*/instances/*': {
        const instance = findInstance(rest[1]!, rest[3]!)
        if (!instance) return notFound(path)
        instance.deleteRequestedAtMs ??= now()
        return { status: 200, body: operationJson(newOperation('delete', `zones/${instance.zone}/instances/${instance.name}`, instance.id, instance.zone, deleteAfterMs)) }
      }
      case 'GET aggregated/instances': {
        const filter = query.get('filter') ?? ''
        const test = labelTest(filter)
        if (!test) return { status: 400, body: JSON.parse(googleError(400, 'invalid', `Invalid value for field 'filter': '${filter}'. Invalid list filter expression.`)) as unknown }
        const matching = [...instances.values()].filter(test).sort((a, b) => a.id.localeCompare(b.id))
        const size = Math.min(Number(query.get('maxResults') ?? 500) || 500, maxPageSize)
        const start = query.get('pageToken') ? Number(Buffer.from(query.get('pageToken')!, 'base64url').toString('utf8')) : 0
        if (!Number.isInteger(start) || start < 0) return { status: 400, body: JSON.parse(googleError(400, 'invalid', 'Invalid page token.')) as unknown }
        const page = matching.slice(start, start + size)
        const items: Record<string, unknown> = {}
        for (const zone of ZONES) {
          const here = page.filter((instance) => instance.zone === zone)
          items[`zones/${zone}`] = here.length > 0 ? { instances: here.map(instanceJson) } : { warning: { code: 'NO_RESULTS_ON_PAGE', message: 'There are no results for scope \'zones/' + zone + '\' on this page.', data: [{ key: 'scope', value: `zones/${zone}` }] } }
        }
        const next = start + size < matching.length ? Buffer.from(String(start + size)).toString('base64url') : undefined
        return { status: 200, body: { kind: 'compute#instanceAggregatedList', id: `projects/${project}/aggregated/instances`, items, ...(next ? { nextPageToken: next } : {}), selfLink: selfLink('aggregated/instances') } }
      }
      case 'POST global/firewalls': {
        const name = String(body?.name ?? '')
        if (firewalls.has(name)) return { status: 409, body: JSON.parse(googleError(409, 'alreadyExists', `The resource 'projects/${project}/global/firewalls/${name}' already exists`)) as unknown }
        const firewall: FakeFirewall = { id: newId(), name, body: body ?? {}, createdAtMs: now() }
        const op = newOperation('insert', `global/firewalls/${name}`, firewall.id)
        const failure = pendingFirewallErrors.shift()
        if (failure) {
          op.error = failure.error
          op.httpErrorStatusCode = failure.status
        } else {
          firewalls.set(name, firewall)
        }
        return { status: 200, body: operationJson(op) }
      }
      case 'GET global/firewalls/*': {
        const firewall = firewalls.get(rest[2]!)
        return firewall ? { status: 200, body: { kind: 'compute#firewall', id: firewall.id, ...firewall.body, selfLink: selfLink(`global/firewalls/${firewall.name}`) } } : notFound(path)
      }
      case 'DELETE global/firewalls/*': {
        const firewall = firewalls.get(rest[2]!)
        if (!firewall) return notFound(path)
        firewall.deleteRequestedAtMs ??= now()
        return { status: 200, body: operationJson(newOperation('delete', `global/firewalls/${firewall.name}`, firewall.id)) }
      }
    }
    return { status: 404, body: JSON.parse(googleError(404, 'notFound', `No route for ${method} ${path}`)) as unknown }
  }

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      void (async () => {
        const url = new URL(request.url ?? '/', 'http://127.0.0.1')
        const method = request.method ?? 'GET'
        // Bare paths (without /compute/v1) too: Prism, in front of the fake in the contract test,
        // routes the OpenAPI conversion's paths without its server's base path.
        const bare = url.pathname.startsWith('/projects/')
        const path = url.pathname.startsWith(PREFIX) ? url.pathname.slice(PREFIX.length) : bare ? url.pathname.slice(1) : url.pathname
        const text = Buffer.concat(chunks).toString('utf8')
        let body: Record<string, unknown> | undefined
        try {
          body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined
        } catch {
          body = undefined
        }
        const record: RecordedRequest = { method, path, query: Object.fromEntries(url.searchParams), body, status: 0 }
        requests.push(record)
        const send = (status: number, payload: string, contentType = 'application/json; charset=UTF-8', headers: Record<string, string> = {}): void => {
          record.status = status
          record.response = payload
          if (response.destroyed) return
          response.writeHead(status, { ...headers, 'content-type': contentType, 'content-length': String(Buffer.byteLength(payload)) })
          response.end(payload)
        }
        if (latencyMs > 0) await sleep(latencyMs)
        if (!url.pathname.startsWith(PREFIX) && !bare) return send(404, googleError(404, 'notFound', 'Not Found'))
        if (!authorized(request.headers.authorization)) {
          return send(401, googleError(401, 'authError', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.'), undefined, { 'www-authenticate': 'Bearer realm="https://accounts.google.com/"' })
        }
        const rule = matchRule(method, path)
        if (rule?.delayMs) await sleep(rule.delayMs)
        if (rule?.hang) {
          if (rule.carryOut) handle(method, path, url.searchParams, body)
          return // never answered; the client's deadline fires
        }
        if (rule && (rule.status !== undefined || rule.body !== undefined) && !rule.truncate) {
          if (rule.carryOut) handle(method, path, url.searchParams, body)
          const status = rule.status ?? 200
          const payload = rule.body ?? googleError(status, rule.reason ?? REASONS[status] ?? 'backendError', rule.message ?? `Injected HTTP ${status}`)
          return send(status, payload, rule.contentType ?? (rule.body !== undefined ? 'text/html; charset=UTF-8' : undefined), rule.headers)
        }
        const answer = handle(method, path, url.searchParams, body)
        const payload = JSON.stringify(answer.body)
        if (rule?.truncate) return send(answer.status, payload.slice(0, Math.max(1, Math.floor(payload.length / 2))))
        send(answer.status, payload)
      })()
    })
  })
  const port = await listenOnLoopback(server)
  const sockets = new Set<import('node:net').Socket>()
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })

  return {
    url: `http://127.0.0.1:${port}`,
    token,
    project,
    state: { instances, firewalls, operations, addresses },
    requests,
    newKey(keyOptions = {}) {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
      const clientEmail = keyOptions.clientEmail ?? `exitdesk-${randomBytes(3).toString('hex')}@${project}.iam.gserviceaccount.com`
      keys.set(clientEmail, { publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(), revoked: false })
      return {
        type: 'service_account',
        project_id: keyOptions.projectId ?? project,
        private_key_id: randomBytes(20).toString('hex'),
        private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        client_email: clientEmail,
        client_id: keyOptions.clientId ?? String(100000000000000000000n + BigInt(Math.floor(Math.random() * 1e9))),
        auth_uri: 'https://accounts.google.com/o/oauth2/auth',
        token_uri: 'https://oauth2.googleapis.com/token',
      }
    },
    revokeKey(clientEmail) {
      const key = keys.get(clientEmail)
      if (key) key.revoked = true
    },
    setFailure: (rule) => void failures.push({ ...rule }),
    clearFailures: () => void failures.splice(0),
    failNextInstanceOperation: (error, status) => void pendingOperationErrors.push({ error, status }),
    failNextFirewallOperation: (error, status) => void pendingFirewallErrors.push({ error, status }),
    advance: (ms) => void (offset += ms),
    now,
    addInstance(partial) {
      const instance: FakeInstance = { id: newId(), machineType: 'e2-micro', labels: {}, networkTags: [], metadata: [], disks: [], networkInterfaces: [], createdAtMs: now(), ...partial }
      instances.set(instance.id, instance)
      return instance
    },
    statusOf,
    setLatency: (ms) => void (latencyMs = ms),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

/**
 * The list filter forms the fake understands, from the `filter` parameter's description in
 * compute.v1.discovery.json: `labels.KEY = "VALUE"`, `labels.KEY = VALUE`, `labels.KEY:*`.
 */
function labelTest(filter: string): ((instance: FakeInstance) => boolean) | undefined {
  if (filter === '') return () => true
  const equals = filter.match(/^labels\.([a-z][a-z0-9_-]*)\s*=\s*"?([a-z0-9_-]*)"?$/)
  if (equals) return (instance) => instance.labels[equals[1]!] === equals[2]
  const has = filter.match(/^labels\.([a-z][a-z0-9_-]*):\*$/)
  if (has) return (instance) => has[1]! in instance.labels
  return undefined
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
