/**
 * Google's error answers -> Exitdesk's sentences. The Compute API answers every failure with
 * `{ "error": { "code", "message", "errors": [{ "message", "domain", "reason" }], "status"? } }`
 * (https://cloud.google.com/compute/docs/api/handling-errors and
 * https://cloud.google.com/apis/design/errors#http_mapping). The `reason` tells apart what the
 * HTTP status does not: a 403 is a missing permission, a disabled API, a used-up resource
 * quota or a rate limit; only the last is worth waiting for.
 */
import { AppError, type AppErrorInfo } from '../../../shared/errors'
import { httpError } from '../http'

export const PROVIDER = 'Google Compute Engine'

/** Reasons that mean "too many requests, wait for the minute to end" (https://cloud.google.com/compute/api-quota). */
const RATE_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded', 'RATE_LIMIT_EXCEEDED'])

export interface GoogleErrorBody {
  code?: number
  message?: string
  status?: string
  reasons: string[]
}

/** Reads `{ error: {...} }`; anything else (a proxy's page) gives nothing but what readable text it had. */
export function readGoogleError(body: unknown): GoogleErrorBody | undefined {
  if (typeof body !== 'object' || body === null || !('error' in body)) return undefined
  const error = (body as { error: unknown }).error
  if (typeof error !== 'object' || error === null) return undefined
  const e = error as Record<string, unknown>
  const reasons = Array.isArray(e.errors)
    ? e.errors.flatMap((item: unknown) => (typeof item === 'object' && item !== null && typeof (item as { reason?: unknown }).reason === 'string' ? [(item as { reason: string }).reason] : []))
    : []
  // google.rpc.ErrorInfo details carry the reason in newer answers.
  if (Array.isArray(e.details)) {
    for (const detail of e.details) {
      if (typeof detail === 'object' && detail !== null && typeof (detail as { reason?: unknown }).reason === 'string') reasons.push((detail as { reason: string }).reason)
    }
  }
  return {
    code: typeof e.code === 'number' ? e.code : undefined,
    message: typeof e.message === 'string' && e.message.length > 0 ? e.message : undefined,
    status: typeof e.status === 'string' ? e.status : undefined,
    reasons,
  }
}

/** Seconds until the next minute boundary, when GCE's per-minute quotas refill. */
function toNextMinute(nowMs: number): number {
  return Math.max(1, 60 - Math.floor((nowMs / 1000) % 60))
}

/** One failed answer as the user's sentence, with Google's own words beside it. */
export function gceHttpError(status: number, google: GoogleErrorBody | undefined, headers: Headers, nowMs: number = Date.now()): AppError {
  const words = google?.message
  const reasons = google?.reasons ?? []
  const has = (...wanted: string[]): boolean => reasons.some((reason) => wanted.includes(reason))
  if (status === 429 || (status === 403 && has(...RATE_REASONS))) {
    const base = httpError(PROVIDER, 429, words, headers)
    const retryAfterSeconds = base.info.retryAfterSeconds ?? toNextMinute(nowMs)
    return new AppError({
      ...base.info,
      message: `Google Compute Engine is limiting how fast Exitdesk may call it (the project's per-minute API quota). Exitdesk will try again in ${retryAfterSeconds} s.`,
      retryAfterSeconds,
    })
  }
  const info = ((): Omit<AppErrorInfo, 'providerMessage'> | undefined => {
    if (status === 401) return { code: 'unauthorized', message: 'Google did not accept the service-account key. It may have been deleted or disabled; create a new key.', retryable: false }
    if (status === 403 && has('accessNotConfigured', 'SERVICE_DISABLED')) return { code: 'forbidden', message: 'The Compute Engine API is not enabled in this project. Enable it in the console (APIs & Services), then try again.', retryable: false }
    if (status === 403 && has('quotaExceeded', 'QUOTA_EXCEEDED', 'limitExceeded')) return { code: 'unprocessable', message: "The project's Compute Engine quota does not allow this. Ask for a higher quota or choose another region.", retryable: false }
    if (status === 403 && has('billingNotEnabled', 'BILLING_DISABLED', 'accountDisabled')) return { code: 'forbidden', message: 'Billing is not enabled for this project, so Compute Engine refuses to create anything.', retryable: false }
    if (status === 403) return { code: 'forbidden', message: 'The service account may not do that in this project. Give it the Compute Instance Admin (v1) and Compute Security Admin roles.', retryable: false }
    if (status === 404) return { code: 'not-found', message: 'Google Compute Engine does not know that resource (it may already be gone).', retryable: false }
    if (status === 409) return { code: 'conflict', message: has('alreadyExists') ? 'Google Compute Engine already has a resource of that name in this project.' : 'Google Compute Engine reports a conflict with the current state of the resource.', retryable: false }
    if (status === 412) return { code: 'conflict', message: 'Google Compute Engine says the resource changed meanwhile.', retryable: true }
    return undefined
  })()
  if (!info) return httpError(PROVIDER, status, words, headers)
  return new AppError({ ...info, providerMessage: words })
}

/**
 * A finished operation's error (`Operation.error.errors[]`, with `httpErrorStatusCode`): GCE
 * accepts a create and reports later that it failed, e.g. ZONE_RESOURCE_POOL_EXHAUSTED or
 * QUOTA_EXCEEDED. Exhausted capacity is worth trying again later; a quota is not.
 */
export function operationError(what: string, errors: Array<{ code?: string | null; message?: string | null }>, httpStatus?: number | null): AppError {
  const codes = errors.map((error) => error.code ?? '')
  const words = errors.map((error) => error.message ?? error.code ?? '').filter(Boolean).join('; ') || undefined
  if (codes.some((code) => /RESOURCE_POOL_EXHAUSTED|RESOURCE_NOT_AVAILABLE|STOCKOUT/.test(code))) {
    return new AppError({ code: 'provider-unavailable', message: `Google Compute Engine has no capacity for ${what} in this zone right now. Try again later or choose another zone.`, providerMessage: words, retryable: true, outcome: 'none' })
  }
  if (codes.some((code) => /QUOTA/.test(code))) {
    return new AppError({ code: 'unprocessable', message: `The project's Compute Engine quota does not allow ${what}. Ask for a higher quota or choose another region.`, providerMessage: words, retryable: false })
  }
  if (codes.includes('RESOURCE_ALREADY_EXISTS') || httpStatus === 409) {
    return new AppError({ code: 'conflict', message: `Google Compute Engine already has a resource named like ${what}.`, providerMessage: words, retryable: false })
  }
  const retryable = httpStatus !== undefined && httpStatus !== null && httpStatus >= 500
  return new AppError({ code: retryable ? 'provider-unavailable' : 'unprocessable', message: `Google Compute Engine could not carry out ${what}.`, providerMessage: words, retryable, outcome: 'none' })
}
