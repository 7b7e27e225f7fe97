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
}

export interface RestResponse<T> {
  status: number
  body: T
  headers: Headers
}

export interface RequestOptions {
  query?: Record<string, string | number | undefined>
  body?: unknown
  headers?: Record<string, string>
  signal: AbortSignal
  /** Statuses that are not errors for this call, e.g. 404 on a delete. */
  accept?: number[]
}

export class RestClient {
  constructor(private readonly options: RestClientOptions) {}

  async request<T>(method: string, path: string, request: RequestOptions): Promise<RestResponse<T>> {
    const url = this.url(path, request.query)
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS)
    const signal = AbortSignal.any([request.signal, timeout])
    const headers: Record<string, string> = { accept: 'application/json', ...this.options.headers(), ...request.headers }
    let body: string | undefined
    if (request.body !== undefined) {
      headers['content-type'] = 'application/json'
      body = JSON.stringify(request.body)
    }
    let response: Response
    try {
      response = await fetch(url, { method, headers, body, signal, redirect: 'error' })
    } catch (error) {
      throw this.transportError(error, timeout.aborted, request.signal, 'connect')
    }
    let parsed: unknown
    try {
      // The body streams after the headers: a reset or a deadline here fails this read, not fetch().
      parsed = await readBody(response)
    } catch (error) {
      throw this.transportError(error, timeout.aborted, request.signal, 'read')
    }
    if (response.ok || request.accept?.includes(response.status)) {
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

function isTimeout(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'name' in value && value.name === 'TimeoutError'
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text()
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
