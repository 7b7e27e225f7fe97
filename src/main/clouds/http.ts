/**
 * The one place hand-written REST clients send requests from: a deadline on every call,
 * cancellation, JSON in and out, and every HTTP failure turned into an AppError whose
 * message is a plain sentence and whose providerMessage is the provider's own words.
 * Nothing here logs a request: headers carry credentials. Network failures below HTTP are
 * Exitdesk's own diagnostics (`detail`), never put in the provider's mouth.
 */
import { AppError, type ErrorCode } from '../../shared/errors'
import { redactor } from '../redact'

/** A cloud call never holds the UI: past this it is cancelled and reported as a timeout. */
export const DEFAULT_TIMEOUT_MS = 15_000

export interface RestClientOptions {
  /** e.g. "DigitalOcean": used in messages. */
  provider: string
  baseUrl: string
  headers: () => Record<string, string>
  /** Pulls the provider's message out of an error body. */
  providerMessage: (body: unknown) => string | undefined
  timeoutMs?: number
  /**
   * The account's request budget (./budget.ts): asked before each request, and refusing at
   * once (a `rate-limited` error, nothing sent) when there is no room; told each answer's status
   * and rate-limit headers.
   */
  budget?: { beforeRequest(): void; afterResponse(status: number, headers: Headers): void }
}

export interface RestResponse<T> {
  status: number
  body: T
  headers: Headers
}

export interface RequestOptions {
  query?: Record<string, string | number | undefined>
  body?: unknown
  /** A body sent as it is, not as JSON (e.g. Scaleway's cloud-init, `text/plain`). Wins over `body`. */
  rawBody?: { text: string; contentType: string }
  headers?: Record<string, string>
  signal: AbortSignal
  /** Statuses that are not errors for this call, e.g. 404 on a delete. */
  accept?: number[]
  /**
   * The 2xx statuses the provider documents for this call (e.g. `[204]` for a DigitalOcean
   * DELETE). Any other 2xx is not the provider's answer — a proxy or captive portal said it —
   * so the outcome is unknown: an error, never a success.
   */
  expect?: number[]
}

export class RestClient {
  constructor(private readonly options: RestClientOptions) {}

  async request<T>(method: string, path: string, request: RequestOptions): Promise<RestResponse<T>> {
    try {
      return await this.exchange<T>(method, path, request)
    } catch (error) {
      throw withOutcome(error, method)
    }
  }

  private async exchange<T>(method: string, path: string, request: RequestOptions): Promise<RestResponse<T>> {
    const url = this.url(path, request.query)
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS)
    const signal = AbortSignal.any([request.signal, timeout])
    const headers: Record<string, string> = { accept: 'application/json', ...this.options.headers(), ...request.headers }
    let body: string | undefined
    if (request.rawBody !== undefined) {
      headers['content-type'] = request.rawBody.contentType
      body = request.rawBody.text
    } else if (request.body !== undefined) {
      headers['content-type'] = 'application/json'
      body = JSON.stringify(request.body)
    }
    this.options.budget?.beforeRequest()
    let response: Response
    try {
      response = await fetch(url, { method, headers, body, signal, redirect: 'error' })
    } catch (error) {
      throw this.transportError(error, timeout.aborted, request.signal, 'connect')
    }
    this.options.budget?.afterResponse(response.status, response.headers)
    let text: string
    try {
      // The body streams after the headers: a reset or a deadline here fails this read, not fetch().
      text = await response.text()
    } catch (error) {
      throw this.transportError(error, timeout.aborted, request.signal, 'read')
    }
    if (response.ok) {
      // A 2xx is a success only when it is the provider's: a documented status, and a JSON body
      // labelled as JSON. A captive portal's `200 text/html` or a truncated body is not, and
      // whether the call was carried out is unknown (see `outcomeUnknown`).
      const read = providerSuccess(response, text, request.expect)
      if ('problem' in read) throw unknownOutcome(this.options.provider, `${method} ${path}: ${read.problem}`)
      return { status: response.status, body: read.body as T, headers: response.headers }
    }
    const parsed = readErrorBody(text)
    if (request.accept?.includes(response.status)) {
      return { status: response.status, body: parsed as T, headers: response.headers }
    }
    throw httpError(this.options.provider, response.status, this.options.providerMessage(parsed), response.headers)
  }

  private url(path: string, query: RequestOptions['query']): string {
    const url = new URL(path.replace(/^\//, ''), this.options.baseUrl.endsWith('/') ? this.options.baseUrl : `${this.options.baseUrl}/`)
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value))
    }
    return url.toString()
  }

  /**
   * A failure below HTTP: the deadline (ours, or the caller's `AbortSignal.timeout()`, whose
   * reason is a TimeoutError), a cancellation, or the network, while connecting or while the
   * answer was still arriving.
   */
  private transportError(error: unknown, timedOut: boolean, callerSignal: AbortSignal, phase: 'connect' | 'read'): AppError {
    const provider = this.options.provider
    if (timedOut || isTimeout(callerSignal.reason) || isTimeout(error)) {
      return new AppError({ code: 'timeout', message: `${provider} did not answer in time. Please try again.`, retryable: true })
    }
    if (callerSignal.aborted || (error instanceof Error && error.name === 'AbortError')) {
      return new AppError({ code: 'timeout', message: `The request to ${provider} was cancelled.`, retryable: true })
    }
    // undici's "fetch failed" TypeError carries the socket's error as `cause`: a local fact
    // (DNS, refused, reset), so it is our detail and never the provider's words.
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined
    return new AppError({
      code: 'network',
      message:
        phase === 'connect'
          ? `Could not reach ${provider}. Check your network connection and the account's API endpoint.`
          : `The connection to ${provider} broke before its answer arrived. Check your network connection and try again.`,
      detail: cause,
      retryable: true,
    })
  }
}

/**
 * Says whether the cloud may have acted on a failed call: a read never changed anything, a
 * refusal (4xx, 429) means nothing was done, and a mutating call that timed out, broke, got a
 * 5xx or a foreign 2xx may have been carried out.
 */
function withOutcome(error: unknown, method: string): unknown {
  if (!(error instanceof AppError) || error.info.outcome !== undefined) return error
  const reads = method === 'GET' || method === 'HEAD'
  const maybe = !reads && (error.info.code === 'timeout' || error.info.code === 'network' || error.info.code === 'provider-unavailable')
  return new AppError({ ...error.info, outcome: maybe ? 'unknown' : 'none' })
}

function isTimeout(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'name' in value && value.name === 'TimeoutError'
}

/** The body of a 2xx that is the provider's answer, or why it is not. */
function providerSuccess(response: Response, text: string, expect: number[] | undefined): { body: unknown } | { problem: string } {
  if (expect && !expect.includes(response.status)) return { problem: `HTTP ${response.status} where the API answers ${expect.join(' or ')}` }
  if (text.length === 0) return { body: undefined }
  const type = response.headers.get('content-type') ?? ''
  if (!/^application\/([a-z0-9.+-]*\+)?json\b/i.test(type.trim())) return { problem: `HTTP ${response.status} with ${type.split(';')[0] || 'no content type'} instead of JSON` }
  try {
    return { body: JSON.parse(text) as unknown } // parsed once: at 5,000 hosts a second parse was a tenth of a refresh
  } catch {
    return { problem: `HTTP ${response.status} with a body that is not complete JSON` }
  }
}

/**
 * A success answer that did not come from the provider: nobody can say whether the call was
 * carried out. Retryable, and `outcomeUnknown()` is true for it, so a create is looked up by
 * its tag before it is ever sent again.
 */
export function unknownOutcome(provider: string, detail: string): AppError {
  return new AppError({ code: 'provider-unavailable', message: `${provider} answered with something Exitdesk does not understand.`, detail, retryable: true })
}

function readErrorBody(text: string): unknown {
  if (text.length === 0) return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    // Gateways answer 502/504 with HTML; keep a short plain excerpt as the provider's words.
    // Redacted before it is cut: a page that prints the request's Authorization header could
    // otherwise leave a fragment of the token at the cut, which no later redaction recognises.
    return { message: redactor.redactText(text).replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200) }
  }
}

/** Maps an HTTP failure to the user's sentence; the provider's own words travel beside it. */
export function httpError(provider: string, status: number, providerMessage: string | undefined, headers?: Headers): AppError {
  const known = STATUS_SENTENCES[status]
  const code: ErrorCode = known?.code ?? (status >= 500 ? 'provider-unavailable' : 'unprocessable')
  const message = known?.message(provider) ?? (status >= 500 ? `${provider} is having trouble (HTTP ${status}). Please try again in a minute.` : `${provider} refused the request (HTTP ${status}).`)
  const retryAfterSeconds = status === 429 ? retryAfter(headers) : undefined
  return new AppError({
    code,
    message: retryAfterSeconds !== undefined ? `${message} Exitdesk will try again in ${retryAfterSeconds} s.` : message,
    providerMessage,
    retryable: code === 'rate-limited' || code === 'provider-unavailable',
    retryAfterSeconds,
  })
}

const STATUS_SENTENCES: Record<number, { code: ErrorCode; message: (provider: string) => string }> = {
  400: { code: 'unprocessable', message: (p) => `${p} rejected the request as malformed.` },
  401: { code: 'unauthorized', message: (p) => `${p} did not accept the API token. Check it, or create a new one.` },
  403: { code: 'forbidden', message: (p) => `${p} says this token may not do that. Give it the needed scopes.` },
  404: { code: 'not-found', message: (p) => `${p} does not know that resource (it may already be gone).` },
  409: { code: 'conflict', message: (p) => `${p} reports a conflict with the current state of the resource.` },
  422: { code: 'unprocessable', message: (p) => `${p} could not accept these settings.` },
  429: { code: 'rate-limited', message: (p) => `${p} is limiting how fast Exitdesk may call it.` },
}

/** Seconds to wait, from `Retry-After` or a `RateLimit-Reset`/`ratelimit-reset` epoch. */
export function retryAfter(headers: Headers | undefined, nowMs: number = Date.now()): number | undefined {
  if (!headers) return undefined
  const retry = headers.get('retry-after')
  if (retry !== null) {
    const seconds = Number(retry)
    if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds))
    const date = Date.parse(retry)
    if (!Number.isNaN(date)) return Math.max(0, Math.ceil((date - nowMs) / 1000))
  }
  const reset = Number(headers.get('ratelimit-reset'))
  if (Number.isFinite(reset) && reset > 0) {
    // DigitalOcean and Hetzner send an epoch in seconds; small values are a delta.
    return reset > 1_000_000_000 ? Math.max(0, Math.ceil(reset - nowMs / 1000)) : Math.ceil(reset)
  }
  return undefined
}
