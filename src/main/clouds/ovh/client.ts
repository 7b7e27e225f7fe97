/**
 * A small typed client for the few OVH API calls Exitdesk makes, over the shared RestClient
 * (deadline, cancellation, budget, one error mapping for every cloud), signing each request
 * itself (./signing.ts).
 *
 * Why not the official `ovh` package (ovh/node-ovh 2.0.3, read in node_modules/ovh/lib/ovh.es6.js):
 * - it speaks only `https` (Node's https module, port 443 unless told) and signs
 *   "https://" + host + path, so it cannot be pointed at a fake on 127.0.0.1 over plain http;
 * - it takes no AbortSignal and no deadline for the whole call (only a socket idle timeout), so a
 *   step could outlive its caller;
 * - it has no hook for the account's request budget (../budget.ts) and drops the answer's
 *   headers, so a 429's Retry-After is lost;
 * - it reports any status but 200 as `(statusCode, message)`, dropping OVH's `errorCode`, and a
 *   body it cannot parse as the bare string "[OVH] Unable to parse JSON reponse";
 * - it measures the server time delta inside the first request of each client object, turning
 *   that request into two sequential round trips each time a client is made.
 * A dozen signed calls over fetch need nothing more; every request path, method and body field is
 * checked against OVH's schema by test/contract/ovh-schema.test.ts.
 *
 * OVH errors are `{ "message", "errorCode"?, "httpCode"?, "class"? }` (python-ovh `Client.call`,
 * go-ovh `APIError`). The client reads 4xx answers itself (`accept`) so that `errorCode` picks the
 * sentence; 5xx, timeouts and broken bodies stay with the RestClient, which marks a mutating
 * call's outcome unknown. Nothing here logs: the headers carry the consumer key.
 */
import { AppError, type AppErrorInfo, type ErrorCode } from '../../../shared/errors'
import type { RequestGate } from '../budget'
import { httpError, RestClient, unknownOutcome, type RestResponse } from '../http'
import { ovhSignature, type TimeDeltas } from './signing'

export const PROVIDER = 'OVHcloud'

export interface OvhProject {
  project_id: string
  projectName?: string | null
  description?: string | null
  status: string
}

export interface OvhFlavor {
  id: string
  name: string
  region: string
  osType: string
  available: boolean
  vcpus: number
  ram: number
  disk: number
  type: string
}

export interface OvhImage {
  id: string
  name: string
  region: string
  status: string
  type: string
  creationDate?: string
  flavorType?: string | null
}

export interface OvhIpAddress {
  ip: string
  type: string
  version: number
}

/** `cloud.instance.Instance` (lists) and `cloud.instance.InstanceDetail` (one instance) share these. */
export interface OvhInstance {
  id: string
  name: string
  region: string
  status: string
  created?: string
  ipAddresses: OvhIpAddress[]
  /** Lists only. */
  flavorId?: string
  /** One instance only. */
  flavor?: { name?: string } | null
}

/** `cloud.ProjectInstanceCreation`: only the fields Exitdesk sends. */
export interface OvhInstanceCreate {
  name: string
  flavorId: string
  imageId: string
  region: string
  userData: string
  monthlyBilling: boolean
}

export interface OvhClientOptions {
  baseUrl: string
  applicationKey: string
  applicationSecret: string
  consumerKey: string
  /** Per account: the server time delta is measured once for it (see ./signing.ts). */
  timeKey: string
  times: TimeDeltas
  timeoutMs?: number
  budget?: RequestGate
}

/** 4xx statuses read here so OVH's `errorCode` can pick the sentence. */
const OVH_4XX = [400, 401, 403, 404, 405, 409, 429]

type Query = Record<string, string | undefined>

export class OvhClient {
  private readonly rest: RestClient

  constructor(private readonly options: OvhClientOptions) {
    for (const [key, label] of [
      ['applicationKey', 'application key'],
      ['applicationSecret', 'application secret'],
      ['consumerKey', 'consumer key'],
    ] as const) {
      if (options[key].trim().length === 0) {
        throw new AppError({ code: 'unauthorized', field: `credentials.${key}`, message: `This OVHcloud account has no ${label}. Add it in the account settings.`, retryable: false })
      }
    }
    const gate = options.budget
    this.rest = new RestClient({
      provider: PROVIDER,
      baseUrl: options.baseUrl,
      headers: () => ({}),
      providerMessage: ovhErrorMessage,
      timeoutMs: options.timeoutMs,
      budget: gate ? { beforeRequest: () => gate.beforeRequest(), afterResponse: (status, headers) => gate.afterResponse(status, headers) } : undefined,
    })
  }

  /** GET /auth/time: the API's clock in epoch seconds. Unsigned (it needs no credential). */
  async serverTime(signal: AbortSignal): Promise<number> {
    const response = await this.rest.request<unknown>('GET', '/auth/time', { signal, expect: [200] })
    if (typeof response.body !== 'number' || !Number.isSafeInteger(response.body) || response.body <= 0) throw unexpectedAnswer('GET /auth/time did not answer a time in seconds')
    return response.body
  }

  async getProject(serviceName: string, signal: AbortSignal): Promise<OvhProject> {
    const response = await this.send('GET', `/cloud/project/${segment(serviceName, 'project id')}`, { signal })
    return shaped<OvhProject>(response.body, 'project', PROJECT_SHAPE)
  }

  /** Region codes enabled for the project, e.g. ["GRA11", "SBG5"]. */
  async listRegions(serviceName: string, signal: AbortSignal): Promise<string[]> {
    const response = await this.send('GET', `/cloud/project/${segment(serviceName, 'project id')}/region`, { signal })
    if (!Array.isArray(response.body) || !response.body.every((region) => typeof region === 'string')) throw unexpectedAnswer('the region list is not a list of names')
    return response.body as string[]
  }

  /** Flavors of one region, or of every region when `region` is absent. */
  listFlavors(serviceName: string, region: string | undefined, signal: AbortSignal): Promise<OvhFlavor[]> {
    return this.list<OvhFlavor>(`/cloud/project/${segment(serviceName, 'project id')}/flavor`, { region }, 'flavor', FLAVOR_SHAPE, signal)
  }

  /** Linux images of one region, or of every region when `region` is absent. */
  listImages(serviceName: string, region: string | undefined, signal: AbortSignal): Promise<OvhImage[]> {
    return this.list<OvhImage>(`/cloud/project/${segment(serviceName, 'project id')}/image`, { osType: 'linux', region }, 'image', IMAGE_SHAPE, signal)
  }

  /** Every instance of the project (optionally of one region): OVH answers the whole list, unpaginated. */
  listInstances(serviceName: string, region: string | undefined, signal: AbortSignal): Promise<OvhInstance[]> {
    return this.list<OvhInstance>(`/cloud/project/${segment(serviceName, 'project id')}/instance`, { region }, 'instance', INSTANCE_SHAPE, signal)
  }

  /** `null` when OVH no longer knows the instance (404). */
  async getInstance(serviceName: string, id: string, signal: AbortSignal): Promise<OvhInstance | null> {
    const response = await this.send('GET', instancePath(serviceName, id), { signal, accept: [404] })
    return response.status === 404 ? null : shaped<OvhInstance>(response.body, 'instance', INSTANCE_SHAPE)
  }

  /** POST /cloud/project/{serviceName}/instance: answers the new instance (BUILD). */
  async createInstance(serviceName: string, body: OvhInstanceCreate, signal: AbortSignal): Promise<OvhInstance> {
    const response = await this.send('POST', `/cloud/project/${segment(serviceName, 'project id')}/instance`, { signal, body })
    return shaped<OvhInstance>(response.body, 'instance', INSTANCE_SHAPE)
  }

  /** Asks OVH to delete the instance. Returns false when it was already gone (404). */
  async deleteInstance(serviceName: string, id: string, signal: AbortSignal): Promise<boolean> {
    const response = await this.send('DELETE', instancePath(serviceName, id), { signal, accept: [404] })
    return response.status !== 404
  }

  private async list<T>(path: string, query: Query, what: string, shape: Shape, signal: AbortSignal): Promise<T[]> {
    const response = await this.send('GET', path, { signal, query })
    if (!Array.isArray(response.body)) throw unexpectedAnswer(`the answer to GET ${path.replace(/\/cloud\/project\/[^/]+/, '/cloud/project/{serviceName}')} is not a list`)
    return response.body.map((item: unknown, index) => shaped<T>(item, `${what}[${index}]`, shape))
  }

  /** One signed request. OVH answers 200 for every success of these calls (the API's v1 convention). */
  private async send(method: string, path: string, request: { signal: AbortSignal; body?: unknown; query?: Query; accept?: number[] }): Promise<RestResponse<unknown>> {
    const { times, timeKey } = this.options
    const delta = await times.get(timeKey, () => this.serverTime(request.signal))
    const search = new URLSearchParams()
    for (const [key, value] of Object.entries(request.query ?? {})) if (value !== undefined) search.set(key, value)
    const relative = search.size > 0 ? `${path}?${search.toString()}` : path
    // The URL exactly as the RestClient builds it (base + relative path, query included), so the
    // signature covers what is sent; the contract fake recomputes it from what it received.
    const base = this.options.baseUrl.endsWith('/') ? this.options.baseUrl : `${this.options.baseUrl}/`
    const url = new URL(relative.replace(/^\//, ''), base).toString()
    const body = request.body === undefined ? '' : JSON.stringify(request.body)
    const timestamp = times.timestamp(delta)
    const headers = {
      'x-ovh-application': this.options.applicationKey.trim(),
      'x-ovh-consumer': this.options.consumerKey.trim(),
      'x-ovh-timestamp': String(timestamp),
      'x-ovh-signature': ovhSignature({ applicationSecret: this.options.applicationSecret.trim(), consumerKey: this.options.consumerKey.trim(), method, url, body, timestamp }),
    }
    const wanted = request.accept ?? []
    const response = await this.rest.request<unknown>(method, relative, { signal: request.signal, body: request.body, headers, expect: [200], accept: [...new Set([...wanted, ...OVH_4XX])] })
    if (response.status >= 400 && !wanted.includes(response.status)) {
      const error = ovhError(response.status, response.body, response.headers)
      // A refused signature may be a clock that jumped since the delta was measured.
      if (error.ovhCode === 'INVALID_SIGNATURE') times.forget(timeKey)
      throw error
    }
    return response
  }
}

/** An AppError that remembers OVH's `errorCode`, for the few the adapter acts on. */
export class OvhError extends AppError {
  constructor(
    info: AppErrorInfo,
    readonly ovhCode: string | undefined,
    readonly httpStatus: number,
  ) {
    super(info)
  }
}

/** OVH's words: `message` (python-ovh, go-ovh `APIError.Message`). */
export function ovhErrorMessage(body: unknown): string | undefined {
  return isRecord(body) && typeof body.message === 'string' && body.message.length > 0 ? body.message : undefined
}

function ovhErrorCode(body: unknown): string | undefined {
  if (!isRecord(body)) return undefined
  if (typeof body.errorCode === 'string') return body.errorCode
  // The newer `class` form, e.g. "Client::Forbidden" (go-ovh `APIError.Class`).
  return typeof body.class === 'string' ? body.class : undefined
}

/**
 * The sentence for an OVH refusal: the shared one for its status, replaced where OVH's
 * `errorCode` tells the user what to do. A 4xx is a refusal: nothing was carried out.
 */
export function ovhError(status: number, body: unknown, headers?: Headers): OvhError {
  const base = httpError(PROVIDER, status, ovhErrorMessage(body), headers).info
  const code = ovhErrorCode(body)
  const special = (code ? CODE_SENTENCES[code] : undefined) ?? STATUS_SENTENCES[status]
  return new OvhError({ ...base, ...(special ? { code: special.code, message: special.message, retryable: special.retryable } : {}), outcome: 'none' }, code, status)
}

const CODE_SENTENCES: Record<string, { code: ErrorCode; message: string; retryable: boolean }> = {
  INVALID_SIGNATURE: {
    code: 'unauthorized',
    message: 'OVHcloud did not accept the request signature. Check the application secret and the consumer key (and that this computer’s clock is roughly right).',
    retryable: false,
  },
  INVALID_KEY: { code: 'unauthorized', message: 'OVHcloud does not know this application key. Check it, or create a new application.', retryable: false },
  INVALID_CREDENTIAL: { code: 'unauthorized', message: 'OVHcloud did not accept the consumer key: it may have expired, been revoked or never been validated. Create a new one.', retryable: false },
  NOT_CREDENTIAL: { code: 'unauthorized', message: 'OVHcloud does not know this consumer key for this application. Create a new one.', retryable: false },
  NOT_GRANTED_CALL: {
    code: 'forbidden',
    message: 'The consumer key may not make this call. Give it GET, POST and DELETE on /cloud/project/<project id>/*.',
    retryable: false,
  },
}

const STATUS_SENTENCES: Record<number, { code: ErrorCode; message: string; retryable: boolean }> = {
  401: { code: 'unauthorized', message: 'OVHcloud did not accept the credentials. Check the application key, secret and consumer key.', retryable: false },
  403: { code: 'forbidden', message: 'OVHcloud says these keys may not do that. Check the consumer key’s access rules.', retryable: false },
}

function unexpectedAnswer(what: string): AppError {
  return unknownOutcome(PROVIDER, what)
}

type FieldKind = 'string' | 'number' | 'boolean' | 'array' | 'object'
type Shape = Record<string, FieldKind | `${FieldKind}?`>

const PROJECT_SHAPE: Shape = { project_id: 'string', status: 'string' }
const FLAVOR_SHAPE: Shape = { id: 'string', name: 'string', region: 'string', osType: 'string', available: 'boolean', vcpus: 'number', ram: 'number', disk: 'number', type: 'string' }
const IMAGE_SHAPE: Shape = { id: 'string', name: 'string', region: 'string', status: 'string', type: 'string' }
const INSTANCE_SHAPE: Shape = { id: 'string', name: 'string', region: 'string', status: 'string', ipAddresses: 'array', flavor: 'object?' }

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function hasKind(value: unknown, kind: FieldKind): boolean {
  if (kind === 'array') return Array.isArray(value)
  if (kind === 'object') return isRecord(value)
  return typeof value === kind
}

function shaped<T>(value: unknown, where: string, shape: Shape): T {
  if (!isRecord(value)) throw unexpectedAnswer(`${where} is missing or not an object`)
  for (const [key, expected] of Object.entries(shape)) {
    const optional = expected.endsWith('?')
    const kind = expected.replace('?', '') as FieldKind
    const field = value[key]
    if (optional && (field === undefined || field === null)) continue
    if (!hasKind(field, kind)) throw unexpectedAnswer(`${where}.${key} is ${field === undefined ? 'missing' : `not of type ${kind}`}`)
  }
  return value as T
}

/** A path segment from an id: only the characters OVH ids use, so nothing else reaches the URL. */
function segment(value: string, what: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(value)) {
    throw new AppError({ code: 'invalid-input', field: what === 'project id' ? 'credentials.projectId' : 'locator', message: `"${value.slice(0, 40)}" is not an OVHcloud ${what}.`, retryable: false })
  }
  return value
}

function instancePath(serviceName: string, id: string): string {
  return `/cloud/project/${segment(serviceName, 'project id')}/instance/${segment(id, 'instance id')}`
}
