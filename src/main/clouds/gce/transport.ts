/**
 * The one door the official SDK's requests go through. `@google-cloud/compute` in REST mode
 * (`fallback: true`) sends every request with `authClient.fetch(url, init)`
 * (google-gax build/src/fallbackServiceStub.js), so an object shaped like an auth client —
 * `getRequestHeaders()`, `fetch()`, `universeDomain` — sees each request and its answer. Here it:
 * - refuses any URL outside the account's endpoint (the SDK must never reach for
 *   metadata.google.internal or any other host);
 * - adds the bearer token from the real auth client (a self-signed JWT from the key, or in tests
 *   a static token), and nothing else;
 * - passes the account's request budget before each request and tells it each answer;
 * - puts the caller's AbortSignal and Exitdesk's deadline on the request (gax's own `timeout`
 *   does not abort a REST request);
 * - turns every failure into an AppError with a sentence (./errors.ts), and a 2xx that is not
 *   Google's JSON into an unknown outcome, before gax sees it. gax passes errors thrown here
 *   through unchanged (it is configured with no retries: Exitdesk's host service retries).
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { AppError } from '../../../shared/errors'
import type { RequestGate } from '../budget'
import { DEFAULT_TIMEOUT_MS, unknownOutcome } from '../http'
import { redactor } from '../../redact'
import { gceHttpError, PROVIDER, readGoogleError } from './errors'

/** What the real credential has to offer: bearer headers (google-auth-library's JWT, or a static token in tests). */
export interface HeaderSource {
  getRequestHeaders(url?: string): Promise<Headers | Record<string, string>>
}

/** The per-call context: set around each SDK call, read by every request that call makes. */
interface CallContext {
  signal: AbortSignal
  /** The account's request budget, seen with the caller's priority. */
  gate?: RequestGate
  /** A list's bound on requests (its pages), so an answer that always names a next page never loops forever. */
  limit?: { maxRequests: number; what: string }
  sent: number
}

export interface TransportOptions {
  /** e.g. "https://compute.googleapis.com" or a fake's "http://127.0.0.1:4567". */
  origin: string
  credential: HeaderSource
  timeoutMs?: number
}

export class GceTransport {
  /** Read by gax (fallback.ts createStub) to check the credential's universe. */
  readonly universeDomain = 'googleapis.com'
  private readonly calls = new AsyncLocalStorage<CallContext>()

  constructor(private readonly options: TransportOptions) {}

  /** Runs one SDK call with this signal on each of its requests. */
  run<T>(call: { signal: AbortSignal; gate?: RequestGate; limit?: CallContext['limit'] }, work: () => Promise<T>): Promise<T> {
    return this.calls.run({ ...call, sent: 0 }, work)
  }

  async getRequestHeaders(): Promise<Headers> {
    const given = await this.options.credential.getRequestHeaders()
    const headers = new Headers(given instanceof Headers ? given : Object.entries(given))
    const authorization = headers.get('authorization')
    // A token main has learnt: no error text or log may carry it.
    if (authorization) redactor.remember(authorization.replace(/^Bearer\s+/i, ''))
    return headers
  }

  /** gax's request: `init` carries method, headers, body and gax's own cancel signal. */
  async fetch(input: string | URL, init: { method?: string; headers?: ConstructorParameters<typeof Headers>[0]; body?: string | Uint8Array; signal?: AbortSignal } = {}): Promise<Response> {
    const url = new URL(String(input))
    const method = (init.method ?? 'GET').toUpperCase()
    if (url.origin !== new URL(this.options.origin).origin) {
      // Never sent: the SDK asked for a host that is not the account's endpoint.
      throw new AppError({ code: 'internal', message: 'Exitdesk refused to send a Google Compute Engine request outside the account\'s endpoint.', detail: url.origin, retryable: false, outcome: 'none' })
    }
    const context = this.calls.getStore()
    if (context) {
      context.sent += 1
      if (context.limit && context.sent > context.limit.maxRequests) {
        throw new AppError({ code: 'provider-unavailable', message: `${PROVIDER} kept returning more pages of ${context.limit.what} after ${context.limit.maxRequests}; Exitdesk stopped reading.`, retryable: false, outcome: 'none' })
      }
    }
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS)
    const signal = AbortSignal.any([timeout, ...(context ? [context.signal] : []), ...(init.signal ? [init.signal] : [])])
    const headers = new Headers(init.headers)
    for (const [name, value] of await this.getRequestHeaders()) headers.set(name, value)
    headers.set('accept', 'application/json')
    context?.gate?.beforeRequest()
    let response: Response
    try {
      const body = init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : Buffer.from(init.body).toString('utf8')
      response = await fetch(url, { method, headers, body, signal, redirect: 'error' })
    } catch (error) {
      throw transportError(error, timeout.aborted, context?.signal, 'connect', method)
    }
    let text: string
    try {
      text = await response.text()
    } catch (error) {
      tellBudget(context, response.status, response.headers, undefined)
      throw transportError(error, timeout.aborted, context?.signal, 'read', method)
    }
    const mutating = method !== 'GET' && method !== 'HEAD'
    if (response.ok) {
      tellBudget(context, response.status, response.headers, undefined)
      const problem = foreign(response, text)
      if (problem) {
        const error = unknownOutcome(PROVIDER, `${method} ${url.pathname}: ${problem}`)
        throw new AppError({ ...error.info, outcome: mutating ? 'unknown' : 'none' })
      }
      return new Response(text, { status: response.status, headers: { 'content-type': 'application/json' } })
    }
    const google = readGoogleError(parseQuietly(text))
    const error = gceHttpError(response.status, google ?? (text ? { message: pageText(text), reasons: [] } : undefined), response.headers)
    tellBudget(context, response.status, response.headers, error)
    // A 5xx on a mutating call may have been carried out; a refusal was not.
    throw new AppError({ ...error.info, outcome: mutating && response.status >= 500 ? 'unknown' : 'none' })
  }

}

/** GCE says "slow down" with a 403 rateLimitExceeded too: the budget hears it as the 429 it is. */
function tellBudget(context: CallContext | undefined, status: number, headers: Headers, error: AppError | undefined): void {
  context?.gate?.afterResponse(error?.info.code === 'rate-limited' ? 429 : status, headers)
}

/** Why a 2xx is not Google's answer (a portal page, a cut-off body), or undefined when it is. */
function foreign(response: Response, text: string): string | undefined {
  const type = response.headers.get('content-type') ?? ''
  if (!/^application\/([a-z0-9.+-]*\+)?json\b/i.test(type.trim())) return `HTTP ${response.status} with ${type.split(';')[0] || 'no content type'} instead of JSON`
  if (text.length === 0) return `HTTP ${response.status} with an empty body`
  try {
    const parsed: unknown = JSON.parse(text)
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return `HTTP ${response.status} with JSON that is not an object`
  } catch {
    return `HTTP ${response.status} with a body that is not complete JSON`
  }
  return undefined
}

function parseQuietly(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

/** A gateway's HTML page as a short plain excerpt, redacted before it is cut (see ../http.ts readErrorBody). */
function pageText(text: string): string {
  return redactor.redactText(text).replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200)
}

function isTimeout(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'name' in value && value.name === 'TimeoutError'
}

function transportError(error: unknown, timedOut: boolean, callerSignal: AbortSignal | undefined, phase: 'connect' | 'read', method: string): AppError {
  const mutating = method !== 'GET' && method !== 'HEAD'
  const outcome = mutating ? ('unknown' as const) : ('none' as const)
  if (timedOut || isTimeout(callerSignal?.reason) || isTimeout(error)) {
    return new AppError({ code: 'timeout', message: `${PROVIDER} did not answer in time. Please try again.`, retryable: true, outcome })
  }
  if (callerSignal?.aborted || (error instanceof Error && error.name === 'AbortError')) {
    return new AppError({ code: 'timeout', message: `The request to ${PROVIDER} was cancelled.`, retryable: true, outcome })
  }
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined
  return new AppError({
    code: 'network',
    message:
      phase === 'connect'
        ? `Could not reach ${PROVIDER}. Check your network connection and the account's API endpoint.`
        : `The connection to ${PROVIDER} broke before its answer arrived. Check your network connection and try again.`,
    detail: cause,
    retryable: true,
    // A connection that was refused never carried the request.
    outcome: phase === 'connect' && /ECONNREFUSED/.test(cause ?? '') ? 'none' : outcome,
  })
}
